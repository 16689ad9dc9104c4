/// Bounds on what the decoder will accept, so a hostile datagram cannot exhaust memory or the stack.
public struct BencodeLimits: Sendable, Hashable {
    /// Largest input accepted at all (rtpengine reads ≤ 65 535 bytes per UDP datagram; TCP/HTTP may carry more).
    public var maxBytes: Int
    /// Deepest nesting of lists/dictionaries (the top-level dictionary is depth 1). Real ng messages
    /// nest 3 deep (`codec` → `transcode` → list). Clamped to `BencodeLimits.hardMaxDepth`.
    public var maxDepth: Int
    /// Total number of values (strings, integers, lists, dictionaries, keys included).
    public var maxItems: Int

    /// The decoder recurses once per nesting level; this cap keeps the stack bounded whatever the caller asks.
    public static let hardMaxDepth = 256

    public init(maxBytes: Int = 262_144, maxDepth: Int = 32, maxItems: Int = 16_384) {
        self.maxBytes = maxBytes
        self.maxDepth = maxDepth
        self.maxItems = maxItems
    }
}

/// Why a byte string is not an acceptable ng bencode message.
public enum BencodeError: Error, Equatable, Sendable {
    /// The input is empty.
    case empty
    /// The input ended inside a value.
    case truncated
    /// An integer is empty, has a non-digit, or does not fit in 64 bits.
    case invalidInteger
    /// A number has a leading zero (`i05e`, `05:abcde`, `i-0e`): only a lone `0` may start with `0`.
    case leadingZero
    /// A string length is not a decimal number or is absurdly long.
    case invalidStringLength
    /// A byte that cannot start a value (`offset` counts from the start of the input).
    case unexpectedByte(UInt8, offset: Int)
    /// A dictionary key is not a byte string.
    case keyNotString
    /// Nesting deeper than `BencodeLimits.maxDepth`.
    case tooDeep
    /// More values than `BencodeLimits.maxItems`.
    case tooManyItems
    /// Input longer than `BencodeLimits.maxBytes`.
    case tooLarge
    /// The top-level value is not a dictionary (ng: `Could not decode bencode dictionary`).
    case notADictionary
}

/// Bencode codec with rtpengine's tolerances (ng-protocol.md §2).
public enum Bencode {
    /// Decodes an ng message: the top level must be a dictionary. A top-level dictionary whose final
    /// `e` is missing at the end of the input is accepted, and bytes after it are ignored, as rtpengine does.
    /// Duplicate keys are kept in order (lookups return the first).
    public static func decode(_ bytes: some Collection<UInt8>, limits: BencodeLimits = BencodeLimits())
        throws(BencodeError) -> BencodeValue
    {
        guard bytes.count <= limits.maxBytes else { throw .tooLarge }
        let array = Array(bytes)
        return try decodeDictionary(array, limits: limits)
    }

    /// Decodes one value of any type that must end exactly at the end of the input (used for nested
    /// payloads and tests; ng messages go through `decode`).
    public static func decodeValue(_ bytes: some Collection<UInt8>, limits: BencodeLimits = BencodeLimits())
        throws(BencodeError) -> BencodeValue
    {
        guard bytes.count <= limits.maxBytes else { throw .tooLarge }
        let array = Array(bytes)
        return try array.withUnsafeBufferPointer { (buffer) throws(BencodeError) -> BencodeValue in
            var reader = Reader(buffer: buffer, limits: limits)
            let value = try reader.value(depth: 0)
            guard reader.position == buffer.count else {
                throw .unexpectedByte(buffer[reader.position], offset: reader.position)
            }
            return value
        }
    }

    /// Length of the first complete value at the start of `bytes` (for TCP-ng stream framing, §1.2):
    /// nil when more bytes are needed, an error when they can never form a value.
    public static func completeValueLength(_ bytes: some Collection<UInt8>, limits: BencodeLimits = BencodeLimits())
        throws(BencodeError) -> Int?
    {
        let array = Array(bytes.prefix(limits.maxBytes &+ 1))
        do throws(BencodeError) {
            return try array.withUnsafeBufferPointer { (buffer) throws(BencodeError) -> Int in
                var reader = Reader(buffer: buffer, limits: limits)
                _ = try reader.value(depth: 0)
                return reader.position
            }
        } catch .truncated {
            if array.count > limits.maxBytes { throw .tooLarge }
            return nil
        }
    }

    private static func decodeDictionary(_ array: [UInt8], limits: BencodeLimits) throws(BencodeError) -> BencodeValue {
        try array.withUnsafeBufferPointer { (buffer) throws(BencodeError) -> BencodeValue in
            guard !buffer.isEmpty else { throw .empty }
            guard buffer[0] == UInt8(ascii: "d") else { throw .notADictionary }
            var reader = Reader(buffer: buffer, limits: limits)
            return try reader.value(depth: 0, topLevel: true)
        }
    }

    /// The bencode bytes of `value`. Dictionaries are written in their stored order.
    public static func encode(_ value: BencodeValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        encode(value, into: &out)
        return out
    }

    /// Appends the bencode bytes of `value` to `out`.
    public static func encode(_ value: BencodeValue, into out: inout [UInt8]) {
        switch value {
        case .string(let bytes):
            appendDecimal(Int64(bytes.count), to: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: bytes)
        case .integer(let v):
            out.append(UInt8(ascii: "i"))
            appendDecimal(v, to: &out)
            out.append(UInt8(ascii: "e"))
        case .list(let items):
            out.append(UInt8(ascii: "l"))
            for item in items { encode(item, into: &out) }
            out.append(UInt8(ascii: "e"))
        case .dictionary(let dict):
            encode(dict, into: &out)
        }
    }

