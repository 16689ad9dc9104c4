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
#include <sys/timerfd.h>
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

/* A non-blocking, close-on-exec CLOCK_MONOTONIC timerfd (a worker's wake-up: read like an eventfd). */
int rtprelay_timerfd(void);
/* (Re)arms a one-shot expiry `ns` nanoseconds from now (0 counts as 1: as soon as possible). Returns 0 or -1. */
int rtprelay_timerfd_arm(int fd, uint64_t ns);

/* Monotonic clock in nanoseconds (CLOCK_MONOTONIC). */
uint64_t rtprelay_monotonic_ns(void);
/* Wall clock in microseconds since the UNIX epoch (CLOCK_REALTIME). */
uint64_t rtprelay_realtime_us(void);

/* ---- UDP sockets for the media plane (control-plane thread only) ---- */
/* Fills `out` (>= 28 bytes) with a sockaddr_in/sockaddr_in6 for a textual address and port; returns its
 * length, or 0 if the text is not an IPv4/IPv6 literal. */
unsigned int rtprelay_sockaddr_make(const char *address, uint16_t port, void *out);
/* Writes the textual address of a sockaddr into buf (>= 46 bytes) and its port; returns 0, or -1. */
int rtprelay_sockaddr_format(const void *sa, unsigned int len, char *buf, unsigned int buflen, uint16_t *port);
/* A non-blocking, close-on-exec UDP socket bound to address:port (IPV6_V6ONLY for IPv6, no SO_REUSEADDR).
 * Returns the fd, or -errno. */
int rtprelay_udp_bind(const char *address, uint16_t port);
int rtprelay_udp_twin(int fd, const void *peer, unsigned int peer_length);
int rtprelay_udp_reconnect(int fd, const void *peer, unsigned int peer_length);
int rtprelay_close(int fd);

/* ---- batch IO arrays (allocated once per worker by the caller) ---- */
/* Points recv entry i at buffers + i*bufsize and at names[i]; done once. */
void rtprelay_mmsg_setup_recv(struct mmsghdr *vec, struct iovec *iov, struct sockaddr_storage *names,
                              unsigned char *buffers, size_t bufsize, unsigned int count);
/* Resets name lengths and flags of the first n entries, then recvmmsg(MSG_DONTWAIT). */
int rtprelay_recv_batch(int fd, struct mmsghdr *vec, unsigned int n);
unsigned int rtprelay_mmsg_namelen(const struct mmsghdr *vec, unsigned int index);
int rtprelay_mmsg_truncated(const struct mmsghdr *vec, unsigned int index);
/* Sets send entry i to (buf, len) towards name/namelen. */
void rtprelay_mmsg_set_send(struct mmsghdr *vec, struct iovec *iov, unsigned int index,
                            void *buf, size_t len, void *name, unsigned int namelen);
/* sendmmsg(MSG_DONTWAIT) of entries [first, first+n) (a single entry goes out with sendto). */
int rtprelay_send_batch(int fd, struct mmsghdr *vec, unsigned int first, unsigned int n);
size_t rtprelay_iovec_size(void);
size_t rtprelay_sockaddr_storage_size(void);

/* Names the calling thread (15 characters max, as shown by top -H). */
void rtprelay_set_thread_name(const char *name);
/* When the calling thread runs under a real-time policy (SCHED_FIFO/SCHED_RR, inherited from the process), raises
 * its priority one step above the rest of the process. Returns the new priority, or 0 when nothing changed. */
int rtprelay_raise_realtime_priority(void);

/* errno, read right after a failing call. */
int rtprelay_errno(void);

#endif
