#!/usr/bin/env python3
"""Scores degraded speech against its original with ITU-T P.862 PESQ, narrowband (8 kHz): MOS-LQO.

Usage: pesq_score.py ORIGINAL DEGRADED
Both files are raw 16-bit little-endian mono PCM at 8 kHz (what the end-to-end speech test writes).
The degraded signal is first aligned to the original by cross-correlation (a relay adds a constant delay
of a few frames plus the codec's look-ahead), then trimmed to the original's length, so PESQ only sees the
codec's damage. Prints one line: `MOS-LQO <score> delay_samples <n> correlation <r>`.
Needs PyPI `pesq` and `numpy` (scripts/install-deps.sh installs them).
"""
import sys

import numpy as np
from pesq import pesq

RATE = 8000


def load(path):
    return np.fromfile(path, dtype="<i2").astype(np.float64)


def best_delay(reference, degraded):
    """Lag (in samples, >= 0) at which `degraded` best matches `reference`, via FFT cross-correlation."""
    n = len(reference) + len(degraded)
    size = 1 << (n - 1).bit_length()
    spectrum = np.fft.rfft(degraded, size) * np.conj(np.fft.rfft(reference, size))
    correlation = np.fft.irfft(spectrum, size)
    # Only non-negative lags: the relay path can delay speech, never advance it.
    limit = len(degraded)
    return int(np.argmax(correlation[:limit]))


def main():
    if len(sys.argv) != 3:
        sys.exit("usage: pesq_score.py ORIGINAL DEGRADED (raw s16le mono 8 kHz)")
    reference = load(sys.argv[1])
    degraded = load(sys.argv[2])
    if len(reference) < RATE or len(degraded) < RATE:
        sys.exit("pesq_score: each signal needs at least one second of audio")
    delay = best_delay(reference, degraded)
    aligned = degraded[delay:delay + len(reference)]
    if len(aligned) < len(reference):
        aligned = np.concatenate([aligned, np.zeros(len(reference) - len(aligned))])
    denominator = np.linalg.norm(reference) * np.linalg.norm(aligned)
    correlation = float(np.dot(reference, aligned) / denominator) if denominator > 0 else 0.0
    score = pesq(RATE, reference, aligned, "nb")
    print(f"MOS-LQO {score:.3f} delay_samples {delay} correlation {correlation:.3f}")


if __name__ == "__main__":
    main()
