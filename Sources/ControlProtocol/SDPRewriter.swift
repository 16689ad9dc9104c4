import RTPWire

/// Builds the SDP the relay sends on: the sender's session with the relay's addresses and ports,
/// regenerated the way rtpengine's `sdp_create()` prints it (ng-protocol.md §8), so SBCs and phones
/// see what they see from rtpengine.
///
/// Per media section the attributes come out in rtpengine's order (checked against 10.5):
/// attributes the relay does not own, in input order; `a=mid`; per payload type `a=rtpmap`,
/// `a=fmtp`, `a=rtcp-fb`; the direction; `a=rtcp`; `a=rtcp-mux`; the relay's `a=crypto`; `a=ptime`.
///
/// With negotiated codecs (`SDPMediaPlan.codecs`, from CodecNegotiation) the m= payload list, its
/// rtpmap/fmtp/rtcp-fb lines and `a=ptime` come from the plan instead of the sender; without, the
/// sender's are copied as they were.
///
/// Session level keeps `i= u= e= p= b=`, media level `i= b=`; `k=` (RFC 4566 deprecates it) and
/// unknown line types are not passed on.
///
/// A sender's zero `c=` (hold) stays a zero `c=` with the relay's family; inactive media with a real
/// address get the relay's address (both as 10.5 does).
///
/// Deliberate differences from rtpengine 10.5 (whose newer releases agree with §8):
/// - the session `c=` is dropped and every media gets its own `c=` (10.5 rewrites the session `c=`);
/// - `t=` becomes `t=0 0` and `r= z= k=` are dropped (10.5 copies them);
/// - no rtpmap is invented for unassigned static types (10.5 writes `a=rtpmap:19 /0`), and 10/11
///   follow RFC 3551 (10.5 swaps the L16 channel counts);
/// - the sender's `a=crypto` lines are never passed on (the relay terminates SDES-SRTP on each leg
///   and writes its own, `SDPMediaPlan.crypto`); 10.5 mirrors an SDES offerer's keys to the far side.
///   `a=fingerprint`, `a=setup` are passed through: the relay does not terminate DTLS.
public enum SDPRewriter {
    /// Rewrites `input` for its recipient. `media` holds one plan per m= line, in order.
    public static func rewrite(_ input: SDPSession, media plans: [SDPMediaPlan],
                               options: SDPRewriteOptions) throws(SDPError) -> SDPSession {
        guard plans.count == input.media.count else { throw .mediaPlanMismatch }
        if options.loopProtect, let instanceID = options.instanceID, input.carriesLoopProtection(instanceID: instanceID) {
            // Our own SDP came back (SBC loop): rewriting it again would chain the relay to itself.
            return input
        }

        let firstLocal = plans.lazy.compactMap(\.local).first
        // Rejected media still need a c= (the session c= is gone); use the family the relay speaks.
        let zeroFamily = firstLocal.map { AddressFamily(address: $0.advertisedAddress) }
            ?? input.media.lazy.compactMap { $0.effectiveConnection(session: input)?.addressType }.first
            ?? .ipv4

        var output = SDPSession(
            version: 0,
            origin: rewrittenOrigin(input.origin, firstLocal: firstLocal, options: options),
            sessionName: options.replaceSessionName ? (options.previousSessionName ?? input.sessionName) : input.sessionName,
            connection: nil,
            timing: [SDPTiming(value: "0 0")],
            otherSessionLines: input.otherSessionLines.filter { "iuepb".contains($0.type) },
            attributes: input.attributes.filter { keepsSessionAttribute($0, options: options) },
            media: [])
        if options.loopProtect, let instanceID = options.instanceID {
            output.attributes.append(SDPAttribute(name: "rtpengine", value: instanceID))
        }

        for (section, plan) in zip(input.media, plans) {
            output.media.append(rewrittenMedia(section, plan: plan, session: input, zeroFamily: zeroFamily,
                                               options: options))
        }
        return output
    }

    static func rewrittenOrigin(_ input: SDPOrigin, firstLocal: AllocatedStream?,
                                options: SDPRewriteOptions) -> SDPOrigin {
        var origin = input
        let previous = options.previousOrigin
        if options.replaceOrigin {
            if let previous {
                origin.netType = previous.netType
                origin.addressType = previous.addressType
                origin.address = previous.address
            } else if let firstLocal {
                origin.netType = "IN"
                origin.addressType = AddressFamily(address: firstLocal.advertisedAddress).rawValue
                origin.address = firstLocal.advertisedAddress
            }
        }
        if options.replaceUsername, let previous { origin.username = previous.username }
        if options.replaceSDPVersion || options.forceIncrementSDPVersion {
            let base = previous?.sessionVersion ?? input.sessionVersion
            if options.forceIncrementSDPVersion, base.utf8.count <= 19, let number = UInt64(base) {
                origin.sessionVersion = String(number &+ 1)  // wraps rather than traps at 2^64
            } else {
                origin.sessionVersion = base
            }
        }
        return origin
    }

    static func keepsSessionAttribute(_ attribute: SDPAttribute, options: SDPRewriteOptions) -> Bool {
        if SDPMedia.iceAttributeNames.contains(attribute.name) { return false }
        // BUNDLE would make the recipient send every stream to the first media's port; the relay
        // gives each m= line its own ports (rtpengine 10.5 drops it too).
        if attribute.name == "group" { return false }
        if !options.originalSendrecv, attribute.value == nil, SDPDirection(rawValue: attribute.name) != nil { return false }
        if attribute.name == "rtpengine", let id = options.instanceID, attribute.value == id { return false }
        return true
    }

