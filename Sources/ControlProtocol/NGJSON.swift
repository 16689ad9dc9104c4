/// Why a JSON ng payload was rejected.
public enum NGJSONError: Error, Equatable, Sendable {
    case empty
    case truncated
    case unexpectedByte(UInt8, offset: Int)
    case invalidString
    case invalidNumber
    case trailingGarbage
    case tooDeep
    case tooManyItems
    case tooLarge
}

/// JSON ⇄ `BencodeValue` for ng requests sent as JSON (§1.1: first byte `{`), so the rest of the
/// control plane sees one data model. Mapping as rtpengine does: strings → byte strings, integers →
/// integers, `true`/`false` → 1/0, `null` dropped (from objects and arrays), fractional numbers
/// truncated toward zero (clamped to Int64).
///
/// Own parser rather than Foundation's JSONSerialization: it applies the same `BencodeLimits` (bytes,
/// depth, items) as the bencode decoder while parsing, keeps the key order of objects (replies are
/// written back in insertion order), keeps duplicate keys like the bencode path, and does not need
/// Foundation in this module.
public enum NGJSON {
    /// Parses one JSON value (whitespace around it allowed, nothing else after it).
    public static func decode(_ bytes: some Collection<UInt8>, limits: BencodeLimits = BencodeLimits())
        throws(NGJSONError) -> BencodeValue
    {
        guard bytes.count <= limits.maxBytes else { throw .tooLarge }
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { (buffer) throws(NGJSONError) -> BencodeValue in
            var parser = JSONParser(buffer: buffer, limits: limits)
            parser.skipWhitespace()
            guard parser.position < buffer.count else { throw .empty }
            guard let value = try parser.value(depth: 0) else {
                throw .unexpectedByte(UInt8(ascii: "n"), offset: 0) // top-level null carries no dictionary
            }
            parser.skipWhitespace()
            guard parser.position == buffer.count else { throw .trailingGarbage }
            return value
        }
    }

    /// JSON text of `value`. Byte strings are decoded as UTF-8 (invalid sequences become U+FFFD).
    public static func encode(_ value: BencodeValue) -> [UInt8] {
        var out: [UInt8] = []
        encode(value, into: &out)
        return out
    }

