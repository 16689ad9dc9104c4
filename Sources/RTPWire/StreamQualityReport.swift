/// Call quality of what one stream receives from its remote, as the media plane measured it: the relay's own
/// RFC 3550 reception figures of the RTP it forwards, the remote's own receiver reports when it sends RTCP,
/// round-trip times from LSR/DLSR, and MOS samples labelled with their source. Units are those of rtpengine's
/// ng stats tree (ng-protocol.md §7): MOS ×10, RTT µs, jitter ms, loss %, times in UNIX seconds.
public struct StreamQualityReport: Sendable, Hashable {
    /// The ingress SSRC these figures belong to (the newest one when the remote changed SSRC).
    public var ssrc: UInt32
    /// RTP clock of the stream (from the plan), used to turn timestamp units into ms.
    public var clockRate: UInt32
    public var packets: UInt64 = 0
    public var bytes: UInt64 = 0
    public var lastSequenceNumber: UInt16 = 0
    public var lastTimestamp: UInt32 = 0
    /// RFC 3550 A.3 as measured by the relay: expected, cumulative loss (expected − received, negative with
    /// duplicates), duplicates and late packets seen.
    public var expected: UInt64 = 0
    public var cumulativeLoss: Int64 = 0
    public var duplicates: UInt64 = 0
    public var reordered: UInt64 = 0
    /// Loss of the latest closed one-second interval, percent; and the A.8 interarrival jitter, ms.
    public var lossPercent: UInt32 = 0
    public var jitterMilliseconds: UInt32 = 0
    /// The remote's own latest receiver report block (what it hears of the other side), if it sends RTCP.
    public var reported: ReportedReception?
    /// This leg's RTT (relay ↔ this remote) and the end-to-end RTT (this leg + the other leg), µs, once known.
    public var roundTripTimeLeg: UInt64?
    public var roundTripTime: UInt64?
    /// MOS from the remote's receiver reports (rtpengine's meaning of MOS) and from the relay's own measurement.
    public var rtcpReportedMOS = MOSSummary()
    public var relayObservedMOS = MOSSummary()

    public init(ssrc: UInt32, clockRate: UInt32) {
        self.ssrc = ssrc
        self.clockRate = clockRate
    }

    /// The summary Kamailio should see as `average/lowest/highest MOS`: the RTCP-reported one when the
    /// endpoints report, else the relay-observed one; nil when neither has a sample.
    public var preferredMOS: MOSSummary? {
        if rtcpReportedMOS.samples > 0 { return rtcpReportedMOS }
        if relayObservedMOS.samples > 0 { return relayObservedMOS }
        return nil
    }
}

/// Figures from the latest receiver report block the remote sent.
public struct ReportedReception: Sendable, Hashable {
    public var cumulativeLoss: Int32
    public var lossPercent: UInt32
    public var jitterMilliseconds: UInt32
    public init(cumulativeLoss: Int32, lossPercent: UInt32, jitterMilliseconds: UInt32) {
        self.cumulativeLoss = cumulativeLoss
        self.lossPercent = lossPercent
        self.jitterMilliseconds = jitterMilliseconds
    }
}

/// Where a MOS value came from.
public enum MOSSource: String, Sendable, Hashable {
    /// From an RTCP receiver report block the endpoint sent.
    case rtcpReported = "RTCP-reported"
    /// From the relay's own loss and jitter measurement of the RTP it forwards.
    case relayObserved = "relay-observed"
}

/// One MOS estimate and its inputs.
public struct MOSSample: Sendable, Hashable {
    public var source: MOSSource
    /// ⌊MOS × 10⌋.
    public var mos: Int
    public var roundTripTime: UInt64
    public var roundTripTimeLeg: UInt64
    public var jitter: UInt32
    public var packetLoss: UInt32
    public var reportedAt: UInt64

    static let zero = MOSSample(source: .relayObserved, mos: 0, roundTripTime: 0, roundTripTimeLeg: 0, jitter: 0,
                                packetLoss: 0, reportedAt: 0)

