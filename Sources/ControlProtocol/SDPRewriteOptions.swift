/// ng `ICE` values (§8.1).
///
/// The relay does not run ICE yet, so every mode currently strips the offerer's ICE attributes and
/// adds none: candidates pointing past the relay would let the peers bypass it. Inserting the relay's
/// own host candidates and answering STUN checks (`default` with an ICE peer, `force`, `force-relay`,
/// `optional`) is a follow-up that needs the media plane to answer STUN.
public enum ICEMode: String, Sendable, Equatable {
    case defaultMode = "default"
    case remove
    case force
    case forceRelay = "force-relay"
    case optional
}

/// ng options that shape the rewritten SDP (§6, §6.1). Defaults are rtpengine's.
public struct SDPRewriteOptions: Sendable, Equatable {
    /// `replace: origin`: o= address becomes the relay's (first media's advertised address).
    public var replaceOrigin: Bool
    /// `replace: session-name`: s= stays what was last sent to this party (`previousSessionName`).
    public var replaceSessionName: Bool
    /// `replace: username`: o= username stays what was last sent to this party.
    public var replaceUsername: Bool
    /// `replace: SDP-version`: o= version is the relay's (`previousOrigin`'s), not the sender's.
    public var replaceSDPVersion: Bool
    /// `replace: force-increment-sdp-ver`: o= version is the last one sent plus one.
    public var forceIncrementSDPVersion: Bool
    /// The o= line last sent to the recipient; nil on the first SDP. Keeps o= stable across re-offers
    /// the way rtpengine does (the registry stores it).
    public var previousOrigin: SDPOrigin?
    /// The s= last sent to the recipient.
    public var previousSessionName: String?
    public var ice: ICEMode
    /// Flag `original sendrecv`: keep the sender's direction attributes as they were.
    public var originalSendrecv: Bool
    /// Flag `no rtcp attribute`: write no `a=rtcp`.
    public var noRTCPAttribute: Bool
    /// Flag `full rtcp attribute`: `a=rtcp:<port> IN IP4 <addr>`.
    public var fullRTCPAttribute: Bool
    /// Flag `loop protect`: mark the SDP with `a=rtpengine:<instanceID>`; an SDP that already carries
    /// it is returned untouched.
    public var loopProtect: Bool
    /// This relay's instance id for `loop protect`.
    public var instanceID: String?

    public init(replaceOrigin: Bool = false, replaceSessionName: Bool = false, replaceUsername: Bool = false,
                replaceSDPVersion: Bool = false, forceIncrementSDPVersion: Bool = false,
                previousOrigin: SDPOrigin? = nil, previousSessionName: String? = nil, ice: ICEMode = .defaultMode,
                originalSendrecv: Bool = false, noRTCPAttribute: Bool = false, fullRTCPAttribute: Bool = false,
                loopProtect: Bool = false, instanceID: String? = nil) {
        self.replaceOrigin = replaceOrigin
        self.replaceSessionName = replaceSessionName
        self.replaceUsername = replaceUsername
        self.replaceSDPVersion = replaceSDPVersion
        self.forceIncrementSDPVersion = forceIncrementSDPVersion
        self.previousOrigin = previousOrigin
        self.previousSessionName = previousSessionName
        self.ice = ice
        self.originalSendrecv = originalSendrecv
        self.noRTCPAttribute = noRTCPAttribute
        self.fullRTCPAttribute = fullRTCPAttribute
        self.loopProtect = loopProtect
        self.instanceID = instanceID
    }
}
