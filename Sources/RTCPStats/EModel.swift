import Foundation

/// The three MOS estimates rtpengine computes from an RTCP receiver report (`daemon/ssrc.c`;
/// ng-protocol.md §7.1), so the MOS Kamailio reads from us means what it meant from rtpengine.
/// Inputs: end-to-end round-trip time and interarrival jitter in milliseconds, loss in percent.
public enum EModel {
    public enum Formula: String, Sendable, Hashable, CaseIterable {
        /// ITU-T G.107 simplified for narrowband (rtpengine's default, `mos_calc_nb`).
        case g107 = "G.107"
        /// ITU-T G.107.2 fullband (`--mos=G.107.2`; streams whose clock is 48 kHz, e.g. Opus).
        case g1072 = "G.107.2"
        /// The pre-E-model heuristic (`--mos=legacy`).
        case legacy
    }

    /// R factor for one report. Negative or non-finite inputs count as zero.
    public static func rFactor(_ formula: Formula, rttMilliseconds: Double, jitterMilliseconds: Double,
                               lossPercent: Double) -> Double {
        let rtt = max(0, rttMilliseconds)
        let jitter = max(0, jitterMilliseconds)
        let loss = max(0, lossPercent)
        // One-way delay as rtpengine takes it: half the round trip plus the jitter (buffer).
        let delay = rtt / 2 + jitter
        switch formula {
        case .g107:
            let r = loss > 93 ? 0 : 93.2 - loss
            let delayImpairment = 0.024 * delay + (delay > 177.3 ? 0.11 * (delay - 177.3) : 0)
            return 0.18 * r * r - 27.9 * r + 1126.62 - delayImpairment
        case .g1072:
            let equipmentImpairment = 10.2 + 121.8 * loss / (loss + 4.3)
            var delayImpairment = 0.0
            if delay > 100 {
                let x = log2(delay / 100)
                delayImpairment = 37 * (pow(1 + pow(x, 6), 1.0 / 6) - 3 * pow(1 + pow(x / 3, 6), 1.0 / 6) + 2)
            }
            // Fullband R runs to 148; dividing by 1.48 puts it on the narrowband 0...100 scale.
            return (148 - delayImpairment - equipmentImpairment) / 1.48
        case .legacy:
            let effectiveLatency = rtt + 2 * jitter + 10
            let r = effectiveLatency < 160 ? 93.2 - effectiveLatency / 40 : 93.2 - (effectiveLatency - 120) / 10
            return r - 2.5 * loss
        }
    }

    /// G.107 R → MOS mapping (Annex B), clamped to 1.0...4.5.
    public static func mos(fromR r: Double) -> Double {
        guard r.isFinite else { return 1 }
        if r < 0 { return 1 }
        if r > 100 { return 4.5 }
        return max(1, 1 + 0.035 * r + 7e-6 * r * (r - 60) * (100 - r))
    }

    /// MOS for one report.
    public static func mos(_ formula: Formula, rttMilliseconds: Double, jitterMilliseconds: Double,
                           lossPercent: Double) -> Double {
        mos(fromR: rFactor(formula, rttMilliseconds: rttMilliseconds, jitterMilliseconds: jitterMilliseconds,
                           lossPercent: lossPercent))
    }

    /// MOS as rtpengine stores and reports it: ⌊MOS × 10⌋ (e.g. 4.34 → 43).
    public static func storedTenths(_ mos: Double) -> Int {
        Int((mos * 10).rounded(.down))
    }
}
