#!/usr/bin/env bash
# CPU per relayed packet with SRTP: plain RTP↔RTP, RTP↔SRTP (phone B on SDES-SRTP, AES_CM_128_HMAC_SHA1_80) and
# SRTP↔SRTP (both phones on SRTP with their own keys: re-encryption), for rtprelayd and rtpengine (userspace), one
# worker thread each, back to back in the same run.
#
#   bench/srtp-relay-bench.sh                  # 500 calls (50k packets/s), 8 s measured per row
#   CALLS=1000 SECONDS_MEASURED=10 RELAYS="rtprelayd-uring rtprelayd-epoll rtpengine" bench/srtp-relay-bench.sh
#
# The load generator (bench/loadgen --srtp) encrypts and decrypts for the SRTP phones on its own core; the relay is
# pinned to core $RELAY_CPU and the load generator to $LOAD_CPU, both under $PRIO, as in run-media-bench.sh (the
# relay start/stop is shared: bench/lib-media-bench.sh). ROUNDS>1 repeats every row and prints medians.
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
PRIO=${PRIO:-"chrt -f 10"}
$PRIO true 2>/dev/null || PRIO="nice -n -15"
ROUNDS=${ROUNDS:-1}
source bench/lib-media-bench.sh

echo "# $(date -u '+%Y-%m-%d %H:%M:%S UTC')  $(git rev-parse --short HEAD)  load average: $(cut -d' ' -f1-3 /proc/loadavg)  calls=$CALLS ${SECONDS_MEASURED}s measured, relay on cpu $RELAY_CPU under '$PRIO'"
printf '%-16s %-6s %8s %9s %9s %9s %8s\n' relay srtp pps cpu_us user_us sys_us loss%
ng=22470
: >"$OUT/results"
for round in $(seq "$ROUNDS"); do
    for relay in $RELAYS; do
        for mode in $MODES; do
            ng=$((ng + 1))
            start_relay "$relay" "$ng" 46000 49999 "$OUT/$relay-$mode-$round.log"
            sleep 0.5
            result=$($PRIO taskset -c "$LOAD_CPU" "$LOADGEN" --ng "127.0.0.1:$ng" --calls "$CALLS" --seconds "$SECONDS_MEASURED" \
                --warmup "$WARMUP" --pid "$RELAY_PID" --srtp "$mode" | tee "$OUT/$relay-$mode-$round.txt" | grep '^RESULT' || true)
            stop_relay
            get() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$result"; }
            echo "$relay $mode $(get pps) $(get cpu_us) $(get user_us) $(get sys_us) $(get loss_pct)" >>"$OUT/results"
            printf '%-16s %-6s %8s %9s %9s %9s %8s\n' "$relay" "$mode" "$(get pps)" "$(get cpu_us)" "$(get user_us)" \
                "$(get sys_us)" "$(get loss_pct)"
        done
    done
done
# Medians over the rounds, and each relay's SRTP rows as a ratio of its own plain row and of rtpengine's.
python3 - "$OUT/results" <<'PY'
import sys, statistics
rows = {}
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) == 7 and f[3]:
        rows.setdefault((f[0], f[1]), []).append([float(x) for x in f[2:]])
med = {k: [statistics.median(col) for col in zip(*v)] for k, v in rows.items()}
legs = {"none": "RTP↔RTP", "b": "RTP↔SRTP", "both": "SRTP↔SRTP"}
print()
print("| relay | legs | pps | CPU µs/packet | user µs | system µs | loss | × own plain | × rtpengine |")
print("|---|---|---|---|---|---|---|---|---|")
for (relay, mode), (pps, cpu, user, sys_, loss) in sorted(med.items(), key=lambda kv: (kv[0][0], list(legs).index(kv[0][1]) if kv[0][1] in legs else 9)):
    plain = med.get((relay, "none"))
    engine = med.get(("rtpengine", mode))
    own = f"{cpu / plain[1]:.2f}×" if plain else "–"
    rival = f"{cpu / engine[1]:.2f}×" if engine else "–"
    print(f"| {relay} | {legs.get(mode, mode)} | {pps:.0f} | {cpu:.2f} | {user:.2f} | {sys_:.2f} | {loss:.3f}% | {own} | {rival} |")
PY
echo "logs: $OUT"
