import CLibURing
import CShim
import Glibc
import RTPWire

/// The io_uring mode of a media worker. Every socket has one receive armed; a completed receive is routed like in
/// epoll mode and its send queued straight from the receive buffer; the socket's next receive is armed when that
/// send completes. The loop makes one `io_uring_enter` per turn, which submits every queued send and receive and
/// waits for the next completions, instead of an epoll_wait plus a recvmmsg and a sendmmsg per socket.
///
/// Operation tokens (user_data): bits 0–1 kind, bit 2 RTCP socket, bits 3… slot index.
extension MediaWorker {
    private static let kindReceive: UInt64 = 0
    private static let kindSend: UInt64 = 1
    private static let kindWake: UInt64 = 2
    private static let kindCancel: UInt64 = 3
    /// Socket states per allocation chunk (never moved: the kernel holds pointers into them).
    private static let chunkSockets = 64
    private static let reapBatch = 256

    /// Creates the ring on the worker thread (single issuer). False: io_uring unavailable, use epoll.
    func startUring() -> Bool {
        let ring = UnsafeMutablePointer<io_uring>.allocate(capacity: 1)
        guard rtprelay_uring_init(ring, 4096, 16384) == 0 else {
            ring.deallocate()
            return false
        }
        self.ring = ring
        return true
    }

    func stopUring() {
        guard let ring else { return }
        rtprelay_uring_exit(ring)   // cancels and waits for what is still in flight (the eventfd read)
        ring.deallocate()
        self.ring = nil
    }

    @inline(__always)
    private func socketState(_ socketIndex: Int) -> UnsafeMutablePointer<rtprelay_usock> {
        socketChunks[socketIndex / MediaWorker.chunkSockets] + socketIndex % MediaWorker.chunkSockets
    }

    @inline(__always)
    private static func token(slot: Int, rtcp: Bool, kind: UInt64) -> UInt64 {
        UInt64(slot) << 3 | (rtcp ? 4 : 0) | kind
    }

    func runUring() {
        guard let ring else { return }
        let tokens = UnsafeMutablePointer<UInt64>.allocate(capacity: MediaWorker.reapBatch)
        let results = UnsafeMutablePointer<Int32>.allocate(capacity: MediaWorker.reapBatch)
        let wakeValue = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        defer {
            tokens.deallocate()
            results.deallocate()
            wakeValue.deallocate()
        }
        let wakeToken = MediaWorker.token(slot: 0, rtcp: false, kind: MediaWorker.kindWake)
        _ = rtprelay_uring_read_eventfd(ring, wakeFD, wakeValue, wakeToken)
        // After a stop, keep turning until every closing stream's operations have completed.
        while running || !closingSlots.isEmpty {
            let rc = rtprelay_uring_submit_and_wait(ring)
            if rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY && rc != -ETIME { break }
            var wake = false
            while true {
                let n = Int(rtprelay_uring_reap(ring, tokens, results, UInt32(MediaWorker.reapBatch)))
                if n == 0 { break }
                let now = MonotonicInstant(nanoseconds: rtprelay_monotonic_ns())
                for i in 0..<n {
                    let token = tokens[i]
                    switch token & 3 {
                    case MediaWorker.kindReceive: received(token: token, result: results[i], now: now)
                    case MediaWorker.kindSend: sent(token: token, result: results[i])
                    case MediaWorker.kindWake: wake = true
                    default: break   // a cancel request's own completion
                    }
                }
            }
            if wake {
                processCommands()
                _ = rtprelay_uring_read_eventfd(ring, wakeFD, wakeValue, wakeToken)
            }
            if !closingSlots.isEmpty { finishClosings() }
        }
    }

    /// A receive completed: route the datagram and queue its send, or arm the next receive.
    @inline(__always)
    private func received(token: UInt64, result: Int32, now: MonotonicInstant) {
        let index = Int(truncatingIfNeeded: token >> 3)
        let rtcp = token & 4 != 0
        guard index < slotCapacity else { return }
        let slot = slots + index
        slot.pointee.pendingOps -= 1
        guard slot.pointee.active else { return }
        let state = socketState(index &* 2 &+ (rtcp ? 1 : 0))
        guard result >= 0 else {
            // Interrupted or refused: just listen again.
            armReceive(slot: index, rtcp: rtcp)
            return
        }
        let length = min(Int(result), maxPacketSize)
        let bytes = UnsafeRawBufferPointer(start: rtprelay_uring_buffer(state), count: length)
        let source = PeerAddress(copying: rtprelay_uring_source(state), length: rtprelay_uring_source_length(state))
        let route = self.route(bytes, truncated: Int(result) > maxPacketSize, source: source, slot: slot,
                               rtcpSocket: rtcp, now: now)
        guard route.socket >= 0, let ring else {
            armReceive(slot: index, rtcp: rtcp)
            return
        }
        let nameLength = route.destination.copy(to: rtprelay_uring_destination(state))
        let pending = PendingSend(sink: route.sink, sinkID: slots[Int(route.sink)].id, length: UInt32(length),
                                  isRTP: route.isRTP)
        if rtcp { slot.pointee.rtcpSend = pending } else { slot.pointee.rtpSend = pending }
        if rtprelay_uring_send(ring, route.socket, state, length, nameLength,
                               MediaWorker.token(slot: index, rtcp: rtcp, kind: MediaWorker.kindSend)) == 0 {
            slot.pointee.pendingOps += 1
        } else {
            countSendResult(pending, ok: false)
            armReceive(slot: index, rtcp: rtcp)
        }
    }

