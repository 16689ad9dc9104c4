#define _GNU_SOURCE
#include "cshim.h"
#include <errno.h>
#include <unistd.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sys/prctl.h>
#include <pthread.h>
#include <sched.h>

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

int rtprelay_timerfd(void) { return timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC); }
int rtprelay_timerfd_arm(int fd, uint64_t ns) {
    struct itimerspec spec;
    memset(&spec, 0, sizeof spec);
    if (ns == 0) ns = 1; /* an all-zero it_value would disarm the timer */
    spec.it_value.tv_sec = (time_t)(ns / 1000000000ull);
    spec.it_value.tv_nsec = (long)(ns % 1000000000ull);
    return timerfd_settime(fd, 0, &spec, NULL);
}

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

unsigned int rtprelay_sockaddr_make(const char *address, uint16_t port, void *out) {
    struct sockaddr_in6 six;
    struct sockaddr_in four;
    memset(&six, 0, sizeof six);
    memset(&four, 0, sizeof four);
    if (inet_pton(AF_INET, address, &four.sin_addr) == 1) {
        four.sin_family = AF_INET;
        four.sin_port = htons(port);
        memcpy(out, &four, sizeof four);
        return sizeof four;
    }
    if (inet_pton(AF_INET6, address, &six.sin6_addr) == 1) {
        six.sin6_family = AF_INET6;
        six.sin6_port = htons(port);
        memcpy(out, &six, sizeof six);
        return sizeof six;
    }
    return 0;
}

int rtprelay_sockaddr_format(const void *sa, unsigned int len, char *buf, unsigned int buflen, uint16_t *port) {
    sa_family_t family;
    if (len < sizeof family) return -1;
    memcpy(&family, sa, sizeof family);
    if (family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        struct sockaddr_in four;
        memcpy(&four, sa, sizeof four);
        *port = ntohs(four.sin_port);
        return inet_ntop(AF_INET, &four.sin_addr, buf, buflen) ? 0 : -1;
    }
    if (family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        struct sockaddr_in6 six;
        memcpy(&six, sa, sizeof six);
        *port = ntohs(six.sin6_port);
        return inet_ntop(AF_INET6, &six.sin6_addr, buf, buflen) ? 0 : -1;
    }
    return -1;
}

