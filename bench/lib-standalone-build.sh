# Shared by the micro-benchmarks that build a few modules with -O outside SwiftPM (sourced, not run): a temporary
# build folder removed on exit, RTPWire as a static module the others import, and bench/MallocCount.c compiled for
# the scripts that count heap allocations. Sets: out (the folder). Run from the package root.
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
swiftc -O -wmo -parse-as-library -module-name RTPWire -emit-module -emit-module-path "$out/RTPWire.swiftmodule" \
    -emit-library -static Sources/RTPWire/*.swift -o "$out/libRTPWire.a"
clang -O2 -c bench/MallocCount.c -o "$out/malloc-count.o"
