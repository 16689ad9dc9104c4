#ifndef RTPRELAY_CURING_H
#define RTPRELAY_CURING_H
/* liburing (Debian liburing-dev) for the media workers' io_uring mode, behind an opaque interface.
 * liburing.h sets _XOPEN_SOURCE/_GNU_SOURCE, which changes glibc's struct definitions (fd_set, ...); a Swift file that
 * saw both it and Swift's Glibc module failed to build from clean. So liburing.h is included only by curing.c, and
 * Swift sees plain integers and two opaque types. */
#include <stddef.h>
#include <stdint.h>

struct rtprelay_uring;   /* one io_uring instance (one worker thread) */
struct rtprelay_ubufs;   /* its provided receive buffers */

/* Completion flag bits and shift, as the kernel ABI defines them (curing.c checks them against liburing.h). */
enum {
    RTPRELAY_CQE_F_BUFFER = 1u << 0,
    RTPRELAY_CQE_F_MORE = 1u << 1,
    RTPRELAY_CQE_BUFFER_SHIFT = 16
};

/* The worker's receive buffers, lent to the kernel as a provided-buffer ring: every socket has one multishot receive
 * armed, and the kernel picks a free buffer for each datagram. A buffer stays out of the ring while its datagram is
 * sent onwards from it (relaying never copies payload) and goes back when the send completes. */

/* `count` (a power of two) buffers for payloads up to `payload` bytes, registered with the ring, each followed by
 * `spare` bytes the kernel never fills (a datagram may grow in place before it is sent on: an SRTP trailer).
 * Control path. */
struct rtprelay_ubufs *rtprelay_uring_bufs_create(struct rtprelay_uring *u, unsigned count, size_t payload, size_t spare, int *error);
/* After the ring is gone (nothing in flight any more). */
void rtprelay_uring_bufs_destroy(struct rtprelay_ubufs *b);
/* Gives buffer `bid` back to the kernel. */
void rtprelay_uring_buf_return(struct rtprelay_ubufs *b, unsigned bid);
/* The datagram a receive completion put into buffer `bid` (`res` bytes used). Returns 0, or -1 when the kernel's
 * layout does not fit (treated as malformed). `truncated`: the datagram was larger than the payload space. */
int rtprelay_uring_buf_datagram(struct rtprelay_ubufs *b, unsigned bid, int res, const void **payload, unsigned *payload_length, const void **name, unsigned *name_length, int *truncated);
/* Writable bytes from `payload` (inside buffer `bid`) to the end of that buffer, spare room included. */
size_t rtprelay_uring_buf_room(const struct rtprelay_ubufs *b, unsigned bid, const void *payload);
/* Where the send of buffer `bid` goes (the caller copies the destination in, then calls rtprelay_uring_send). */
void *rtprelay_uring_buf_destination(struct rtprelay_ubufs *b, unsigned bid);
/* Registered ("fixed") files: a sparse table indexed by fd number, so an operation on a registered socket skips the
 * per-operation file lookup and reference count (fget/fput). `nr` entries; 0 or -errno. */
int rtprelay_uring_files_init(struct rtprelay_uring *u, unsigned nr);
/* Queues an update of table slots first..first+count-1 (count 1 or 2): each gets the fd of its own number, or is
 * cleared (clear != 0). No system call: it rides on the next submission, ahead of what is queued after it.
 * Completes with the number of slots updated, or -errno. 0, -EINVAL or -EBUSY. */
int rtprelay_uring_files_update(struct rtprelay_uring *u, int first, unsigned count, int clear, uint64_t token);
/* Arms a multishot receive on fd: one completion per datagram, each in a buffer the kernel picks from the &u->ring,
 * until it is cancelled or the ring runs dry (then the completion lacks IORING_CQE_F_MORE). 0 or -EBUSY. */
int rtprelay_uring_recv(struct rtprelay_uring *u, int fd, int fixed, struct rtprelay_ubufs *b, uint64_t token);
/* Sends `length` bytes at `payload` (inside buffer `bid`) out of fd to the buffer's destination. 0 or -EBUSY. */
int rtprelay_uring_send(struct rtprelay_uring *u, int fd, int fixed, struct rtprelay_ubufs *b, unsigned bid, const void *payload, size_t length, unsigned name_length, uint64_t token);
/* 1 when sends can go without a success completion (IORING_FEAT_CQE_SKIP; off with RTPRELAY_URING_NO_SKIP or
 * RTPRELAY_URING_SENDMSG). */
int rtprelay_uring_quiet_sends(const struct rtprelay_uring *u);
/* Sends `length` bytes at `payload` out of fd to `name`, posting a completion (token) only if it fails. The send is
 * issued inline by the submission that consumes it (MSG_DONTWAIT: never polled, never punted), so payload and name
 * may be reused once rtprelay_uring_sq_consumed has passed `*sequence`. 0 or -EBUSY. */
int rtprelay_uring_send_quiet(struct rtprelay_uring *u, int fd, int fixed, const void *payload, size_t length, const void *name, unsigned name_length, uint64_t token, uint32_t *sequence);
/* SQEs the kernel has consumed so far (wrapping); an SQE with sequence s is done when (int32_t)(consumed - s) > 0. */
uint32_t rtprelay_uring_sq_consumed(const struct rtprelay_uring *u);
/* Reads the eventfd's 8-byte counter into *value. */
int rtprelay_uring_read_eventfd(struct rtprelay_uring *u, int fd, uint64_t *value, uint64_t token);
/* Cancels the request whose token is `target` (a socket's multishot receive; it then completes with -ECANCELED and
 * without IORING_CQE_F_MORE). By token, not by fd: the kernel finds a token in its hash, while cancelling by fd scans
 * every armed receive, which made tearing down 1000 calls cost seconds. */
int rtprelay_uring_cancel(struct rtprelay_uring *u, uint64_t target, uint64_t token);
/* A one-shot timer completing (-ETIME) after `milliseconds`: wakes the worker for periodic work. */
int rtprelay_uring_timer(struct rtprelay_uring *u, unsigned milliseconds, uint64_t token);
/* Submits what is queued and waits for at least one completion: one system call per loop turn. */
int rtprelay_uring_submit_and_wait(struct rtprelay_uring *u, unsigned wait);
int rtprelay_uring_submit(struct rtprelay_uring *u);
/* 1 when the kernel takes a minimum wait time (IORING_FEAT_MIN_TIMEOUT). */
int rtprelay_uring_has_min_wait(const struct rtprelay_uring *u);
/* Like rtprelay_uring_submit_and_wait, but sleeps until `wait` completions are there or, once `min_wait_usec` has
 * passed, until there is at least one: many datagrams per wake-up under load. Without the kernel feature or with
 * min_wait_usec 0 it is rtprelay_uring_submit_and_wait. Returns >= 0, or -errno (-ETIME: nothing within 1 s). */
int rtprelay_uring_submit_and_wait_min(struct rtprelay_uring *u, unsigned wait, unsigned min_wait_usec);
/* Copies up to `max` ready completions (token, result, flags) out of the ring and marks them seen. No system call. */
unsigned rtprelay_uring_reap(struct rtprelay_uring *u, uint64_t *tokens, int32_t *results, uint32_t *flags, unsigned max);

/* A ring for one worker thread; NULL with *error = -errno when io_uring is unavailable. Control path. */
struct rtprelay_uring *rtprelay_uring_create(unsigned entries, unsigned cq_entries, int *error);
/* Cancels what is in flight, waits for it, frees the ring. */
void rtprelay_uring_destroy(struct rtprelay_uring *u);
#endif
