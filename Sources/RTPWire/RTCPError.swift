/// Why an RTCP (or RTP) byte string could not be read. Each case names one check that failed, so a
/// counted drop can say which.
public enum RTCPError: Error, Hashable, Sendable {
    /// Fewer bytes than the fixed part of the header or body needs.
    case truncated(needed: Int, available: Int)
    /// The version bits are not 2.
    case unsupportedVersion(UInt8)
    /// The packet type is not the one this parser reads.
    case wrongPacketType(expected: UInt8, found: UInt8)
    /// The 16-bit length field points past the end of the buffer.
    case lengthBeyondBuffer(declared: Int, available: Int)
    /// The padding bit is set but the padding count is 0 or larger than the body.
    case invalidPadding(UInt8)
    /// The report/source count in the header does not fit: `length` is the bytes left for the counted items.
    case countBeyondLength(count: Int, length: Int)
    /// An SDES chunk or item runs past its packet, or a chunk lacks its terminating null item.
    case malformedSourceDescription
    /// A BYE reason length runs past its packet.
    case malformedGoodbye
    /// An XR report block's length runs past its packet, or a known block has the wrong size.
    case malformedExtendedReportBlock(blockType: UInt8)
    /// The RTP header's CSRC list or extension runs past the packet.
    case rtpHeaderBeyondPacket(headerLength: Int, available: Int)
}
