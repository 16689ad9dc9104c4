import Glibc
import RTPWire
import Transcode

/// The transcoded leg of the hot path: a stream whose plan re-encodes hands each received RTP packet (already
/// SRTP-unprotected, latched and counted in) to its pipeline, and sends the 0..n packets that come out from the
/// sink's socket to the sink's remote, SRTP-protected for that remote if its leg is SRTP. The relay is the RTP
/// source there (own SSRC, sequence and timestamps), so the remote's RTCP is not forwarded either: the worker
/// reads it for statistics and sends the leg's own reports (MediaWorkerRTCP).
///
/// In io_uring mode with quiet sends, each output is copied into a slot of the worker's send pool (SRTP-protected
/// there) and queued on the ring: the turn's one `io_uring_enter` sends it with everything else, and it is counted
/// when that submission consumed it (MediaWorkerUring). Otherwise (epoll mode, or a kernel without quiet sends) the
/// outputs go out with one `sendto` each, straight from the pipeline's buffer (or the worker's scratch buffer for
/// SRTP). No allocation either way: the emit closure is non-escaping, the pool preallocated.
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
        if quietSends {
            sendTranscodedQuietly(packet, sink: sink, destination: destination)
            return
        }
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

    /// The quiet-send way out: a pool slot holds the packet and its destination until the submission consumed it.
    @inline(__always)
    private func sendTranscodedQuietly(_ packet: UnsafeRawBufferPointer, sink: UnsafeMutablePointer<StreamSlot>,
                                       destination: PeerAddress) {
        let taken = takeSendSlot()
        guard let (slot, pool) = taken, packet.count + MediaWorker.srtpSpare <= pool.payloadCapacity else {
            if let (slot, pool) = taken { pool.give(slot) }   // a packet too large for a slot: not queued, not kept
            countSendResult(PendingSend(sink: Int32(truncatingIfNeeded: slots.distance(to: sink)),
                                        sinkID: sink.pointee.id, isRTP: true), ok: false)
            return
        }
        let space = pool.payload(slot)
        space.copyMemory(from: packet)
        var length = packet.count
        if sink.pointee.outboundSRTP != nil || sink.pointee.outboundSRTPUnusable {
            length = protect(UnsafeRawBufferPointer(rebasing: space[0..<packet.count]), capacity: space.count,
                             isRTP: true, sink: sink)
            guard length > 0 else {   // counted by protect
                pool.give(slot)
                return
            }
        }
        queuePooledSend(slot, pool: pool, length: length, socket: sink.pointee.rtpFD, sink: sink,
                        destination: destination, isRTP: true, ownReport: false)
    }

    /// A free send-pool slot; when every one is in flight, submits what is queued (no wait) to free them first. nil
    /// when that did not help either (the caller counts a send error).
    @inline(__always)
    func takeSendSlot() -> (Int32, SendBufferPool)? {
        guard let pool = sendPool else { return nil }
        var slot = pool.take()
        if slot < 0 {
            flushQuietSends()
            slot = pool.take()
        }
        return slot < 0 ? nil : (slot, pool)
    }
}
