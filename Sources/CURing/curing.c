#define _GNU_SOURCE
#include "curing.h"
#include <liburing.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <netinet/in.h>

_Static_assert(RTPRELAY_CQE_F_BUFFER == IORING_CQE_F_BUFFER, "IORING_CQE_F_BUFFER");
_Static_assert(RTPRELAY_CQE_F_MORE == IORING_CQE_F_MORE, "IORING_CQE_F_MORE");
_Static_assert(RTPRELAY_CQE_BUFFER_SHIFT == IORING_CQE_BUFFER_SHIFT, "IORING_CQE_BUFFER_SHIFT");

/* `send_to`: sends are IORING_OP_SEND with the destination in the SQE (kernels >= 6.1, which the single-issuer +
 * deferred-task-work ring already needs) instead of IORING_OP_SENDMSG, which copies in and checks a msghdr and
 * imports an iovec for every datagram. `min_wait`: the kernel takes a minimum wait time in the wait call
 * (IORING_FEAT_MIN_TIMEOUT, kernels >= 6.12). */
struct rtprelay_uring {
    struct io_uring ring;
    /* Registered-file updates go out as IORING_OP_FILES_UPDATE requests; the kernel reads the fd values when it
     * issues one (inline, during the io_uring_enter that submits it), so each SQE slot has two ints of its own here
     * that stay untouched until that slot is handed out again, i.e. until after the request was submitted. */
    int *file_values;
    /* The one timer a worker arms (periodic RTCP of transcoded legs); kept here so it outlives the submission. */
    struct __kernel_timespec timer;
    int send_to;
    int min_wait;
    /* Sends can post no completion when they succeed (IORING_FEAT_CQE_SKIP, kernels >= 5.17, and IORING_OP_SEND with
     * the address in the SQE); RTPRELAY_URING_NO_SKIP turns it off to compare. */
    int quiet_sends;
};

/* IORING_FEAT_MIN_TIMEOUT; Debian 12's liburing 2.3 headers predate it (there, the field the kernel reads the minimum
 * wait from is still called `pad`). */
#define RTPRELAY_FEAT_MIN_TIMEOUT (1U << 15)

/* The worker's receive buffers, lent to the kernel as a provided-buffer ring (group 0): every socket has one
 * multishot receive armed, and the kernel picks a free buffer for each datagram, so a socket with many queued
 * datagrams is drained in one go. A buffer holds io_uring's recvmsg header, the source address and the payload; it
 * stays out of the ring while its datagram is sent onwards from it (relaying never copies payload) and goes back
 * when the send completes. Per buffer there is also the send's msghdr, iovec and destination address. */
struct rtprelay_ubufs {
    struct io_uring_buf_ring *ring;
    unsigned count;
    unsigned mask;
    size_t size;          /* stride: what the kernel may fill (lent) plus the spare room after it */
    size_t lent;
    unsigned char *base;
    struct msghdr *send_msg;
    struct iovec *send_iov;
    struct sockaddr_storage *send_name;
    struct msghdr recv_template;   /* name space and no control: what the kernel lays out in each buffer */
};

#define RTPRELAY_UBUF_GROUP 0
#define RTPRELAY_UBUF_NAME (sizeof(struct sockaddr_in6))

/* `count` (a power of two) buffers for payloads up to `payload` bytes, registered with the ring, each followed by
 * `spare` bytes the kernel never fills (a datagram may grow in place before it is sent on: an SRTP trailer).
 * Control path. */
