#!/usr/bin/env bash
# Installs the Debian packages rtprelayd builds and tests with, if any are missing.
# Runs as root (or through sudo when available). Safe to run again.
set -euo pipefail
pkgs=(pkg-config libopus-dev libbcg729-dev libsrtp2-dev libssl-dev liburing-dev
      rtpengine-utils rtpengine-daemon kamailio tshark espeak-ng sox procps
      python3 python3-cryptography chromium)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections || true
$SUDO apt-get update -qq
# Packaged daemons (rtpengine, kamailio) must not be started as services: tests start their own copies.
if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee /usr/sbin/policy-rc.d >/dev/null
    $SUDO chmod +x /usr/sbin/policy-rc.d
    trap '$SUDO rm -f /usr/sbin/policy-rc.d' EXIT
fi
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
