#ifndef RTPRELAY_CLIBURING_SHIM_H
#define RTPRELAY_CLIBURING_SHIM_H
/* liburing (Debian liburing-dev) for the media workers' io_uring mode. liburing's fast paths are static inline
 * functions and macros; these small inline wrappers give Swift one call per operation the worker needs, and own
 * the per-socket kernel-visible state (msghdr, iovec, address, buffer) so it never moves while an operation that
 * points at it is in flight. Nothing here allocates except rtprelay_uring_chunk_create (on the control path). */
#include <liburing.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

/* One relay socket's receive and send state. The received datagram stays in `buffer` while it is being sent
 * onwards (relaying never copies payload), so a socket has at most one operation in flight: a receive, or the
 * send of what it received. */
struct rtprelay_usock {
    struct msghdr recv_msg;
    struct iovec recv_iov;
    struct sockaddr_storage recv_name;
    struct msghdr send_msg;
    struct iovec send_iov;
    struct sockaddr_storage send_name;
    unsigned char *buffer;
    size_t buffer_size;
};

/* `count` socket states with their buffers in one allocation (never moved); NULL on failure. */
static inline struct rtprelay_usock *rtprelay_uring_chunk_create(unsigned count, size_t buffer_size) {
    size_t head = ((sizeof(struct rtprelay_usock) * count) + 63) & ~(size_t)63;
    unsigned char *raw = (unsigned char *)aligned_alloc(64, head + buffer_size * count);
    if (!raw) return NULL;
    memset(raw, 0, head);
    struct rtprelay_usock *s = (struct rtprelay_usock *)raw;
    for (unsigned i = 0; i < count; i++) {
        s[i].buffer = raw + head + buffer_size * i;
        s[i].buffer_size = buffer_size;
    }
    return s;
}
static inline void rtprelay_uring_chunk_destroy(struct rtprelay_usock *chunk) { free(chunk); }
static inline struct rtprelay_usock *rtprelay_uring_chunk_at(struct rtprelay_usock *chunk, unsigned i) { return chunk + i; }

/* A ring for one worker thread. Tries single-issuer + deferred task work (completions are processed only when the
 * worker asks, in batches: kernels >= 6.1), then plain. Returns 0 or -errno. */
static inline int rtprelay_uring_init(struct io_uring *ring, unsigned entries, unsigned cq_entries) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN;
    p.cq_entries = cq_entries;
    int rc = io_uring_queue_init_params(entries, ring, &p);
    if (rc == -EINVAL) {
        memset(&p, 0, sizeof p);
        p.flags = IORING_SETUP_CQSIZE;
        p.cq_entries = cq_entries;
        rc = io_uring_queue_init_params(entries, ring, &p);
    }
    return rc;
}
static inline void rtprelay_uring_exit(struct io_uring *ring) { io_uring_queue_exit(ring); }

/* An SQE, submitting what is queued first when the submission queue is full. */
static inline struct io_uring_sqe *rtprelay_uring_sqe(struct io_uring *ring) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(ring);
    if (!sqe) {
        io_uring_submit(ring);
        sqe = io_uring_get_sqe(ring);
    }
    return sqe;
}

/* Arms one receive on fd into s. MSG_TRUNC makes the result the datagram's real length, so a datagram larger than
 * the buffer shows as res > buffer_size. Returns 0, or -EBUSY when no SQE could be had. */
static inline int rtprelay_uring_recv(struct io_uring *ring, int fd, struct rtprelay_usock *s, uint64_t token) {
    struct io_uring_sqe *sqe = rtprelay_uring_sqe(ring);
    if (!sqe) return -EBUSY;
    s->recv_iov.iov_base = s->buffer;
    s->recv_iov.iov_len = s->buffer_size;
    s->recv_msg.msg_iov = &s->recv_iov;
    s->recv_msg.msg_iovlen = 1;
    s->recv_msg.msg_name = &s->recv_name;
    s->recv_msg.msg_namelen = sizeof s->recv_name;
    s->recv_msg.msg_control = NULL;
    s->recv_msg.msg_controllen = 0;
    s->recv_msg.msg_flags = 0;
    io_uring_prep_recvmsg(sqe, fd, &s->recv_msg, MSG_TRUNC);
    io_uring_sqe_set_data64(sqe, token);
    return 0;
}

