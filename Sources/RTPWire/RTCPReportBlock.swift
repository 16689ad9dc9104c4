/// One reception report (RFC 3550 §6.4.1), 24 bytes, carried in SRs and RRs: how well the sender of
/// the report hears the source `ssrc`.
public struct RTCPReportBlock: Hashable, Sendable {
    public static let size = 24
    /// Largest and smallest values the 24-bit signed cumulative-lost field can hold.
    public static let cumulativeLostRange: ClosedRange<Int32> = -0x80_0000...0x7F_FFFF

    /// The source this block reports on.
    public var ssrc: UInt32
    /// Fraction of packets lost since the previous report, in 1/256.
    public var fractionLost: UInt8
    /// Packets expected minus packets received since the start (may be negative with duplicates).
    public var cumulativeLost: Int32
    /// Cycles of sequence wrap in the high 16 bits, highest sequence number in the low 16.
    public var extendedHighestSequence: UInt32
    /// Interarrival jitter in RTP timestamp units.
    public var jitter: UInt32
    /// Middle 32 bits of the NTP timestamp of the last SR from `ssrc` (0: none yet).
    public var lastSenderReport: UInt32
    /// Delay since that SR was received, in 1/65536 s.
    public var delaySinceLastSenderReport: UInt32

    public init(ssrc: UInt32, fractionLost: UInt8 = 0, cumulativeLost: Int32 = 0, extendedHighestSequence: UInt32 = 0,
                jitter: UInt32 = 0, lastSenderReport: UInt32 = 0, delaySinceLastSenderReport: UInt32 = 0) {
        self.ssrc = ssrc
        self.fractionLost = fractionLost
        self.cumulativeLost = cumulativeLost
        self.extendedHighestSequence = extendedHighestSequence
        self.jitter = jitter
        self.lastSenderReport = lastSenderReport
        self.delaySinceLastSenderReport = delaySinceLastSenderReport
    }

    init(reading reader: inout ByteReader) throws(RTCPError) {
        ssrc = try reader.u32()
        let lossWord = try reader.u32()
        fractionLost = UInt8(truncatingIfNeeded: lossWord >> 24)
        // Sign-extend the 24-bit field.
        cumulativeLost = Int32(bitPattern: lossWord << 8) >> 8
        extendedHighestSequence = try reader.u32()
        jitter = try reader.u32()
        lastSenderReport = try reader.u32()
        delaySinceLastSenderReport = try reader.u32()
    }

    /// Reads one 24-byte block.
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPError) {
        var reader = ByteReader(bytes)
        try self.init(reading: &reader)
    }

    public init(parsing bytes: [UInt8]) throws(RTCPError) {
        self = try UnsafeRawBufferPointer.with(bytes) { raw throws(RTCPError) in try RTCPReportBlock(parsing: raw) }
    }

    /// Appends the 24 bytes; a cumulative loss outside 24 bits is clamped, as RFC 3550 A.3 asks.
    public func write(into out: inout [UInt8]) {
        out.appendBigEndian(ssrc)
        let clamped = min(max(cumulativeLost, Self.cumulativeLostRange.lowerBound), Self.cumulativeLostRange.upperBound)
        out.appendBigEndian(UInt32(fractionLost) << 24 | (UInt32(bitPattern: clamped) & 0xFF_FFFF))
        out.appendBigEndian(extendedHighestSequence)
        out.appendBigEndian(jitter)
        out.appendBigEndian(lastSenderReport)
        out.appendBigEndian(delaySinceLastSenderReport)
    }
}

extension ByteReader {
    /// Reads `count` report blocks after checking they fit, so the error names the count rather than a byte shortfall.
    mutating func reportBlocks(_ count: Int) throws(RTCPError) -> [RTCPReportBlock] {
        guard count * RTCPReportBlock.size <= remaining else {
            throw .countBeyondLength(count: count, length: remaining)
        }
        var blocks: [RTCPReportBlock] = []
        blocks.reserveCapacity(count)
        for _ in 0..<count { blocks.append(try RTCPReportBlock(reading: &self)) }
        return blocks
    }
}