    public static func encode(_ value: BencodeValue, into out: inout [UInt8]) {
        switch value {
        case .string(let bytes): writeString(bytes, into: &out)
        case .integer(let v): Bencode.appendDecimal(v, to: &out)
        case .list(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                encode(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let dict):
            out.append(UInt8(ascii: "{"))
            for (i, entry) in dict.entries.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(entry.key, into: &out)
                out.append(UInt8(ascii: ":"))
                encode(entry.value, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    private static let hex = Array("0123456789abcdef".utf8)

    private static func writeString(_ bytes: [UInt8], into out: inout [UInt8]) {
        // Re-encode through String so that invalid UTF-8 (possible in bencode) becomes valid JSON text.
        let text = String(decoding: bytes, as: UTF8.self)
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case 0x0A: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0x0D: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
            case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
            case 0..<0x20:
                out += Array("\\u00".utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}

/// Recursive-descent JSON reader with the same bounds as the bencode reader.
private struct JSONParser {
    let buffer: UnsafeBufferPointer<UInt8>
    let maxDepth: Int
    let maxItems: Int
    var position = 0
    var items = 0

    init(buffer: UnsafeBufferPointer<UInt8>, limits: BencodeLimits) {
        self.buffer = buffer
        self.maxDepth = min(max(limits.maxDepth, 0), BencodeLimits.hardMaxDepth)
        self.maxItems = max(limits.maxItems, 0)
    }

    mutating func skipWhitespace() {
        while position < buffer.count {
            switch buffer[position] {
            case 0x20, 0x09, 0x0A, 0x0D: position += 1
            default: return
            }
        }
    }

    mutating func expect(_ literal: StaticString) throws(NGJSONError) {
        let bytes = UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for b in bytes {
            guard position < buffer.count else { throw .truncated }
            guard buffer[position] == b else { throw .unexpectedByte(buffer[position], offset: position) }
            position += 1
        }
    }

    /// nil for `null`, which callers drop.
    mutating func value(depth: Int) throws(NGJSONError) -> BencodeValue? {
        skipWhitespace()
        guard position < buffer.count else { throw .truncated }
        items &+= 1
        guard items <= maxItems else { throw .tooManyItems }
        let byte = buffer[position]
        switch byte {
        case UInt8(ascii: "{"):
            guard depth < maxDepth else { throw .tooDeep }
            position += 1
            var dict = BencodeDictionary()
            skipWhitespace()
            if position < buffer.count, buffer[position] == UInt8(ascii: "}") { position += 1; return .dictionary(dict) }
            while true {
                skipWhitespace()
                guard position < buffer.count else { throw .truncated }
                guard buffer[position] == UInt8(ascii: "\"") else {
                    throw .unexpectedByte(buffer[position], offset: position)
                }
                let key = try string()
                skipWhitespace()
                try expect(":")
                if let v = try value(depth: depth + 1) { dict.append(key, v) }
                skipWhitespace()
                guard position < buffer.count else { throw .truncated }
                let next = buffer[position]
                position += 1
                if next == UInt8(ascii: ",") { continue }
                if next == UInt8(ascii: "}") { break }
                throw .unexpectedByte(next, offset: position - 1)
            }
            return .dictionary(dict)
        case UInt8(ascii: "["):
            guard depth < maxDepth else { throw .tooDeep }
            position += 1
            var list: [BencodeValue] = []
            skipWhitespace()
            if position < buffer.count, buffer[position] == UInt8(ascii: "]") { position += 1; return .list(list) }
            while true {
                if let v = try value(depth: depth + 1) { list.append(v) }
                skipWhitespace()
                guard position < buffer.count else { throw .truncated }
                let next = buffer[position]
                position += 1
                if next == UInt8(ascii: ",") { continue }
                if next == UInt8(ascii: "]") { break }
                throw .unexpectedByte(next, offset: position - 1)
            }
            return .list(list)
        case UInt8(ascii: "\""):
            return .string(try string())
        case UInt8(ascii: "t"):
            try expect("true")
            return .integer(1)
        case UInt8(ascii: "f"):
            try expect("false")
            return .integer(0)
        case UInt8(ascii: "n"):
            try expect("null")
            return nil
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .integer(try number())
        default:
            throw .unexpectedByte(byte, offset: position)
        }
    }

    /// A JSON string (opening quote at `position`) as UTF-8 bytes.
    mutating func string() throws(NGJSONError) -> [UInt8] {
        position += 1
        var out: [UInt8] = []
        while true {
            guard position < buffer.count else { throw .truncated }
            let byte = buffer[position]
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return out
            case UInt8(ascii: "\\"):
                guard position < buffer.count else { throw .truncated }
                let esc = buffer[position]
                position += 1
                switch esc {
                case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = UInt32(try hex4())
                    if (0xD800..<0xDC00).contains(scalar) {
                        // A high surrogate must be followed by `\uDC00`–`\uDFFF`; anything else is replaced.
                        if position + 1 < buffer.count, buffer[position] == UInt8(ascii: "\\"),
                           buffer[position + 1] == UInt8(ascii: "u") {
                            position += 2
                            let low = UInt32(try hex4())
                            if (0xDC00..<0xE000).contains(low) {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                            } else {
                                appendScalar(0xFFFD, to: &out)
                                scalar = low
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    }
                    appendScalar(scalar, to: &out)
                default:
                    throw .invalidString
                }
            case 0..<0x20:
                // Raw control characters are not allowed inside JSON strings (RFC 8259 §7).
                throw .invalidString
            default:
                out.append(byte)
            }
        }
    }

    mutating func hex4() throws(NGJSONError) -> UInt16 {
        guard buffer.count - position >= 4 else { throw .truncated }
        var v: UInt16 = 0
        for _ in 0..<4 {
            let b = buffer[position]
            position += 1
            let digit: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
            default: throw .invalidString
            }
            v = v << 4 | UInt16(digit)
        }
        return v
    }

    func appendScalar(_ value: UInt32, to out: inout [UInt8]) {
        let scalar = Unicode.Scalar(value) ?? "\u{FFFD}"
        out.append(contentsOf: Array(String(Character(scalar)).utf8))
    }

    /// A JSON number, truncated toward zero and clamped to Int64.
    mutating func number() throws(NGJSONError) -> Int64 {
        let start = position
        var negative = false
        if buffer[position] == UInt8(ascii: "-") { negative = true; position += 1 }
        let intStart = position
        var value: Int64 = 0      // accumulated negatively so Int64.min fits
        var overflow = false
        while position < buffer.count, buffer[position] >= UInt8(ascii: "0"), buffer[position] <= UInt8(ascii: "9") {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(buffer[position] - UInt8(ascii: "0")))
            if o1 || o2 { overflow = true } else { value = s }
            position += 1
        }
        guard position > intStart else { throw .invalidNumber }
        if position - intStart > 1, buffer[intStart] == UInt8(ascii: "0") { throw .invalidNumber }
        var isInteger = true
        if position < buffer.count, buffer[position] == UInt8(ascii: ".") {
            isInteger = false
            position += 1
            let fracStart = position
            while position < buffer.count, buffer[position] >= UInt8(ascii: "0"), buffer[position] <= UInt8(ascii: "9") { position += 1 }
            guard position > fracStart else { throw .invalidNumber }
        }
        if position < buffer.count, buffer[position] == UInt8(ascii: "e") || buffer[position] == UInt8(ascii: "E") {
            isInteger = false
            position += 1
            if position < buffer.count, buffer[position] == UInt8(ascii: "+") || buffer[position] == UInt8(ascii: "-") { position += 1 }
            let expStart = position
            while position < buffer.count, buffer[position] >= UInt8(ascii: "0"), buffer[position] <= UInt8(ascii: "9") { position += 1 }
            guard position > expStart else { throw .invalidNumber }
        }
        if isInteger && !overflow {
            if negative { return value }
            return value == .min ? .max : -value
        }
        // Fractions, exponents and out-of-range integers: let Double parse the validated text, then truncate.
        let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<position]), as: UTF8.self)
        guard let d = Double(text), !d.isNaN else { throw .invalidNumber }
        if d >= 9.223372036854775807e18 { return .max }
        if d <= -9.223372036854775808e18 { return .min }
        return Int64(d.rounded(.towardZero))
    }
}
