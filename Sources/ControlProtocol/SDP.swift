/// An SDP body (RFC 4566) as a value: parsed from text, edited, printed again.
///
/// Parsing is bounded (`maxBytes`, `maxLines`, `maxMedia`) and never traps: every hostile input
/// ends in an `SDPError`. What the model has no field for (unknown line types, unknown attributes)
/// is kept in order, so `serialized()` of well-formed CRLF input in RFC 4566 line order returns
/// the input unchanged. Empty lines are dropped.
public struct SDPSession: Sendable, Equatable {
    public static let maxBytes = 64 * 1024
    public static let maxLines = 2000
    public static let maxMedia = 64

    /// `v=`, always 0 in practice.
    public var version: Int
    public var origin: SDPOrigin
    /// `s=`; empty when the line was empty or missing.
    public var sessionName: String
    /// Session-level `c=`; media without their own `c=` use it.
    public var connection: SDPConnection?
    /// `t=` lines with their `r=` lines.
    public var timing: [SDPTiming]
    /// Session-level `i= u= e= p= b= z= k=` and unknown line types, in input order.
    public var otherSessionLines: [SDPLine]
    /// Session-level `a=` lines.
    public var attributes: [SDPAttribute]
    public var media: [SDPMedia]

    public init(version: Int = 0, origin: SDPOrigin, sessionName: String = "-", connection: SDPConnection? = nil,
                timing: [SDPTiming] = [SDPTiming()], otherSessionLines: [SDPLine] = [],
                attributes: [SDPAttribute] = [], media: [SDPMedia] = []) {
        self.version = version
        self.origin = origin
        self.sessionName = sessionName
        self.connection = connection
        self.timing = timing
        self.otherSessionLines = otherSessionLines
        self.attributes = attributes
        self.media = media
    }

    /// Parses an SDP body with CRLF or bare LF line endings.
    public init(parsing text: String) throws(SDPError) {
        // Checked before copying: `utf8.count` is O(1) for native strings.
        guard text.utf8.count <= SDPSession.maxBytes else { throw .tooLarge }
        try self.init(parsingBytes: Array(text.utf8))
    }

    /// Parses an SDP body straight from the bytes of an ng `sdp` string. Invalid UTF-8 inside a
    /// line is kept as U+FFFD; line structure only depends on ASCII bytes.
    public init(parsingBytes bytes: [UInt8]) throws(SDPError) {
        guard bytes.count <= SDPSession.maxBytes else { throw .tooLarge }

        var version: Int?
        var origin: SDPOrigin?
        var sessionName: String?
        var connection: SDPConnection?
        var timing: [SDPTiming] = []
        var otherSessionLines: [SDPLine] = []
        var attributes: [SDPAttribute] = []
        var media: [SDPMedia] = []

        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let next = end + 1
            var contentEnd = end
            if contentEnd > start && bytes[contentEnd - 1] == UInt8(ascii: "\r") { contentEnd -= 1 }
            lineNumber += 1
            guard lineNumber <= SDPSession.maxLines else { throw .tooManyLines }
            defer { start = next }
            if contentEnd == start { continue }  // blank line (often a trailing one)

            // `<type>=<value>` with a single ASCII letter type (RFC 4566 §5).
            guard contentEnd - start >= 2, bytes[start + 1] == UInt8(ascii: "="), SDPSession.isLetter(bytes[start])
            else {
                if version == nil { throw .missingVersion }
                throw .badLine(lineNumber)
            }
            let type = Character(Unicode.Scalar(bytes[start]))
            let value = Substring(String(decoding: bytes[(start + 2)..<contentEnd], as: UTF8.self))

            guard let _ = version else {
                guard type == "v" else { throw .missingVersion }
                guard let number = SDPMedia.smallNumber(value) else { throw .badVersion }
                version = number
                continue
            }

            if type == "m" {
                guard media.count < SDPSession.maxMedia else { throw .tooManyMedia }
                media.append(try SDPMedia(parsing: value, line: lineNumber))
                continue
            }

            if let index = media.indices.last {
                switch type {
                case "a": media[index].attributes.append(SDPAttribute(parsing: value))
                case "c":
                    guard media[index].connection == nil else { throw .badConnection(lineNumber) }
                    media[index].connection = try SDPConnection(parsing: value, line: lineNumber)
                case "v", "o", "s", "t", "r", "z", "u", "e", "p": throw .badLine(lineNumber)
                default: media[index].otherLines.append(SDPLine(type: type, value: String(value)))
                }
                continue
            }

            switch type {
            case "v": throw .badLine(lineNumber)
            case "o":
                guard origin == nil else { throw .badLine(lineNumber) }
                origin = try SDPOrigin(parsing: value)
            case "s":
                guard sessionName == nil else { throw .badLine(lineNumber) }
                sessionName = String(value)
            case "c":
                guard connection == nil else { throw .badConnection(lineNumber) }
                connection = try SDPConnection(parsing: value, line: lineNumber)
            case "t": timing.append(SDPTiming(value: String(value)))
            case "r":
                guard let last = timing.indices.last else { throw .badLine(lineNumber) }
                timing[last].repeats.append(String(value))
            case "a": attributes.append(SDPAttribute(parsing: value))
            default: otherSessionLines.append(SDPLine(type: type, value: String(value)))
            }
        }

