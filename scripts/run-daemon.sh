#!/usr/bin/env bash
# Installs what is missing, builds a release rtprelayd and runs it in the foreground:
# ng control on 127.0.0.1:22222, media on 127.0.0.1. Extra arguments are passed on
# (e.g. --port-min=40000 --log-level=7); an --interface or --listen-ng given here replaces the default.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
swift build -c release --product rtprelayd
defaults=()
[[ " $* " == *" --interface"* || " $* " == *" -i"* ]] || defaults+=(--interface=127.0.0.1)
[[ " $* " == *" --listen-ng"* || " $* " == *" -n"* ]] || defaults+=(--listen-ng=127.0.0.1:22222)
exec .build/release/rtprelayd "${defaults[@]}" "$@"
