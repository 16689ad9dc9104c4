/// Just enough bencode for ng (BEP 3): write dictionaries of strings/lists, read replies.
enum BValue: Equatable {
    case string([UInt8])
    case integer(Int)
    case list([BValue])
    case dictionary([(String, BValue)])

    static func == (a: BValue, b: BValue) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x == y
        case (.integer(let x), .integer(let y)): return x == y
        case (.list(let x), .list(let y)): return x == y
        case (.dictionary(let x), .dictionary(let y)):
            return x.count == y.count && zip(x, y).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    subscript(key: String) -> BValue? {
        if case .dictionary(let pairs) = self { return pairs.first { $0.0 == key }?.1 }
        return nil
    }

    var text: String? {
        if case .string(let bytes) = self { return String(decoding: bytes, as: UTF8.self) }
        return nil
    }

    func encode(into out: inout [UInt8]) {
        switch self {
        case .string(let bytes):
            out += Array(String(bytes.count).utf8) + [UInt8(ascii: ":")] + bytes
        case .integer(let n):
            out += Array("i\(n)e".utf8)
        case .list(let items):
            out.append(UInt8(ascii: "l"))
            for item in items { item.encode(into: &out) }
            out.append(UInt8(ascii: "e"))
        case .dictionary(let pairs):
            out.append(UInt8(ascii: "d"))
            for (key, value) in pairs {
                BValue.string(Array(key.utf8)).encode(into: &out)
                value.encode(into: &out)
            }
            out.append(UInt8(ascii: "e"))
        }
    }

    /// Parses one value at `index`; nil on malformed input.
    static func decode(_ bytes: [UInt8], at index: inout Int, depth: Int = 0) -> BValue? {
        guard index < bytes.count, depth < 32 else { return nil }
        switch bytes[index] {
        case UInt8(ascii: "i"):
            guard let end = bytes[index...].firstIndex(of: UInt8(ascii: "e")),
                  let n = Int(String(decoding: bytes[(index + 1)..<end], as: UTF8.self)) else { return nil }
            index = end + 1
            return .integer(n)
        case UInt8(ascii: "l"):
            index += 1
            var items: [BValue] = []
            while index < bytes.count, bytes[index] != UInt8(ascii: "e") {
                guard let item = decode(bytes, at: &index, depth: depth + 1) else { return nil }
                items.append(item)
            }
            guard index < bytes.count else { return nil }
            index += 1
            return .list(items)
        case UInt8(ascii: "d"):
            index += 1
            var pairs: [(String, BValue)] = []
            while index < bytes.count, bytes[index] != UInt8(ascii: "e") {
                guard case .string(let key)? = decode(bytes, at: &index, depth: depth + 1),
                      let value = decode(bytes, at: &index, depth: depth + 1) else { return nil }
                pairs.append((String(decoding: key, as: UTF8.self), value))
            }
            guard index < bytes.count else { return nil }
            index += 1
            return .dictionary(pairs)
        default:
            guard let colon = bytes[index...].firstIndex(of: UInt8(ascii: ":")),
                  let length = Int(String(decoding: bytes[index..<colon], as: UTF8.self)),
                  length >= 0, colon + 1 + length <= bytes.count else { return nil }
            index = colon + 1 + length
            return .string(Array(bytes[(colon + 1)..<index]))
        }
    }
}
