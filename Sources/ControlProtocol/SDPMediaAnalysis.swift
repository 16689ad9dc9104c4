import RTPWire

/// What the call registry needs to know about one media section of a received SDP.
extension SDPMedia {
    /// ICE attributes (RFC 8839): the relay removes them when it does not run ICE itself.
    static let iceAttributeNames: Set<String> = [
        "ice-ufrag", "ice-pwd", "ice-options", "ice-lite", "ice-mismatch", "ice-pacing",
        "candidate", "remote-candidates", "end-of-candidates",
    ]

    /// The `c=` that applies: the media's own, else the session's.
    public func effectiveConnection(session: SDPSession) -> SDPConnection? { connection ?? session.connection }

    /// Whether the proto is an RTP profile (`RTP/AVP`, `RTP/SAVPF`, `UDP/TLS/RTP/SAVPF`, ...), so the
    /// formats are payload types and RTCP exists.
    public var isRTP: Bool { SDPMedia.isRTPProfile(proto) }

    /// Whether a transport profile contains `RTP/` in any case. A byte scan rather than
    /// `uppercased().contains(_:)`: it runs several times per m= line of every offer and answer, and the
    /// string search was ~4 % of the relay's CPU per call set-up.
    static func isRTPProfile(_ proto: String) -> Bool {
        let pattern: (UInt8, UInt8, UInt8, UInt8) = (0x52, 0x54, 0x50, 0x2F)   // R T P /
        var matched = 0
        for byte in proto.utf8 {
            let upper = byte >= 0x61 && byte <= 0x7A ? byte &- 0x20 : byte
            let expected = matched == 0 ? pattern.0 : matched == 1 ? pattern.1 : matched == 2 ? pattern.2 : pattern.3
            if upper == expected {
                matched += 1
                if matched == 4 { return true }
            } else {
                // No proper prefix of `RTP/` is also a suffix of it, so a mismatch restarts at this byte.
                matched = upper == pattern.0 ? 1 : 0
            }
        }
        return false
    }

    /// Where the remote wants RTP: the applicable `c=` address and the m= port. Nil for a rejected
    /// stream (port 0), a missing `c=`, or the zero address (hold).
    public func remoteRTP(session: SDPSession) -> Endpoint? {
        guard port != 0, let connection = effectiveConnection(session: session), !connection.isZeroAddress else {
            return nil
        }
        return Endpoint(address: connection.address, port: port)
    }

    /// Where the remote wants RTCP: the RTP endpoint with rtcp-mux (RFC 5761), `a=rtcp:PORT [IN IP4 addr]`
    /// (RFC 3605) if present, else RTP port + 1 (RFC 3550 §11). A zero address in `a=rtcp` (WebRTC writes
    /// `a=rtcp:9 IN IP4 0.0.0.0`) means "unknown" and gives nil.
    public func remoteRTCP(session: SDPSession) -> Endpoint? {
        guard let rtp = remoteRTP(session: session) else { return nil }
        if offersRTCPMux { return rtp }
        if let rtcp = rtcpAttribute {
            if let address = rtcp.address {
                guard !SDPAddressText.isZero(address) else { return nil }
                return Endpoint(address: address, port: rtcp.port)
            }
            return Endpoint(address: rtp.address, port: rtcp.port)
        }
        guard rtp.port < UInt16.max else { return nil }
        return Endpoint(address: rtp.address, port: rtp.port + 1)
    }

    /// The parsed `a=rtcp:` attribute: port and, in the long form, the address. Nil if absent or malformed.
    public var rtcpAttribute: (port: UInt16, address: String?)? {
        guard let value = attribute("rtcp")?.value else { return nil }
        let fields = value.split(separator: " ", omittingEmptySubsequences: true)
        guard let first = fields.first, let port = SDPMedia.smallNumber(first), port > 0, port <= Int(UInt16.max)
        else { return nil }
        if fields.count == 4, let family = AddressFamily(rawValue: String(fields[2])),
           SDPAddressText.isValid(fields[3], family: family) {
            return (UInt16(port), String(fields[3]))
        }
        return (UInt16(port), nil)
    }

    /// `a=rtcp-mux` present (RFC 5761 §5.1.1).
    public var offersRTCPMux: Bool { has("rtcp-mux") }

    /// The media-level direction attribute, nil if the section has none.
    public var declaredDirection: SDPDirection? {
        attributes.last { SDPDirection(rawValue: $0.name) != nil && $0.value == nil }
            .flatMap { SDPDirection(rawValue: $0.name) }
    }

    /// Direction from this section alone: its attribute (default sendrecv), as hold if its own `c=` is the
    /// zero address. Use `direction(session:)` to honour session-level attributes and `c=`.
    public var direction: SDPDirection {
        let declared = declaredDirection ?? .sendrecv
        return connection?.isZeroAddress == true ? declared.onHold : declared
    }

    /// Direction as RFC 4566 §6 defines it: media attribute, else session attribute, else sendrecv;
    /// a zero `c=` address (RFC 2543 hold) means the author will not receive.
    public func direction(session: SDPSession) -> SDPDirection {
        let sessionLevel = session.attributes.last { SDPDirection(rawValue: $0.name) != nil && $0.value == nil }
            .flatMap { SDPDirection(rawValue: $0.name) }
        let declared = declaredDirection ?? sessionLevel ?? .sendrecv
        return effectiveConnection(session: session)?.isZeroAddress == true ? declared.onHold : declared
    }

    /// Numeric payload types (0...127) of an RTP profile, in m= order; empty for non-RTP media.
    public var payloadTypes: [UInt8] {
        guard isRTP else { return [] }
        return formats.compactMap { format in
            guard format.utf8.count <= 3, let number = UInt8(format), number <= 127 else { return nil }
            return number
        }
    }

    /// Port 0: the stream is rejected or disabled (RFC 3264 §6).
    public var isRejected: Bool { port == 0 }

    /// The section carries ICE credentials or candidates.
    public var hasICE: Bool { attributes.contains { $0.name == "ice-ufrag" || $0.name == "candidate" } }

    /// Encoding per payload type (`8: "PCMA/8000"`): the `a=rtpmap` text, or for static payload types
    /// listed without one, RFC 3551's. Dynamic types without an rtpmap are absent.
    public var rtpmaps: [UInt8: String] {
        var maps: [UInt8: String] = [:]
        for attribute in attributes where attribute.name == "rtpmap" {
            if let type = attribute.payloadType, let encoding = attribute.afterPayloadType, maps[type] == nil {
                maps[type] = encoding
            }
        }
        for type in payloadTypes where maps[type] == nil {
            maps[type] = RTPStaticPayloadTypes.encoding(for: type)
        }
        return maps
    }

    /// `a=ptime` in milliseconds (fractions such as `20.0` are truncated), nil if absent or not a number.
    public var ptime: Int? {
        guard let value = attribute("ptime")?.value else { return nil }
        let digits = value.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, digits.count <= 5 else { return nil }
        return Int(digits)
    }
}
