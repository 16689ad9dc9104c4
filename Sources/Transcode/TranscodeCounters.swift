/// What one transcoding direction has seen and done. Plain counters, read by the owner of the pipeline
/// (the worker that owns the call) and published with the stream's other counters.
public struct TranscodeCounters: Hashable, Sendable {
    /// Datagrams handed to `process`.
    public var packetsIn: UInt64 = 0
    /// RTP packets emitted (media and events).
    public var packetsOut: UInt64 = 0
    public var bytesOut: UInt64 = 0
    /// Input packets missing according to the sequence numbers.
    public var lostPackets: UInt64 = 0
    /// Samples (at the pipeline's PCM rate) produced by loss concealment instead of decoding.
    public var concealedSamples: UInt64 = 0
    /// Payloads the codec could not take as they were (bad Opus TOC, truncated G.729 frame): concealed.
    public var corruptPayloads: UInt64 = 0
    /// Not RTP version 2, or a header/padding longer than the datagram: dropped.
    public var malformedPackets: UInt64 = 0
    /// A payload type that is neither the input codec nor its telephone-event type: dropped.
    public var unexpectedPayloadTypes: UInt64 = 0
    /// Duplicates and packets that arrived after a newer one: dropped (the gap was already concealed).
    public var lateOrDuplicatePackets: UInt64 = 0
    /// Restarts of the input timeline.
    public var ssrcChanges: UInt64 = 0
    public var sequenceJumps: UInt64 = 0
    public var timestampJumps: UInt64 = 0
    /// Silence-suppression gaps (timestamp advanced further than the packets sent).
    public var silenceGaps: UInt64 = 0
    /// RFC 4733 packets mapped and forwarded, and those dropped (no event type on the output side, or too short).
    public var eventsForwarded: UInt64 = 0
    public var eventsDropped: UInt64 = 0
    /// Codec calls that failed for a reason other than a bad payload (should stay 0).
    public var codecErrors: UInt64 = 0

    public init() {}
}