struct rtprelay_ubufs *rtprelay_uring_bufs_create(struct rtprelay_uring *u, unsigned count, size_t payload,
                                                                size_t spare, int *error) {
    struct rtprelay_ubufs *b = (struct rtprelay_ubufs *)calloc(1, sizeof *b);
    if (!b) { *error = -ENOMEM; return NULL; }
    b->count = count;
    b->mask = (unsigned)io_uring_buf_ring_mask(count);
    b->lent = sizeof(struct io_uring_recvmsg_out) + RTPRELAY_UBUF_NAME + payload;
    b->size = b->lent + spare;
    b->ring = (struct io_uring_buf_ring *)aligned_alloc(4096, ((count * sizeof(struct io_uring_buf)) + 4095) & ~(size_t)4095);
    b->base = (unsigned char *)aligned_alloc(64, ((b->size * count) + 63) & ~(size_t)63);
    b->send_msg = (struct msghdr *)calloc(count, sizeof(struct msghdr));
    b->send_iov = (struct iovec *)calloc(count, sizeof(struct iovec));
    b->send_name = (struct sockaddr_storage *)calloc(count, sizeof(struct sockaddr_storage));
    if (!b->ring || !b->base || !b->send_msg || !b->send_iov || !b->send_name) {
        *error = -ENOMEM;
        free(b->ring); free(b->base); free(b->send_msg); free(b->send_iov); free(b->send_name); free(b);
        return NULL;
    }
    struct io_uring_buf_reg reg;
    memset(&reg, 0, sizeof reg);
    reg.ring_addr = (unsigned long)(uintptr_t)b->ring;
    reg.ring_entries = count;
    reg.bgid = RTPRELAY_UBUF_GROUP;
    int rc = io_uring_register_buf_ring(&u->ring, &reg, 0);
    if (rc != 0) {
        *error = rc;
        free(b->ring); free(b->base); free(b->send_msg); free(b->send_iov); free(b->send_name); free(b);
        return NULL;
    }
    io_uring_buf_ring_init(b->ring);
    for (unsigned i = 0; i < count; i++)
        io_uring_buf_ring_add(b->ring, b->base + b->size * i, (unsigned)b->lent, (unsigned short)i, (int)b->mask, (int)i);
    io_uring_buf_ring_advance(b->ring, (int)count);
    memset(&b->recv_template, 0, sizeof b->recv_template);
    b->recv_template.msg_namelen = RTPRELAY_UBUF_NAME;
    *error = 0;
    return b;
}

/* After the ring is gone (nothing in flight any more). */
void rtprelay_uring_bufs_destroy(struct rtprelay_ubufs *b) {
    if (!b) return;
    free(b->ring); free(b->base); free(b->send_msg); free(b->send_iov); free(b->send_name); free(b);
}

/* Gives buffer `bid` back to the kernel. */
void rtprelay_uring_buf_return(struct rtprelay_ubufs *b, unsigned bid) {
    io_uring_buf_ring_add(b->ring, b->base + b->size * bid, (unsigned)b->lent, (unsigned short)bid, (int)b->mask, 0);
    io_uring_buf_ring_advance(b->ring, 1);
}

/* The datagram a receive completion put into buffer `bid` (`res` bytes used). Returns 0, or -1 when the kernel's
 * layout does not fit (treated as malformed). `truncated`: the datagram was larger than the payload space. */
int rtprelay_uring_buf_datagram(struct rtprelay_ubufs *b, unsigned bid, int res,
                                              const void **payload, unsigned *payload_length,
                                              const void **name, unsigned *name_length, int *truncated) {
    if (bid >= b->count || res < 0 || (size_t)res > b->lent) return -1;
    struct io_uring_recvmsg_out *o = io_uring_recvmsg_validate(b->base + b->size * bid, res, &b->recv_template);
    if (!o) return -1;
    *name = io_uring_recvmsg_name(o);
    *name_length = o->namelen < RTPRELAY_UBUF_NAME ? o->namelen : (unsigned)RTPRELAY_UBUF_NAME;
    *payload = io_uring_recvmsg_payload(o, &b->recv_template);
    *payload_length = io_uring_recvmsg_payload_length(o, res, &b->recv_template);
    *truncated = (o->flags & MSG_TRUNC) != 0;
    return 0;
}

/* Writable bytes from `payload` (inside buffer `bid`) to the end of that buffer, spare room included. */
size_t rtprelay_uring_buf_room(const struct rtprelay_ubufs *b, unsigned bid, const void *payload) {
    const unsigned char *end = b->base + b->size * (bid + 1);
    const unsigned char *p = (const unsigned char *)payload;
    return p < end ? (size_t)(end - p) : 0;
}

/* Where the send of buffer `bid` goes (the caller copies the destination in, then calls rtprelay_uring_send). */
void *rtprelay_uring_buf_destination(struct rtprelay_ubufs *b, unsigned bid) { return &b->send_name[bid]; }

/* A ring for one worker thread. Tries single-issuer + deferred task work (completions are processed only when the
 * worker asks, in batches: kernels >= 6.1), then plain. Returns 0 or -errno. */
