import RTPWire

/// Writes the relay's RTCP compound for a transcoded leg (SR or RR with at most one report block, then an SDES
/// with the CNAME, then optionally an RFC 3611 XR with an RRTR, a DLRR answer and VoIP metrics) straight into a
/// worker buffer: the same bytes the RTPWire writers produce (the RTCP test parses
/// them with RTPWire), without the arrays those value types carry, so a report allocates nothing.
struct LegReportWriter {
    /// RFC 3550 §6.5.1: one CNAME per relay instance is enough for receivers to tie its streams together.
    /// A static string: its bytes are read in place (no array, no iterator).
    static let cname: StaticString = "rtprelayd"
    /// SR (28) + block (24) + SDES (8 + 2 + CNAME + padding) + XR (8 + RRTR 12 + DLRR 16 + VoIP 36): well below
    /// the scratch buffer.
    static let maximumLength = 28 + 24 + 12 + 255 + 4 + xrMaximumLength
    static let xrMaximumLength = 8 + 12 + 16 + 4 + RTCPExtendedReport.VoIPMetrics.bodySize

    /// The XR part (RFC 3611). Plain values, no arrays: at most one DLRR item (the leg has one remote).
    struct Extended {
        /// The relay's wall clock for the RRTR block (§4.4): its middle 32 bits come back in the remote's DLRR.
        var referenceTime: NTPTimestamp
        /// The DLRR item (§4.5) answering the remote's latest RRTR; nil when it sent none.
        var dlrr: RTCPExtendedReport.DLRRItem?
        /// VoIP metrics (§4.7) about the stream the relay receives on the leg; nil before any was received.
        var voipMetrics: RTCPExtendedReport.VoIPMetrics?
    }

    /// The sender-report part; nil writes an RR.
    struct Sender {
        var ntp: NTPTimestamp
        var rtpTimestamp: UInt32
        var packets: UInt32
        var octets: UInt32
    }

    /// Writes the compound at the start of `out` (at least `maximumLength` bytes) and returns its length.
    static func write(into out: UnsafeMutableRawBufferPointer, ssrc: UInt32, sender: Sender?, block: RTCPReportBlock?,
                      extended: Extended? = nil) -> Int {
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
        if let extended { writeExtended(extended, ssrc: ssrc, into: out, at: &at) }
        return at
    }

    /// XR (packet type 207): header, reporter SSRC, then the blocks, each with its length in words after its header.
    private static func writeExtended(_ x: Extended, ssrc: UInt32, into out: UnsafeMutableRawBufferPointer, at: inout Int) {
        let words = 1 + 3 + (x.dlrr == nil ? 0 : 4) + (x.voipMetrics == nil ? 0 : 1 + RTCPExtendedReport.VoIPMetrics.bodySize / 4)
        put32(0x8000_0000 | UInt32(RTCPPacketType.extendedReport) << 16 | UInt32(words), out, &at)
        put32(ssrc, out, &at)
        put32(UInt32(RTCPExtendedReport.BlockType.receiverReferenceTime) << 24 | 2, out, &at)
        put32(x.referenceTime.seconds, out, &at)
        put32(x.referenceTime.fraction, out, &at)
        if let item = x.dlrr {
            put32(UInt32(RTCPExtendedReport.BlockType.dlrr) << 24 | 3, out, &at)
            put32(item.ssrc, out, &at)
            put32(item.lastReceiverReport, out, &at)
            put32(item.delaySinceLastReceiverReport, out, &at)
        }
        if let m = x.voipMetrics {
            put32(UInt32(RTCPExtendedReport.BlockType.voipMetrics) << 24 | UInt32(RTCPExtendedReport.VoIPMetrics.bodySize / 4), out, &at)
            put32(m.ssrc, out, &at)
            put32(bytes(m.lossRate, m.discardRate, m.burstDensity, m.gapDensity), out, &at)
            put32(UInt32(m.burstDuration) << 16 | UInt32(m.gapDuration), out, &at)
            put32(UInt32(m.roundTripDelay) << 16 | UInt32(m.endSystemDelay), out, &at)
            put32(bytes(m.signalLevel, m.noiseLevel, m.residualEchoReturnLoss, m.gmin), out, &at)
            put32(bytes(m.rFactor, m.externalRFactor, m.mosLQ, m.mosCQ), out, &at)
            put32(bytes(m.receiverConfiguration, m.reserved, UInt8(m.jitterBufferNominal >> 8),
                        UInt8(truncatingIfNeeded: m.jitterBufferNominal)), out, &at)
            put32(UInt32(m.jitterBufferMaximum) << 16 | UInt32(m.jitterBufferAbsoluteMaximum), out, &at)
        }
    }

    @inline(__always)
    private static func bytes(_ a: UInt8, _ b: UInt8, _ c: UInt8, _ d: UInt8) -> UInt32 {
        UInt32(a) << 24 | UInt32(b) << 16 | UInt32(c) << 8 | UInt32(d)
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
