/// One media section: the `m=` line and everything up to the next `m=`.
public struct SDPMedia: Sendable, Equatable {
    /// `audio`, `video`, `image`, `application`, ...
    public var type: String
    /// 0 rejects the stream (RFC 3264 §6).
    public var port: UInt16
    /// The `/<number of ports>` suffix, if present.
    public var portCount: Int?
    /// Transport protocol, e.g. `RTP/AVP`, `UDP/TLS/RTP/SAVPF`, `udptl`.
    public var proto: String
    /// Payload types for RTP profiles, other tokens otherwise; kept as text.
    public var formats: [String]
    /// The media-level `c=`; nil means the session-level one applies.
    public var connection: SDPConnection?
    /// `i=`, `b=`, `k=` and unknown line types, in input order.
    public var otherLines: [SDPLine]
    public var attributes: [SDPAttribute]

    public init(type: String, port: UInt16, portCount: Int? = nil, proto: String, formats: [String],
                connection: SDPConnection? = nil, otherLines: [SDPLine] = [], attributes: [SDPAttribute] = []) {
        self.type = type
        self.port = port
        self.portCount = portCount
        self.proto = proto
        self.formats = formats
        self.connection = connection
        self.otherLines = otherLines
        self.attributes = attributes
    }

    /// Parses the text after `m=`: `<media> <port>[/<count>] <proto> <fmt> ...`.
    init(parsing text: Substring, line: Int) throws(SDPError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count >= 3, !fields[0].isEmpty else { throw .badMediaLine(line) }
        let portField = fields[1]
        var portText = portField
        var count: Int?
        if let slash = portField.firstIndex(of: "/") {
            portText = portField[..<slash]
            guard let parsed = SDPMedia.smallNumber(portField[portField.index(after: slash)...]), parsed > 0 else {
                throw .badMediaLine(line)
            }
            count = parsed
        }
        guard let port = SDPMedia.smallNumber(portText), port <= Int(UInt16.max) else { throw .badMediaLine(line) }
        self.init(type: String(fields[0]), port: UInt16(port), portCount: count, proto: String(fields[2]),
                  formats: fields.dropFirst(3).map(String.init))
        attributes.reserveCapacity(8)   // typical audio m= sections carry 3–8 a= lines
    }

    /// Decimal digits only, at most five (so no overflow and no `+7` or `0x10`).
    static func smallNumber(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.count <= 5, text.utf8.allSatisfy(\.isDigitASCII) else { return nil }
        return Int(text)
    }

    /// The `m=` line's value.
    public var mediaLineText: String {
        var text = ""
        writeMediaLine(into: &text)
        return text
    }

    /// Appends the `m=` line's value to `out`.
    func writeMediaLine(into out: inout String) {
        out += type
        out += " "
        out += String(port)
        if let portCount {
            out += "/"
            out += String(portCount)
        }
        out += " "
        out += proto
        for format in formats {
            out += " "
            out += format
        }
    }

    /// The first attribute with this name.
    public func attribute(_ name: String) -> SDPAttribute? { attributes.first { $0.name == name } }

    /// Whether an attribute with this name is present.
    public func has(_ name: String) -> Bool { attributes.contains { $0.name == name } }
}