static int rtprelay_uring_init(struct rtprelay_uring *u, unsigned entries, unsigned cq_entries) {
    struct io_uring_params p;
    memset(&p, 0, sizeof p);
    p.flags = IORING_SETUP_CQSIZE | (getenv("RTPRELAY_URING_PLAIN") ? 0 : (IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN));
    p.cq_entries = cq_entries;
    int rc = io_uring_queue_init_params(entries, &u->ring, &p);
    if (rc == 0) {
        u->send_to = getenv("RTPRELAY_URING_SENDMSG") == NULL;
        u->min_wait = (p.features & RTPRELAY_FEAT_MIN_TIMEOUT) != 0;
        u->quiet_sends = u->send_to && (p.features & IORING_FEAT_CQE_SKIP) != 0 && getenv("RTPRELAY_URING_NO_SKIP") == NULL;
    }
    if (rc == -EINVAL) {
        memset(&p, 0, sizeof p);
        p.flags = IORING_SETUP_CQSIZE;
        p.cq_entries = cq_entries;
        rc = io_uring_queue_init_params(entries, &u->ring, &p);
    }
    return rc;
}

/* An SQE, submitting what is queued first when the submission queue is full. */
static struct io_uring_sqe *rtprelay_uring_sqe(struct rtprelay_uring *u) {
    struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);
    if (!sqe) {
        io_uring_submit(&u->ring);
        sqe = io_uring_get_sqe(&u->ring);
    }
    return sqe;
}

/* Registered ("fixed") files: a sparse table indexed by fd number, so an operation on a registered socket skips the
 * per-operation file lookup and reference count (fget/fput). `nr` entries; 0 or -errno. */
int rtprelay_uring_files_init(struct rtprelay_uring *u, unsigned nr) {
    if (!u->file_values) {
        u->file_values = (int *)calloc((size_t)u->ring.sq.ring_entries * 2, sizeof(int));
        if (!u->file_values) return -ENOMEM;
    }
    return io_uring_register_files_sparse(&u->ring, nr);
}
/* Queues an update of table slots first..first+count-1 (count 1 or 2): each gets the fd of its own number, or is
 * cleared (clear != 0). It rides on the next submission instead of costing an io_uring_register call of its own;
 * the ring is single-issuer and SQEs are issued in order, so an operation queued after it that names these slots
 * as fixed files sees the update. A cleared slot drops the table's file reference; operations still in flight on
 * that file keep their own. Completes with the number of slots updated, or -errno. 0 or -EBUSY. */
int rtprelay_uring_files_update(struct rtprelay_uring *u, int first, unsigned count, int clear, uint64_t token) {
    if (count < 1 || count > 2 || first < 0 || !u->file_values) return -EINVAL;
    struct io_uring_sqe *sqe = rtprelay_uring_sqe(u);
    if (!sqe) return -EBUSY;
    int *values = u->file_values + 2 * (size_t)(sqe - u->ring.sq.sqes);
    for (unsigned i = 0; i < count; i++) values[i] = clear ? -1 : first + (int)i;
    io_uring_prep_files_update(sqe, values, count, first);
    io_uring_sqe_set_data64(sqe, token);
    return 0;
}
static void rtprelay_uring_sqe_fixed(struct io_uring_sqe *sqe, int fixed) {
    if (fixed) sqe->flags |= IOSQE_FIXED_FILE;
}

/* Arms a multishot receive on fd: one completion per datagram, each in a buffer the kernel picks from the ring,
 * until it is cancelled or the ring runs dry (then the completion lacks IORING_CQE_F_MORE). 0 or -EBUSY. */
int rtprelay_uring_recv(struct rtprelay_uring *u, int fd, int fixed, struct rtprelay_ubufs *b,
                                      uint64_t token) {
    struct io_uring_sqe *sqe = rtprelay_uring_sqe(u);
    if (!sqe) return -EBUSY;
    io_uring_prep_recvmsg_multishot(sqe, fd, &b->recv_template, 0);
    rtprelay_uring_sqe_fixed(sqe, fixed);
    sqe->flags |= IOSQE_BUFFER_SELECT;
    sqe->buf_group = RTPRELAY_UBUF_GROUP;
    io_uring_sqe_set_data64(sqe, token);
    return 0;
}

