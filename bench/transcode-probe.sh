#!/usr/bin/env bash
# Memory per transcoded call and heap allocations per transcoded packet of the media workers (PCMU <-> Opus).
#   bench/transcode-probe.sh                  # debug build, 50 calls, 5 s window, both IO modes
#   BUILD=release CALLS=200 bench/transcode-probe.sh
# Uses bench/alloc-probe.c (counts allocations of threads named rtprelay-w*) and bench/transcode-probe.py.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-debug}
IO_MODES=${IO_MODES:-"epoll uring"}
NG_PORT=${NG_PORT:-22400}
TMP=$(mktemp -d /tmp/transcode-probe.XXXXXX)
[[ -z "${SKIP_BUILD:-}" ]] && swift build -c "$BUILD" --product rtprelayd >&2
cc -shared -fPIC -O2 -o "$TMP/alloc-probe.so" bench/alloc-probe.c
RELAY=""
cleanup() { [[ -n "$RELAY" ]] && kill -TERM "$RELAY" 2>/dev/null; wait 2>/dev/null || true; }
trap cleanup EXIT
for io in $IO_MODES; do
    ALLOC_PROBE_FILE="$TMP/counters" LD_PRELOAD="$TMP/alloc-probe.so" ".build/$BUILD/rtprelayd" \
        --interface=127.0.0.1 --listen-ng="127.0.0.1:$NG_PORT" --port-min=20000 --port-max=21999 \
        --num-threads=1 --delete-delay=0 --log-level=4 --io="$io" >"$TMP/relay-$io.log" 2>&1 &
    RELAY=$!
    for _ in $(seq 100); do ss -Hlun "sport = :$NG_PORT" | grep -q . && break; sleep 0.1; done
    echo "io=$io build=$BUILD"
    ALLOC_PROBE_FILE="$TMP/counters" RELAY_PID=$RELAY NG_PORT=$NG_PORT python3 bench/transcode-probe.py | sed 's/^/    /'
    kill -TERM "$RELAY"; wait "$RELAY" 2>/dev/null || true; RELAY=""
done
