/// What the transcoder of one stream did with what that stream received (all 0 on a plain relayed stream).
/// Bad input is decoded as loss: it shows up here, never as a failure of the call.
public struct TranscodedCounters: Sendable, Hashable {
    /// RTP packets handed to the transcoder, and packets it produced for the sink.
    public var packetsIn: UInt64 = 0
    public var packetsOut: UInt64 = 0
    /// Input packets missing by sequence number (concealed or filled with silence).
    public var lostPackets: UInt64 = 0
    /// Payloads the codec could not take as they were (bad Opus TOC, truncated G.729): concealed.
    public var corruptPayloads: UInt64 = 0
    /// Not decodable as RTP at all, or with a payload type of neither the codec nor its events: dropped.
    public var malformedPackets: UInt64 = 0
    public var unexpectedPayloadTypes: UInt64 = 0
    /// SSRC changes and sequence/timestamp jumps that restarted the input timeline.
    public var resyncs: UInt64 = 0
    /// RFC 4733 packets mapped across, and dropped (no event format on the other side).
    public var eventsForwarded: UInt64 = 0
    public var eventsDropped: UInt64 = 0

    public init() {}
}
