/// How the rewritten SDP presents rtcp-mux (RFC 5761) to its recipient, and so whether the
/// recipient's leg needs its own RTCP port.
public enum RTCPMuxOutput: Sendable, Equatable {
    /// No `a=rtcp-mux`; `a=rtcp:<rtcpPort>`. The leg binds a separate RTCP port.
    case none
    /// Offer mux but keep a fallback: `a=rtcp-mux` and `a=rtcp:<rtcpPort>` (RFC 5761 §5.1.1).
    /// The leg binds a separate RTCP port in case the answerer declines.
    case offer
    /// Mux accepted in an answer: `a=rtcp-mux`, `a=rtcp:<rtpPort>`. No separate RTCP port.
    case accepted
    /// Offer mux as already in force (WebRTC requires it, RFC 8834 §5.1.1): `a=rtcp-mux`,
    /// `a=rtcp:<rtpPort>`. No separate RTCP port.
    case required

    /// Whether `a=rtcp-mux` is written.
    public var advertisesMux: Bool { self != .none }
    /// Whether the leg facing the recipient needs an RTCP socket of its own.
    public var needsSeparateRTCPPort: Bool { self == .none || self == .offer }
}

/// The ng `rtcp-mux` list (§8.2) turned into what the relay does on both legs of one media.
///
/// Terms: *ingress* is the leg facing the author of the SDP being processed, *egress* the leg
/// facing the recipient of the rewritten SDP.
///
/// | list entry | offer: ingress (offerer's leg) | offer: egress (SDP to the answerer) |
/// |---|---|---|
/// | (none) | mux if the offer has it | `.offer` if the offer has it, else `.none` (follow the client) |
/// | `offer` | mux if the offer has it | `.offer` always |
/// | `require` | mux if the offer has it | `.required` |
/// | `demux` | mux if the offer has it (the relay splits RTCP off) | `.none` |
/// | `accept` | mux if the offer has it | as the offer (passed on) |
/// | `reject` | never mux (the answer to the offerer will not carry `a=rtcp-mux`) | as the offer |
///
/// `reject` still passing mux on in the outgoing offer is what rtpengine 10.5 does (checked with
/// `rtpengine-ng-client offer --rtcp-mux=reject` on an offer with `a=rtcp-mux`).
///
/// For an answer, ingress is the answerer's leg (mux if the answer has `a=rtcp-mux`, or if it was
/// `.required` of it) and egress is the answer going back to the offerer: `.accepted` if the
/// offerer's mux was taken at offer time (`offererMuxAccepted`), else `.none` — RFC 5761 §5.1.1
/// forbids answering mux that was not offered.
public enum RTCPMuxPolicy {
    /// Decides mux for one media. `sdpHasMux`: the SDP being processed carries `a=rtcp-mux`.
    /// `offererMuxAccepted` (answers only): the ingress decision made for the offerer at offer time.
    /// `egressWasRequired` (answers only): the offer sent to this answerer was `.required`.
    public static func decide(options: [String], sdpHasMux: Bool, isOffer: Bool,
                              offererMuxAccepted: Bool = false,
                              egressWasRequired: Bool = false) -> (ingressMux: Bool, egress: RTCPMuxOutput) {
        let has = Set(options.map { $0.lowercased() })
        if isOffer {
            let ingress = sdpHasMux && !has.contains("reject")
            let egress: RTCPMuxOutput
            if has.contains("require") {
                egress = .required
            } else if has.contains("offer") {
                egress = .offer
            } else if has.contains("demux") {
                egress = .none
            } else {
                egress = sdpHasMux ? .offer : .none
            }
            return (ingress, egress)
        }
        let ingress = sdpHasMux || egressWasRequired
        return (ingress, offererMuxAccepted ? .accepted : .none)
    }

    /// The brief's spelling: `offerHasMux` is the mux flag of the SDP being processed.
    public static func decide(options: [String], offerHasMux: Bool, isOffer: Bool) -> (ingressMux: Bool, egress: RTCPMuxOutput) {
        decide(options: options, sdpHasMux: offerHasMux, isOffer: isOffer)
    }
}
