import RTPWire

/// Everything the control plane needs to render one SSRC entry of the ng stats tree (ng-protocol.md §7):
/// a plain value, copied out of the per-stream state.
public struct QualitySnapshot: Sendable, Hashable {
    public var ssrc: UInt32
    /// RTP received from this SSRC (`packets`, `bytes`).
    public var packets: UInt64
    public var bytes: UInt64
    /// `last RTP seq` / `last RTP timestamp`: of the newest packet (nil before the first).
    public var lastSequenceNumber: UInt16?
    public var lastTimestamp: UInt32?
    /// `cumulative loss`: the latest RTCP-reported value when there is one, else the relay's own count.
    public var cumulativeLoss: Int64
    /// The latest cumulative loss from a receiver report block, if any.
    public var reportedCumulativeLoss: Int32?

    /// `average MOS` (its `samples`), `lowest MOS`, `highest MOS` (nil until a sample exists).
    public var average: MOSSample?
    public var samples: Int
    public var lowest: MOSSample?
    public var highest: MOSSample?
    /// `MOS progression`: seconds between entries, entries oldest first.
    public var progressionInterval: UInt32
    public var progression: [MOSSample]

    /// The relay's own reception figures for this SSRC (RFC 3550 A.3).
    public var expected: UInt64
    public var received: UInt64
    public var relayObservedLoss: Int64
    public var duplicates: UInt64
    public var reordered: UInt64
    public var relayObservedJitter: UInt32
    /// This leg's latest round trip, µs.
    public var roundTripTimeLeg: UInt64?
}
