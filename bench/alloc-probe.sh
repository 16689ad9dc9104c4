#!/usr/bin/env bash
# How many heap allocations does a relayed packet cost? (It should be zero.)
#
#   bench/alloc-probe.sh              # both IO modes, 200 calls (20k packets/s)
#   IO_MODES=uring CALLS=500 bench/alloc-probe.sh
#   SRTP=b bench/alloc-probe.sh       # phone B on SDES-SRTP (RTP↔SRTP); SRTP=both: SRTP↔SRTP (loadgen --srtp)
#   TRANSCODE=G729 CALLS=30 bench/alloc-probe.sh   # transcoded calls (loadgen --transcode): codec runs, pool sends
#
# Builds bench/alloc-probe.c (an LD_PRELOAD malloc/calloc/realloc/memalign counter that only counts threads named
# rtprelay-w*, the media workers) with cc, starts the release rtprelayd under it with one worker, sets up CALLS calls
# with bench/loadgen, waits until every call's sockets exist and traffic flows, then reads the counters twice,
# WINDOW seconds apart, while 50 packets/s per call and direction are relayed. Allocations made by the workers
# for set-up and tear-down commands fall outside the window.
set -euo pipefail
cd "$(dirname "$0")/.."
CALLS=${CALLS:-200}
WINDOW=${WINDOW:-5}
IO_MODES=${IO_MODES:-"epoll uring"}
SRTP=${SRTP:-none}
TRANSCODE=${TRANSCODE:-none}
NG_PORT=${NG_PORT:-22390}
TMP=$(mktemp -d /tmp/alloc-probe.XXXXXX)
ulimit -n 65536 2>/dev/null || true

if [[ -z "${SKIP_BUILD:-}" ]]; then
    swift build -c release --product rtprelayd >&2
    (cd bench/loadgen && swift build -c release) >&2
fi
cc -shared -fPIC -O2 -o "$TMP/alloc-probe.so" bench/alloc-probe.c

counters() { od -An -t u8 -N 16 "$TMP/counters" | awk '{print $1, $2}'; }

RELAY=""
cleanup() { [[ -n "$RELAY" ]] && kill -TERM "$RELAY" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT

for io in $IO_MODES; do
    ALLOC_PROBE_FILE="$TMP/counters" LD_PRELOAD="$TMP/alloc-probe.so" .build/release/rtprelayd \
        --interface=127.0.0.1 --listen-ng="127.0.0.1:$NG_PORT" --port-min=15000 --port-max=19999 \
        --num-threads=1 --delete-delay=0 --log-level=4 --io="$io" >"$TMP/relay-$io.log" 2>&1 &
    RELAY=$!
    for _ in $(seq 100); do ss -Hlun "sport = :$NG_PORT" | grep -q . && break; sleep 0.1; done
    base=$(ls /proc/$RELAY/fd | wc -l)
    bench/loadgen/.build/release/loadgen --ng "127.0.0.1:$NG_PORT" --calls "$CALLS" --warmup 2 \
        --seconds $((WINDOW + 6)) --pid "$RELAY" --srtp "$SRTP" --transcode "$TRANSCODE" >"$TMP/loadgen-$io.txt" &
    LG=$!
    # All calls set up: 4 sockets each.
    for _ in $(seq 600); do (( $(ls /proc/$RELAY/fd | wc -l) >= base + 4 * CALLS )) && break; sleep 0.1; done
    sleep 2
    read -r calls0 bytes0 < <(counters)
    sleep "$WINDOW"
    read -r calls1 bytes1 < <(counters)
    wait "$LG"
    kill -TERM "$RELAY"; wait "$RELAY" 2>/dev/null || true; RELAY=""
    rate=$(sed -n 's/.*rate=\([0-9]*\) pps.*/\1/p' "$TMP/loadgen-$io.txt")
    packets=$(( rate * WINDOW ))
    allocs=$(( calls1 - calls0 ))
    printf 'io=%s calls=%s window=%ss relayed~%s packets: %s allocations (%s bytes) in media workers = %s per packet\n' \
        "$io" "$CALLS" "$WINDOW" "$packets" "$allocs" "$(( bytes1 - bytes0 ))" \
        "$(awk -v a="$allocs" -v p="$packets" 'BEGIN { printf (p > 0 ? "%.6f" : "n/a"), (p > 0 ? a / p : 0) }')"
    grep -E '^(sent|latency)' "$TMP/loadgen-$io.txt" | sed 's/^/    /'
    echo "    workers allocated $calls0 times before the window (set-up commands, thread start)"
done
