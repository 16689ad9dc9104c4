import RTPWire

/// Writes the relay's RTCP compound for a transcoded leg (SR or RR with at most one report block, then an SDES
/// with the CNAME) straight into a worker buffer: the same bytes the RTPWire writers produce (the RTCP test parses
/// them with RTPWire), without the arrays those value types carry, so a report allocates nothing.
struct LegReportWriter {
    /// RFC 3550 §6.5.1: one CNAME per relay instance is enough for receivers to tie its streams together.
    /// A static string: its bytes are read in place (no array, no iterator).
    static let cname: StaticString = "rtprelayd"
    /// SR (28) + block (24) + SDES (8 + 2 + CNAME + padding): well below the scratch buffer.
    static let maximumLength = 28 + 24 + 12 + 255 + 4

    /// The sender-report part; nil writes an RR.
    struct Sender {
        var ntp: NTPTimestamp
        var rtpTimestamp: UInt32
        var packets: UInt32
        var octets: UInt32
    }

    /// Writes the compound at the start of `out` (at least `maximumLength` bytes) and returns its length.
    static func write(into out: UnsafeMutableRawBufferPointer, ssrc: UInt32, sender: Sender?, block: RTCPReportBlock?) -> Int {
        var at = 0
        let blocks: UInt32 = block == nil ? 0 : 1
        let words = (sender == nil ? 1 : 6) + 6 * blocks   // length field: 32-bit words after the first
        put32(0x8000_0000 | blocks << 24 | UInt32(sender == nil ? 201 : 200) << 16 | words, out, &at)
        put32(ssrc, out, &at)
        if let sender {
            put32(sender.ntp.seconds, out, &at)
            put32(sender.ntp.fraction, out, &at)
            put32(sender.rtpTimestamp, out, &at)
            put32(sender.packets, out, &at)
            put32(sender.octets, out, &at)
        }
        if let block {
            put32(block.ssrc, out, &at)
            let lost = UInt32(bitPattern: min(max(block.cumulativeLost, RTCPReportBlock.cumulativeLostRange.lowerBound),
                                              RTCPReportBlock.cumulativeLostRange.upperBound)) & 0x00FF_FFFF
            put32(UInt32(block.fractionLost) << 24 | lost, out, &at)
            put32(block.extendedHighestSequence, out, &at)
            put32(block.jitter, out, &at)
            put32(block.lastSenderReport, out, &at)
            put32(block.delaySinceLastSenderReport, out, &at)
        }
        // SDES, one chunk: SSRC, CNAME item, null item, zero padding to the next word.
        let cnameLength = cname.utf8CodeUnitCount
        let chunkBytes = 4 + 2 + cnameLength + 1
        let paddedChunk = (chunkBytes + 3) / 4 * 4
        put32(0x8100_0000 | UInt32(202) << 16 | UInt32(paddedChunk / 4), out, &at)
        put32(ssrc, out, &at)
        out[at] = RTCPSourceDescription.ItemType.cname
        out[at + 1] = UInt8(cnameLength)
        at += 2
        let text = cname.utf8Start
        for i in 0..<cnameLength {
            out[at] = text[i]
            at += 1
        }
        for _ in 0..<(paddedChunk - chunkBytes + 1) {
            out[at] = 0
            at += 1
        }
        return at
    }

    /// A plain function rather than a closure over `at`: a capturing local function can cost a heap box.
    @inline(__always)
    private static func put32(_ v: UInt32, _ out: UnsafeMutableRawBufferPointer, _ at: inout Int) {
        out[at] = UInt8(truncatingIfNeeded: v >> 24)
        out[at + 1] = UInt8(truncatingIfNeeded: v >> 16)
        out[at + 2] = UInt8(truncatingIfNeeded: v >> 8)
        out[at + 3] = UInt8(truncatingIfNeeded: v)
        at += 4
    }
}
