#!/usr/bin/env bash
# Per-frame encode/decode CPU cost of the Transcode codec wrappers, built with -O outside SwiftPM
# (so it never runs in `swift test` and does not rebuild the package). Prints one line per codec.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# Transcode imports RTPWire (codec descriptors, instants): build it as its own module first.
swiftc -O -wmo -parse-as-library -module-name RTPWire -emit-module -emit-module-path "$out/RTPWire.swiftmodule" \
    -emit-library -static Sources/RTPWire/*.swift -o "$out/libRTPWire.a"
swiftc -O -parse-as-library -module-name CodecCost -I "$out" -L "$out" -lRTPWire -I Sources/COpus -I Sources/CBcg729 \
    Sources/Transcode/*.swift bench/CodecCost.swift -lopus -lbcg729 -o "$out/codec-cost"
"$out/codec-cost"