        guard let version else { throw .missingVersion }
        guard let origin else { throw .missingOrigin }
        // Keep the model in the order `serialized()` writes, so parse∘serialize∘parse is stable.
        otherSessionLines = SDPSession.inWritingOrder(otherSessionLines, rank: SDPSession.sessionRank)
        for index in media.indices {
            media[index].otherLines = SDPSession.inWritingOrder(media[index].otherLines, rank: SDPSession.mediaRank)
        }
        self.init(version: version, origin: origin, sessionName: sessionName ?? "", connection: connection,
                  timing: timing, otherSessionLines: otherSessionLines, attributes: attributes, media: media)
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z"))
    }

    /// Position of a session-level line type in RFC 4566's order (v o s i u e p c b t r z k a).
    private static func sessionRank(_ type: Character) -> Int {
        switch type {
        case "i": return 3
        case "u": return 4
        case "e": return 5
        case "p": return 6
        case "b": return 8
        case "z": return 10
        default: return 11  // k= and unknown types: after the time description, before a=
        }
    }

    /// Position of a media-level line type in RFC 4566's order (m i c b k a).
    private static func mediaRank(_ type: Character) -> Int {
        switch type {
        case "i": return 1
        case "b": return 3
        default: return 4
        }
    }

    /// Stable sort by rank: input order is kept within one line type.
    private static func inWritingOrder(_ lines: [SDPLine], rank: (Character) -> Int) -> [SDPLine] {
        lines.enumerated().sorted { (rank($0.element.type), $0.offset) < (rank($1.element.type), $1.offset) }.map(\.element)
    }

    /// The body with CRLF line endings, lines in RFC 4566 order.
    public func serialized() -> String {
        var out = ""
        out.reserveCapacity(256 + 64 * (attributes.count + media.reduce(0) { $0 + $1.attributes.count + 2 }))
        func line(_ type: String, _ value: String) {
            out += type
            out += "="
            out += value
            out += "\r\n"
        }
        // Attributes, origin, connections and m= lines are written piece by piece into `out`: building each line's
        // text first cost a String allocation per line (and per interpolation) on every offer and answer.
        func attributeLine(_ attribute: SDPAttribute) {
            out += "a="
            out += attribute.name
            if let value = attribute.value {
                out += ":"
                out += value
            }
            out += "\r\n"
        }
        func connectionLine(_ connection: SDPConnection) {
            out += "c="
            connection.write(into: &out)
            out += "\r\n"
        }
        line("v", String(version))
        out += "o="
        origin.write(into: &out)
        out += "\r\n"
        line("s", sessionName)
        let sessionOthers = SDPSession.inWritingOrder(otherSessionLines, rank: SDPSession.sessionRank)
        for other in sessionOthers where SDPSession.sessionRank(other.type) < 7 { line(String(other.type), other.value) }
        if let connection { connectionLine(connection) }
        for other in sessionOthers where SDPSession.sessionRank(other.type) == 8 { line(String(other.type), other.value) }
        for time in timing {
            line("t", time.value)
            for repeatLine in time.repeats { line("r", repeatLine) }
        }
        for other in sessionOthers where SDPSession.sessionRank(other.type) > 8 { line(String(other.type), other.value) }
        for attribute in attributes { attributeLine(attribute) }

        for section in media {
            out += "m="
            section.writeMediaLine(into: &out)
            out += "\r\n"
            let others = SDPSession.inWritingOrder(section.otherLines, rank: SDPSession.mediaRank)
            for other in others where SDPSession.mediaRank(other.type) < 2 { line(String(other.type), other.value) }
            if let connection = section.connection { connectionLine(connection) }
            for other in others where SDPSession.mediaRank(other.type) > 2 { line(String(other.type), other.value) }
            for attribute in section.attributes { attributeLine(attribute) }
        }
        return out
    }

    /// The first session-level attribute with this name.
    public func attribute(_ name: String) -> SDPAttribute? { attributes.first { $0.name == name } }
}
