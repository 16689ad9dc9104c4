/// One payload type of an RTP m= line with everything the SDP says about it: the `a=rtpmap`
/// encoding (or RFC 3551's for a static type), its `a=fmtp` and `a=rtcp-fb` values. Codec
/// negotiation works on these so that a kept codec is written back exactly as it came in.
public struct CodecFormat: Sendable, Hashable {
    public var payloadType: UInt8
    /// Encoding name as written (`opus`, `PCMA`); nil for a dynamic type without `a=rtpmap`.
    public var name: String?
    /// RTP clock rate in Hz (0 when unknown).
    public var clockRate: Int
    /// Channel count; the rtpmap omits it for mono (RFC 4566 §6).
    public var channels: Int
    /// The rtpmap text after the payload type (`opus/48000/2`), exactly as received.
    public var encoding: String?
    /// Values of this type's `a=fmtp` lines, after the payload type (`useinbandfec=1`).
    public var fmtp: [String]
    /// Values of this type's `a=rtcp-fb` lines, after the payload type (`nack`).
    public var rtcpFeedback: [String]

    public init(payloadType: UInt8, encoding: String?, fmtp: [String] = [], rtcpFeedback: [String] = []) {
        self.payloadType = payloadType
        self.encoding = encoding
        self.fmtp = fmtp
        self.rtcpFeedback = rtcpFeedback
        let parts = encoding.map { $0.split(separator: "/", omittingEmptySubsequences: false) } ?? []
        name = parts.first.map(String.init).flatMap { $0.isEmpty ? nil : $0 }
        clockRate = parts.count > 1 ? CodecFormat.number(parts[1]) ?? 0 : 0
        channels = parts.count > 2 ? CodecFormat.number(parts[2]) ?? 1 : 1
    }

    /// `telephone-event` (RFC 4733): DTMF, carried beside the voice codec rather than chosen as one.
    public var isDTMF: Bool { name?.lowercased() == "telephone-event" }

    /// `PCMA/8000`, the §7 stats spelling (channels only when not mono, as in rtpmap).
    public var displayName: String {
        guard let name else { return "\(payloadType)" }
        return channels == 1 ? "\(name)/\(clockRate)" : "\(name)/\(clockRate)/\(channels)"
    }

    /// Same codec (name case-insensitive, clock, channels), whatever the payload type number.
    public func isSameCodec(as other: CodecFormat) -> Bool {
        guard let name, let otherName = other.name else { return false }
        return name.lowercased() == otherName.lowercased() && clockRate == other.clockRate && channels == other.channels
    }

    /// The `a=rtpmap`, `a=fmtp`, `a=rtcp-fb` lines for this type, in rtpengine's order.
    public var attributes: [SDPAttribute] {
        var lines: [SDPAttribute] = []
        if let encoding { lines.append(SDPAttribute(name: "rtpmap", value: "\(payloadType) \(encoding)")) }
        lines += fmtp.map { SDPAttribute(name: "fmtp", value: "\(payloadType) \($0)") }
        lines += rtcpFeedback.map { SDPAttribute(name: "rtcp-fb", value: "\(payloadType) \($0)") }
        return lines
    }

    /// The formats of an RTP m= line in m= order (a repeated payload type once).
    public static func formats(of media: SDPMedia) -> [CodecFormat] {
        let maps = media.rtpmaps
        var seen = Set<UInt8>()
        var formats: [CodecFormat] = []
        for type in media.payloadTypes where seen.insert(type).inserted {
            let mine = media.attributes.filter { $0.payloadType == type }
            formats.append(CodecFormat(
                payloadType: type, encoding: maps[type],
                fmtp: mine.filter { $0.name == "fmtp" }.compactMap(\.afterPayloadType),
                rtcpFeedback: mine.filter { $0.name == "rtcp-fb" }.compactMap(\.afterPayloadType)))
        }
        return formats
    }

    /// Decimal digits only, at most nine (no overflow on hostile rtpmaps).
    static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 9, text.utf8.allSatisfy(\.isDigitASCII) else { return nil }
        return Int(text)
    }
}
