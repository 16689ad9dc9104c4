/// One `a=` line: `a=name:value` (property with a value) or `a=name` (flag, `value == nil`).
public struct SDPAttribute: Sendable, Equatable {
    public var name: String
    public var value: String?

    public init(name: String, value: String? = nil) {
        self.name = name
        self.value = value
    }

    /// Splits the text after `a=` at the first colon (RFC 4566 §5.13).
    public init(parsing text: Substring) {
        if let colon = text.firstIndex(of: ":") {
            name = String(text[..<colon])
            value = String(text[text.index(after: colon)...])
        } else {
            name = String(text)
            value = nil
        }
    }

    /// The line without its `a=` prefix.
    public var text: String {
        if let value { return "\(name):\(value)" }
        return name
    }

    /// For `a=rtpmap:`/`fmtp:`/`rtcp-fb:` values: the payload type before the first space
    /// (`nil` when it is not a number, e.g. `rtcp-fb:*`).
    public var payloadType: UInt8? {
        guard let value else { return nil }
        let head = value.prefix { $0 != " " }
        guard !head.isEmpty, head.count <= 3, let number = UInt8(head), number <= 127 else { return nil }
        return number
    }

    /// The part after the payload type, e.g. `PCMA/8000` for `rtpmap:8 PCMA/8000`.
    public var afterPayloadType: String? {
        guard let value, let space = value.firstIndex(of: " ") else { return nil }
        return String(value[value.index(after: space)...])
    }
}
