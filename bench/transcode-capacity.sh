#!/usr/bin/env bash
# Transcoding capacity of this machine: builds rtprelayd (release) and runs `rtprelayd bench transcode --all`
# with bench/MallocCount.c preloaded as a shared object, so the report also counts heap allocations per packet.
# Usage: bench/transcode-capacity.sh [extra bench options, e.g. --seconds 20 --calls 40]
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product rtprelayd >&2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
cc -O2 -shared -fPIC -o "$out/malloc-count.so" bench/MallocCount.c
LD_PRELOAD="$out/malloc-count.so" .build/release/rtprelayd bench transcode --all "$@"