/* Length of the source address of the last receive, from its family (16 or 28; 0 if neither). */
static inline unsigned rtprelay_uring_source_length(const struct rtprelay_usock *s) {
    sa_family_t family = s->recv_name.ss_family;
    if (family == AF_INET) return sizeof(struct sockaddr_in);
    if (family == AF_INET6) return sizeof(struct sockaddr_in6);
    return 0;
}
static inline const void *rtprelay_uring_source(const struct rtprelay_usock *s) { return &s->recv_name; }
static inline void *rtprelay_uring_destination(struct rtprelay_usock *s) { return &s->send_name; }
static inline const void *rtprelay_uring_buffer(const struct rtprelay_usock *s) { return s->buffer; }

/* Sends the first `length` bytes of s's buffer out of fd to s's send_name (filled by the caller). */
static inline int rtprelay_uring_send(struct io_uring *ring, int fd, struct rtprelay_usock *s, size_t length,
                                      unsigned name_length, uint64_t token) {
    struct io_uring_sqe *sqe = rtprelay_uring_sqe(ring);
    if (!sqe) return -EBUSY;
    s->send_iov.iov_base = s->buffer;
    s->send_iov.iov_len = length;
    s->send_msg.msg_iov = &s->send_iov;
    s->send_msg.msg_iovlen = 1;
    s->send_msg.msg_name = &s->send_name;
    s->send_msg.msg_namelen = name_length;
    s->send_msg.msg_control = NULL;
    s->send_msg.msg_controllen = 0;
    s->send_msg.msg_flags = 0;
    io_uring_prep_sendmsg(sqe, fd, &s->send_msg, MSG_DONTWAIT);
    io_uring_sqe_set_data64(sqe, token);
    return 0;
}

/* Reads the eventfd's 8-byte counter into *value. */
static inline int rtprelay_uring_read_eventfd(struct io_uring *ring, int fd, uint64_t *value, uint64_t token) {
    struct io_uring_sqe *sqe = rtprelay_uring_sqe(ring);
    if (!sqe) return -EBUSY;
    io_uring_prep_read(sqe, fd, value, sizeof *value, 0);
    io_uring_sqe_set_data64(sqe, token);
    return 0;
}

/* Cancels every request on fd (the armed receive, queued sends); the cancelled ones complete with -ECANCELED. */
static inline int rtprelay_uring_cancel_fd(struct io_uring *ring, int fd, uint64_t token) {
    struct io_uring_sqe *sqe = rtprelay_uring_sqe(ring);
    if (!sqe) return -EBUSY;
    io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data64(sqe, token);
    return 0;
}

/* Submits what is queued and waits for at least one completion: one system call per loop turn. */
static inline int rtprelay_uring_submit_and_wait(struct io_uring *ring) { return io_uring_submit_and_wait(ring, 1); }
static inline int rtprelay_uring_submit(struct io_uring *ring) { return io_uring_submit(ring); }

/* Copies up to `max` ready completions (token, result) out of the ring and marks them seen. No system call. */
static inline unsigned rtprelay_uring_reap(struct io_uring *ring, uint64_t *tokens, int32_t *results, unsigned max) {
    struct io_uring_cqe *cqe;
    unsigned head, n = 0;
    io_uring_for_each_cqe(ring, head, cqe) {
        if (n == max) break;
        tokens[n] = cqe->user_data;
        results[n] = cqe->res;
        n++;
    }
    io_uring_cq_advance(ring, n);
    return n;
}
#endif
