import RTPWire

/// One m= line of one party: the local stream bound for it (the ports this party sends to and is
/// sent from) and what the party last declared about it.
public struct CallMedia: Sendable, Hashable {
    /// 1-based position of the m= line (stats `index`).
    public var index: Int
    public var type: String
    public var transportProtocol: String
    /// nil while the media is rejected (port 0) or not bound yet.
    public internal(set) var stream: AllocatedStream?
    /// What the party said in its last SDP for this m= line; nil until it has sent one
    /// (an offer's recipient before the answer).
    public internal(set) var declared: PartyMedia?
    /// The plan last handed to the media plane for `stream`.
    public internal(set) var plan: StreamPlan?
    /// SDES keys of this leg (empty when the leg runs plain RTP).
    public internal(set) var sdes = SDESLegState()
    /// What the relay offered and may transcode (ng `codec`/`ptime`), on the offerer's media until
    /// the answer; nil when the offer carried no codec options.
    public internal(set) var codecOffer: CodecOffer?
    /// The negotiated codecs of this media once answered (same value on both parties' media).
    public internal(set) var codecPlan: CodecPlan?
    /// This party's leg of `codecPlan`.
    public internal(set) var codecLeg: CodecLeg?
    /// What this party's stream re-encodes (from `codecPlan` at each answer; nil: plain relay). Kept across a
    /// re-offer until its answer, so a running pipeline is not torn down and rebuilt by the offer alone.
    public internal(set) var transcode: StreamTranscode?

    init(index: Int, type: String, transportProtocol: String) {
        self.index = index
        self.type = type
        self.transportProtocol = transportProtocol
    }
}
