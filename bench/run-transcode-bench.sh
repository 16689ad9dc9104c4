#!/usr/bin/env bash
# Transcoding end to end: relay CPU per call-second for PCMU↔Opus, PCMU↔G.729, PCMU↔PCMA and a plain relayed PCMU
# call, for rtprelayd and rtpengine (userspace, one worker thread each), back to back in the same run.
#
#   bench/run-transcode-bench.sh                        # 50 calls, 20 s measured per row
#   CALLS=100 SECONDS_MEASURED=20 MODES="opus G729" bench/run-transcode-bench.sh
#
# Each call's offer carries `codec: {mask: [all], transcode: [X]}`: phone A sends PCMU, phone B answers X and sends
# real X payloads (bench/loadgen --transcode X). The relay is pinned to core $RELAY_CPU, the load generator to
# $LOAD_CPU. CPU is the relay's user+system time from /proc over the measured interval, divided by calls × seconds.
# Targets (issue 4): PCMU↔Opus ≤ 0.33× rtpengine's, PCMU↔G.729 ≤ 0.65×, PCMU↔PCMA ≤ 1.2× rtprelayd's plain call.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CALLS=${CALLS:-50}
SECONDS_MEASURED=${SECONDS_MEASURED:-20}
WARMUP=${WARMUP:-3}
RELAY_CPU=${RELAY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
RELAYS=${RELAYS:-"rtprelayd rtpengine"}
MODES=${MODES:-"none opus G729 PCMA"}
OUT=${OUT:-$(mktemp -d /tmp/transcode-bench.XXXXXX)}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [[ -z "${SKIP_BUILD:-}" ]]; then
    swift build -c release --product rtprelayd >&2
    (cd bench/loadgen && swift build -c release) >&2
fi
RELAYD=${RELAYD:-"$ROOT/.build/release/rtprelayd"}
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

echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC'), $CALLS calls, ${SECONDS_MEASURED} s measured, rtpengine $(rtpengine --version 2>&1 | sed 's/Version: //')"
printf '%-10s %-6s %6s %8s %14s %9s %14s\n' relay codecB calls pps cpu_ms/call_s loss% rss_KiB/call
declare -A cpu
ng=22570
for mode in $MODES; do
    for relay in $RELAYS; do
        ng=$((ng + 1))
        log="$OUT/$relay-$mode.log"
        case $relay in
            rtprelayd)
                taskset -c "$RELAY_CPU" "$RELAYD" --interface=127.0.0.1 --listen-ng="127.0.0.1:$ng" --port-min=46000 \
                    --port-max=49999 --num-threads=1 --delete-delay=0 --log-level=4 >"$log" 2>&1 &
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
            --warmup "$WARMUP" --pid "$RELAY_PID" --transcode "$mode" 2>&1 | tee "$OUT/$relay-$mode.txt" | grep '^RESULT' || true)
        stop_relay
        get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$result"; }
        if [[ -z "$result" ]]; then
            printf '%-10s %-6s %s\n' "$relay" "$mode" "FAILED (see $OUT/$relay-$mode.txt)"
            continue
        fi
        cpu[$relay-$mode]=$(get cpu_ms_per_call_s)
        printf '%-10s %-6s %6s %8s %14s %9s %14s\n' "$relay" "$mode" "$(get calls)" "$(get pps)" \
            "$(get cpu_ms_per_call_s)" "$(get loss_pct)" "$(get rss_kib_per_call)"
    done
done

ratio() { # ratio NUMERATOR DENOMINATOR → "x.xx" or "n/a"
    if [[ -n "${1:-}" && -n "${2:-}" ]]; then awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
    else echo n/a; fi
}
echo
echo "ratios (relay CPU per call-second):"
for mode in $MODES; do
    printf '  %-5s rtprelayd / rtpengine = %s\n' "$mode" "$(ratio "${cpu[rtprelayd-$mode]:-}" "${cpu[rtpengine-$mode]:-}")"
done
printf '  opus  target ≤ 0.33 × rtpengine: %s\n' "$(ratio "${cpu[rtprelayd-opus]:-}" "${cpu[rtpengine-opus]:-}")"
printf '  G729  target ≤ 0.65 × rtpengine: %s\n' "$(ratio "${cpu[rtprelayd-G729]:-}" "${cpu[rtpengine-G729]:-}")"
printf '  PCMA  target ≤ 1.2 × plain call: rtprelayd %s, rtpengine %s\n' \
    "$(ratio "${cpu[rtprelayd-PCMA]:-}" "${cpu[rtprelayd-none]:-}")" "$(ratio "${cpu[rtpengine-PCMA]:-}" "${cpu[rtpengine-none]:-}")"
echo "logs: $OUT"
