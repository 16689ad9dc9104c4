import RTPWire

/// Call quality of one SSRC in one direction: the relay's loss and jitter estimate of its RTP, the SRs it
/// sent (for RTT), and MOS samples, following rtpengine's `ssrc_receiver_report()` (ng-protocol.md §7.1):
/// - a report block produces a sample in the entry of the endpoint that *sent* it (what that endpoint hears);
/// - the RTT of the reporter's leg comes from the `roundTrip` of the source the block is *about*
///   (its SRs reached the reporter through the relay);
/// - the far leg's RTT is this entry's own `roundTrip.lastMicroseconds` (the far end answering our SRs);
/// - end-to-end RTT = leg + far leg, known only once the far leg is; an XR VoIP-metrics round-trip delay
///   about this SSRC replaces it. In CQ mode no MOS without it.
///
///     let leg = qualities[block.ssrc]?.roundTrip.reportArrived(block, at: now)
///     qualities[rr.ssrc]?.reportReceived(block, legRoundTrip: leg, now: now, unixMicroseconds: wallClock)
///
/// Per-packet work (`rtpReceived`) is O(1) and allocation-free.
public struct StreamQuality: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// CQ (rtpengine's default): a sample needs this leg's RTT. LQ: RTT is taken as 0.
        public enum Mode: String, Sendable, Hashable {
            case conversational = "CQ"
            case listening = "LQ"
        }

        public var clockRate: UInt32
        public var formula: EModel.Formula
        public var mode: Mode
        /// Seconds between `MOS progression` entries (the newest `MOSSummary.progressionCapacity` are kept).
        public var progressionInterval: UInt32

        public init(clockRate: UInt32, formula: EModel.Formula, mode: Mode = .conversational,
                    progressionInterval: UInt32 = 10) {
            self.clockRate = max(1, clockRate)
            self.formula = formula
            self.mode = mode
            self.progressionInterval = progressionInterval
        }

        /// The formula rtpengine would pick for a codec: G.107.2 for 48 kHz clocks (Opus), else G.107.
        public static func forCodec(clockRate: UInt32, mode: Mode = .conversational) -> Configuration {
            Configuration(clockRate: clockRate, formula: clockRate == 48_000 ? .g1072 : .g107, mode: mode)
        }
    }

    /// Samples of the same source closer together than this are dropped (rtpengine's rule).
    public static let minimumSampleSpacingNanoseconds: UInt64 = 1_000_000_000

    public let ssrc: UInt32
    public let configuration: Configuration
    public private(set) var loss = LossEstimator()
    public private(set) var jitter: JitterEstimator
    /// SRs sent by this SSRC; answers report blocks about it with the RTT of the reporter's leg.
    public var roundTrip = RoundTripEstimator()

    public private(set) var packets: UInt64 = 0
    public private(set) var bytes: UInt64 = 0
    public private(set) var lastSequenceNumber: UInt16?
    public private(set) var lastTimestamp: UInt32?
    /// RTT of this endpoint's leg, from the latest of its report blocks that gave one.
    public private(set) var lastLegRoundTrip: UInt64?
    public private(set) var reportedCumulativeLoss: Int32?
    /// Round-trip delay from the latest XR VoIP metrics block about this SSRC, ms (0: none).
    public private(set) var xrRoundTripMilliseconds: UInt16 = 0
    /// Reports that produced no MOS (CQ without an end-to-end RTT).
    public private(set) var samplesWithoutMOS = 0

    private var lastSample: (rtcp: MonotonicInstant?, relay: MonotonicInstant?) = (nil, nil)
    /// Every sample taken (both sources): average, lowest, highest and the progression, as the relay publishes them.
    public private(set) var summary = MOSSummary()
    public var lowest: MOSSample? { summary.lowest }
    public var highest: MOSSample? { summary.highest }

    public init(ssrc: UInt32, configuration: Configuration) {
        self.ssrc = ssrc
        self.configuration = configuration
        jitter = JitterEstimator(clockRate: configuration.clockRate)
        summary.progressionInterval = configuration.progressionInterval
    }

    /// One RTP packet from this SSRC arrived (`size`: bytes counted, e.g. the UDP payload).
    @discardableResult
    public mutating func rtpReceived(sequenceNumber: SequenceNumber, timestamp: UInt32, size: Int,
                                     arrival: MonotonicInstant) -> LossEstimator.Outcome {
        packets &+= 1
        bytes &+= UInt64(max(0, size))
        lastSequenceNumber = sequenceNumber.rawValue
        lastTimestamp = timestamp
        let outcome = loss.update(sequenceNumber)
        switch outcome {
        case .duplicate, .badSequence: break
        case .restarted:
            jitter = JitterEstimator(clockRate: configuration.clockRate)
            jitter.update(rtpTimestamp: timestamp, arrival: arrival)
        case .inOrder, .reordered, .probation:
            jitter.update(rtpTimestamp: timestamp, arrival: arrival)
        }
        return outcome
    }

    /// An SR from this SSRC passed through (its NTP middle bits will come back as LSR).
    public mutating func senderReportSeen(_ report: RTCPSenderReport, at now: MonotonicInstant) {
        roundTrip.senderReportSeen(report, at: now)
    }

    /// A report block sent by this SSRC's endpoint arrived. `legRoundTrip`: this leg's RTT for the block
    /// (from the reported source's `roundTrip`; nil if none). Returns the sample taken, or nil when the block
    /// came within 1 s of the previous one or (CQ) no end-to-end RTT is known yet.
    @discardableResult
    public mutating func reportReceived(_ block: RTCPReportBlock, legRoundTrip: UInt64?, now: MonotonicInstant,
                                        unixMicroseconds: UInt64) -> MOSSample? {
        reportedCumulativeLoss = block.cumulativeLost
        if let legRoundTrip { lastLegRoundTrip = legRoundTrip }
        let lossPercent = UInt32(block.fractionLost) * 100 / 256
        let jitterMs = JitterEstimator.milliseconds(fromTimestampUnits: block.jitter, clockRate: configuration.clockRate)
        return takeSample(.rtcpReported, leg: legRoundTrip, jitter: jitterMs, loss: lossPercent, now: now,
                          unixMicroseconds: unixMicroseconds)
    }

    /// An RTCP XR VoIP metrics block about this SSRC (RFC 3611 §4.7.3, round-trip delay in ms): rtpengine uses it
    /// as the end-to-end RTT of later samples in this entry. 0 means unavailable.
    public mutating func voipMetricsReceived(_ metrics: RTCPExtendedReport.VoIPMetrics) {
        xrRoundTripMilliseconds = metrics.roundTripDelay
    }

    /// Closes the relay's own reporting interval for this SSRC and turns its fraction lost and jitter into
    /// a sample, with this endpoint's latest leg RTT. Call it on a timer (it owns the loss interval).
    @discardableResult
    public mutating func relayObservedSample(now: MonotonicInstant, unixMicroseconds: UInt64) -> MOSSample? {
        guard loss.isValid, lastSampleAllowed(.relayObserved, now: now) else { return nil }
        let fraction = loss.closeInterval()
        return takeSample(.relayObserved, leg: lastLegRoundTrip, jitter: jitter.jitterMilliseconds,
                          loss: UInt32(fraction) * 100 / 256, now: now, unixMicroseconds: unixMicroseconds)
    }

    /// End-to-end RTT for a sample with this leg RTT: leg + far leg once the far leg is known (0 before),
    /// or the XR round-trip delay when one was reported. µs.
    public func endToEndRoundTrip(leg: UInt64?) -> UInt64 {
        if xrRoundTripMilliseconds > 0 { return UInt64(xrRoundTripMilliseconds) * 1000 }
        guard let far = roundTrip.lastMicroseconds else { return 0 }
        return RoundTripEstimator.endToEnd(thisLeg: leg ?? 0, otherLeg: far)
    }

    /// ⌊MOS × 10⌋ for these inputs, or nil in CQ mode without an end-to-end RTT. LQ ignores the RTT.
    public func mos(endToEndRoundTrip: UInt64, jitterMilliseconds: UInt32, lossPercent: UInt32) -> Int? {
        let rtt: UInt64
        switch configuration.mode {
        case .conversational:
            guard endToEndRoundTrip > 0 else { return nil }
            rtt = endToEndRoundTrip
        case .listening:
            rtt = 0
        }
        return EModel.storedTenths(EModel.mos(configuration.formula, rttMilliseconds: Double(rtt) / 1000,
                                              jitterMilliseconds: Double(jitterMilliseconds),
                                              lossPercent: Double(lossPercent)))
    }

    private func lastSampleAllowed(_ source: MOSSource, now: MonotonicInstant) -> Bool {
        guard let last = source == .rtcpReported ? lastSample.rtcp : lastSample.relay else { return true }
        return now >= last && now.nanoseconds - last.nanoseconds >= Self.minimumSampleSpacingNanoseconds
    }

    private mutating func takeSample(_ source: MOSSource, leg: UInt64?, jitter: UInt32, loss: UInt32,
                                     now: MonotonicInstant, unixMicroseconds: UInt64) -> MOSSample? {
        guard lastSampleAllowed(source, now: now) else { return nil }
        // As rtpengine, a block without MOS still counts for the 1 s rule.
        if source == .rtcpReported { lastSample.rtcp = now } else { lastSample.relay = now }
        let endToEnd = endToEndRoundTrip(leg: leg)
        guard let mos = mos(endToEndRoundTrip: endToEnd, jitterMilliseconds: jitter, lossPercent: loss) else {
            samplesWithoutMOS += 1
            return nil
        }
        let sample = MOSSample(source: source, mos: mos, roundTripTime: endToEnd, roundTripTimeLeg: leg ?? 0,
                                   jitter: jitter, packetLoss: loss, reportedAt: unixMicroseconds / 1_000_000)
        summary.add(sample)
        return sample
    }

    /// Number of samples taken so far.
    public var sampleCount: Int { summary.samples }

    /// Means over all samples (`reportedAt` 0); nil before the first.
    public var average: MOSSample? { summary.average }

    public func snapshot() -> QualitySnapshot {
        QualitySnapshot(
            ssrc: ssrc, packets: packets, bytes: bytes, lastSequenceNumber: lastSequenceNumber,
            lastTimestamp: lastTimestamp,
            cumulativeLoss: reportedCumulativeLoss.map(Int64.init) ?? loss.cumulativeLost,
            reportedCumulativeLoss: reportedCumulativeLoss,
            average: average, samples: summary.samples, lowest: lowest, highest: highest,
            progressionInterval: configuration.progressionInterval, progression: summary.progression,
            expected: loss.expected, received: loss.received, relayObservedLoss: loss.cumulativeLost,
            duplicates: loss.duplicates, reordered: loss.reordered, relayObservedJitter: jitter.jitterMilliseconds,
            roundTripTimeLeg: lastLegRoundTrip)
    }
}
