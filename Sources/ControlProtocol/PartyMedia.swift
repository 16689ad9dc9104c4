import RTPWire

/// One m= line as a party described it in its SDP, already analysed by the engine: where the party
/// wants to receive, what it sends. The registry never sees SDP text, only this.
public struct PartyMedia: Sendable, Hashable {
    /// `audio`, `video`, `image`…
    public var type: String
    /// `RTP/AVP`, `RTP/SAVPF`… as the party offered it.
    public var transportProtocol: String
    /// Where the party receives RTP (SDP c=/m=, or `media address` / `received-from`); nil for the
    /// zero address or an unknown one.
    public var remoteRTP: Endpoint?
    /// Where the party receives RTCP (`a=rtcp:` or RTP port + 1).
    public var remoteRTCP: Endpoint?
    /// The party multiplexes RTCP onto its RTP port.
    public var rtcpMux: Bool
    /// Payload types the party listed on the m= line.
    public var payloadTypes: [UInt8]
    /// Whether the party will send media (`sendrecv`/`sendonly`).
    public var sends: Bool
    /// Whether the party wants to receive media (`sendrecv`/`recvonly` and a non-zero address).
    public var receives: Bool
    /// The first codec of the m= line as `encoding/clock` (`PCMA/8000`), for stats; nil if unknown.
    public var codec: String?
    /// Port 0 on the m= line: the party rejected or disabled this media; no ports are bound for it.
    public var rejected: Bool
    /// The `a=crypto` lines the relay can honour, in the party's order.
    public var crypto: [SDESCrypto]
    /// `a=crypto` lines refused (unparseable or not honourable), and why; they are never passed on.
    public var refusedCrypto: [SDESCryptoError]

    public init(type: String = "audio", transportProtocol: String = "RTP/AVP", remoteRTP: Endpoint? = nil,
                remoteRTCP: Endpoint? = nil, rtcpMux: Bool = false, payloadTypes: [UInt8] = [],
                sends: Bool = true, receives: Bool = true, codec: String? = nil, rejected: Bool = false,
                crypto: [SDESCrypto] = [], refusedCrypto: [SDESCryptoError] = []) {
        self.type = type
        self.transportProtocol = transportProtocol
        self.remoteRTP = remoteRTP
        self.remoteRTCP = remoteRTCP
        self.rtcpMux = rtcpMux
        self.payloadTypes = payloadTypes
        self.sends = sends
        self.receives = receives
        self.codec = codec
        self.rejected = rejected
        self.crypto = crypto
        self.refusedCrypto = refusedCrypto
    }
}
