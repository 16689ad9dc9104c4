#ifndef RTPRELAY_CSHIM_H
#define RTPRELAY_CSHIM_H
/* Linux calls that Swift's Glibc overlay does not expose (recvmmsg, sendmmsg, struct mmsghdr, epoll,
 * eventfd) plus a few helpers. Each wrapper is a plain pass-through: no allocation, no state. */
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <arpa/inet.h>
#include <time.h>

struct mmsghdr;

/* Opaque-size helpers so Swift can preallocate arrays of mmsghdr without the type being imported by value. */
size_t rtprelay_mmsghdr_size(void);
struct msghdr *rtprelay_mmsghdr_msg(struct mmsghdr *vec, unsigned int index);
unsigned int rtprelay_mmsghdr_len(const struct mmsghdr *vec, unsigned int index);

int rtprelay_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags);
int rtprelay_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags);

int rtprelay_epoll_create(void);
int rtprelay_epoll_ctl(int epfd, int op, int fd, uint32_t events, uint64_t data);
int rtprelay_epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout_ms);
uint64_t rtprelay_epoll_event_data(const struct epoll_event *events, int index);
uint32_t rtprelay_epoll_event_flags(const struct epoll_event *events, int index);
size_t rtprelay_epoll_event_size(void);

int rtprelay_eventfd(void);
int rtprelay_eventfd_signal(int fd);
int rtprelay_eventfd_drain(int fd);

/* Monotonic clock in nanoseconds (CLOCK_MONOTONIC). */
uint64_t rtprelay_monotonic_ns(void);
/* Wall clock in microseconds since the UNIX epoch (CLOCK_REALTIME). */
uint64_t rtprelay_realtime_us(void);

/* errno, read right after a failing call. */
int rtprelay_errno(void);

#endif
