#define _GNU_SOURCE
#include "cshim.h"
#include <errno.h>
#include <unistd.h>
#include <string.h>

size_t rtprelay_mmsghdr_size(void) { return sizeof(struct mmsghdr); }
struct msghdr *rtprelay_mmsghdr_msg(struct mmsghdr *vec, unsigned int index) { return &vec[index].msg_hdr; }
unsigned int rtprelay_mmsghdr_len(const struct mmsghdr *vec, unsigned int index) { return vec[index].msg_len; }

int rtprelay_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags) {
    return recvmmsg(fd, vec, vlen, flags, NULL);
}
int rtprelay_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags) {
    return sendmmsg(fd, vec, vlen, flags);
}

int rtprelay_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }
int rtprelay_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = events;
    ev.data.u64 = data;
    return epoll_ctl(epfd, op, fd, &ev);
}
int rtprelay_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout_ms) {
    return epoll_wait(epfd, events, maxevents, timeout_ms);
}
uint64_t rtprelay_epoll_event_data(const struct epoll_event *events, int index) { return events[index].data.u64; }
uint32_t rtprelay_epoll_event_flags(const struct epoll_event *events, int index) { return events[index].events; }
size_t rtprelay_epoll_event_size(void) { return sizeof(struct epoll_event); }

int rtprelay_eventfd(void) { return eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC); }
int rtprelay_eventfd_signal(int fd) { uint64_t one = 1; return (int)write(fd, &one, sizeof one); }
int rtprelay_eventfd_drain(int fd) { uint64_t v; return (int)read(fd, &v, sizeof v); }

uint64_t rtprelay_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
uint64_t rtprelay_realtime_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000ull + (uint64_t)ts.tv_nsec / 1000ull;
}

int rtprelay_errno(void) { return errno; }
