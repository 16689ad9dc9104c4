import RTPWire

/// Reading a transcoded leg's incoming RTCP for the relay's own reports, where the relay is the media endpoint:
/// the remote's SR time (LSR/DLSR of the relay's report block), its XR RRTR (answered by the relay's DLRR), and its
/// answers to the relay's own SRs and RRTRs — report blocks and DLRR items about the relay's SSRC — which give this
/// leg's round-trip time (RFC 3550 §6.4.1, RFC 3611 §4.5: arrival − LSR − DLSR). Walks the compound in place, every
/// length checked before a read: a hostile compound just ends the walk. No allocation.
extension MediaWorker {
    func consumeLegRTCP(_ bytes: UnsafeRawBufferPointer, slot: UnsafeMutablePointer<StreamSlot>, now: MonotonicInstant) {
        // The relay's SSRC on this leg: that of the stream the other leg's pipeline sends here.
        let sinkIndex = slot.pointee.sinkSlot
        var ownSSRC = slot.pointee.legRTCP.ssrc
        if slot.pointee.hasSink, sinkIndex >= 0, let source = slots[Int(sinkIndex)].transcoder { ownSSRC = source.outputSSRC }
        var roundTrip: UInt64? = nil
        Self.forEachRTCPPacket(bytes) { b0, packetType, offset, end in
            if packetType == 200, end - offset >= 28 {
                slot.pointee.legRTCP.remoteSRMiddle = Self.u32(bytes, offset + 10)
                slot.pointee.legRTCP.remoteSRNanoseconds = now.nanoseconds
            } else if packetType == 207 {
                // Padding (P bit) comes off the end of the last block.
                var blocksEnd = end
                if b0 & 0x20 != 0 { blocksEnd -= Int(bytes[end - 1]) }
                let reporter = Self.u32(bytes, offset + 4)
                var at = offset + 8
                while blocksEnd - at >= 4 {
                    let blockType = bytes[at]
                    let length = (Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])) * 4
                    guard length <= blocksEnd - at - 4 else { break }
                    let body = at + 4
                    if blockType == RTCPExtendedReport.BlockType.receiverReferenceTime, length == 8 {
                        // Middle 32 bits of the NTP timestamp: low half of seconds, high half of the fraction.
                        slot.pointee.legRTCP.remoteRRTRSSRC = reporter
                        slot.pointee.legRTCP.remoteRRTRMiddle = Self.u32(bytes, body + 2)
                        slot.pointee.legRTCP.remoteRRTRNanoseconds = now.nanoseconds
                    } else if blockType == RTCPExtendedReport.BlockType.dlrr {
                        var item = body
                        while body + length - item >= 12 {
                            if Self.u32(bytes, item) == ownSSRC, let rtt = slot.pointee.legRTCP.ownReports.reportArrived(
                                lastSenderReport: Self.u32(bytes, item + 4),
                                delaySinceLastSenderReport: Self.u32(bytes, item + 8), at: now) {
                                roundTrip = rtt
                            }
                            item += 12
                        }
                    }
                    at = body + length
                }
            }
            Self.forEachReportBlock(bytes, b0: b0, packetType: packetType, offset: offset, end: end) { at in
                if Self.u32(bytes, at) == ownSSRC, let rtt = slot.pointee.legRTCP.ownReports.reportArrived(
                    lastSenderReport: Self.u32(bytes, at + 16),
                    delaySinceLastSenderReport: Self.u32(bytes, at + 20), at: now) {
                    roundTrip = rtt
                }
            }
        }
        guard let roundTrip, statistics else { return }
        // The relay terminates this leg's media, so the round trip of the stream it receives here is this leg's.
        slot.pointee.quality.legRoundTrip = roundTrip
        slot.pointee.quality.report.roundTripTimeLeg = roundTrip
        slot.pointee.quality.report.roundTripTime = roundTrip
        if slot.pointee.quality.started { publishQuality(slot) }
    }
}
