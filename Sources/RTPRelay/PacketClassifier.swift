/// RTP or RTCP, and whether a datagram is fit to relay. Pure: reads only the bytes it is given.
public enum PacketKind: Sendable, Hashable {
    case rtp
    case rtcp
    case malformed
}

public enum PacketClassifier {
    /// Classifies a datagram received on a stream's socket.
    /// - rtcpSocket: received on the dedicated RTCP port: RTCP rules.
    /// - demux: received on an rtcp-mux RTP port: packet types 192–223 in byte 1 are RTCP (RFC 5761 §4).
    /// RTP needs version 2 and 12 bytes plus its CSRC list (RFC 3550 §5.1); RTCP version 2 and 8 bytes.
    @inline(__always)
    public static func classify(_ bytes: UnsafeRawBufferPointer, rtcpSocket: Bool, demux: Bool) -> PacketKind {
        let count = bytes.count
        guard count >= 2 else { return .malformed }
        let b0 = bytes[0]
        guard b0 >> 6 == 2 else { return .malformed }
        let b1 = bytes[1]
        if rtcpSocket || (demux && b1 >= 192 && b1 <= 223) {
            return count >= 8 ? .rtcp : .malformed
        }
        let csrcBytes = Int(b0 & 0x0f) &* 4
        return count >= 12 &+ csrcBytes ? .rtp : .malformed
    }

    /// Payload type, sequence number and SSRC of a packet `classify` called RTP (at least 12 bytes).
    @inline(__always)
    public static func rtpFacts(_ bytes: UnsafeRawBufferPointer) -> (payloadType: UInt8, sequence: UInt16, ssrc: UInt32) {
        let pt = bytes[1] & 0x7f
        let seq = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
        let ssrc = UInt32(bytes[8]) << 24 | UInt32(bytes[9]) << 16 | UInt32(bytes[10]) << 8 | UInt32(bytes[11])
        return (pt, seq, ssrc)
    }
}