/* Sends `length` bytes at `payload` (inside buffer `bid`) out of fd to the buffer's destination. 0 or -EBUSY. */
int rtprelay_uring_send(struct rtprelay_uring *u, int fd, int fixed, struct rtprelay_ubufs *b, unsigned bid,
                                      const void *payload, size_t length, unsigned name_length, uint64_t token) {
    struct io_uring_sqe *sqe = rtprelay_uring_sqe(u);
    if (!sqe) return -EBUSY;
    if (u->send_to) {
        io_uring_prep_send(sqe, fd, payload, length, MSG_DONTWAIT);
        io_uring_prep_send_set_addr(sqe, (const struct sockaddr *)&b->send_name[bid], (__u16)name_length);
        rtprelay_uring_sqe_fixed(sqe, fixed);
        io_uring_sqe_set_data64(sqe, token);
        return 0;
    }
    struct msghdr *m = &b->send_msg[bid];
    b->send_iov[bid].iov_base = (void *)payload;
    b->send_iov[bid].iov_len = length;
    m->msg_iov = &b->send_iov[bid];
    m->msg_iovlen = 1;
    m->msg_name = &b->send_name[bid];
    m->msg_namelen = name_length;
    m->msg_control = NULL;
    m->msg_controllen = 0;
    m->msg_flags = 0;
    io_uring_prep_sendmsg(sqe, fd, m, MSG_DONTWAIT);
    rtprelay_uring_sqe_fixed(sqe, fixed);
    io_uring_sqe_set_data64(sqe, token);
    return 0;
}

/* A send that posts a completion only when it fails (IOSQE_CQE_SKIP_SUCCESS). With MSG_DONTWAIT the kernel marks it
 * nowait (io_uring/net.c, io_sendmsg_prep): it is issued inline by the io_uring_enter that submits it and, if the
 * socket has no room, fails with -EAGAIN there instead of being polled or handed to io-wq; the payload is copied into
 * the socket buffer and the address read during that call. So once the kernel's SQ head has moved past the SQE
 * (`*sequence` < rtprelay_uring_sq_consumed), the send is done and its memory free again. 0 or -EBUSY. */
int rtprelay_uring_send_quiet(struct rtprelay_uring *u, int fd, int fixed, const void *payload, size_t length,
                                            const void *name, unsigned name_length, uint64_t token, uint32_t *sequence) {
    struct io_uring_sqe *sqe = rtprelay_uring_sqe(u);
    if (!sqe) return -EBUSY;
    io_uring_prep_send(sqe, fd, payload, length, MSG_DONTWAIT);
    /* No name: a connected socket (a stream's twin), which sends to its peer. */
    if (name_length > 0) io_uring_prep_send_set_addr(sqe, (const struct sockaddr *)name, (__u16)name_length);
    rtprelay_uring_sqe_fixed(sqe, fixed);
    sqe->flags |= IOSQE_CQE_SKIP_SUCCESS;
    io_uring_sqe_set_data64(sqe, token);
    *sequence = u->ring.sq.sqe_tail - 1;   /* the SQE just taken */
    return 0;
}

int rtprelay_uring_quiet_sends(const struct rtprelay_uring *u) { return u->quiet_sends; }

/* How many SQEs the kernel has consumed so far (its SQ head; wraps like the sequences above). */
uint32_t rtprelay_uring_sq_consumed(const struct rtprelay_uring *u) {
    return io_uring_smp_load_acquire(u->ring.sq.khead);
}

/* Reads the eventfd's 8-byte counter into *value. */
int rtprelay_uring_read_eventfd(struct rtprelay_uring *u, int fd, uint64_t *value, uint64_t token) {
    struct io_uring_sqe *sqe = rtprelay_uring_sqe(u);
    if (!sqe) return -EBUSY;
    io_uring_prep_read(sqe, fd, value, sizeof *value, 0);
    io_uring_sqe_set_data64(sqe, token);
    return 0;
}

/* Cancels the request whose token is `target` (a socket's multishot receive; it then completes with -ECANCELED and
 * without IORING_CQE_F_MORE). By token, not by fd: the kernel finds a token in its hash, while cancelling by fd scans
 * every armed receive, which made tearing down 1000 calls cost seconds. */
int rtprelay_uring_cancel(struct rtprelay_uring *u, uint64_t target, uint64_t token) {
    struct io_uring_sqe *sqe = rtprelay_uring_sqe(u);
    if (!sqe) return -EBUSY;
    io_uring_prep_cancel64(sqe, target, 0);
    io_uring_sqe_set_data64(sqe, token);
    return 0;
}

