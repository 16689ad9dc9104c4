#!/usr/bin/env bash
# Media relay benchmark: rtprelayd vs rtpengine (userspace, one worker thread each), back to back.
#
#   bench/run-media-bench.sh                 # 3 rounds, 20 calls (light) and 1000 calls (100k packets/s)
#   ROUNDS=1 SECONDS_MEASURED=5 bench/run-media-bench.sh
#   IO_MODES="epoll uring" bench/run-media-bench.sh    # rtprelayd rows per IO mode (default: both)
#   IO_MODES="uring uring-noskip" bench/run-media-bench.sh   # A/B: io_uring with and without quiet sends
#   COMPARE_STATS=1 bench/run-media-bench.sh           # adds rtprelayd rows with --no-stats (quality statistics off)
#                                                      # and a table of CPU per packet with statistics on vs off
#   WITH_RTPENGINE=0 ...                               # leaves rtpengine out (its ratio table then stays empty)
#
# Every round runs each load against every relay one after the other (rtprelayd per IO mode, then rtpengine), so
# background load from the machine hits all of them alike; the table shows the median over the rounds.
# CPU placement: the relay under test is pinned to core $RELAY_CPU (default 1) and the load generator to core
# $LOAD_CPU (default 0), the same for both relays, and both run under $PRIO (default `chrt -f 10`, SCHED_FIFO,
# falling back to `nice -n -15`): on a machine where other work (compilers) keeps both cores busy, a relay at normal
# priority waits for its core and is measured in bigger, cheaper batches with seconds of queueing. On loopback the
# sender's system call also delivers the datagram into the receiver's socket, so the relay's CPU per packet includes
# delivering its output to the load generator, and the load generator pays for delivering into the relay: the same
# for both relays. Under heavy load the load generator's receiver polls every $HEAVY_RECEIVE_POLL_US µs (default
# 500) instead of sleeping in epoll_wait, as a network card between relay and phones would (the relay's sends then
# rarely wake a sleeping receiver); that adds up to that much to the measured latency of both relays. Light load
# keeps the blocking receiver for the best latency resolution.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
ROUNDS=${ROUNDS:-3}
LIGHT_CALLS=${LIGHT_CALLS:-20}
HEAVY_CALLS=${HEAVY_CALLS:-1000}
SECONDS_MEASURED=${SECONDS_MEASURED:-10}
WARMUP=${WARMUP:-3}
RELAY_CPU=${RELAY_CPU:-1}
LOAD_CPU=${LOAD_CPU:-0}
IO_MODES=${IO_MODES:-"epoll uring"}
HEAVY_RECEIVE_POLL_US=${HEAVY_RECEIVE_POLL_US:-500}
PRIO=${PRIO:-"chrt -f 10"}
$PRIO true 2>/dev/null || PRIO="nice -n -15"
OUT=${OUT:-$(mktemp -d /tmp/media-bench.XXXXXX)}
source bench/lib-media-bench.sh

RELAYS=()
for mode in $IO_MODES; do
    RELAYS+=("rtprelayd-$mode")
    [[ -n "${COMPARE_STATS:-}" ]] && RELAYS+=("rtprelayd-$mode-nostats")
