#!/usr/bin/env bash
# Transcoding end to end: relay CPU per call-second for PCMU↔Opus, PCMU↔G.729, PCMU↔PCMA and a plain relayed PCMU
# call, for rtprelayd and rtpengine (userspace, one worker thread each), back to back in the same run.
#
#   bench/run-transcode-bench.sh                        # 50 calls, 20 s measured per row
#   CALLS=100 SECONDS_MEASURED=20 MODES="opus G729" bench/run-transcode-bench.sh
#   RELAYS="rtprelayd rtprelayd-noskip rtpengine" ...   # A/B: rtprelayd-noskip runs without io_uring quiet sends
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
PRIO=${PRIO:-}
RTPENGINE=${RTPENGINE:-rtpengine}
# Release build, start_relay/stop_relay by PID: shared with the media and SRTP benches.
source "$ROOT/bench/lib-media-bench.sh"

echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC'), $CALLS calls, ${SECONDS_MEASURED} s measured, rtpengine $(rtpengine --version 2>&1 | sed 's/Version: //')"
printf '%-10s %-6s %6s %8s %14s %9s %14s\n' relay codecB calls pps cpu_ms/call_s loss% rss_KiB/call
declare -A cpu
ng=22570
for mode in $MODES; do
    for relay in $RELAYS; do
        ng=$((ng + 1))
        log="$OUT/$relay-$mode.log"
        name=$relay
        [[ $relay == rtprelayd ]] && name=rtprelayd-uring
        [[ $relay == rtprelayd-noskip ]] && name=rtprelayd-uring-noskip   # A/B: without quiet sends
        start_relay "$name" "$ng" 46000 49999 "$log"
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
    [[ -n "${cpu[rtprelayd-noskip-$mode]:-}" ]] && printf '  %-5s rtprelayd-noskip / rtpengine = %s\n' "$mode" \
        "$(ratio "${cpu[rtprelayd-noskip-$mode]:-}" "${cpu[rtpengine-$mode]:-}")"
done
printf '  opus  target ≤ 0.33 × rtpengine: %s\n' "$(ratio "${cpu[rtprelayd-opus]:-}" "${cpu[rtpengine-opus]:-}")"
printf '  G729  target ≤ 0.65 × rtpengine: %s\n' "$(ratio "${cpu[rtprelayd-G729]:-}" "${cpu[rtpengine-G729]:-}")"
printf '  PCMA  target ≤ 1.2 × plain call: rtprelayd %s, rtpengine %s\n' \
    "$(ratio "${cpu[rtprelayd-PCMA]:-}" "${cpu[rtprelayd-none]:-}")" "$(ratio "${cpu[rtpengine-PCMA]:-}" "${cpu[rtpengine-none]:-}")"
echo "logs: $OUT"
