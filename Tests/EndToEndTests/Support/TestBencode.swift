/// A small independent bencode codec for the tests, so the relay's own codec is checked against
/// something it does not share code with. Dicts keep wire order; lookups are by key.
indirect enum TestBencode: Equatable, CustomStringConvertible {
    case bytes([UInt8])
    case integer(Int64)
    case list([TestBencode])
    case dictionary([(key: String, value: TestBencode)])

    static func == (a: TestBencode, b: TestBencode) -> Bool {
        switch (a, b) {
        case (.bytes(let x), .bytes(let y)): return x == y
        case (.integer(let x), .integer(let y)): return x == y
        case (.list(let x), .list(let y)): return x == y
        case (.dictionary(let x), .dictionary(let y)):
            // Key order is not significant in ng.
            return x.count == y.count && x.allSatisfy { entry in y.contains { $0.key == entry.key && $0.value == entry.value } }
        default: return false
        }
    }

    static func string(_ text: String) -> TestBencode { .bytes(Array(text.utf8)) }

    subscript(key: String) -> TestBencode? {
        guard case .dictionary(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }

    var text: String? {
        guard case .bytes(let bytes) = self else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    var listValue: [TestBencode]? {
        guard case .list(let items) = self else { return nil }
        return items
    }

    var keys: [String] {
        guard case .dictionary(let entries) = self else { return [] }
        return entries.map(\.key)
    }

    var description: String {
        switch self {
        case .bytes(let bytes): return "\"\(String(decoding: bytes, as: UTF8.self))\""
        case .integer(let value): return "\(value)"
        case .list(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .dictionary(let entries): return "{" + entries.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}"
        }
    }

    func encoded() -> [UInt8] {
        var out: [UInt8] = []
        encode(into: &out)
        return out
    }

    private func encode(into out: inout [UInt8]) {
        switch self {
        case .bytes(let bytes):
            out += Array("\(bytes.count):".utf8)
            out += bytes
        case .integer(let value):
            out += Array("i\(value)e".utf8)
        case .list(let items):
            out.append(UInt8(ascii: "l"))
            for item in items { item.encode(into: &out) }
            out.append(UInt8(ascii: "e"))
        case .dictionary(let entries):
            out.append(UInt8(ascii: "d"))
            for entry in entries {
                TestBencode.string(entry.key).encode(into: &out)
                entry.value.encode(into: &out)
            }
            out.append(UInt8(ascii: "e"))
        }
    }

    struct DecodeError: Error, CustomStringConvertible {
        var offset: Int
        var description: String { "bencode decode error at byte \(offset)" }
    }

    /// Decodes exactly one value spanning all of `bytes`.
    static func decode(_ bytes: [UInt8]) throws -> TestBencode {
        var index = 0
        let value = try decodeValue(bytes, &index)
        guard index == bytes.count else { throw DecodeError(offset: index) }
        return value
    }

    private static func decodeValue(_ b: [UInt8], _ i: inout Int) throws -> TestBencode {
        guard i < b.count else { throw DecodeError(offset: i) }
        switch b[i] {
        case UInt8(ascii: "i"):
            i += 1
            let start = i
            while i < b.count && b[i] != UInt8(ascii: "e") { i += 1 }
            guard i < b.count, let value = Int64(String(decoding: b[start..<i], as: UTF8.self)) else { throw DecodeError(offset: start) }
            i += 1
            return .integer(value)
        case UInt8(ascii: "l"):
            i += 1
            var items: [TestBencode] = []
            while i < b.count && b[i] != UInt8(ascii: "e") { items.append(try decodeValue(b, &i)) }
            guard i < b.count else { throw DecodeError(offset: i) }
            i += 1
            return .list(items)
        case UInt8(ascii: "d"):
            i += 1
            var entries: [(key: String, value: TestBencode)] = []
            while i < b.count && b[i] != UInt8(ascii: "e") {
                guard case .bytes(let key) = try decodeValue(b, &i) else { throw DecodeError(offset: i) }
                entries.append((String(decoding: key, as: UTF8.self), try decodeValue(b, &i)))
            }
            guard i < b.count else { throw DecodeError(offset: i) }
            i += 1
            return .dictionary(entries)
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = i
            while i < b.count && b[i] != UInt8(ascii: ":") { i += 1 }
            guard i < b.count, let length = Int(String(decoding: b[start..<i], as: UTF8.self)),
                  length <= b.count - i - 1 else { throw DecodeError(offset: start) }
            i += 1
            let value = Array(b[i..<(i + length)])
            i += length
            return .bytes(value)
        default:
            throw DecodeError(offset: i)
        }
    }
}
