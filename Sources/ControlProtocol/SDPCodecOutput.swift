/// The codec part of one rewritten m= line when the relay negotiated it (CodecNegotiation): the
/// payload types in order with their rtpmap/fmtp/rtcp-fb lines, and the ptime to announce.
public struct SDPCodecOutput: Sendable, Equatable {
    public var formats: [CodecFormat]
    /// `a=ptime` to write instead of the sender's; nil keeps the sender's.
    public var ptime: Int?

    public init(formats: [CodecFormat], ptime: Int? = nil) {
        self.formats = formats
        self.ptime = ptime
    }
}
