/// The fields of an incoming RTP packet that transcoding needs, read in place without copying or
/// allocating (`RTPHeader(parsing:)` copies CSRCs and extension data into arrays; this skips them).
struct RTPPacketView {
    var marker: Bool
    var payloadType: UInt8
    var sequenceNumber: UInt16
    var timestamp: UInt32
    var ssrc: UInt32
    /// Offset and length of the payload inside the packet, padding removed.
    var payloadOffset: Int
    var payloadLength: Int

    /// Nil for anything that is not a well-formed RTP packet: wrong version, header or padding
    /// longer than the datagram. Every length is checked before it is used.
    init?(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count >= 12 else { return nil }
        let first = bytes[0]
        guard first >> 6 == 2 else { return nil }
        marker = bytes[1] & 0x80 != 0
        payloadType = bytes[1] & 0x7F
        sequenceNumber = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        timestamp = UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7])
        ssrc = UInt32(bytes[8]) << 24 | UInt32(bytes[9]) << 16 | UInt32(bytes[10]) << 8 | UInt32(bytes[11])
        var offset = 12 + 4 * Int(first & 0x0F)
        if first & 0x10 != 0 {
            guard offset + 4 <= bytes.count else { return nil }
            let words = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            offset += 4 + 4 * words
        }
        guard offset <= bytes.count else { return nil }
        var end = bytes.count
        if first & 0x20 != 0 {
            // RFC 3550 §5.1: the last byte counts the padding, itself included.
            let padding = Int(bytes[end - 1])
            guard padding >= 1, padding <= end - offset else { return nil }
            end -= padding
        }
        payloadOffset = offset
        payloadLength = end - offset
    }
}
