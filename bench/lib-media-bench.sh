# Shared by bench/run-media-bench.sh and bench/srtp-relay-bench.sh (sourced, not run): building the release
# relay and load generator, starting a relay under test (rtprelayd in an IO mode, or rtpengine in userspace, one
# worker thread each, pinned to $RELAY_CPU under $PRIO) and stopping it by PID.
#
# Reads: ROOT (the package root), RELAY_CPU, PRIO, RTPENGINE, SKIP_BUILD. Sets: RELAYD, LOADGEN, RELAY_PID.

ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"

if [[ -z "${SKIP_BUILD:-}" ]]; then
    swift build -c release --product rtprelayd >&2
    (cd "$ROOT/bench/loadgen" && swift build -c release) >&2
fi
RELAYD="$ROOT/.build/release/rtprelayd"
LOADGEN="$ROOT/bench/loadgen/.build/release/loadgen"
RTPENGINE=${RTPENGINE:-rtpengine}

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

wait_for_ng() {   # port: until something listens on it (UDP)
    for _ in $(seq 100); do
        ss -Hlun "sport = :$1" | grep -q . && return 0
        kill -0 "$RELAY_PID" 2>/dev/null || { echo "relay exited" >&2; return 1; }
        sleep 0.1
    done
    echo "ng port $1 never opened" >&2; return 1
}

# start_relay NAME NGPORT PORTMIN PORTMAX LOGFILE
#   NAME: rtprelayd-<io mode>[-noskip|-notwin][-nostats] or rtpengine. -notwin: no connected twin sockets
#   (RTPRELAY_URING_NO_TWIN), every send goes out of the unconnected port socket with its address. -noskip: io_uring sends post a completion each and
#   transcoded packets go out with sendto, as before quiet sends (RTPRELAY_URING_NO_SKIP), for an A/B in one run.
start_relay() {
    local name=$1 ng=$2 pmin=$3 pmax=$4 log=$5
    case $name in
        rtprelayd-*)
            local mode=${name#rtprelayd-} extra=() env=()
            if [[ $mode == *-nostats ]]; then mode=${mode%-nostats}; extra=(--no-stats); fi
            if [[ $mode == *-noskip ]]; then mode=${mode%-noskip}; env=(RTPRELAY_URING_NO_SKIP=1); fi
            if [[ $mode == *-notwin ]]; then mode=${mode%-notwin}; env=(RTPRELAY_URING_NO_TWIN=1); fi
            env "${env[@]}" $PRIO taskset -c "$RELAY_CPU" "$RELAYD" --interface=127.0.0.1 --listen-ng="127.0.0.1:$ng" \
                --port-min="$pmin" --port-max="$pmax" --num-threads=1 --delete-delay=0 --log-level=4 \
                --io="$mode" --listen-http=off "${extra[@]}" >"$log" 2>&1 &
            ;;
        rtpengine)
            $PRIO taskset -c "$RELAY_CPU" "$RTPENGINE" --config-file=none --table=-1 --foreground --interface=127.0.0.1 \
                --listen-ng="127.0.0.1:$ng" --port-min="$pmin" --port-max="$pmax" --num-threads=1 \
                --delete-delay=0 --log-level=4 --log-stderr >"$log" 2>&1 &
            ;;
        *) echo "unknown relay $name" >&2; return 1 ;;
    esac
    RELAY_PID=$!
    wait_for_ng "$ng"
}