    /// Appends the bencode bytes of a dictionary to `out`.
    public static func encode(_ dict: BencodeDictionary, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "d"))
        for entry in dict.entries {
            appendDecimal(Int64(entry.key.count), to: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: entry.key)
            encode(entry.value, into: &out)
        }
        out.append(UInt8(ascii: "e"))
    }

    static func appendDecimal(_ v: Int64, to out: inout [UInt8]) {
        if v == 0 { out.append(UInt8(ascii: "0")); return }
        if v < 0 { out.append(UInt8(ascii: "-")) }
        // Work on the magnitude as UInt64 so Int64.min does not trap on negation.
        var magnitude = v.magnitude
        // Least significant digit first, straight into `out`, then reversed in place by index (no scratch array;
        // `out[start...].reverse()` copied the array through its slice on every call).
        var low = out.count
        while magnitude > 0 {
            out.append(UInt8(ascii: "0") &+ UInt8(magnitude % 10))
            magnitude /= 10
        }
        var high = out.count - 1
        while low < high {
            out.swapAt(low, high)
            low += 1
            high -= 1
        }
    }
}

/// Recursive-descent reader over a buffer. Every read checks `position < buffer.count` first, and
/// depth and item counts are bounded, so no input can trap or recurse without limit.
private struct Reader {
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

    mutating func countItem() throws(BencodeError) {
        items &+= 1
        if items > maxItems { throw .tooManyItems }
    }

    mutating func value(depth: Int, topLevel: Bool = false) throws(BencodeError) -> BencodeValue {
        guard position < buffer.count else { throw .truncated }
        try countItem()
        let byte = buffer[position]
        switch byte {
        case UInt8(ascii: "i"):
            position += 1
            return .integer(try integer(terminator: UInt8(ascii: "e")))
        case UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .string(try string())
        case UInt8(ascii: "l"):
            guard depth < maxDepth else { throw .tooDeep }
            position += 1
            var items: [BencodeValue] = []
            while true {
                guard position < buffer.count else { throw .truncated }
                if buffer[position] == UInt8(ascii: "e") { position += 1; break }
                items.append(try value(depth: depth + 1))
            }
            return .list(items)
        case UInt8(ascii: "d"):
            guard depth < maxDepth else { throw .tooDeep }
            position += 1
            // ng dictionaries hold a handful of keys: room for 8 saves the doublings from 1.
            var dict = BencodeDictionary(capacity: 8)
            while true {
                guard position < buffer.count else {
                    // rtpengine accepts a top-level dictionary whose final `e` is missing at end of buffer.
                    if topLevel { break }
                    throw .truncated
                }
                let next = buffer[position]
                if next == UInt8(ascii: "e") { position += 1; break }
                guard next >= UInt8(ascii: "0"), next <= UInt8(ascii: "9") else {
                    if next == UInt8(ascii: "i") || next == UInt8(ascii: "l") || next == UInt8(ascii: "d") {
                        throw .keyNotString
                    }
                    throw .unexpectedByte(next, offset: position)
                }
                try countItem()
                let key = try string()
                let v = try value(depth: depth + 1)
                dict.append(key, v)
            }
            return .dictionary(dict)
        default:
            throw .unexpectedByte(byte, offset: position)
        }
    }

    /// Reads `<digits>:<bytes>`, checking the length against what is left before copying.
    mutating func string() throws(BencodeError) -> [UInt8] {
        let start = position
        var length = 0
        var digits = 0
        while true {
            guard position < buffer.count else { throw .truncated }
            let byte = buffer[position]
            if byte == UInt8(ascii: ":") { break }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                throw .invalidStringLength
            }
            digits += 1
            // 10 digits already exceed any buffer we accept; stop before Int can overflow.
            guard digits <= 10 else { throw .invalidStringLength }
            length = length * 10 + Int(byte - UInt8(ascii: "0"))
            position += 1
        }
        guard digits > 0 else { throw .invalidStringLength }
        if digits > 1, buffer[start] == UInt8(ascii: "0") { throw .leadingZero }
        position += 1 // ':'
        guard length <= buffer.count - position else { throw .truncated }
        let bytes = Array(buffer[position..<(position + length)])
        position += length
        return bytes
    }

    /// Reads a signed decimal up to `terminator`. `+` is accepted because rtpengine parses with strtoll.
    mutating func integer(terminator: UInt8) throws(BencodeError) -> Int64 {
        var negative = false
        if position < buffer.count, buffer[position] == UInt8(ascii: "-") || buffer[position] == UInt8(ascii: "+") {
            negative = buffer[position] == UInt8(ascii: "-")
            position += 1
        }
        let start = position
        // Accumulate as a negative number so Int64.min is representable.
        var value: Int64 = 0
        while true {
            guard position < buffer.count else { throw .truncated }
            let byte = buffer[position]
            if byte == terminator { break }
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { throw .invalidInteger }
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = m.subtractingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
            guard !o1, !o2 else { throw .invalidInteger }
            value = s
            position += 1
        }
        let digits = position - start
        guard digits > 0 else { throw .invalidInteger }
        if buffer[start] == UInt8(ascii: "0"), digits > 1 || negative { throw .leadingZero }
        position += 1 // terminator
        if negative { return value }
        guard value != Int64.min else { throw .invalidInteger }
        return -value
    }
}