    /// A send completed: count it against its sink, then let the socket that received it listen again.
    @inline(__always)
    private func sent(token: UInt64, result: Int32) {
        let index = Int(truncatingIfNeeded: token >> 3)
        let rtcp = token & 4 != 0
        guard index < slotCapacity else { return }
        let slot = slots + index
        slot.pointee.pendingOps -= 1
        countSendResult(rtcp ? slot.pointee.rtcpSend : slot.pointee.rtpSend, ok: result >= 0)
        if slot.pointee.active { armReceive(slot: index, rtcp: rtcp) }
    }

    @inline(__always)
    private func countSendResult(_ pending: PendingSend, ok: Bool) {
        if ok {
            bump(totals.packetsRelayed)
            bump(totals.bytesRelayed, by: UInt64(pending.length))
        } else {
            bump(totals.sendErrors)
        }
        // The sink may have been removed (and its slot reused) while the send was in flight.
        guard pending.sink >= 0, Int(pending.sink) < slotCapacity else { return }
        let sink = slots + Int(pending.sink)
        guard sink.pointee.id == pending.sinkID, sink.pointee.active || sink.pointee.closing else { return }
        sink.pointee.counters._withUnsafeGuaranteedRef { c in
            switch (ok, pending.isRTP) {
            case (true, true):
                bump(c.rtpOutPackets)
                bump(c.rtpOutBytes, by: UInt64(pending.length))
            case (true, false):
                bump(c.rtcpOutPackets)
                bump(c.rtcpOutBytes, by: UInt64(pending.length))
            case (false, true): bump(c.rtpOutErrors)
            case (false, false): bump(c.rtcpOutErrors)
            }
        }
    }

    @inline(__always)
    private func armReceive(slot index: Int, rtcp: Bool) {
        guard let ring else { return }
        let slot = slots + index
        let fd = rtcp ? slot.pointee.rtcpFD : slot.pointee.rtpFD
        guard fd >= 0 else { return }
        if rtprelay_uring_recv(ring, fd, socketState(index &* 2 &+ (rtcp ? 1 : 0)),
                               MediaWorker.token(slot: index, rtcp: rtcp, kind: MediaWorker.kindReceive)) == 0 {
            slot.pointee.pendingOps += 1
        }
    }

    /// A new stream (command path): make sure its socket states exist, then arm a receive on each socket.
    func armReceives(slot index: Int) {
        while socketChunks.count * MediaWorker.chunkSockets < (index + 1) * 2 {
            guard let chunk = rtprelay_uring_chunk_create(UInt32(MediaWorker.chunkSockets), maxPacketSize) else { return }
            socketChunks.append(chunk)
        }
        armReceive(slot: index, rtcp: false)
        if slots[index].rtcpFD >= 0 { armReceive(slot: index, rtcp: true) }
    }

    /// A removed stream: stop routing, cancel what is in flight on its sockets; `finishClosings` closes them once
    /// the last operation pointing at them has completed.
    func beginClosing(slot index: Int, registration: StreamRegistration) {
        guard let ring else { return }
        let slot = slots + index
        slot.pointee.active = false
        slot.pointee.closing = true
        let cancel = MediaWorker.token(slot: index, rtcp: false, kind: MediaWorker.kindCancel)
        _ = rtprelay_uring_cancel_fd(ring, registration.rtpFD, cancel)
        if registration.rtcpFD >= 0 { _ = rtprelay_uring_cancel_fd(ring, registration.rtcpFD, cancel) }
        closingSlots.append((Int32(index), registration))
    }

    func finishClosings() {
        var k = 0
        while k < closingSlots.count {
            let (index, registration) = closingSlots[k]
            if slots[Int(index)].pendingOps <= 0 {
                finishClose(slot: Int(index), registration: registration)
                closingSlots.remove(at: k)
            } else {
                k += 1
            }
        }
        if closingSlots.isEmpty {
            for barrier in waitingBarriers { barrier.reached.store(true, ordering: .releasing) }
            waitingBarriers.removeAll()
        }
    }
}