    static func rewrittenMedia(_ section: SDPMedia, plan: SDPMediaPlan, session: SDPSession,
                               zeroFamily: AddressFamily, options: SDPRewriteOptions) -> SDPMedia {
        let proto = plan.transportProtocol ?? section.proto
        guard let local = plan.local else {
            return SDPMedia(type: section.type, port: 0, proto: proto, formats: section.formats,
                            connection: SDPConnection(addressType: zeroFamily, address: SDPAddressText.zeroAddress(zeroFamily)))
        }
        let family = AddressFamily(address: local.advertisedAddress)
        // RFC 2543 hold (zero c= from the sender) is passed on as a zero c=, as rtpengine 10.5 does:
        // the recipient must not send anyway, and old phones recognise hold only by the address.
        let held = section.effectiveConnection(session: session)?.isZeroAddress == true
        let address = held ? SDPAddressText.zeroAddress(family) : local.advertisedAddress
        let formats = plan.codecs.map { $0.formats.map { String($0.payloadType) } } ?? section.formats
        var output = SDPMedia(type: section.type, port: local.rtpPort, proto: proto, formats: formats,
                              connection: SDPConnection(addressType: family, address: address),
                              otherLines: section.otherLines.filter { $0.type == "i" || $0.type == "b" })
        let isRTP = section.isRTP

        // Built in one array sized up front (filtered pieces appended one by one grew it a step at a time).
        var attributes: [SDPAttribute] = []
        attributes.reserveCapacity(section.attributes.count + plan.crypto.count + 6
                                   + (plan.codecs?.formats.reduce(0) { $0 + $1.attributes.count } ?? 0))
        // 1. What the relay does not own, in input order.
        for attribute in section.attributes {
            if SDPMedia.iceAttributeNames.contains(attribute.name) { continue }
            switch attribute.name {
            case "rtpmap", "fmtp", "rtcp-fb": if isRTP && attribute.payloadType != nil { continue }
            case "rtcp", "rtcp-mux", "ptime", "mid": continue
            case "crypto": if isRTP { continue }
            case "rtpengine": if attribute.value == options.instanceID { continue }
            default:
                if !options.originalSendrecv, attribute.value == nil, SDPDirection(rawValue: attribute.name) != nil {
                    continue
                }
            }
            attributes.append(attribute)
        }
        output.attributes = attributes
        // 2. a=mid.
        for attribute in section.attributes where attribute.name == "mid" { output.attributes.append(attribute) }
        // 3. Codecs, each with its parameters and feedback. Attributes for payload types not in m= go.
        if isRTP, let codecs = plan.codecs {
            for format in codecs.formats { output.attributes.append(contentsOf: format.attributes) }
        } else if isRTP {
            var seen = Set<UInt8>()
            for type in section.payloadTypes where seen.insert(type).inserted {
                let mine = section.attributes.filter { $0.payloadType == type }
                if let rtpmap = mine.first(where: { $0.name == "rtpmap" }) {
                    output.attributes.append(rtpmap)
                } else if let encoding = RTPStaticPayloadTypes.encoding(for: type) {
                    output.attributes.append(SDPAttribute(name: "rtpmap", value: "\(type) \(encoding)"))
                }
                output.attributes += mine.filter { $0.name == "fmtp" }
                output.attributes += mine.filter { $0.name == "rtcp-fb" }
            }
        }
        // 4. Direction, from the sender's point of view; zero c= (hold) means it will not receive.
        if !options.originalSendrecv {
            output.attributes.append(SDPAttribute(name: section.direction(session: session).rawValue))
        }
        // 5./6. RTCP port and mux.
        if isRTP {
            if !options.noRTCPAttribute {
                let port = plan.rtcpMux.needsSeparateRTCPPort ? local.rtcpPort : local.rtpPort
                let value = options.fullRTCPAttribute
                    ? "\(port) IN \(family.rawValue) \(local.advertisedAddress)" : "\(port)"
                output.attributes.append(SDPAttribute(name: "rtcp", value: value))
            }
            if plan.rtcpMux.advertisesMux { output.attributes.append(SDPAttribute(name: "rtcp-mux")) }
            // 6b. SDES keys after the RTCP lines, as rtpengine 10.5 prints them.
            output.attributes += plan.crypto.map(\.attribute)
        }
        // 7. ptime last, as rtpengine prints it.
        if let ptime = plan.codecs?.ptime {
            output.attributes.append(SDPAttribute(name: "ptime", value: "\(ptime)"))
        } else {
            output.attributes += section.attributes.filter { $0.name == "ptime" }
        }
        return output
    }
}

extension SDPSession {
    /// Whether this SDP carries `a=rtpengine:<instanceID>` (ng flag `loop protect`), at session or media level.
    public func carriesLoopProtection(instanceID: String) -> Bool {
        let isMark = { (attribute: SDPAttribute) in attribute.name == "rtpengine" && attribute.value == instanceID }
        return attributes.contains(where: isMark) || media.contains { $0.attributes.contains(where: isMark) }
    }
}
