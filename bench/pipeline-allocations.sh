#!/usr/bin/env bash
# Heap allocations of TranscodePipeline.process over hostile streams (loss, silence gaps, events, SSRC and
# timestamp jumps, corrupt payloads, unknown payload types, runts), -O build outside SwiftPM with
# bench/MallocCount.c linked in. Prints one line per codec pair; the allocation count should be 0.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib-standalone-build.sh
swiftc -O -wmo -parse-as-library -module-name PipelineAllocations -I "$out" -L "$out" -lRTPWire -I Sources/COpus -I Sources/CBcg729 \
    Sources/Transcode/*.swift bench/PipelineAllocations.swift "$out/malloc-count.o" -lopus -lbcg729 -o "$out/pipeline-allocations"
"$out/pipeline-allocations"
