import CShim
import Glibc
import RTPWire

/// The relay's own RTCP on transcoded legs (RFC 3550 §6.4): towards each such leg's remote, an SR for the stream
/// the relay sends there (its SSRC, packet and octet counts, the RTP timestamp matching the NTP time) carrying a
/// report block about what the remote sends (loss over the interval and in total, highest sequence, jitter,
/// LSR/DLSR of the remote's last SR), or an RR when the relay has sent nothing yet, then an SDES CNAME and an XR
/// (RRTR, DLRR, VoIP metrics; LegReportWriter). About every
/// `transcodedRTCPInterval` seconds per leg, from the worker that owns the call (both IO loops call in here each
/// turn while any slot transcodes; they wake at least every 500 ms for it).
///
/// Written in place by LegReportWriter: a report allocates nothing.
extension MediaWorker {
    static let rtcpScanNanoseconds: UInt64 = 200_000_000

    func serviceTranscodedRTCP(now: MonotonicInstant) {
        guard transcodingSlots > 0, now.nanoseconds >= nextRTCPScanNanoseconds else { return }
        nextRTCPScanNanoseconds = now.nanoseconds &+ Self.rtcpScanNanoseconds
        for k in 0..<slotCount {
            let slot = slots + k
            guard slot.pointee.active, slot.pointee.transcoder != nil else { continue }
            let due = slot.pointee.legRTCP.nextReportNanoseconds
            if due != 0 && now.nanoseconds < due { continue }
            slot.pointee.legRTCP.nextReportNanoseconds = now.nanoseconds &+ rtcpIntervalNanoseconds
            // The first turn only starts the clock: a report needs an interval to report on.
            if due != 0 { sendLegReport(slot, now: now) }
        }
    }