/* A one-shot timer that completes with -ETIME after `milliseconds` (unless something else ends the wait first, it
 * still completes then): wakes a worker that has periodic work while no datagram arrives. */
int rtprelay_uring_timer(struct rtprelay_uring *u, unsigned milliseconds, uint64_t token) {
    struct io_uring_sqe *sqe = rtprelay_uring_sqe(u);
    if (!sqe) return -EBUSY;
    u->timer.tv_sec = milliseconds / 1000;
    u->timer.tv_nsec = (long long)(milliseconds % 1000) * 1000000LL;
    io_uring_prep_timeout(sqe, &u->timer, 0, 0);
    io_uring_sqe_set_data64(sqe, token);
    return 0;
}

/* Submits what is queued and waits for at least one completion: one system call per loop turn. */
int rtprelay_uring_submit_and_wait(struct rtprelay_uring *u, unsigned wait) {
    return io_uring_submit_and_wait(&u->ring, wait);
}
int rtprelay_uring_submit(struct rtprelay_uring *u) { return io_uring_submit(&u->ring); }

int rtprelay_uring_has_min_wait(const struct rtprelay_uring *u) { return u->min_wait; }

/* Makes the queued SQEs visible to the kernel (what liburing does inside io_uring_submit); the number to submit. */
static unsigned rtprelay_uring_flush_sq(struct io_uring *ring) {
    struct io_uring_sq *sq = &ring->sq;
    unsigned tail = sq->sqe_tail;
    if (sq->sqe_head != tail) {
        sq->sqe_head = tail;
        io_uring_smp_store_release(sq->ktail, tail);
    }
    return tail - io_uring_smp_load_acquire(sq->khead);
}

int rtprelay_uring_submit_and_wait_min(struct rtprelay_uring *u, unsigned wait, unsigned min_wait_usec) {
    if (!u->min_wait || min_wait_usec == 0) return io_uring_submit_and_wait(&u->ring, wait);
    /* After the minimum wait the kernel returns as soon as any completion is there, so the long timeout below only
     * bounds a wait that saw nothing at all (the loop just turns again). */
    struct __kernel_timespec ts = { .tv_sec = 1, .tv_nsec = 0 };
    struct io_uring_getevents_arg arg;
    memset(&arg, 0, sizeof arg);
    arg.sigmask = 0;
    arg.sigmask_sz = _NSIG / 8;
    arg.pad = min_wait_usec;   /* min_wait_usec in kernels >= 6.12 */
    arg.ts = (uint64_t)(uintptr_t)&ts;
    unsigned submit = rtprelay_uring_flush_sq(&u->ring);
    int rc = io_uring_enter2((unsigned)u->ring.ring_fd, submit, wait,
                             IORING_ENTER_GETEVENTS | IORING_ENTER_EXT_ARG, (sigset_t *)&arg, sizeof arg);
    return rc;
}

/* Copies up to `max` ready completions (token, result, flags) out of the ring and marks them seen. No system call. */
unsigned rtprelay_uring_reap(struct rtprelay_uring *u, uint64_t *tokens, int32_t *results, uint32_t *flags,
                                           unsigned max) {
    struct io_uring_cqe *cqe;
    unsigned head, n = 0;
    io_uring_for_each_cqe(&u->ring, head, cqe) {
        if (n == max) break;
        tokens[n] = cqe->user_data;
        results[n] = cqe->res;
        flags[n] = cqe->flags;
        n++;
    }
    io_uring_cq_advance(&u->ring, n);
    return n;
}

struct rtprelay_uring *rtprelay_uring_create(unsigned entries, unsigned cq_entries, int *error) {
    struct rtprelay_uring *u = (struct rtprelay_uring *)calloc(1, sizeof *u);
    if (!u) { *error = -ENOMEM; return NULL; }
    int rc = rtprelay_uring_init(u, entries, cq_entries);
    if (rc != 0) { free(u); *error = rc; return NULL; }
    *error = 0;
    return u;
}

void rtprelay_uring_destroy(struct rtprelay_uring *u) {
    if (!u) return;
    io_uring_queue_exit(&u->ring);
    free(u->file_values);
    free(u);
}
