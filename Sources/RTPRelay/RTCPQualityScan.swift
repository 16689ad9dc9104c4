import CShim
import RTPWire

/// The worker's RTCP observation: walks a compound packet in place (no allocation, unlike the general
/// `RTCPCompound` parser) and feeds SRs and report blocks into the slots' quality state.
extension MediaWorker {
    /// `slot` received `bytes` (an RTCP compound from its remote); `sink` is the stream it is forwarded out of
    /// (the other remote's), nil while unknown. Publishes the slot's figures when anything was learnt.
    func observeRTCP(_ bytes: UnsafeRawBufferPointer, slot: UnsafeMutablePointer<StreamSlot>,
                     sink: UnsafeMutablePointer<StreamSlot>?, now: MonotonicInstant) {
        var learnt = false
        Self.forEachRTCPPacket(bytes) { b0, packetType, offset, end in
            if packetType == 200, end - offset >= 28 {
                // SR: NTP timestamp at +8; its middle 32 bits come back as LSR in the other side's report blocks.
                slot.pointee.quality.senderReports.senderReportSeen(ntpMiddle: Self.u32(bytes, offset + 10), at: now)
                learnt = true
            }
            Self.forEachReportBlock(bytes, b0: b0, packetType: packetType, offset: offset, end: end) { at in
                reportBlock(bytes, at: at, slot: slot, sink: sink, now: now)
                learnt = true
            }
        }
        guard learnt else { return }
        slot.pointee.quality.refreshCounts()
        if slot.pointee.quality.started { publishQuality(slot) }
    }

    /// Walks an RTCP compound in place and calls `body(b0, packetType, offset, end)` for each packet, stopping at the
    /// first that is not version 2 or whose length does not fit what is left: every length is checked against the
    /// datagram before a read, so a hostile compound just ends the walk. No allocation (the closure does not escape).
    @inline(__always)
    static func forEachRTCPPacket(_ bytes: UnsafeRawBufferPointer,
                                  _ body: (_ b0: UInt8, _ packetType: UInt8, _ offset: Int, _ end: Int) -> Void) {
        var offset = 0
        let count = bytes.count
        while count - offset >= 8 {
            let b0 = bytes[offset]
            guard b0 >> 6 == 2 else { return }
            let size = (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3]) + 1) * 4
            guard size <= count - offset else { return }
            body(b0, bytes[offset + 1], offset, offset + size)
            offset += size
        }
    }

    /// Calls `body(at)` for each report block of the SR (after its 28-byte sender part) or RR at `offset..<end` that
    /// lies whole inside it; other packet types carry none.
    @inline(__always)
    static func forEachReportBlock(_ bytes: UnsafeRawBufferPointer, b0: UInt8, packetType: UInt8, offset: Int,
                                   end: Int, _ body: (_ at: Int) -> Void) {
        var at: Int
        switch packetType {
        case 200 where end - offset >= 28: at = offset + 28
        case 201: at = offset + 8
        default: return
        }
        var remaining = Int(b0 & 0x1f)
        while remaining > 0, end - at >= RTCPReportBlock.size {
            body(at)
            at += RTCPReportBlock.size
            remaining -= 1
        }
    }

    @inline(__always)
    private func reportBlock(_ bytes: UnsafeRawBufferPointer, at i: Int, slot: UnsafeMutablePointer<StreamSlot>,
                             sink: UnsafeMutablePointer<StreamSlot>?, now: MonotonicInstant) {
        let lossWord = Self.u32(bytes, i + 4)
        let lsr = Self.u32(bytes, i + 16)
        let dlsr = Self.u32(bytes, i + 20)
        // The block answers an SR of the other remote, which the relay saw arrive on the sink stream.
        let leg = sink?.pointee.quality.senderReports.reportArrived(lastSenderReport: lsr,
                                                                    delaySinceLastSenderReport: dlsr, at: now)
        let farLeg = slot.pointee.quality.senderReports.lastMicroseconds
        slot.pointee.quality.reportBlock(
            fractionLost: UInt8(truncatingIfNeeded: lossWord >> 24),
            cumulativeLost: Int32(bitPattern: lossWord << 8) >> 8,
            jitterUnits: Self.u32(bytes, i + 12), leg: leg, farLeg: farLeg, now: now,
            unixMicroseconds: rtprelay_realtime_us())
        // The other stream's end-to-end figure needs this leg too: it is its far leg.
        if let sink, let leg, let otherLeg = sink.pointee.quality.legRoundTrip {
            sink.pointee.quality.report.roundTripTime = otherLeg &+ leg
        }
    }

    /// Folds and publishes a slot's figures (about once a second per stream, and on RTCP): one small lock, not per packet.
    func publishQuality(_ slot: UnsafeMutablePointer<StreamSlot>) {
        let report = slot.pointee.quality.report
        slot.pointee.counters._withUnsafeGuaranteedRef { $0.publishQuality(report) }
    }

    @inline(__always)
    static func u32(_ bytes: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(bytes[i]) << 24 | UInt32(bytes[i + 1]) << 16 | UInt32(bytes[i + 2]) << 8 | UInt32(bytes[i + 3])
    }
}
