import RTPWire

/// One `offer` or `answer` as the registry sees it: the tags (per the ng invariant, `fromTag` is
/// always the party whose SDP was the offer, `toTag` the answerer) and the medias of the party whose
/// SDP this request carries (the offerer for an offer, the answerer for an answer).
public struct OfferAnswer: Sendable, Hashable {
    public var callID: String
    public var fromTag: String
    public var toTag: String?
    public var viaBranch: String?
    /// The medias of the party that sent this SDP, in m= line order.
    public var medias: [PartyMedia]
    public var policy: StreamPolicy
    /// ng flag `new branch`: an unseen to-tag in an answer becomes its own party with its own ports
    /// instead of an alias of the party already answering.
    public var newBranch: Bool
    /// ng `direction`: logical interface for the sender's leg and for the recipient's leg
    /// (only used when ports are first bound).
    public var senderInterface: String?
    public var recipientInterface: String?
    /// ng `address family`: family of the recipient's leg (v4↔v6 bridging); nil follows the sender.
    public var recipientFamily: AddressFamily?
    /// rtcp-mux `require`: bind one port (RTP and RTCP together) on the recipient's leg.
    public var recipientRTCPMuxOnly: Bool
    /// ng `transport protocol`: the profile towards the recipient; nil keeps the sender's.
    public var recipientTransportProtocol: String?
    /// ng `label` for the sender's party.
    public var label: String?
    /// ng `SDES` options for the relay's own `a=crypto` lines.
    public var sdes: SDESOptions

    public init(callID: String, fromTag: String, toTag: String? = nil, viaBranch: String? = nil,
                medias: [PartyMedia], policy: StreamPolicy = StreamPolicy(), newBranch: Bool = false,
                senderInterface: String? = nil, recipientInterface: String? = nil,
                recipientFamily: AddressFamily? = nil, recipientRTCPMuxOnly: Bool = false, recipientTransportProtocol: String? = nil,
                label: String? = nil, sdes: SDESOptions = SDESOptions()) {
        self.callID = callID
        self.fromTag = fromTag
        self.toTag = toTag
        self.viaBranch = viaBranch
        self.medias = medias
        self.policy = policy
        self.newBranch = newBranch
        self.senderInterface = senderInterface
        self.recipientInterface = recipientInterface
        self.recipientFamily = recipientFamily
        self.recipientRTCPMuxOnly = recipientRTCPMuxOnly
        self.recipientTransportProtocol = recipientTransportProtocol
        self.label = label
        self.sdes = sdes
    }
}

/// What an offer/answer produced: the local streams to advertise in the SDP sent on, one per
/// m= line of the request (nil for a rejected media), and the parties involved.
public struct OfferAnswerResult: Sendable, Hashable {
    public var callID: String
    /// The party whose SDP was processed.
    public var sender: MonologueID
    /// The party the rewritten SDP goes to (its leg's ports are in `streams`).
    public var recipient: MonologueID
    public var streams: [AllocatedStream?]
    /// The request created the call.
    public var createdCall: Bool
}
