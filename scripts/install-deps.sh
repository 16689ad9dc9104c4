#!/usr/bin/env bash
# Installs the Debian packages rtprelayd builds and tests with, if any are missing.
# Runs as root (or through sudo when available). Safe to run again.
set -euo pipefail
pkgs=(pkg-config libopus-dev libbcg729-dev libsrtp2-dev libssl-dev liburing-dev
      rtpengine-utils rtpengine-daemon kamailio tshark espeak-ng sox procps
      python3 python3-cryptography python3-pip python3-dev gcc chromium)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

# PESQ (ITU-T P.862) for the speech-quality test's scripts/pesq_score.py: PyPI `pesq` (a C extension built on
# install) and numpy, for whichever python3 is first on PATH. Debian's own python3 refuses a plain pip install
# (PEP 668), hence the second attempt.
install_python_modules() {
    python3 -c 'import pesq, numpy' 2>/dev/null && return 0
    echo "installing python modules: numpy pesq" >&2
    python3 -m pip install --quiet numpy pesq 2>/dev/null \
        || python3 -m pip install --quiet --break-system-packages numpy pesq
}

if [ ${#missing[@]} -eq 0 ]; then
    install_python_modules
    exit 0
fi
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
install_python_modules
