/// RTCP packet type numbers (RFC 3550 §12.1, RFC 3611 §2).
public enum RTCPPacketType {
    public static let senderReport: UInt8 = 200
    public static let receiverReport: UInt8 = 201
    public static let sourceDescription: UInt8 = 202
    public static let goodbye: UInt8 = 203
    public static let application: UInt8 = 204
    public static let extendedReport: UInt8 = 207
}

/// The four bytes that start every RTCP packet (RFC 3550 §6.4.1): version 2, padding bit, a 5-bit
/// count (reports, sources or APP subtype), the packet type and the length in 32-bit words minus one.
public struct RTCPHeader: Hashable, Sendable {
    public static let size = 4

    public var padding: Bool
    /// Report count, source count or APP subtype, depending on the packet type (5 bits).
    public var count: UInt8
    public var packetType: UInt8
    /// The raw length field: 32-bit words in the packet, minus one.
    public var lengthField: UInt16

    public init(padding: Bool = false, count: UInt8, packetType: UInt8, lengthField: UInt16) {
        self.padding = padding
        self.count = count & 0x1F
        self.packetType = packetType
        self.lengthField = lengthField
    }

    /// Bytes in the whole packet, header included.
    public var packetLength: Int { (Int(lengthField) + 1) * 4 }

    /// Reads the header only; does not check that the declared length fits the buffer.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPError) {
        guard bytes.count >= Self.size else { throw .truncated(needed: Self.size, available: bytes.count) }
        let first = bytes[0]
        guard first >> 6 == 2 else { throw .unsupportedVersion(first >> 6) }
        padding = first & 0x20 != 0
        count = first & 0x1F
        packetType = bytes[1]
        lengthField = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
    }

    public init(parsing bytes: [UInt8]) throws(RTCPError) {
        self = try UnsafeRawBufferPointer.with(bytes) { raw throws(RTCPError) in try RTCPHeader(parsing: raw) }
    }

    public func write(into out: inout [UInt8]) {
        out.append(0x80 | (padding ? 0x20 : 0) | (count & 0x1F))
        out.append(packetType)
        out.appendBigEndian(lengthField)
    }
}

/// Where one packet's body lies inside a buffer, with its padding removed. Shared by every packet parser.
struct RTCPFrame {
    var header: RTCPHeader
    /// Body without the 4-byte header and without padding: `bodyStart..<bodyEnd`.
    var bodyStart: Int
    var bodyEnd: Int
    var paddingLength: UInt8

    /// Checks version, type and that the declared length (and any padding) lies inside `bytes`.
    init(_ bytes: UnsafeRawBufferPointer, expecting type: UInt8?) throws(RTCPError) {
        header = try RTCPHeader(parsing: bytes)
        if let type, header.packetType != type {
            throw .wrongPacketType(expected: type, found: header.packetType)
        }
        let total = header.packetLength
        guard total <= bytes.count else { throw .lengthBeyondBuffer(declared: total, available: bytes.count) }
        bodyStart = RTCPHeader.size
        bodyEnd = total
        paddingLength = 0
        if header.padding {
            // RFC 3550 §6.4.1: the last octet counts the padding octets, itself included.
            let pad = bytes[total - 1]
            guard pad > 0, Int(pad) <= total - RTCPHeader.size else { throw .invalidPadding(pad) }
            paddingLength = pad
            bodyEnd = total - Int(pad)
        }
    }

    func reader(_ bytes: UnsafeRawBufferPointer) -> ByteReader {
        ByteReader(bytes, from: bodyStart, to: bodyEnd)
    }
}

/// Writes a packet header now and fixes its length once the body is in place.
struct RTCPFrameWriter {
    let start: Int

    init(into out: inout [UInt8], count: UInt8, packetType: UInt8) {
        start = out.count
        RTCPHeader(count: count, packetType: packetType, lengthField: 0).write(into: &out)
    }

    /// Appends padding (so that the packet stays a multiple of 4 bytes) and stores the length field.
    func finish(_ out: inout [UInt8], paddingLength: UInt8) {
        var pad = Int(paddingLength)
        if pad == 0 {
            // The body of every type written here is already word-aligned; align anyway so a
            // hand-built value with odd-sized opaque data still yields a well-formed packet.
            let misalignment = (out.count - start) % 4
            if misalignment != 0 { out.append(contentsOf: repeatElement(0, count: 4 - misalignment)) }
        } else {
            let misalignment = (out.count - start + pad) % 4
            if misalignment != 0 { pad += 4 - misalignment }
            if pad > 255 { pad -= 4 }
            out.append(contentsOf: repeatElement(0, count: pad - 1))
            out.append(UInt8(pad))
            out[start] |= 0x20
        }
        let words = (out.count - start) / 4 - 1
        out.storeBigEndian(UInt16(truncatingIfNeeded: words), at: start + 2)
    }
}

extension UnsafeRawBufferPointer {
    /// Runs `body` over the bytes of an array; lets `[UInt8]` initialisers share the pointer-based parsers.
    static func with<R, E: Error>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        let result: Result<R, E> = array.withUnsafeBytes { raw in
            do throws(E) { return .success(try body(raw)) } catch { return .failure(error) }
        }
        return try result.get()
    }
}
