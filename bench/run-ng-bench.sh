#!/usr/bin/env bash
# Runs the ng call set-up benchmark against rtprelayd (release build) and then rtpengine, one after
# the other on distinct loopback ports, and prints both rows and the ratios.
# Usage: bench/run-ng-bench.sh [SECONDS]   (default 10; 16 calls in flight)
# CLIENT=c (default): the driver is bench/ng-bench.c, built here with cc, so the client takes little of the
# cores it shares with the relay; CLIENT=py: the same set-ups from bench/ng-bench.py.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-10}"
client="${CLIENT:-c}"
command -v python3 >/dev/null || { echo "python3 is needed (apt-get install python3)" >&2; exit 1; }
scripts/install-deps.sh
swift build -c release --product rtprelayd >&2

out=bench/out
mkdir -p "$out"
if [ "$client" = c ]; then
    cc -O2 -Wall -o "$out/ng-bench" bench/ng-bench.c
    driver=("$out/ng-bench")
else
    driver=(python3 bench/ng-bench.py)
fi
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

wait_pong() {  # port
    python3 - "$1" <<'PY'
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(0.2)
for _ in range(100):
    s.sendto(b"w d7:command4:pinge", ("127.0.0.1", int(sys.argv[1])))
    try:
        if b"pong" in s.recv(1000): sys.exit(0)
    except OSError: time.sleep(0.1)
sys.exit(1)
PY
}

run_one() {  # label port pid
    wait_pong "$2" || { echo "$1 does not answer ping on $2" >&2; exit 1; }
    "${driver[@]}" --port "$2" --pid "$3" --seconds "$seconds" --inflight 16 --label "$1"
}

# Both relays: defaults except loopback addresses, their own port ranges, and no delete delay
# (so deleted calls free their ports at once); rtpengine in userspace (--table=-1), logging to a file.
.build/release/rtprelayd --interface=127.0.0.1 --listen-ng=127.0.0.1:22301 \
    --port-min=30000 --port-max=39999 --delete-delay=0 2> "$out/rtprelayd.log" &
pids+=($!)
relayd=$(run_one rtprelayd 22301 "${pids[-1]}")
kill "${pids[-1]}"; wait "${pids[-1]}" || true

rtpengine --config-file=none --table=-1 --foreground --log-stderr --interface=127.0.0.1 \
    --listen-ng=127.0.0.1:22302 --port-min=40000 --port-max=49999 --delete-delay=0 2> "$out/rtpengine.log" &
pids+=($!)
engine=$(run_one rtpengine 22302 "${pids[-1]}")
kill "${pids[-1]}"; wait "${pids[-1]}" || true

python3 - "$relayd" "$engine" <<'PY'
import json, sys
a, b = json.loads(sys.argv[1]), json.loads(sys.argv[2])
print("| relay | set-ups/s | relay CPU µs per set-up | errors | retransmits |")
print("|---|---|---|---|---|")
for r in (a, b):
    print("| %s | %.0f | %.1f | %d | %d |" % (r["label"], r["setups_per_s"], r["relay_cpu_us_per_setup"], r["errors"], r["retransmits"]))
print()
print("rtprelayd / rtpengine set-ups/s: %.2fx   (target >= 3x)" % (a["setups_per_s"] / b["setups_per_s"]))
print("rtprelayd / rtpengine CPU per set-up: %.3f   (target <= 0.333)" % (a["relay_cpu_us_per_setup"] / b["relay_cpu_us_per_setup"]))
PY
