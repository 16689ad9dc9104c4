import RTCPStats
import RTPWire

/// The RFC 3611 §4.7 VoIP metrics block the relay writes about a stream it receives on a transcoded leg, where it
/// is the media endpoint: built from the figures SlotQuality already keeps, on the stack (no allocation).
extension SlotQuality {
    /// `roundTripMicroseconds`: the leg's RTT when known (from LSR/DLSR or DLRR).
    func voipMetrics(roundTripMicroseconds: UInt64?) -> RTCPExtendedReport.VoIPMetrics {
        var m = RTCPExtendedReport.VoIPMetrics(ssrc: report.ssrc)
        let expected = loss.expected
        let lost = UInt64(max(0, loss.cumulativeLost))
        // §4.7.1: fractions since the start of reception, in 1/256.
        m.lossRate = expected == 0 ? 0 : UInt8(min(255, lost * 256 / expected))
        // The relay has no jitter buffer: it drops nothing for late or early arrival, so nothing is discarded.
        m.discardRate = 0
        // Bursts and gaps (§4.7.2) are not tracked by the loss estimator: densities and durations stay 0.
        m.burstDensity = 0
        m.gapDensity = 0
        m.burstDuration = 0
        m.gapDuration = 0
        // §4.7.3, ms; 0 while no round trip has been measured. No end-system delay is added by a relay.
        m.roundTripDelay = roundTripMicroseconds.map { UInt16(min(65_535, $0 / 1000)) } ?? 0
        m.endSystemDelay = 0
        // §4.7.4: no audio levels are measured (127 = unavailable); Gmin the recommended 16.
        m.signalLevel = 127
        m.noiseLevel = 127
        m.residualEchoReturnLoss = 127
        m.gmin = 16
        // §4.7.5, the E-model as the slot's MOS uses it. MOS-LQ leaves delay out (RTT 0); the R factor and MOS-CQ
        // include it and stay unavailable (127) until the round trip is known. External R: no other segment known.
        let formula: EModel.Formula = clockRate == 48_000 ? .g1072 : .g107
        let jitterMs = Double(jitter.jitterMilliseconds)
        let lossPercent = expected == 0 ? 0 : Double(lost) * 100 / Double(expected)
        m.mosLQ = UInt8(clamping: EModel.storedTenths(EModel.mos(formula, rttMilliseconds: 0, jitterMilliseconds: jitterMs,
                                                                   lossPercent: lossPercent)))
        if let rtt = roundTripMicroseconds {
            let ms = Double(rtt) / 1000
            let r = EModel.rFactor(formula, rttMilliseconds: ms, jitterMilliseconds: jitterMs, lossPercent: lossPercent)
            m.rFactor = r.isFinite ? UInt8(min(100, max(0, r.rounded()))) : 127
            m.mosCQ = UInt8(clamping: EModel.storedTenths(EModel.mos(formula, rttMilliseconds: ms,
                                                                       jitterMilliseconds: jitterMs,
                                                                       lossPercent: lossPercent)))
        } else {
            m.rFactor = 127
            m.mosCQ = 127
        }
        m.externalRFactor = 127
        // §4.7.6: PLC and jitter-buffer adaptivity unspecified (00/00), rate 0; the relay has no jitter buffer,
        // so its nominal, maximum and absolute maximum delays are 0.
        m.receiverConfiguration = 0
        m.jitterBufferNominal = 0
        m.jitterBufferMaximum = 0
        m.jitterBufferAbsoluteMaximum = 0
        return m
    }
}