done
[[ "${WITH_RTPENGINE:-1}" != 0 ]] && RELAYS+=(rtpengine)

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC')  load average: $(cut -d' ' -f1-3 /proc/loadavg)  $(uname -r)" | tee "$OUT/header"
echo "# rounds=$ROUNDS light=$LIGHT_CALLS heavy=$HEAVY_CALLS calls, ${SECONDS_MEASURED}s measured after ${WARMUP}s warm-up; relay on cpu $RELAY_CPU, loadgen on cpu $LOAD_CPU, both under '$PRIO'; heavy-load receiver polls every ${HEAVY_RECEIVE_POLL_US} us" | tee -a "$OUT/header"
: >"$OUT/results"
for round in $(seq "$ROUNDS"); do
    for calls in $LIGHT_CALLS $HEAVY_CALLS; do
        k=0
        for relay in "${RELAYS[@]}"; do
            # Distinct ng port and media range per relay (5000 ports: both take 4 per call).
            ng=$((22310 + k)); pmin=$((14000 + k * 5000)); pmax=$((pmin + 4999))
            k=$((k + 1))
            start_relay "$relay" "$ng" "$pmin" "$pmax" "$OUT/$relay.$calls.$round.log"
            sleep 0.5
            poll=0; (( calls > LIGHT_CALLS )) && poll=$HEAVY_RECEIVE_POLL_US
            line=$($PRIO taskset -c "$LOAD_CPU" "$LOADGEN" --ng "127.0.0.1:$ng" --calls "$calls" --seconds "$SECONDS_MEASURED" \
                   --warmup "$WARMUP" --pid "$RELAY_PID" --receive-poll-us "$poll" | tee "$OUT/loadgen.$relay.$calls.$round.txt" | grep '^RESULT' || true)
            stop_relay
            echo "round=$round relay=$relay load=$(cut -d' ' -f1-3 /proc/loadavg | tr ' ' /) ${line#RESULT }" | tee -a "$OUT/results" >&2
        done
    done
done

python3 - "$OUT/results" "${RELAYS[@]}" <<'PY'
import sys, statistics
path, relays = sys.argv[1], sys.argv[2:]
rows = []
for line in open(path):
    kv = dict(f.split("=", 1) for f in line.split() if "=" in f)
    if "cpu_us" in kv: rows.append(kv)
def med(relay, calls, key):
    vals = [float(r[key]) for r in rows if r["relay"] == relay and r["calls"] == calls]
    return statistics.median(vals) if vals else float("nan")
loads = sorted({r["calls"] for r in rows}, key=int)
print()
def worst(relay, calls, key):
    vals = [float(r[key]) for r in rows if r["relay"] == relay and r["calls"] == calls and key in r]
    return max(vals) if vals else float("nan")
# The last column is the load generator's own health: its CPU share of its core and the longest its receiver loop
# stalled (worst round). A stall there shows up as relay latency that the relay did not cause.
print("| relay | calls | packets/s | loss | latency p50 / p99 (µs) | CPU per packet (µs): total = user + sys | loadgen CPU / max stall |")
print("|---|---|---|---|---|---|---|")
for calls in loads:
    for relay in relays:
        print(f"| {relay} | {calls} | {med(relay, calls, 'pps'):.0f} | {med(relay, calls, 'loss_pct'):.3f}% | "
              f"{med(relay, calls, 'p50_us'):.0f} / {med(relay, calls, 'p99_us'):.0f} | "
              f"{med(relay, calls, 'cpu_us'):.2f} = {med(relay, calls, 'user_us'):.2f} + {med(relay, calls, 'sys_us'):.2f} | "
              f"{med(relay, calls, 'loadgen_cpu_pct'):.0f}% / {worst(relay, calls, 'recv_max_gap_us') / 1000:.1f} ms |")
print()
print("| ratio vs rtpengine | calls | CPU per packet | latency p50 | latency p99 |")
print("|---|---|---|---|---|")
for calls in loads:
    for relay in relays:
        if relay == "rtpengine" or "rtpengine" not in relays: continue
        r = lambda k: med(relay, calls, k) / med("rtpengine", calls, k)
        print(f"| {relay} | {calls} | {r('cpu_us'):.2f}× | {r('p50_us'):.2f}× | {r('p99_us'):.2f}× |")
off = [r for r in relays if r.endswith("-nostats")]
if off:
    print()
    print("| statistics on vs off | calls | CPU per packet on / off (µs) | difference |")
    print("|---|---|---|---|")
    for calls in loads:
        for relay in off:
            on = relay[:-len("-nostats")]
            a, b = med(on, calls, "cpu_us"), med(relay, calls, "cpu_us")
            print(f"| {on} | {calls} | {a:.2f} / {b:.2f} | {100 * (a - b) / b:+.1f}% |")
PY
echo "raw results: $OUT" >&2
