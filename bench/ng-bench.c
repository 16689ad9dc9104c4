/* ng call set-up benchmark driver in C: the same offer -> answer -> delete set-ups, messages, output and
 * options as bench/ng-bench.py, but cheap enough on the client side that, with client and relay sharing the
 * machine's cores, the set-ups per second measure the relay rather than the client.
 *
 * Build: cc -O2 -o bench/out/ng-bench bench/ng-bench.c
 * Usage: ng-bench --port P [--host 127.0.0.1] [--seconds S] [--inflight N] [--pid PID] [--label L] [--timeout S]
 * Prints one JSON line (same keys as ng-bench.py). IPv4 only.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { MAX_INFLIGHT = 4096, DGRAM_MAX = 2048 };

/* One call in flight: which stage it is in and the request last sent (kept for retransmission). */
struct call {
    unsigned long id;       /* call number, part of the call-id */
    int stage;              /* 0 offer, 1 answer, 2 delete */
    unsigned long seq;      /* cookie sequence of the request awaiting its reply */
    double sent_at;
    char datagram[DGRAM_MAX];
    int length;
};

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* utime + stime of the whole process (all threads) from /proc/PID/stat, in seconds; -1 on error. */
static double cpu_seconds(int pid) {
    char path[64], text[4096];
    snprintf(path, sizeof path, "/proc/%d/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    char *p = strrchr(text, ')'); /* the command name may hold spaces; fields after it are fixed */
    if (!p) return -1;
    p += 2;
    unsigned long long utime = 0, stime = 0;
    for (int field = 0; field < 13 && p; field++) {
        if (field == 11) utime = strtoull(p, NULL, 10);
        if (field == 12) stime = strtoull(p, NULL, 10);
        p = strchr(p, ' ');
        if (p) p++;
    }
    return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

/* Appends a bencode string; returns the new length, or -1 if it does not fit. */
static int put_str(char *out, int at, const char *s, int len) {
    int n = snprintf(out + at, DGRAM_MAX - at, "%d:", len);
    if (n < 0 || at + n + len >= DGRAM_MAX) return -1;
    memcpy(out + at + n, s, (size_t)len);
    return at + n + len;
}

static int put_cstr(char *out, int at, const char *s) {
    return at < 0 ? -1 : put_str(out, at, s, (int)strlen(s));
}

static int sdp(char *buf, size_t size, int port, unsigned long session) {
    return snprintf(buf, size,
                    "v=0\r\no=- %lu 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
                    "m=audio %d RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
                    "a=fmtp:101 0-15\r\na=sendrecv\r\na=ptime:20\r\n", session, port);
}

static int run_id;
static unsigned long cookie_seq, counter;

/* Builds the request of the call's current stage (a fresh cookie, as ng-bench.py does). */
static void build(struct call *c, int slot) {
    char text[512], call_id[64];
    c->seq = ++cookie_seq;
    int at = snprintf(c->datagram, DGRAM_MAX, "b%d_%d_%lu d", run_id, slot, c->seq);
    snprintf(call_id, sizeof call_id, "bench-%d-%lu", run_id, c->id);
    if (c->stage == 0) {
        at = put_cstr(c->datagram, at, "command");
        at = put_cstr(c->datagram, at, "offer");
        at = put_cstr(c->datagram, at, "call-id");
        at = put_cstr(c->datagram, at, call_id);
        at = put_cstr(c->datagram, at, "from-tag");
        at = put_cstr(c->datagram, at, "caller");
        at = put_cstr(c->datagram, at, "sdp");
        int n = sdp(text, sizeof text, 20000 + (int)(counter % 10000) * 2, counter);
        at = at < 0 ? -1 : put_str(c->datagram, at, text, n);
        at = put_cstr(c->datagram, at, "supports");
        if (at >= 0) c->datagram[at++] = 'l';
        at = put_cstr(c->datagram, at, "load limit");
        if (at >= 0) c->datagram[at++] = 'e';
    } else if (c->stage == 1) {
        at = put_cstr(c->datagram, at, "command");
        at = put_cstr(c->datagram, at, "answer");
        at = put_cstr(c->datagram, at, "call-id");
        at = put_cstr(c->datagram, at, call_id);
        at = put_cstr(c->datagram, at, "from-tag");
        at = put_cstr(c->datagram, at, "caller");
        at = put_cstr(c->datagram, at, "to-tag");
        at = put_cstr(c->datagram, at, "callee");
        at = put_cstr(c->datagram, at, "sdp");
        int n = sdp(text, sizeof text, 40000 + (int)(counter % 10000) * 2, counter + 1);
        at = at < 0 ? -1 : put_str(c->datagram, at, text, n);
    } else {
        at = put_cstr(c->datagram, at, "command");
        at = put_cstr(c->datagram, at, "delete");
        at = put_cstr(c->datagram, at, "call-id");
        at = put_cstr(c->datagram, at, call_id);
        at = put_cstr(c->datagram, at, "from-tag");
        at = put_cstr(c->datagram, at, "caller");
        at = put_cstr(c->datagram, at, "delete delay");
        if (at >= 0) at += snprintf(c->datagram + at, DGRAM_MAX - at, "i0e");
    }
    if (at < 0 || at + 1 >= DGRAM_MAX) {
        fprintf(stderr, "request too long\n");
        exit(2);
    }
    c->datagram[at++] = 'e';
    c->length = at;
}

static void send_call(int fd, struct call *c, double now) {
    c->sent_at = now;
    if (send(fd, c->datagram, (size_t)c->length, 0) < 0 && errno != EAGAIN) perror("send");
}

int main(int argc, char **argv) {
    const char *host = "127.0.0.1", *label = "relay";
    int port = 22222, inflight = 16, pid = 0;
    double seconds = 10, timeout = 1.0;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--host")) host = argv[i + 1];
        else if (!strcmp(argv[i], "--port")) port = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--seconds")) seconds = atof(argv[i + 1]);
        else if (!strcmp(argv[i], "--inflight")) inflight = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--pid")) pid = atoi(argv[i + 1]);
        else if (!strcmp(argv[i], "--label")) label = argv[i + 1];
        else if (!strcmp(argv[i], "--timeout")) timeout = atof(argv[i + 1]);
        else { fprintf(stderr, "unknown option %s\n", argv[i]); return 2; }
    }
    if (inflight < 1 || inflight > MAX_INFLIGHT) { fprintf(stderr, "--inflight 1..%d\n", MAX_INFLIGHT); return 2; }

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    int rcvbuf = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    if (inet_pton(AF_INET, host, &to.sin_addr) != 1) { fprintf(stderr, "bad --host\n"); return 2; }
    if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0) { perror("connect"); return 2; }

    run_id = (int)getpid();
    struct call *calls = calloc((size_t)inflight, sizeof *calls);
    unsigned long completed = 0, errors = 0, retransmits = 0;
    double cpu_before = pid ? cpu_seconds(pid) : 0;
    double start = now_s(), deadline = start + seconds, last_check = start;
    int active = inflight;
    for (int i = 0; i < inflight; i++) {
        calls[i].id = ++counter;
        build(&calls[i], i);
        send_call(fd, &calls[i], start);
    }
    char reply[65536];
    while (active > 0) {
        double now = now_s();
        if (now >= deadline) break;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 50) > 0) {
            for (;;) {
                ssize_t n = recv(fd, reply, sizeof reply - 1, MSG_DONTWAIT);
                if (n < 0) break;
                reply[n] = 0;
                /* Cookie "b<run>_<slot>_<seq>": the slot names the call, the seq drops late replies. */
                int run, slot;
                unsigned long seq;
                if (sscanf(reply, "b%d_%d_%lu ", &run, &slot, &seq) != 3 || run != run_id || slot < 0 ||
                    slot >= inflight || calls[slot].seq != seq || calls[slot].stage < 0)
                    continue;
                struct call *c = &calls[slot];
                c->seq = 0;
                /* The result key is near the front in both relays' replies; a cheap check is enough. */
                if (!memmem(reply, (size_t)n, "6:result2:ok", 12)) {
                    if (++errors <= 3) fprintf(stderr, "%s: error reply: %.200s\n", label, reply);
                }
                now = now_s();
                if (c->stage == 2) {
                    completed++;
                    if (now < deadline) {
                        c->id = ++counter;
                        c->stage = 0;
                    } else {
                        c->stage = -1;
                        active--;
                        continue;
                    }
                } else {
                    c->stage++;
                }
                build(c, slot);
                send_call(fd, c, now);
            }
        }
        now = now_s();
        if (now - last_check > 0.1) {
            last_check = now;
            for (int i = 0; i < inflight; i++) {
                if (calls[i].stage >= 0 && calls[i].seq && now - calls[i].sent_at > timeout) {
                    retransmits++;
                    send_call(fd, &calls[i], now);
                }
            }
        }
    }
    double elapsed = now_s() - start;
    double cpu_after = pid ? cpu_seconds(pid) : 0;
    printf("{\"label\": \"%s\", \"seconds\": %.3f, \"setups\": %lu, \"setups_per_s\": %.1f, \"errors\": %lu, "
           "\"retransmits\": %lu, \"inflight\": %d",
           label, elapsed, completed, completed / elapsed, errors, retransmits, inflight);
    if (pid) {
        double cpu = cpu_after - cpu_before;
        printf(", \"relay_cpu_s\": %.3f, \"relay_cpu_us_per_setup\": ", cpu);
        if (completed) printf("%.1f", cpu / (double)completed * 1e6);
        else printf("null");
    }
    printf("}\n");
    free(calls);
    close(fd);
    return completed > 0 ? 0 : 1;
}
