#!/usr/bin/env bash
# Speech quality through a transcoding relay, rtpengine and rtprelayd side by side: PESQ (ITU-T P.862 narrowband,
# MOS-LQO) of espeak-ng speech sent as PCMU, transcoded to Opus (resp. G.729) towards a phone that reflects it, and
# transcoded back to PCMU. The driver is the end-to-end test Tests/EndToEndTests/SpeechQualityTests.swift; this
# script runs it for both relays and prints its score lines.
#
#   bench/speech-quality.sh                 # both relays, Opus and G.729
#   SPEECH_RELAYS=rtpengine bench/speech-quality.sh
#
# round_trip_mos: PCMU→codec→PCMU as phone A hears it. one_way_mos: what phone B decoded (this package's
# decoder). codec_alone_mos: the same chain through this package's codecs in-process, no relay (a reference).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
export SPEECH_RELAYS=${SPEECH_RELAYS:-rtpengine,rtprelayd}
if [[ -z "${SKIP_BUILD:-}" ]]; then swift build --build-tests >&2; fi
out=$(mktemp /tmp/speech-quality.XXXXXX)
status=0
swift test --skip-build --filter SpeechQualityTests >"$out" 2>&1 || status=$?
echo "commit $(git rev-parse --short HEAD 2>/dev/null || echo '?'), $(date -u '+%Y-%m-%d %H:%M UTC'), rtpengine $(rtpengine --version 2>&1 | sed 's/Version: //')"
grep '^SPEECH ' "$out" | sort || true
if [[ $status -ne 0 ]]; then
    echo "some cases failed their floor or did not run (exit $status); test output: $out" >&2
    grep -E 'Expectation failed|recorded an issue|error' "$out" | head -20 >&2 || true
else
    rm -f "$out"
fi
exit $status
