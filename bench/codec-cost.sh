#!/usr/bin/env bash
# Per-frame encode/decode CPU cost of the Transcode codec wrappers, built with -O outside SwiftPM
# (so it never runs in `swift test` and does not rebuild the package). Prints one line per codec.
set -euo pipefail
cd "$(dirname "$0")/.."
# Transcode imports RTPWire (codec descriptors, instants): built as its own module first.
source bench/lib-standalone-build.sh
swiftc -O -parse-as-library -module-name CodecCost -I "$out" -L "$out" -lRTPWire -I Sources/COpus -I Sources/CBcg729 \
    Sources/Transcode/*.swift bench/CodecCost.swift -lopus -lbcg729 -o "$out/codec-cost"
"$out/codec-cost"
