#include "cloadshim.h"
#include <sys/epoll.h>
#include <string.h>
#include <pthread.h>
#include <sched.h>

int loadgen_raise_realtime_priority(void) {
    int policy;
    struct sched_param param;
    if (pthread_getschedparam(pthread_self(), &policy, &param) != 0) return 0;
    if (policy != SCHED_FIFO && policy != SCHED_RR) return 0;
    if (param.sched_priority >= sched_get_priority_max(policy)) return 0;
    param.sched_priority += 1;
    return pthread_setschedparam(pthread_self(), policy, &param) == 0 ? param.sched_priority : 0;
}

int loadgen_epoll_create(void) { return epoll_create1(EPOLL_CLOEXEC); }

int loadgen_epoll_add(int epfd, int fd, uint64_t data) {
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = EPOLLIN;
    ev.data.u64 = data;
    return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

int loadgen_epoll_wait(int epfd, uint64_t *out, int max, int timeout_ms) {
    struct epoll_event events[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, events, max, timeout_ms);
    for (int i = 0; i < n; i++) out[i] = events[i].data.u64;
    return n;
}
