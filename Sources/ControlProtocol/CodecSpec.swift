/// One entry of an ng `codec` list (§8.3): `all`/`full`, a payload type number, or
/// `name[/clock[/channels[/bitrate[/options[/fmtp]]]]]` as rtpengine spells it
/// (`opus/48000/2/32000`, `AMR-WB/16000/1/23850`, `iLBC/8000/1///mode=30`).
public struct CodecSpec: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        /// `all` (and `full`, which rtpengine 10.5 treats the same for strip/mask: checked against it).
        case all
        /// A payload type number as it appears on the offerer's m= line.
        case payloadType(UInt8)
        /// An encoding name, matched case-insensitively.
        case named(String)
    }

    public var kind: Kind
    /// Clock rate; nil matches any.
    public var clockRate: Int?
    /// Channel count; nil matches any.
    public var channels: Int?
    /// Bitrate for an encoder the relay adds (`opus/48000/2/32000`); not used for matching.
    public var bitrate: Int?
    /// fmtp for a codec the relay adds (`mode=30`); not used for matching.
    public var fmtp: String?

    public init(kind: Kind, clockRate: Int? = nil, channels: Int? = nil, bitrate: Int? = nil, fmtp: String? = nil) {
        self.kind = kind
        self.clockRate = clockRate
        self.channels = channels
        self.bitrate = bitrate
        self.fmtp = fmtp
    }

    /// Parses one spec; nil for an empty or malformed one (a non-numeric clock, say), which the
    /// caller ignores rather than failing the offer: unknown is data, not an error.
    public init?(parsing text: String) {
        let fields = text.split(separator: "/", omittingEmptySubsequences: false)
        guard let head = fields.first, !head.isEmpty, head.utf8.count <= 64 else { return nil }
        let lower = head.lowercased()
        if fields.count == 1, lower == "all" || lower == "full" {
            self.init(kind: .all)
            return
        }
        let kind: Kind
        if head.utf8.allSatisfy(\.isDigitASCII) {
            guard head.utf8.count <= 3, let number = UInt8(head), number <= 127 else { return nil }
            kind = .payloadType(number)
        } else {
            kind = .named(String(head))
        }
        func field(_ i: Int) -> Substring? { fields.count > i && !fields[i].isEmpty ? fields[i] : nil }
        var clock: Int?, channels: Int?, bitrate: Int?
        if let text = field(1) { guard let n = CodecFormat.number(text) else { return nil }; clock = n }
        if let text = field(2) { guard let n = CodecFormat.number(text) else { return nil }; channels = n }
        if let text = field(3) { guard let n = CodecFormat.number(text) else { return nil }; bitrate = n }
        let fmtp = fields.count > 5 ? fields[5...].joined(separator: "/") : ""
        self.init(kind: kind, clockRate: clock, channels: channels, bitrate: bitrate, fmtp: fmtp.isEmpty ? nil : fmtp)
    }

    /// Parses a list, dropping malformed entries.
    public static func list(_ texts: [String]) -> [CodecSpec] { texts.compactMap { CodecSpec(parsing: $0) } }

    public var isAll: Bool { kind == .all }

    /// Whether this spec names `format` (a wildcard names every format, telephone-event included,
    /// as in rtpengine 10.5: `mask: [all]` also masks the offerer's DTMF).
    public func matches(_ format: CodecFormat) -> Bool {
        switch kind {
        case .all:
            return true
        case .payloadType(let type):
            return format.payloadType == type
        case .named(let name):
            guard let formatName = format.name, formatName.lowercased() == name.lowercased() else { return false }
            if let clockRate, clockRate != format.clockRate { return false }
            if let channels, channels != format.channels { return false }
            return true
        }
    }

    /// Whether any spec of the list names `format`.
    public static func any(_ specs: [CodecSpec], matches format: CodecFormat) -> Bool {
        specs.contains { $0.matches(format) }
    }
}
