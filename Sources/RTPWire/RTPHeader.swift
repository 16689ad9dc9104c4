/// The RTP fixed header with its CSRC list and header extension (RFC 3550 §5.1, §5.3.1).
/// Arrays stay empty (and so allocate nothing) for the common audio packet without CSRCs or extension.
public struct RTPHeader: Hashable, Sendable {
    public static let fixedSize = 12

    /// A header extension: 16-bit profile (0xBEDE one-byte, 0x100x two-byte, RFC 8285) and its data words.
    public struct Extension: Hashable, Sendable {
        public var profile: UInt16
        /// A multiple of 4 bytes on the wire (zero-filled when written otherwise).
        public var data: [UInt8]

        public init(profile: UInt16, data: [UInt8]) {
            self.profile = profile
            self.data = data
        }
    }

    public var padding: Bool
    public var marker: Bool
    /// 7 bits.
    public var payloadType: UInt8
    public var sequenceNumber: SequenceNumber
    public var timestamp: UInt32
    public var ssrc: UInt32
    /// At most 15 are written.
    public var csrcs: [UInt32]
    public var headerExtension: Extension?

    public init(padding: Bool = false, marker: Bool = false, payloadType: UInt8, sequenceNumber: SequenceNumber,
                timestamp: UInt32, ssrc: UInt32, csrcs: [UInt32] = [], headerExtension: Extension? = nil) {
        self.padding = padding
        self.marker = marker
        self.payloadType = payloadType & 0x7F
        self.sequenceNumber = sequenceNumber
        self.timestamp = timestamp
        self.ssrc = ssrc
        self.csrcs = csrcs
        self.headerExtension = headerExtension
    }

    /// Always 2: other versions are refused by the parser.
    public var version: UInt8 { 2 }
    public var csrcCount: Int { min(csrcs.count, 15) }
    public var hasExtension: Bool { headerExtension != nil }

    /// Bytes before the payload: fixed header, CSRCs, extension header and data.
    public var headerLength: Int {
        var length = Self.fixedSize + 4 * csrcCount
        if let headerExtension { length += 4 + (headerExtension.data.count + 3) / 4 * 4 }
        return length
    }

    /// Reads the header at the start of a packet; the payload (and any padding) follows `headerLength`.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPError) {
        guard bytes.count >= Self.fixedSize else { throw .truncated(needed: Self.fixedSize, available: bytes.count) }
        let first = bytes[0]
        guard first >> 6 == 2 else { throw .unsupportedVersion(first >> 6) }
        padding = first & 0x20 != 0
        let hasExtension = first & 0x10 != 0
        let csrcCount = Int(first & 0x0F)
        marker = bytes[1] & 0x80 != 0
        payloadType = bytes[1] & 0x7F
        var reader = ByteReader(bytes, from: 2)
        sequenceNumber = SequenceNumber(try reader.u16())
        timestamp = try reader.u32()
        ssrc = try reader.u32()
        var length = Self.fixedSize + 4 * csrcCount
        guard length <= bytes.count else { throw .rtpHeaderBeyondPacket(headerLength: length, available: bytes.count) }
        var csrcs: [UInt32] = []
        if csrcCount > 0 {
            csrcs.reserveCapacity(csrcCount)
            for _ in 0..<csrcCount { csrcs.append(try reader.u32()) }
        }
        self.csrcs = csrcs
        headerExtension = nil
        if hasExtension {
            guard length + 4 <= bytes.count else {
                throw .rtpHeaderBeyondPacket(headerLength: length + 4, available: bytes.count)
            }
            let profile = try reader.u16()
            let words = Int(try reader.u16())
            length += 4 + 4 * words
            guard length <= bytes.count else { throw .rtpHeaderBeyondPacket(headerLength: length, available: bytes.count) }
            headerExtension = Extension(profile: profile, data: try reader.array(4 * words))
        }
    }

    public init(parsing bytes: [UInt8]) throws(RTCPError) {
        self = try UnsafeRawBufferPointer.with(bytes) { raw throws(RTCPError) in try RTPHeader(parsing: raw) }
    }

    public func write(into out: inout [UInt8]) {
        let count = csrcCount
        out.append(0x80 | (padding ? 0x20 : 0) | (headerExtension != nil ? 0x10 : 0) | UInt8(count))
        out.append((marker ? 0x80 : 0) | (payloadType & 0x7F))
        out.appendBigEndian(sequenceNumber.rawValue)
        out.appendBigEndian(timestamp)
        out.appendBigEndian(ssrc)
        for csrc in csrcs.prefix(count) { out.appendBigEndian(csrc) }
        if let headerExtension {
            let words = (headerExtension.data.count + 3) / 4
            out.appendBigEndian(headerExtension.profile)
            out.appendBigEndian(UInt16(truncatingIfNeeded: words))
            out.append(contentsOf: headerExtension.data)
            out.append(contentsOf: repeatElement(0, count: words * 4 - headerExtension.data.count))
        }
    }
}
