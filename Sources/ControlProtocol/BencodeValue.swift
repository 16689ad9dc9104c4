/// One bencode value as carried by the ng protocol (ng-protocol.md §2). Strings are raw bytes:
/// SDP bodies travel with their CR LF and need not be valid UTF-8.
public enum BencodeValue: Hashable, Sendable {
    case string([UInt8])
    case integer(Int64)
    case list([BencodeValue])
    case dictionary(BencodeDictionary)

    /// A byte string holding the UTF-8 of `s`.
    public static func text(_ s: String) -> BencodeValue { .string(Array(s.utf8)) }

    /// A byte string holding the UTF-8 of `s` (same as `text(_:)`).
    public static func string(_ s: String) -> BencodeValue { .string(Array(s.utf8)) }

    /// The string decoded as UTF-8 (invalid sequences become U+FFFD); nil for non-strings.
    public var stringValue: String? {
        guard case .string(let bytes) = self else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The raw bytes of a string; nil for non-strings.
    public var bytesValue: [UInt8]? {
        guard case .string(let bytes) = self else { return nil }
        return bytes
    }

    /// An integer, or a string holding an optionally signed decimal integer
    /// (clients send `"delete delay": "5"` as well as `i5e`).
    public var intValue: Int64? {
        switch self {
        case .integer(let v): return v
        case .string(let bytes): return BencodeValue.parseDecimal(bytes)
        default: return nil
        }
    }

    public var listValue: [BencodeValue]? {
        guard case .list(let items) = self else { return nil }
        return items
    }

    public var dictValue: BencodeDictionary? {
        guard case .dictionary(let dict) = self else { return nil }
        return dict
    }

    /// Decimal text with optional sign and surrounding spaces; nil on anything else or overflow.
    static func parseDecimal(_ bytes: [UInt8]) -> Int64? {
        var slice = bytes[...]
        while let first = slice.first, first == UInt8(ascii: " ") { slice = slice.dropFirst() }
        while let last = slice.last, last == UInt8(ascii: " ") { slice = slice.dropLast() }
        var negative = false
        if let first = slice.first, first == UInt8(ascii: "-") || first == UInt8(ascii: "+") {
            negative = first == UInt8(ascii: "-")
            slice = slice.dropFirst()
        }
        guard !slice.isEmpty, slice.count <= 19 else { return nil }
        var value: Int64 = 0
        for byte in slice {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            if o1 || o2 { return nil }
            value = s
        }
        return negative ? -value : value
    }
}

extension BencodeValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByArrayLiteral {
    public init(stringLiteral value: String) { self = .string(Array(value.utf8)) }
    public init(integerLiteral value: Int64) { self = .integer(value) }
    public init(arrayLiteral elements: BencodeValue...) { self = .list(elements) }
}

extension BencodeValue: CustomStringConvertible {
    /// Compact, human-readable rendering for logs and test failures (not a wire format).
    public var description: String {
        switch self {
        case .string(let b): return "\"" + String(decoding: b, as: UTF8.self) + "\""
        case .integer(let v): return String(v)
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dictionary(let d): return d.description
        }
    }
}

/// A bencode dictionary that keeps the wire order of its entries. Keys are not sorted on the wire
/// (Kamailio and rtpengine emit insertion order) and duplicates are kept; lookup returns the first.
public struct BencodeDictionary: Hashable, Sendable, ExpressibleByDictionaryLiteral, CustomStringConvertible {
    public var entries: [(key: [UInt8], value: BencodeValue)]

    public init() { entries = [] }

    /// An empty dictionary with room for `capacity` entries (one allocation instead of one per doubling).
    public init(capacity: Int) {
        entries = []
        entries.reserveCapacity(capacity)
    }

    public init(dictionaryLiteral elements: (String, BencodeValue)...) {
        entries = elements.map { (key: Array($0.0.utf8), value: $0.1) }
    }

    /// First entry whose key has exactly these bytes.
    public subscript(key: String) -> BencodeValue? {
        // Compared against the key's UTF-8 in place: no array built per lookup (the reply and stats paths do many).
        entries.first(where: { $0.key.elementsEqual(key.utf8) })?.value
    }

    /// First entry whose key has exactly these bytes.
    public subscript(bytes key: [UInt8]) -> BencodeValue? {
        entries.first(where: { $0.key == key })?.value
    }

    /// Replaces the value of the first entry with this key, or appends a new entry.
    public mutating func set(_ key: String, _ value: BencodeValue) {
        if let i = entries.firstIndex(where: { $0.key.elementsEqual(key.utf8) }) {
            entries[i].value = value
        } else {
            entries.append((key: Array(key.utf8), value: value))
        }
    }

    /// Appends without looking for an existing key (the decoder keeps duplicates this way).
    public mutating func append(_ key: [UInt8], _ value: BencodeValue) {
        entries.append((key: key, value: value))
    }

    /// Removes every entry with this key.
    public mutating func remove(_ key: String) {
        entries.removeAll(where: { $0.key.elementsEqual(key.utf8) })
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map { String(decoding: $0.key, as: UTF8.self) } }

    // Tuples are not Hashable, so equality is spelled out: same entries in the same order.
    public static func == (a: BencodeDictionary, b: BencodeDictionary) -> Bool {
        guard a.entries.count == b.entries.count else { return false }
        for (x, y) in zip(a.entries, b.entries) where x.key != y.key || x.value != y.value { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(entries.count)
        for entry in entries {
            hasher.combine(entry.key)
            hasher.combine(entry.value)
        }
    }

    public var description: String {
        "{" + entries.map { "\"\(String(decoding: $0.key, as: UTF8.self))\": \($0.value)" }
            .joined(separator: ", ") + "}"
    }
}
