/// One MOS estimate with the inputs that produced it, in the units of rtpengine's ng stats tree
/// (ng-protocol.md §7): MOS ×10, RTT in µs, jitter in ms, loss in percent, time in UNIX seconds.
public struct QualitySample: Sendable, Hashable {
    public enum Source: String, Sendable, Hashable {
        /// From a receiver report block sent by an endpoint (what that endpoint hears).
        case rtcpReported
        /// From the relay's own loss and jitter measurement of the RTP it receives.
        case relayObserved
    }

    public var source: Source
    /// ⌊MOS × 10⌋.
    public var mos: Int
    /// End-to-end round trip (this leg + the other leg), µs.
    public var roundTripTime: UInt64
    /// This leg's round trip, µs.
    public var roundTripTimeLeg: UInt64
    public var jitter: UInt32
    public var packetLoss: UInt32
    /// UNIX seconds.
    public var reportedAt: UInt64

    public init(source: Source, mos: Int, roundTripTime: UInt64, roundTripTimeLeg: UInt64, jitter: UInt32,
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

/// Means over all samples (`average MOS` in the stats tree), integer as rtpengine reports them.
public struct QualityAverage: Sendable, Hashable {
    public var mos: Int
    public var roundTripTime: UInt64
    public var roundTripTimeLeg: UInt64
    public var jitter: UInt32
    public var packetLoss: UInt32
    public var samples: Int
}
