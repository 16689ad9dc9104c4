#!/usr/bin/env bash
# Per-packet CPU cost of SRTPSession (libsrtp2) protect/unprotect for each suite, -O build outside
# SwiftPM. Figures include two clock_gettime calls per measured call (~0.05 µs each here).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
swiftc -O -parse-as-library -module-name SRTPCost -I Sources/CSRTP2 \
    Sources/RTPRelay/SRTPSession.swift Sources/RTPRelay/SRTPSuite.swift Sources/RTPRelay/SRTPError.swift \
    bench/SRTPCost.swift -lsrtp2 -o "$out/srtp-cost"
"$out/srtp-cost"