    private func sendLegReport(_ slot: UnsafeMutablePointer<StreamSlot>, now: MonotonicInstant) {
        let sinkIndex = slot.pointee.sinkSlot
        // The relay's SSRC on this leg: that of the stream the other leg's pipeline sends here.
        guard slot.pointee.hasSink, sinkIndex >= 0, let source = slots[Int(sinkIndex)].transcoder else { return }
        let ssrc = source.outputSSRC
        let state = slot.pointee.legRTCP
        var block: RTCPReportBlock? = nil
        if statistics, slot.pointee.quality.started, slot.pointee.quality.loss.isValid {
            let loss = slot.pointee.quality.loss
            let expected = loss.expected, received = loss.received
            let expectedInterval = Int64(expected) - Int64(state.expectedPrior)
            let lostInterval = expectedInterval - (Int64(received) - Int64(state.receivedPrior))
            let fraction = expectedInterval > 0 && lostInterval > 0 ? UInt8(min(255, (lostInterval << 8) / expectedInterval)) : 0
            slot.pointee.legRTCP.expectedPrior = expected
            slot.pointee.legRTCP.receivedPrior = received
            var dlsr: UInt32 = 0
            if state.remoteSRMiddle != 0 {
                // 1/65536 s since the remote's SR arrived, capped well below the field's 18 hours.
                let elapsed = min(now.nanoseconds &- state.remoteSRNanoseconds, 3_600_000_000_000)
                dlsr = UInt32(truncatingIfNeeded: elapsed * 65536 / 1_000_000_000)
            }
            block = RTCPReportBlock(ssrc: slot.pointee.quality.report.ssrc, fractionLost: fraction,
                                    cumulativeLost: loss.cumulativeLostForReport,
                                    extendedHighestSequence: loss.extendedHighestSequence,
                                    jitter: slot.pointee.quality.jitter.jitter,
                                    lastSenderReport: state.remoteSRMiddle, delaySinceLastSenderReport: dlsr)
        }
        let wallClock = NTPTimestamp(unixMicroseconds: rtprelay_realtime_us())
        var sender: LegReportWriter.Sender? = nil
        if state.packets > 0, state.ssrc == ssrc {
            // The RTP time of "now": the last packet's timestamp moved on by the time since it was sent.
            let elapsedMicroseconds = min(now.nanoseconds &- state.lastSentNanoseconds, 3_600_000_000_000) / 1000
            let ticks = UInt32(truncatingIfNeeded: elapsedMicroseconds * UInt64(state.clockRate) / 1_000_000)
            sender = LegReportWriter.Sender(ntp: wallClock,
                                            rtpTimestamp: state.lastTimestamp &+ ticks, packets: state.packets,
                                            octets: state.octets)
        } else if block == nil {
            return   // nothing sent, nothing received: nothing to report
        }

        let demux = slot.pointee.demux
        let fd = demux ? slot.pointee.rtpFD : slot.pointee.rtcpFD
        guard fd >= 0, let destination = demux ? slot.pointee.rtpLatch.destination : slot.pointee.rtcpLatch.destination,
              LegReportWriter.maximumLength + MediaWorker.srtpSpare <= transcodeScratch.count else { return }
        // RFC 3611 XR: an RRTR (so a remote that sends no SRs can still measure its round trip), the DLRR answering
        // the remote's latest RRTR, and VoIP metrics about what the relay receives here.
        var dlrr: RTCPExtendedReport.DLRRItem? = nil
        if state.remoteRRTRMiddle != 0 {
            let elapsed = min(now.nanoseconds &- state.remoteRRTRNanoseconds, 3_600_000_000_000)
            dlrr = RTCPExtendedReport.DLRRItem(ssrc: state.remoteRRTRSSRC, lastReceiverReport: state.remoteRRTRMiddle,
                                               delaySinceLastReceiverReport: UInt32(truncatingIfNeeded: elapsed * 65536 / 1_000_000_000))
        }
        let metrics = block == nil ? nil : slot.pointee.quality.voipMetrics(roundTripMicroseconds: slot.pointee.quality.legRoundTrip)
        let extended = LegReportWriter.Extended(referenceTime: wallClock, dlrr: dlrr, voipMetrics: metrics)
        // The SR (if any) and the RRTR carry the same NTP time: one entry answers both LSR and LRR.
        slot.pointee.legRTCP.ownReports.senderReportSeen(ntpMiddle: wallClock.middle32, at: now)
        // With quiet sends the report is written into a send-pool slot and goes out with the turn's submission
        // (counted when that consumed it); otherwise from the scratch buffer with a `sendto`.
        let pooled = quietSends ? takeSendSlot() : nil
        if quietSends && pooled == nil {
            bump(slot.pointee.counters.takeUnretainedValue().rtcpOutErrors)
            return
        }
        let space = pooled.map { $0.1.payload($0.0) } ?? transcodeScratch
        let length = LegReportWriter.write(into: space, ssrc: ssrc, sender: sender, block: block, extended: extended)
        var sendLength = length
        if slot.pointee.outboundSRTP != nil || slot.pointee.outboundSRTPUnusable {
            sendLength = protect(UnsafeRawBufferPointer(rebasing: space[0..<length]),
                                 capacity: space.count, isRTP: false, sink: slot)
            guard sendLength > 0 else {
                if let (poolSlot, pool) = pooled { pool.give(poolSlot) }
                return
            }
        }
        if let (poolSlot, pool) = pooled {
            queuePooledSend(poolSlot, pool: pool, length: sendLength, socket: fd, sink: slot, destination: destination,
                            isRTP: false, ownReport: true)
            return
        }
        let sent = destination.withSockaddr { address, addressLength in
            sendto(fd, space.baseAddress, sendLength, 0, address.assumingMemoryBound(to: sockaddr.self), addressLength)
        }
        slot.pointee.counters._withUnsafeGuaranteedRef { c in
            if sent == sendLength {
                bump(c.rtcpOutPackets)
                bump(c.rtcpOutBytes, by: UInt64(sendLength))
            } else {
                bump(c.rtcpOutErrors)
            }
        }
    }
}
