import Glibc
import RTPWire
import Transcode

/// The transcoded leg of the hot path: a stream whose plan re-encodes hands each received RTP packet (already
/// SRTP-unprotected, latched and counted in) to its pipeline, and sends the 0..n packets that come out from the
/// sink's socket to the sink's remote, SRTP-protected for that remote if its leg is SRTP. The relay is the RTP
/// source there (own SSRC, sequence and timestamps), so the remote's RTCP is not forwarded either: the worker
/// reads it for statistics and sends the leg's own reports (MediaWorkerRTCP).
///
/// Both IO modes use this path: the outputs go out with one `sendto` each, straight from the pipeline's buffer
/// (or the worker's scratch buffer for SRTP). No allocation: the emit closure is non-escaping.
extension MediaWorker {
    @inline(never)
    func transcode(_ bytes: UnsafeRawBufferPointer, isRTP: Bool, slot: UnsafeMutablePointer<StreamSlot>,
                   counters: StreamCounterBlock, now: MonotonicInstant) {
        // RTCP about the remote's own stream means nothing to the other remote, who never sees that stream: it is
        // consumed here (consumeLegRTCP keeps what the relay's own reports answer and takes the leg's round trip from
        // the remote's answers; observeRTCP read the rest).
        guard isRTP else {
            consumeLegRTCP(bytes, slot: slot, now: now)
            return
        }
        guard let pipeline = slot.pointee.transcoder else { return }
        let outputClock = UInt32(truncatingIfNeeded: pipeline.output.clockRate)
        let sinkIndex = slot.pointee.sinkSlot
        var sink: UnsafeMutablePointer<StreamSlot>? = nil
        var destination: PeerAddress? = nil
        if slot.pointee.hasSink, sinkIndex >= 0 {
            let s = slots + Int(sinkIndex)
            let before = s.pointee.rtpLatch.generation
            s.pointee.rtpLatch.advance(now: now)
            if before != s.pointee.rtpLatch.generation { publishLatches(s) }
            if s.pointee.rtpFD >= 0 { destination = s.pointee.rtpLatch.destination }
            sink = s
        }
        // The pipeline sees every packet, sent or not, so its timeline stays right while the sink's remote is unknown.
        pipeline.process(packet: bytes, now: now) { packet in
            guard let sink, let destination else {
                bump(counters.droppedNoDestination)
                bump(totals.droppedNoDestination)
                return
            }
            sendTranscoded(packet, sink: sink, destination: destination, clockRate: outputClock, now: now)
        }
        counters.publishTranscoded(pipeline.counters)
    }

    /// One packet of the relay's own stream out of `sink`'s RTP socket.
    @inline(__always)
    private func sendTranscoded(_ packet: UnsafeRawBufferPointer, sink: UnsafeMutablePointer<StreamSlot>,
                                destination: PeerAddress, clockRate: UInt32, now: MonotonicInstant) {
        // The pipeline writes a plain 12-byte header: SSRC and timestamp for the leg's sender reports.
        sink.pointee.legRTCP.sent(ssrc: MediaWorker.u32(packet, 8), timestamp: MediaWorker.u32(packet, 4),
                                  payloadBytes: packet.count - 12, clockRate: clockRate, now: now.nanoseconds)
        var out = packet
        if sink.pointee.outboundSRTP != nil || sink.pointee.outboundSRTPUnusable {
            guard packet.count + MediaWorker.srtpSpare <= transcodeScratch.count else { return }
            transcodeScratch.copyMemory(from: packet)
            let length = protect(UnsafeRawBufferPointer(rebasing: transcodeScratch[0..<packet.count]),
                                 capacity: transcodeScratch.count, isRTP: true, sink: sink)
            guard length > 0 else { return }   // counted by protect
            out = UnsafeRawBufferPointer(rebasing: transcodeScratch[0..<length])
        }
        let fd = sink.pointee.rtpFD
        let sent = destination.withSockaddr { address, length in
            sendto(fd, out.baseAddress, out.count, 0, address.assumingMemoryBound(to: sockaddr.self), length)
        }
        sink.pointee.counters._withUnsafeGuaranteedRef { c in
            if sent == out.count {
                bump(c.rtpOutPackets)
                bump(c.rtpOutBytes, by: UInt64(out.count))
            } else {
                bump(c.rtpOutErrors)
            }
        }
        if sent == out.count {
            bump(totals.packetsRelayed)
            bump(totals.bytesRelayed, by: UInt64(out.count))
        } else {
            bump(totals.sendErrors)
        }
    }
}
