import RTCPStats
import RTPWire

/// The quality measurement of one stream's ingress, kept by its worker next to the forwarding state: RFC 3550
/// loss (A.1/A.3) and jitter (A.8) of the RTP the relay forwards, the remote's SRs (answered by the other side's
/// RRs, giving the other leg's RTT), and the remote's own RR figures. Per RTP packet: a few integer operations,
/// no allocation, no lock. About once a second (and on RTCP) the worker folds the figures into `report` and
/// publishes a copy through the stream's counter block.
struct SlotQuality {
    var clockRate: UInt32 = 8000
    var started = false
    var loss = LossEstimator()
    var jitter = JitterEstimator(clockRate: 8000)
    /// SRs this stream's remote sent, by NTP middle bits: the other remote's RR blocks about them give the other
    /// leg's RTT (its `lastMicroseconds`).
    var senderReports = RoundTripEstimator()
    /// This remote's leg RTT, from its RR blocks about the other remote's SRs.
    var legRoundTrip: UInt64?
    var lastRTCPSampleNanoseconds: UInt64 = 0
    /// Monotonic ns at which the next relay-observed sample and publication are due.
    var nextPublishNanoseconds: UInt64 = 0
    var report = StreamQualityReport(ssrc: 0, clockRate: 8000)

    static let publishIntervalNanoseconds: UInt64 = 1_000_000_000

    mutating func setClockRate(_ rate: UInt32) {
        let rate = max(1, rate)
        guard rate != clockRate else { return }
        clockRate = rate
        jitter = JitterEstimator(clockRate: rate)
        report.clockRate = rate
    }

    /// One accepted RTP packet. Returns true when a publication is due (the caller then calls `publishDue`).
    @inline(__always)
    mutating func rtp(_ bytes: UnsafeRawBufferPointer, ssrc: UInt32, sequence: UInt16, now: MonotonicInstant) -> Bool {
        let timestamp = UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7])
        if !started || ssrc != report.ssrc {
            // A new source (first packet, or the remote restarted with a new SSRC): RTP counting starts over; what
            // RTCP taught (SRs seen, leg RTT, reported figures) is about the remote, not the SSRC, and stays.
            loss = LossEstimator()
            jitter = JitterEstimator(clockRate: clockRate)
            var fresh = StreamQualityReport(ssrc: ssrc, clockRate: clockRate)
            fresh.reported = report.reported
            fresh.roundTripTimeLeg = report.roundTripTimeLeg
            fresh.roundTripTime = report.roundTripTime
            fresh.rtcpReportedMOS = report.rtcpReportedMOS
            report = fresh
            started = true
            nextPublishNanoseconds = now.nanoseconds &+ Self.publishIntervalNanoseconds
        }
        report.packets &+= 1
        report.bytes &+= UInt64(bytes.count)
        report.lastSequenceNumber = sequence
        report.lastTimestamp = timestamp
        switch loss.update(SequenceNumber(sequence)) {
        case .duplicate, .badSequence: break
        case .restarted:
            jitter = JitterEstimator(clockRate: clockRate)
            jitter.update(rtpTimestamp: timestamp, arrival: now)
        case .inOrder, .reordered, .probation:
            jitter.update(rtpTimestamp: timestamp, arrival: now)
        }
        return now.nanoseconds >= nextPublishNanoseconds
    }

    /// The periodic fold: closes the one-second loss interval and takes a relay-observed MOS sample.
    mutating func fold(now: MonotonicInstant, unixMicroseconds: UInt64) {
        nextPublishNanoseconds = now.nanoseconds &+ Self.publishIntervalNanoseconds
        refreshCounts()
        guard loss.isValid else { return }
        let fraction = loss.closeInterval()
        report.lossPercent = UInt32(fraction) * 100 / 256
        // RTT from RTCP when known (end to end, else this leg), else 0 as rtpengine's LQ mode takes it.
        let rtt = report.roundTripTime ?? legRoundTrip ?? 0
        let mos = Self.mos(clockRate: clockRate, rttMicroseconds: rtt, jitterMilliseconds: report.jitterMilliseconds,
                           lossPercent: report.lossPercent)
        report.relayObservedMOS.add(MOSSample(source: .relayObserved, mos: mos, roundTripTime: rtt,
                                              roundTripTimeLeg: legRoundTrip ?? 0, jitter: report.jitterMilliseconds,
                                              packetLoss: report.lossPercent, reportedAt: unixMicroseconds / 1_000_000))
    }

    mutating func refreshCounts() {
        report.expected = loss.expected
        report.cumulativeLoss = loss.cumulativeLost
        report.duplicates = loss.duplicates
        report.reordered = loss.reordered
        report.jitterMilliseconds = jitter.jitterMilliseconds
    }

    /// A report block this stream's remote sent, about the SSRC of the other remote. `leg`: this leg's RTT from it
    /// (nil when LSR/DLSR matched no SR); `farLeg`: the other leg's latest RTT. A MOS sample follows rtpengine's CQ
    /// rule: only with an end-to-end RTT, i.e. both legs known, and at most one per second.
    mutating func reportBlock(fractionLost: UInt8, cumulativeLost: Int32, jitterUnits: UInt32, leg: UInt64?,
                              farLeg: UInt64?, now: MonotonicInstant, unixMicroseconds: UInt64) {
        if let leg { legRoundTrip = leg }
        let figures = ReportedReception(
            cumulativeLoss: cumulativeLost, lossPercent: UInt32(fractionLost) * 100 / 256,
            jitterMilliseconds: JitterEstimator.milliseconds(fromTimestampUnits: jitterUnits, clockRate: clockRate))
        report.reported = figures
        report.roundTripTimeLeg = legRoundTrip
        if let legRoundTrip, let farLeg { report.roundTripTime = legRoundTrip &+ farLeg }
        if lastRTCPSampleNanoseconds != 0,
           now.nanoseconds &- lastRTCPSampleNanoseconds < StreamQuality.minimumSampleSpacingNanoseconds { return }
        lastRTCPSampleNanoseconds = now.nanoseconds
        guard let legRoundTrip, let farLeg else { return }
        let rtt = legRoundTrip &+ farLeg
        let mos = Self.mos(clockRate: clockRate, rttMicroseconds: rtt, jitterMilliseconds: figures.jitterMilliseconds,
                           lossPercent: figures.lossPercent)
        report.rtcpReportedMOS.add(MOSSample(source: .rtcpReported, mos: mos, roundTripTime: rtt,
                                             roundTripTimeLeg: legRoundTrip, jitter: figures.jitterMilliseconds,
                                             packetLoss: figures.lossPercent, reportedAt: unixMicroseconds / 1_000_000))
    }

    /// rtpengine's codec-aware choice: G.107.2 for 48 kHz clocks (Opus), G.107 otherwise; stored as ⌊MOS×10⌋.
    static func mos(clockRate: UInt32, rttMicroseconds: UInt64, jitterMilliseconds: UInt32, lossPercent: UInt32) -> Int {
        let formula: EModel.Formula = clockRate == 48_000 ? .g1072 : .g107
        return EModel.storedTenths(EModel.mos(formula, rttMilliseconds: Double(rttMicroseconds) / 1000,
                                              jitterMilliseconds: Double(jitterMilliseconds),
                                              lossPercent: Double(lossPercent)))
    }
}
