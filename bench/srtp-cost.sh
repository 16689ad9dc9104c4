#!/usr/bin/env bash
# Per-packet CPU cost and heap allocations of SRTP protect/unprotect (SRTP and SRTCP) for each suite: the
# relay's SRTPSession (over libcrypto) against libsrtp2 (the tests' oracle wrapper), -O builds outside SwiftPM
# with bench/MallocCount.c linked in. Usage: bench/srtp-cost.sh [packets per measurement, default 100000]
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The SRTP files of RTPRelay as a module of their own (SRTPTransition needs RTPWire and is left out).
srtp_files=(Sources/RTPRelay/SRTP{Session,Suite,Error,Services,CryptoContext,KeyDerivation,PacketIndex,ReplayWindow,StreamTable}.swift
            Sources/RTPRelay/AESCipherContext.swift Sources/RTPRelay/HMACSHA1.swift)
swiftc -O -wmo -parse-as-library -module-name RTPRelay -emit-module -emit-module-path "$out/RTPRelay.swiftmodule" \
    -emit-library -static -I Sources/COpenSSL "${srtp_files[@]}" -o "$out/libRTPRelay.a"
clang -O2 -c bench/MallocCount.c -o "$out/malloc-count.o"
swiftc -O -wmo -parse-as-library -module-name SRTPCost -I "$out" -L "$out" -lRTPRelay -I Sources/COpenSSL -I Sources/CSRTP2 \
    bench/SRTPCost.swift Tests/RTPRelayTests/LibSRTPOracle.swift "$out/malloc-count.o" -lcrypto -lsrtp2 -o "$out/srtp-cost"
"$out/srtp-cost" "$@"
