#!/usr/bin/env bash
# CPU per relayed packet with SRTP: plain RTP↔RTP, RTP↔SRTP (phone B on SDES-SRTP, AES_CM_128_HMAC_SHA1_80) and
# SRTP↔SRTP (both phones on SRTP with their own keys: re-encryption), for rtprelayd and rtpengine (userspace), one
# worker thread each, back to back in the same run.
#
#   bench/srtp-relay-bench.sh                  # 500 calls (50k packets/s), 8 s measured per row
#   CALLS=1000 SECONDS_MEASURED=10 RELAYS="rtprelayd-uring rtprelayd-epoll rtpengine" bench/srtp-relay-bench.sh
#
# The load generator (bench/loadgen --srtp) encrypts and decrypts for the SRTP phones on its own core; the relay is
# pinned to core $RELAY_CPU and the load generator to $LOAD_CPU, as in run-media-bench.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CALLS=${CALLS:-500}
SECONDS_MEASURED=${SECONDS_MEASURED:-8}
WARMUP=${WARMUP:-3}
RELAY_CPU=${RELAY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
RELAYS=${RELAYS:-"rtprelayd-uring rtpengine"}
MODES=${MODES:-"none b both"}
OUT=${OUT:-$(mktemp -d /tmp/srtp-bench.XXXXXX)}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [[ -z "${SKIP_BUILD:-}" ]]; then
    swift build -c release --product rtprelayd >&2
    (cd bench/loadgen && swift build -c release) >&2
fi
RELAYD="$ROOT/.build/release/rtprelayd"
LOADGEN="$ROOT/bench/loadgen/.build/release/loadgen"

RELAY_PID=""
stop_relay() {
    if [[ -n "$RELAY_PID" ]]; then
        kill -TERM "$RELAY_PID" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$RELAY_PID" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$RELAY_PID" 2>/dev/null || true
        wait "$RELAY_PID" 2>/dev/null || true
        RELAY_PID=""
    fi
}
trap stop_relay EXIT

printf '%-16s %-6s %8s %9s %9s %9s %8s\n' relay srtp pps cpu_us user_us sys_us loss%
ng=22470
for relay in $RELAYS; do
    for mode in $MODES; do
        ng=$((ng + 1))
        log="$OUT/$relay-$mode.log"
        case $relay in
            rtprelayd-*)
                taskset -c "$RELAY_CPU" "$RELAYD" --interface=127.0.0.1 --listen-ng="127.0.0.1:$ng" --port-min=46000 \
                    --port-max=49999 --num-threads=1 --delete-delay=0 --log-level=4 --io="${relay#rtprelayd-}" >"$log" 2>&1 &
                ;;
            rtpengine)
                taskset -c "$RELAY_CPU" rtpengine --config-file=none --table=-1 --foreground --interface=127.0.0.1 \
                    --listen-ng="127.0.0.1:$ng" --port-min=46000 --port-max=49999 --num-threads=1 --delete-delay=0 \
                    --log-level=4 --log-stderr >"$log" 2>&1 &
                ;;
        esac
        RELAY_PID=$!
        for _ in $(seq 100); do ss -Hlun "sport = :$ng" | grep -q . && break; sleep 0.1; done
        result=$(taskset -c "$LOAD_CPU" "$LOADGEN" --ng "127.0.0.1:$ng" --calls "$CALLS" --seconds "$SECONDS_MEASURED" \
            --warmup "$WARMUP" --pid "$RELAY_PID" --srtp "$mode" | tee "$OUT/$relay-$mode.txt" | grep '^RESULT' || true)
        stop_relay
        get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$result"; }
        printf '%-16s %-6s %8s %9s %9s %9s %8s\n' "$relay" "$mode" "$(get pps)" "$(get cpu_us)" "$(get user_us)" \
            "$(get sys_us)" "$(get loss_pct)"
    done
done
echo "logs: $OUT"
