import RTPWire

/// Call quality of one SSRC in one direction: the relay's loss and jitter estimate of its RTP, the SRs it
/// sent (for RTT), and MOS samples (ng-protocol.md §7.1). As in rtpengine, a report block produces a sample
/// for the entry of the endpoint that *sent* the report (what that endpoint hears), while the RTT of its
/// leg is found with the `roundTrip` estimator of the source the block is *about*:
///
///     let leg = qualities[block.ssrc]?.roundTrip.reportArrived(block, at: now)
///     qualities[rr.ssrc]?.reportReceived(block, legRoundTrip: leg, otherLegRoundTrip: otherSide.lastLegRoundTrip, ...)
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
        /// Seconds between `MOS progression` entries.
        public var progressionInterval: UInt32
        /// Entries kept in the progression (newest win).
        public var progressionCapacity: Int

        public init(clockRate: UInt32, formula: EModel.Formula, mode: Mode = .conversational,
                    progressionInterval: UInt32 = 10, progressionCapacity: Int = 10) {
            self.clockRate = max(1, clockRate)
            self.formula = formula
            self.mode = mode
            self.progressionInterval = progressionInterval
            self.progressionCapacity = max(1, progressionCapacity)
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

    private var lastSample: (rtcp: MonotonicInstant?, relay: MonotonicInstant?) = (nil, nil)
    private var sums = (mos: 0, rtt: UInt64(0), rttLeg: UInt64(0), jitter: UInt64(0), loss: UInt64(0), count: 0)
    public private(set) var lowest: QualitySample?
    public private(set) var highest: QualitySample?
    /// Ring of progression entries; `progressionNext` is where the next one goes.
    private var progression: [QualitySample] = []
    private var progressionNext = 0
    private var lastProgressionAt: UInt64?

    public init(ssrc: UInt32, configuration: Configuration) {
        self.ssrc = ssrc
        self.configuration = configuration
        jitter = JitterEstimator(clockRate: configuration.clockRate)
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
    /// (from the reported source's `roundTrip`), `otherLegRoundTrip`: the far leg's latest RTT.
    /// Returns the sample taken, or nil (CQ without RTT, or within 1 s of the previous one).
    @discardableResult
    public mutating func reportReceived(_ block: RTCPReportBlock, legRoundTrip: UInt64?, otherLegRoundTrip: UInt64?,
                                        now: MonotonicInstant, unixMicroseconds: UInt64) -> QualitySample? {
        reportedCumulativeLoss = block.cumulativeLost
        if let legRoundTrip { lastLegRoundTrip = legRoundTrip }
        let lossPercent = UInt32(block.fractionLost) * 100 / 256
        let jitterMs = JitterEstimator.milliseconds(fromTimestampUnits: block.jitter, clockRate: configuration.clockRate)
        return takeSample(.rtcpReported, leg: legRoundTrip, otherLeg: otherLegRoundTrip, jitter: jitterMs,
                          loss: lossPercent, now: now, unixMicroseconds: unixMicroseconds)
    }

    /// Closes the relay's own reporting interval for this SSRC and turns its fraction lost and jitter into
    /// a sample, with this leg's latest RTT. Call it when a report about this SSRC is generated or on a timer.
    @discardableResult
    public mutating func relayObservedSample(otherLegRoundTrip: UInt64?, now: MonotonicInstant,
                                             unixMicroseconds: UInt64) -> QualitySample? {
        guard loss.isValid, lastSampleAllowed(.relayObserved, now: now) else { return nil }
        let fraction = loss.closeInterval()
        return takeSample(.relayObserved, leg: lastLegRoundTrip, otherLeg: otherLegRoundTrip,
                          jitter: jitter.jitterMilliseconds, loss: UInt32(fraction) * 100 / 256, now: now,
                          unixMicroseconds: unixMicroseconds)
    }

    /// The MOS (×10) and round trips a sample would have for these inputs, or nil when CQ lacks the leg RTT.
    public func mos(legRoundTrip: UInt64?, otherLegRoundTrip: UInt64?, jitterMilliseconds: UInt32,
                    lossPercent: UInt32) -> (mos: Int, roundTrip: UInt64, leg: UInt64)? {
        let leg: UInt64
        let endToEnd: UInt64
        switch configuration.mode {
        case .listening:
            leg = legRoundTrip ?? 0
            endToEnd = 0
        case .conversational:
            guard let legRoundTrip else { return nil }
            leg = legRoundTrip
            endToEnd = RoundTripEstimator.endToEnd(thisLeg: legRoundTrip, otherLeg: otherLegRoundTrip)
        }
        let value = EModel.mos(configuration.formula, rttMilliseconds: Double(endToEnd) / 1000,
                               jitterMilliseconds: Double(jitterMilliseconds), lossPercent: Double(lossPercent))
        return (EModel.storedTenths(value), endToEnd, leg)
    }

    private func lastSampleAllowed(_ source: QualitySample.Source, now: MonotonicInstant) -> Bool {
        guard let last = source == .rtcpReported ? lastSample.rtcp : lastSample.relay else { return true }
        return now >= last && now.nanoseconds - last.nanoseconds >= Self.minimumSampleSpacingNanoseconds
    }

    private mutating func takeSample(_ source: QualitySample.Source, leg: UInt64?, otherLeg: UInt64?, jitter: UInt32,
                                     loss: UInt32, now: MonotonicInstant, unixMicroseconds: UInt64) -> QualitySample? {
        guard lastSampleAllowed(source, now: now),
              let result = mos(legRoundTrip: leg, otherLegRoundTrip: otherLeg, jitterMilliseconds: jitter,
                               lossPercent: loss)
        else { return nil }
        if source == .rtcpReported { lastSample.rtcp = now } else { lastSample.relay = now }
        let sample = QualitySample(source: source, mos: result.mos, roundTripTime: result.roundTrip,
                                   roundTripTimeLeg: result.leg, jitter: jitter, packetLoss: loss,
                                   reportedAt: unixMicroseconds / 1_000_000)
        sums.mos += sample.mos
        sums.rtt &+= sample.roundTripTime
        sums.rttLeg &+= sample.roundTripTimeLeg
        sums.jitter &+= UInt64(sample.jitter)
        sums.loss &+= UInt64(sample.packetLoss)
        sums.count += 1
        if lowest.map({ sample.mos < $0.mos }) ?? true { lowest = sample }
        if highest.map({ sample.mos > $0.mos }) ?? true { highest = sample }
        addToProgression(sample)
        return sample
    }

    private mutating func addToProgression(_ sample: QualitySample) {
        if let last = lastProgressionAt, sample.reportedAt < last &+ UInt64(configuration.progressionInterval) { return }
        lastProgressionAt = sample.reportedAt
        if progression.count < configuration.progressionCapacity {
            if progression.isEmpty { progression.reserveCapacity(configuration.progressionCapacity) }
            progression.append(sample)
        } else {
            progression[progressionNext] = sample
        }
        progressionNext = (progressionNext + 1) % configuration.progressionCapacity
    }

    /// Number of samples taken so far.
    public var sampleCount: Int { sums.count }

    public var average: QualityAverage? {
        let n = sums.count
        guard n > 0 else { return nil }
        return QualityAverage(mos: sums.mos / n, roundTripTime: sums.rtt / UInt64(n), roundTripTimeLeg: sums.rttLeg / UInt64(n),
                              jitter: UInt32(sums.jitter / UInt64(n)), packetLoss: UInt32(sums.loss / UInt64(n)),
                              samples: n)
    }

    public func snapshot() -> QualitySnapshot {
        let ordered = progression.count < configuration.progressionCapacity
            ? progression
            : Array(progression[progressionNext...] + progression[..<progressionNext])
        return QualitySnapshot(
            ssrc: ssrc, packets: packets, bytes: bytes, lastSequenceNumber: lastSequenceNumber,
            lastTimestamp: lastTimestamp,
            cumulativeLoss: reportedCumulativeLoss.map(Int64.init) ?? loss.cumulativeLost,
            reportedCumulativeLoss: reportedCumulativeLoss,
            average: average, lowest: lowest, highest: highest,
            progressionInterval: configuration.progressionInterval, progression: ordered,
            expected: loss.expected, received: loss.received, relayObservedLoss: loss.cumulativeLost,
            duplicates: loss.duplicates, reordered: loss.reordered, relayObservedJitter: jitter.jitterMilliseconds,
            roundTripTimeLeg: lastLegRoundTrip)
    }
}
