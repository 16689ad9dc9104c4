#ifndef LOADGEN_CLOADSHIM_H
#define LOADGEN_CLOADSHIM_H
/* epoll for the load generator's receiver (Swift's Glibc overlay does not expose it). */
#include <stdint.h>
int loadgen_epoll_create(void);
int loadgen_epoll_add(int epfd, int fd, uint64_t data);
/* Waits up to timeout_ms; writes the data of ready fds into out (capacity max); returns the count or -1. */
int loadgen_epoll_wait(int epfd, uint64_t *out, int max, int timeout_ms);
/* Under SCHED_FIFO/SCHED_RR, raises the calling thread one priority step; returns the new priority or 0. */
int loadgen_raise_realtime_priority(void);
#endif
