#!/usr/bin/env bash
# CPU time and heap allocations per ng request kind inside NGEngine alone (bench/NGEngineCost.swift): the
# control plane's share of a call set-up, with no sockets, threads or NIO. -O build outside SwiftPM with
# bench/MallocCount.c linked in. Usage: bench/ng-engine-cost.sh [CALLS]   (default 20000)
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib-standalone-build.sh
swiftc -O -wmo -parse-as-library -module-name ControlProtocol -I "$out" -L "$out" -lRTPWire \
    Sources/ControlProtocol/*.swift bench/NGEngineCost.swift "$out/malloc-count.o" -o "$out/ng-engine-cost"
[ -n "${KEEP:-}" ] && cp "$out/ng-engine-cost" "$KEEP"
"$out/ng-engine-cost" "${1:-20000}"