int rtprelay_udp_bind(const char *address, uint16_t port) {
    unsigned char storage[sizeof(struct sockaddr_in6)];
    unsigned int len = rtprelay_sockaddr_make(address, port, storage);
    if (len == 0) return -EINVAL;
    int family = (len == sizeof(struct sockaddr_in)) ? AF_INET : AF_INET6;
    int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    if (family == AF_INET6) {
        int one = 1;
        (void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    }
    if (bind(fd, (struct sockaddr *)storage, len) != 0) {
        int err = errno;
        close(fd);
        return -err;
    }
    return fd;
}

/* A second socket on fd's local address and port, connected to `peer`: sends through it skip the per-datagram
 * address copy-in, route lookup and IP-id hashing an unconnected socket pays, and the kernel delivers the peer's
 * datagrams to it (a connected socket outranks an unconnected one on the same port), everything else still to fd.
 * fd joins SO_REUSEPORT only while the twin binds, so no other socket can bind the port later (fd itself then
 * conflicts). Returns the twin's fd or -errno. */
int rtprelay_udp_twin(int fd, const void *peer, unsigned int peer_length) {
    struct sockaddr_storage local;
    socklen_t local_length = sizeof local;
    if (getsockname(fd, (struct sockaddr *)&local, &local_length) != 0) return -errno;
    int one = 1, zero = 0;
    int twin = socket(local.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (twin < 0) return -errno;
    if (local.ss_family == AF_INET6) (void)setsockopt(twin, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
    int err = 0;
    if (setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        setsockopt(twin, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0 ||
        bind(twin, (struct sockaddr *)&local, local_length) != 0 ||
        connect(twin, (const struct sockaddr *)peer, peer_length) != 0) {
        err = errno ? errno : EINVAL;
    }
    (void)setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &zero, sizeof zero);
    if (err) {
        close(twin);
        return -err;
    }
    return twin;
}

/* Points a twin at another peer (UDP connect again). 0 or -errno. */
int rtprelay_udp_reconnect(int fd, const void *peer, unsigned int peer_length) {
    return connect(fd, (const struct sockaddr *)peer, peer_length) == 0 ? 0 : -errno;
}

int rtprelay_close(int fd) { return close(fd); }

void rtprelay_mmsg_setup_recv(struct mmsghdr *vec, struct iovec *iov, struct sockaddr_storage *names,
                              unsigned char *buffers, size_t bufsize, unsigned int count) {
    memset(vec, 0, sizeof *vec * count);
    for (unsigned int i = 0; i < count; i++) {
        iov[i].iov_base = buffers + (size_t)i * bufsize;
        iov[i].iov_len = bufsize;
        vec[i].msg_hdr.msg_iov = &iov[i];
        vec[i].msg_hdr.msg_iovlen = 1;
        vec[i].msg_hdr.msg_name = &names[i];
        vec[i].msg_hdr.msg_namelen = sizeof names[i];
    }
}

int rtprelay_recv_batch(int fd, struct mmsghdr *vec, unsigned int n) {
    for (unsigned int i = 0; i < n; i++) {
        vec[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
        vec[i].msg_hdr.msg_flags = 0;
        vec[i].msg_len = 0;
    }
    return recvmmsg(fd, vec, n, MSG_DONTWAIT, NULL);
}

unsigned int rtprelay_mmsg_namelen(const struct mmsghdr *vec, unsigned int index) { return vec[index].msg_hdr.msg_namelen; }
int rtprelay_mmsg_truncated(const struct mmsghdr *vec, unsigned int index) {
    return (vec[index].msg_hdr.msg_flags & MSG_TRUNC) != 0;
}

void rtprelay_mmsg_set_send(struct mmsghdr *vec, struct iovec *iov, unsigned int index,
                            void *buf, size_t len, void *name, unsigned int namelen) {
    iov[index].iov_base = buf;
    iov[index].iov_len = len;
    vec[index].msg_hdr.msg_iov = &iov[index];
    vec[index].msg_hdr.msg_iovlen = 1;
    vec[index].msg_hdr.msg_name = name;
    vec[index].msg_hdr.msg_namelen = namelen;
    vec[index].msg_hdr.msg_control = NULL;
    vec[index].msg_hdr.msg_controllen = 0;
    vec[index].msg_hdr.msg_flags = 0;
    vec[index].msg_len = 0;
}

int rtprelay_send_batch(int fd, struct mmsghdr *vec, unsigned int first, unsigned int n) {
    if (n == 1) {
        /* The common case at 50 packets/s per stream: sendto skips copying in a msghdr and importing an iovec. */
        const struct msghdr *m = &vec[first].msg_hdr;
        ssize_t sent = sendto(fd, m->msg_iov[0].iov_base, m->msg_iov[0].iov_len, MSG_DONTWAIT,
                              (const struct sockaddr *)m->msg_name, m->msg_namelen);
        if (sent < 0) return -1;
        vec[first].msg_len = (unsigned int)sent;
        return 1;
    }
    return sendmmsg(fd, vec + first, n, MSG_DONTWAIT);
}

size_t rtprelay_iovec_size(void) { return sizeof(struct iovec); }
size_t rtprelay_sockaddr_storage_size(void) { return sizeof(struct sockaddr_storage); }

void rtprelay_set_thread_name(const char *name) { (void)prctl(PR_SET_NAME, name, 0, 0, 0); }

int rtprelay_raise_realtime_priority(void) {
    int policy;
    struct sched_param param;
    if (pthread_getschedparam(pthread_self(), &policy, &param) != 0) return 0;
    if (policy != SCHED_FIFO && policy != SCHED_RR) return 0;
    int max = sched_get_priority_max(policy);
    if (param.sched_priority >= max) return 0;
    param.sched_priority += 1;
    return pthread_setschedparam(pthread_self(), policy, &param) == 0 ? param.sched_priority : 0;
}