    public init(source: MOSSource, mos: Int, roundTripTime: UInt64, roundTripTimeLeg: UInt64, jitter: UInt32,
                packetLoss: UInt32, reportedAt: UInt64) {
        self.source = source
        self.mos = mos
        self.roundTripTime = roundTripTime
        self.roundTripTimeLeg = roundTripTimeLeg
        self.jitter = jitter
        self.packetLoss = packetLoss
        self.reportedAt = reportedAt
    }
}

/// Average, lowest, highest and a progression of MOS samples of one source. The progression keeps at most
/// `progressionCapacity` entries spaced at least `progressionInterval` seconds apart (newest win). Stored inline
/// (no heap), so the worker can update and publish it without allocating.
public struct MOSSummary: Sendable, Hashable {
    public static let progressionCapacity = 10
    public var progressionInterval: UInt32 = 10
    public private(set) var samples = 0
    public private(set) var lowest: MOSSample?
    public private(set) var highest: MOSSample?
    /// The newest sample (live displays: the progression keeps only one per `progressionInterval`).
    public private(set) var latest: MOSSample?
    private var sums = (mos: 0, rtt: UInt64(0), rttLeg: UInt64(0), jitter: UInt64(0), loss: UInt64(0))
    /// Ring of progression entries: `ringCount` used, the oldest at `ringStart`.
    private var ring = (MOSSample.zero, MOSSample.zero, MOSSample.zero, MOSSample.zero, MOSSample.zero,
                        MOSSample.zero, MOSSample.zero, MOSSample.zero, MOSSample.zero, MOSSample.zero)
    private var ringStart = 0
    private var ringCount = 0
    private var lastProgressionAt: UInt64?

    public init() {}

    public mutating func add(_ sample: MOSSample) {
        samples += 1
        sums.mos &+= sample.mos
        sums.rtt &+= sample.roundTripTime
        sums.rttLeg &+= sample.roundTripTimeLeg
        sums.jitter &+= UInt64(sample.jitter)
        sums.loss &+= UInt64(sample.packetLoss)
        if lowest.map({ sample.mos < $0.mos }) ?? true { lowest = sample }
        if highest.map({ sample.mos > $0.mos }) ?? true { highest = sample }
        latest = sample
        if let last = lastProgressionAt, sample.reportedAt < last &+ UInt64(progressionInterval) { return }
        lastProgressionAt = sample.reportedAt
        let capacity = Self.progressionCapacity
        withUnsafeMutableBytes(of: &ring) { raw in
            let entries = raw.bindMemory(to: MOSSample.self)
            if ringCount < capacity {
                entries[(ringStart + ringCount) % capacity] = sample
                ringCount += 1
            } else {
                entries[ringStart] = sample
                ringStart = (ringStart + 1) % capacity
            }
        }
    }

    /// Oldest first.
    public var progression: [MOSSample] {
        withUnsafeBytes(of: ring) { raw in
            let entries = raw.bindMemory(to: MOSSample.self)
            return (0..<ringCount).map { entries[(ringStart + $0) % Self.progressionCapacity] }
        }
    }

    /// Means over all samples (integer, as rtpengine reports them); `source` of the result is that of the
    /// samples. nil before the first.
    public var average: MOSSample? {
        guard samples > 0, let source = highest?.source else { return nil }
        let n = UInt64(samples)
        return MOSSample(source: source, mos: sums.mos / samples, roundTripTime: sums.rtt / n,
                         roundTripTimeLeg: sums.rttLeg / n, jitter: UInt32(sums.jitter / n),
                         packetLoss: UInt32(sums.loss / n), reportedAt: 0)
    }

    public static func == (a: MOSSummary, b: MOSSummary) -> Bool {
        a.samples == b.samples && a.lowest == b.lowest && a.highest == b.highest && a.progression == b.progression
            && a.progressionInterval == b.progressionInterval && a.average == b.average
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(samples)
        hasher.combine(lowest)
        hasher.combine(highest)
        hasher.combine(progression)
    }
}
