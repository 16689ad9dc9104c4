#!/usr/bin/env bash
# Per-frame encode/decode CPU cost of the Transcode codec wrappers, built with -O outside SwiftPM
# (so it never runs in `swift test` and does not rebuild the package). Prints one line per codec.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
swiftc -O -parse-as-library -module-name CodecCost -I Sources/COpus -I Sources/CBcg729 \
    Sources/Transcode/*.swift bench/CodecCost.swift -lopus -lbcg729 -o "$out/codec-cost"
"$out/codec-cost"
