import RTPWire

/// What the relay does with one m= line of the SDP it rewrites: which local stream the recipient
/// should send to, and how to present rtcp-mux and the transport.
public struct SDPMediaPlan: Sendable, Equatable {
    /// The recipient's leg; nil rejects the media (port 0, zero `c=`, no attributes).
    public var local: AllocatedStream?
    public var rtcpMux: RTCPMuxOutput
    /// Overrides the m= proto (ng `transport protocol`); nil keeps the sender's.
    public var transportProtocol: String?
    /// The relay's own `a=crypto` lines for the recipient. The sender's `a=crypto` lines are never
    /// passed on: the relay terminates SRTP on each leg with its own keys.
    public var crypto: [SDESCrypto]
    /// The negotiated codec list (ng `codec`/`ptime`, CodecNegotiation); nil copies the sender's.
    public var codecs: SDPCodecOutput?

    public init(local: AllocatedStream?, rtcpMux: RTCPMuxOutput = .none, transportProtocol: String? = nil,
                crypto: [SDESCrypto] = [], codecs: SDPCodecOutput? = nil) {
        self.codecs = codecs
        self.local = local
        self.rtcpMux = rtcpMux
        self.transportProtocol = transportProtocol
        self.crypto = crypto
    }
}
