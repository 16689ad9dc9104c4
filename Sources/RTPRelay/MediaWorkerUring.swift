import CURing
import CShim
import Glibc
import RTPWire

/// The io_uring mode of a media worker. Every socket has one multishot receive armed; the kernel puts each datagram
/// in a buffer of the worker's provided-buffer ring and posts a completion. The worker routes it like in epoll mode
/// and queues its send straight from that buffer, which goes back to the ring when the send is done. The loop
/// makes one `io_uring_enter` per turn, which submits every queued send and waits for the next completions, instead
/// of an epoll_wait plus a recvmmsg and a sendmmsg per ready socket.
///
/// Quiet sends (kernels with IORING_FEAT_CQE_SKIP; RTPRELAY_URING_NO_SKIP turns them off): a send posts a
/// completion only when it fails. It is issued inline by the submission that consumes it (MSG_DONTWAIT: a full socket
/// fails it with -EAGAIN there, it is never polled or handed to io-wq), so once a submit has returned, every send
/// whose SQE it consumed is done and its buffer goes back to the ring (QuietSendQueue). That saves the kernel posting,
/// and the worker reaping and dispatching, a completion per packet. Such a send is counted out when it is queued for
/// the turn's submission (the one `io_uring_enter` that sends it also sleeps until the next datagram, so counting
/// after it returned would leave the count behind until then); a failure completion adds an error (counters only
/// ever grow, so a failed send counts out and as an error). Transcoded packets and the relay's own RTCP reports take the same way out,
/// from a slot of the worker's send pool, instead of a `sendto` each. Without quiet sends, a send is counted and its
/// buffer returned when its completion arrives, and those packets use `sendto`.
///
/// Operation tokens (user_data): bits 0–1 kind, bit 2 RTCP socket, bits 3… slot index (receives), buffer id (sends)
/// or position in the in-flight queue (quiet sends).
extension MediaWorker {
    private static let kindReceive: UInt64 = 0
    private static let kindSend: UInt64 = 1
    private static let kindWake: UInt64 = 2
    private static let kindCancel: UInt64 = 3
    /// The periodic timer: a cancel-kind token no cancel request uses (RTCP bit set, slot index all ones).
    static let timerToken: UInt64 = UInt64.max & ~3 | kindCancel
    /// Registered-file table updates of a slot: cancel kind with the RTCP bit set (cancels leave it clear).
    private static let fileUpdateBits: UInt64 = 4 | kindCancel
    private static let reapBatch = 256
    /// Under load, a wait returns once this many completions are there (or the minimum wait has passed).
    private static let batchCompletions: UInt32 = 64
    /// Default minimum wait per turn under load, in µs.
    private static let defaultBatchWait: UInt32 = 250
    /// Send-pool slots per worker (quiet sends): a turn that needs more submits early to free them.
    static let sendPoolSlots = 256
    /// Marks the receive token of a slot's twin socket (the slot index and kind stay where they are).
    static let twinBit: UInt64 = 1 << 62

    /// Creates the ring and registers the buffers, on the worker thread (single issuer). False: io_uring is
    /// unavailable here (or refuses provided buffers); the worker runs epoll instead.
    func startUring() -> Bool {
        var error: Int32 = 0
        guard let ring = rtprelay_uring_create(4096, 16384, &error) else { return false }
        if let text = getenv("RTPRELAY_URING_BUFFERS"), let value = UInt32(String(cString: text)), value >= 64,
           value <= 32768, value & (value - 1) == 0 {
            bufferCount = value
        }
        guard let buffers = rtprelay_uring_bufs_create(ring, bufferCount, maxPacketSize,
                                                           MediaWorker.srtpSpare, &error) else {
            rtprelay_uring_destroy(ring)
            return false
        }
        self.ring = ring
        self.buffers = buffers
        if rtprelay_uring_quiet_sends(ring) != 0 {
            let pool = SendBufferPool(count: MediaWorker.sendPoolSlots,
                                      payloadCapacity: max(maxPacketSize, 1500, LegReportWriter.maximumLength)
                                        + MediaWorker.srtpSpare)
            sendPool = pool
            inFlight = QuietSendQueue(minimumCapacity: Int(bufferCount) + pool.count)
            quietSends = true
            twins = getenv("RTPRELAY_URING_NO_TWIN") == nil
        }
        let sends = UnsafeMutablePointer<PendingSend>.allocate(capacity: Int(bufferCount))
        sends.initialize(repeating: PendingSend(), count: Int(bufferCount))
        bufferSends = sends
        starved.reserveCapacity(64)
        if rtprelay_uring_has_min_wait(ring) != 0 {
            batchWaitMicroseconds = MediaWorker.defaultBatchWait
            if let text = getenv("RTPRELAY_URING_BATCH_US"), let value = UInt32(String(cString: text)) {
                batchWaitMicroseconds = value
            }
            if let text = getenv("RTPRELAY_URING_BATCH_MIN"), let value = Int(String(cString: text)) {
                batchThreshold = max(1, value)
            }
        } else {
            transcodeBatchMicroseconds = 0   // the kernel cannot hold a wait for a batch (before 6.12)
        }
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 {
            let size = Int32(clamping: min(limit.rlim_cur, 65536))
            if size > 0, rtprelay_uring_files_init(ring, UInt32(size)) == 0 { fixedFileLimit = size }
        }
        return true
    }

    func stopUring() {
        guard let ring else { return }
        rtprelay_uring_destroy(ring)   // cancels and waits for what is still in flight (the eventfd read)
        self.ring = nil
        rtprelay_uring_bufs_destroy(buffers)
        buffers = nil
        bufferSends?.deallocate()
        bufferSends = nil
        quietSends = false
        twins = false
        inFlight = nil
        sendPool = nil
    }

    /// The minimum wait of the next turn in µs, 0 for none (the wait ends at the first completion): the under-load
    /// wait after a turn of at least `threshold` datagrams, and the transcoding wait while any slot transcodes,
    /// whichever is longer.
    static func minimumWait(receivedLastTurn: Int, threshold: Int, loadWait: UInt32, transcodingSlots: Int,
                            transcodeWait: UInt32) -> UInt32 {
        let underLoad = receivedLastTurn >= threshold ? loadWait : 0
        return max(underLoad, transcodingSlots > 0 ? transcodeWait : 0)
    }

    @inline(__always)
    private static func token(_ index: Int, rtcp: Bool, kind: UInt64) -> UInt64 {
        UInt64(index) << 3 | (rtcp ? 4 : 0) | kind
    }

    func runUring() {
        guard let ring else { return }
        let tokens = UnsafeMutablePointer<UInt64>.allocate(capacity: MediaWorker.reapBatch)
        let results = UnsafeMutablePointer<Int32>.allocate(capacity: MediaWorker.reapBatch)
        let flags = UnsafeMutablePointer<UInt32>.allocate(capacity: MediaWorker.reapBatch)
        let wakeValue = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
        defer {
            tokens.deallocate()
            results.deallocate()
            flags.deallocate()
            wakeValue.deallocate()
        }
        let wakeToken = MediaWorker.token(0, rtcp: false, kind: MediaWorker.kindWake)
        _ = rtprelay_uring_read_eventfd(ring, wakeFD, wakeValue, wakeToken)
        var receivedLastTurn = 0
        // After a stop, keep turning until every closing stream's receives have ended.
        while running || !closingSlots.isEmpty {
            // UDP sends complete while they are submitted, so waiting for one completion more than the sends just
            // queued submits them, collects their completions and sleeps until the next datagram (or command) in
            // one system call, instead of one call returning at once with the send completions and a second to
            // sleep. A send that had to wait for socket space completes later and only ends the wait earlier.
            //
            // Under load (the last turn brought at least `batchThreshold` datagrams) the wait also asks the kernel
            // for a minimum sleep: it returns when `batchCompletions` more completions are there or, once
            // `batchWaitMicroseconds` have passed, as soon as there is any. Each wake-up costs a context switch and
            // a pass through the wait code, so fewer, fuller turns cost less per datagram; the price is at most that
            // long a hold per datagram, and only under load. At light load (a datagram or two per turn) the wait
            // still ends at the first completion, so light-load latency does not change.
            //
            // A worker carrying transcoded streams batches at any load (`transcodeBatchMicroseconds`, see
            // RelayConfiguration.transcodeBatchWait): its datagrams are few but each costs a codec run plus a wake-up.
            let minimumWait = MediaWorker.minimumWait(receivedLastTurn: receivedLastTurn, threshold: batchThreshold,
                                                      loadWait: batchWaitMicroseconds,
                                                      transcodingSlots: transcodingSlots,
                                                      transcodeWait: transcodeBatchMicroseconds)
            let batching = minimumWait > 0
            // Quiet sends post no completion to wait for: the wait is for the next datagram (or command) alone.
            let wait = sendsQueued &+ (batching ? MediaWorker.batchCompletions : 1)
            sendsQueued = 0
            receivedLastTurn = 0
            // Transcoded legs send RTCP of their own: never sleep longer than half a second while there are any.
            if transcodingSlots > 0, !uringTimerArmed,
               rtprelay_uring_timer(ring, 500, MediaWorker.timerToken) == 0 {
                uringTimerArmed = true
            }
            let rc = batching ? rtprelay_uring_submit_and_wait_min(ring, wait, minimumWait)
                : rtprelay_uring_submit_and_wait(ring, wait)
            if rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY && rc != -ETIME { break }
            // The quiet sends that submission consumed are done: their buffers go back to the ring.
            var returned = quietSends && retireQuietSends()
            while true {
                let n = Int(rtprelay_uring_reap(ring, tokens, results, flags, UInt32(MediaWorker.reapBatch)))
                if n == 0 { break }
                // Commands first, as in epoll mode: a plan queued before its ng reply went out must be in force for
                // a packet the peer sent after reading that reply, even when that packet's completion is reaped
                // before the wake-up's (a receive armed on a socket that already holds a datagram completes as soon
                // as it is submitted). The eventfd read is re-armed before the commands queue their receive arms,
                // so at the next submission it is issued first. Closed slots stay reserved until their receives end
                // (finishClosings), so no completion below can be misattributed to a reused slot.
                for i in 0..<n where tokens[i] & 3 == MediaWorker.kindWake {
                    _ = rtprelay_uring_read_eventfd(ring, wakeFD, wakeValue, wakeToken)
                    wakeConsumed()
                    break
                }
                processPendingCommands()
                let now = MonotonicInstant(nanoseconds: rtprelay_monotonic_ns())
                for i in 0..<n {
                    let token = tokens[i]
                    switch token & 3 {
                    case MediaWorker.kindReceive:
                        received(token: token, result: results[i], flags: flags[i], now: now)
                        receivedLastTurn &+= 1
                    case MediaWorker.kindSend:
                        if quietSends {
                            failedQuietly(position: UInt32(truncatingIfNeeded: token >> 3))
                        } else {
                            sent(token: token, result: results[i])
                            returned = true
                        }
                    default:
                        // The wake-up (handled above), a cancel request's own completion, the timer, or a
                        // registered-file update.
                        if token == MediaWorker.timerToken {
                            uringTimerArmed = false
                        } else if token & 7 == MediaWorker.fileUpdateBits {
                            filesUpdated(token: token, result: results[i])
                        }
                    }
                }
            }
            if transcodingSlots > 0 { serviceTranscodedRTCP(now: MonotonicInstant(nanoseconds: rtprelay_monotonic_ns())) }
            if returned && !starved.isEmpty { rearmStarved() }
            if !closingSlots.isEmpty { finishClosings() }
            returnPorts()
        }
    }

    /// A receive completion: a datagram in a buffer (route it and queue its send, or hand the buffer back), and/or
    /// the end of the socket's multishot receive (re-arm it unless the stream is going away).
    @inline(__always)
    private func received(token: UInt64, result: Int32, flags: UInt32, now: MonotonicInstant) {
        let twin = token & MediaWorker.twinBit != 0
        let index = Int(truncatingIfNeeded: (token & ~MediaWorker.twinBit) >> 3)
        let rtcp = token & 4 != 0
        guard index < slotCapacity, let buffers else { return }
        let slot = slots + index
        if flags & UInt32(RTPRELAY_CQE_F_MORE) == 0 {
            slot.pointee.pendingOps -= 1
            if slot.pointee.active {
                // A twin's receive also ends on an ICMP error the connected socket reports (ECONNREFUSED): re-armed.
                if result == -ENOBUFS {
                    starved.append((twin ? Int32(-1 - index) : Int32(index), rtcp))
                } else if twin {
                    armTwinReceive(slot: index)
                } else {
                    armReceive(slot: index, rtcp: rtcp)
                }
            }
        }
        guard flags & UInt32(RTPRELAY_CQE_F_BUFFER) != 0 else { return }
        let bid = flags >> UInt32(RTPRELAY_CQE_BUFFER_SHIFT)
        guard slot.pointee.active else {
            rtprelay_uring_buf_return(buffers, bid)
            return
        }
        var payload: UnsafeRawPointer?
        var payloadLength: UInt32 = 0
        var name: UnsafeRawPointer?
        var nameLength: UInt32 = 0
        var truncated: Int32 = 0
        let parsed = rtprelay_uring_buf_datagram(buffers, bid, result, &payload, &payloadLength, &name, &nameLength,
                                                 &truncated) == 0
        let source = parsed ? PeerAddress(copying: name!, length: nameLength) : PeerAddress(emptyWithLength: 0)
        let bytes = UnsafeRawBufferPointer(start: parsed ? payload : nil, count: parsed ? Int(payloadLength) : 0)
        let room = parsed ? rtprelay_uring_buf_room(buffers, bid, payload) : 0
        let route = self.route(bytes, capacity: room, truncated: !parsed || truncated != 0, source: source, slot: slot,
                               rtcpSocket: rtcp, now: now)
        guard route.socket >= 0, let ring, let bufferSends else {
            rtprelay_uring_buf_return(buffers, bid)
            return
        }
        let sendName = rtprelay_uring_buf_destination(buffers, bid)!
        let pending = PendingSend(sink: route.sink, sinkID: slots[Int(route.sink)].id, length: UInt32(route.length),
                                  isRTP: route.isRTP)
        if quietSends {
            let target = quietTarget(sink: Int(route.sink), socket: route.socket, destination: route.destination,
                                     name: sendName)
            if !queueQuietSend(fd: target.fd, fixed: target.fixed, payload: payload, length: route.length,
                               name: sendName, nameLength: target.nameLength, buffer: Int32(bitPattern: bid),
                               pending: pending) {
                countSendResult(pending, ok: false)
                rtprelay_uring_buf_return(buffers, bid)
            }
            return
        }
        let destinationLength = route.destination.copy(to: sendName)
        let fixed: Int32 = slots[Int(route.sink)].fixedFiles ? 1 : 0
        bufferSends[Int(bid)] = pending
        if rtprelay_uring_send(ring, route.socket, fixed, buffers, bid, payload, route.length, destinationLength,
                               MediaWorker.token(Int(bid), rtcp: false, kind: MediaWorker.kindSend)) != 0 {
            countSendResult(pending, ok: false)
            rtprelay_uring_buf_return(buffers, bid)
        } else {
            sendsQueued &+= 1
        }
    }

    /// A send completed: count it against its sink and give the buffer back.
    @inline(__always)
    private func sent(token: UInt64, result: Int32) {
        let bid = UInt32(truncatingIfNeeded: token >> 3)
        guard let buffers, let bufferSends, bid < bufferCount else { return }
        countSendResult(bufferSends[Int(bid)], ok: result >= 0)
        rtprelay_uring_buf_return(buffers, bid)
    }

    /// Queues a quiet send of `length` bytes at `payload` to the address at `name`, which stay untouched until the
    /// send retires, and counts it out. False: the submission queue had no room (nothing queued or counted; the
    /// caller counts the error and frees).
    @inline(__always)
    func queueQuietSend(fd: Int32, fixed: Int32, payload: UnsafeRawPointer?, length: Int, name: UnsafeRawPointer,
                        nameLength: UInt32, buffer: Int32, pending: PendingSend) -> Bool {
        guard let ring, let inFlight else { return false }
        // Cannot happen (every entry holds a distinct buffer), but never overwrite a live entry.
        if inFlight.isFull && !flushQuietSends() { return false }
        var sequence: UInt32 = 0
        let token = UInt64(inFlight.tail) << 3 | MediaWorker.kindSend
        guard rtprelay_uring_send_quiet(ring, fd, fixed, payload, length, name, nameLength, token, &sequence) == 0
        else { return false }
        inFlight.append(sequence: sequence, buffer: buffer, pending: pending)
        countSendResult(pending, ok: true)
        return true
    }

    /// Where a quiet send out of `sink`'s socket `socket` to `destination` goes: the sink's twin when that is
    /// connected to this remote (no address), else `socket` itself, with the address written at `name`.
    @inline(__always)
    func quietTarget(sink index: Int, socket: Int32, destination: PeerAddress,
                     name: UnsafeMutableRawPointer) -> (fd: Int32, fixed: Int32, nameLength: UInt32) {
        if twins, let connected = twinSocket(sink: index, socket: socket, destination: destination) {
            return (connected, slots[index].twinFixed ? 1 : 0, 0)
        }
        return (socket, slots[index].fixedFiles ? 1 : 0, destination.copy(to: name))
    }

    /// Queues a quiet send of the first `length` bytes of send-pool slot `poolSlot` (written, and SRTP-protected if
    /// need be, by the caller) out of `sink`'s socket `socket` to `destination`; the slot comes back to the pool when
    /// the send retires, or here when it cannot be queued (counted as an error).
    func queuePooledSend(_ poolSlot: Int32, pool: SendBufferPool, length: Int, socket: Int32,
                         sink: UnsafeMutablePointer<StreamSlot>, destination: PeerAddress, isRTP: Bool,
                         ownReport: Bool) {
        let index = slots.distance(to: sink)
        let pending = PendingSend(sink: Int32(truncatingIfNeeded: index), sinkID: sink.pointee.id,
                                  length: UInt32(length), isRTP: isRTP, ownReport: ownReport)
        let name = pool.name(poolSlot)
        let target = quietTarget(sink: index, socket: socket, destination: destination, name: name)
        if !queueQuietSend(fd: target.fd, fixed: target.fixed, payload: UnsafeRawPointer(pool.payload(poolSlot).baseAddress),
                           length: length, name: name, nameLength: target.nameLength, buffer: -1 - poolSlot,
                           pending: pending) {
            countSendResult(pending, ok: false)
            pool.give(poolSlot)
        }
    }

    /// Submits what is queued without waiting and retires what that consumed: frees pool slots mid-turn. True when
    /// something was retired.
    @discardableResult
    func flushQuietSends() -> Bool {
        guard let ring else { return false }
        _ = rtprelay_uring_submit(ring)
        return retireQuietSends()
    }

    /// Retires the quiet sends whose SQEs the kernel has consumed: each is done, so its buffer or pool slot is free
    /// again. True when any retired.
    @inline(__always)
    private func retireQuietSends() -> Bool {
        guard let ring, let inFlight, let buffers, let sendPool else { return false }
        return inFlight.retire(consumed: rtprelay_uring_sq_consumed(ring)) { entry in
            if entry.buffer >= 0 {
                rtprelay_uring_buf_return(buffers, UInt32(bitPattern: entry.buffer))
            } else {
                sendPool.give(-1 - entry.buffer)
            }
        }
    }

    /// A quiet send's failure completion (successes post none): an error against its sink. Its buffer is not
    /// touched here: it is freed when the send retires (the submission that failed it consumed it).
    private func failedQuietly(position: UInt32) {
        guard let inFlight else { return }
        if let pending = inFlight.pending(position: position) {
            countSendResult(pending, ok: false)
        } else {
            bump(totals.sendErrors)
        }
    }

    @inline(__always)
    func countSendResult(_ pending: PendingSend, ok: Bool) {
        if pending.ownReport {
            // Not relayed: the leg's own counters only.
        } else if ok {
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
        guard let ring, let buffers else { return }
        let slot = slots + index
        let fd = rtcp ? slot.pointee.rtcpFD : slot.pointee.rtpFD
        guard fd >= 0 else { return }
        let fixed: Int32 = slot.pointee.fixedFiles ? 1 : 0
        if rtprelay_uring_recv(ring, fd, fixed, buffers,
                               MediaWorker.token(index, rtcp: rtcp, kind: MediaWorker.kindReceive)) == 0 {
            slot.pointee.pendingOps += 1
        }
    }

    private func rearmStarved() {
        for (index, rtcp) in starved {
            if index < 0 {
                if slots[Int(-1 - index)].active { armTwinReceive(slot: Int(-1 - index)) }
            } else if slots[Int(index)].active {
                armReceive(slot: Int(index), rtcp: rtcp)
            }
        }
        starved.removeAll(keepingCapacity: true)
    }

    /// The socket to send to `destination` from instead of the sink's RTP socket `socket`: its twin, connected to
    /// that remote, made (or re-pointed) once the RTP latch has locked onto it. nil: send from `socket` with the
    /// address (learning, RTCP on its own port, a remote that is not the lock, or no twin could be made).
    @inline(__always)
    func twinSocket(sink index: Int, socket: Int32, destination: PeerAddress) -> Int32? {
        let sink = slots + index
        guard socket == sink.pointee.rtpFD else { return nil }
        if sink.pointee.twinFD >= 0 && sink.pointee.twinPeer == destination { return sink.pointee.twinFD }
        guard !sink.pointee.twinFailed, sink.pointee.rtpLatch.latched == destination else { return nil }
        return makeTwin(slot: index, destination: destination)
    }

    /// Rare (once per lock): a few system calls, no allocation.
    @inline(never)
    private func makeTwin(slot index: Int, destination: PeerAddress) -> Int32? {
        let sink = slots + index
        if sink.pointee.twinFD >= 0 {
            // The lock moved (media handover, a re-INVITE's new port): the twin follows it.
            let rc = destination.withSockaddr { raw, length in rtprelay_udp_reconnect(sink.pointee.twinFD, raw, length) }
            guard rc == 0 else { return nil }
            sink.pointee.twinPeer = destination
            return sink.pointee.twinFD
        }
        let fd = destination.withSockaddr { raw, length in rtprelay_udp_twin(sink.pointee.rtpFD, raw, length) }
        guard fd >= 0 else {
            sink.pointee.twinFailed = true
            return nil
        }
        sink.pointee.twinFD = fd
        sink.pointee.twinPeer = destination
        // Into the registered-file table like the stream's own sockets (queued ahead of the receive and the send
        // that name it, so both find it there).
        if fd < fixedFileLimit && queueTwinFileUpdate(slot: index, clear: false) { sink.pointee.twinFixed = true }
        armTwinReceive(slot: index)
        return fd
    }

    /// The twin's datagrams (its remote's) are routed like those of the RTP socket: same slot, same checks.
    @inline(__always)
    private func armTwinReceive(slot index: Int) {
        guard let ring, let buffers else { return }
        let fd = slots[index].twinFD
        guard fd >= 0 else { return }
        let token = MediaWorker.token(index, rtcp: false, kind: MediaWorker.kindReceive) | MediaWorker.twinBit
        if rtprelay_uring_recv(ring, fd, slots[index].twinFixed ? 1 : 0, buffers, token) == 0 {
            slots[index].pendingOps += 1
        }
    }

    /// A new stream (command path): put its sockets into the registered-file table where it has room, then arm a
    /// multishot receive on each. The table update is queued, not a system call of its own: it goes out with the
    /// next submission, ahead of the receives that name the sockets as fixed files.
    func armReceives(slot index: Int) {
        if ring != nil {
            let rtp = slots[index].rtpFD, rtcp = slots[index].rtcpFD
            if rtp < fixedFileLimit && rtcp < fixedFileLimit && queueFileUpdates(slot: index, clear: false) {
                slots[index].fixedFiles = true
            }
        }
        armReceive(slot: index, rtcp: false)
        if slots[index].rtcpFD >= 0 { armReceive(slot: index, rtcp: true) }
    }

    /// Queues the table updates for a slot's sockets (one request when their fds are adjacent, as they mostly are);
    /// each is a pending operation of the slot until it completes, so the slot is not closed before the update
    /// that clears its sockets has gone out. False when none could be queued.
    private func queueFileUpdates(slot index: Int, clear: Bool) -> Bool {
        guard let ring else { return false }
        let rtp = slots[index].rtpFD, rtcp = slots[index].rtcpFD
        let token = MediaWorker.fileUpdateBits | UInt64(index) << 3
        var queued = false
        func update(_ first: Int32, _ count: UInt32) {
            if rtprelay_uring_files_update(ring, first, count, clear ? 1 : 0, token) == 0 {
                slots[index].pendingOps += 1
                queued = true
            }
        }
        if rtcp < 0 {
            update(rtp, 1)
        } else if rtcp == rtp &+ 1 {
            update(rtp, 2)
        } else if rtp == rtcp &+ 1 {
            update(rtcp, 2)
        } else {
            update(rtp, 1)
            update(rtcp, 1)
        }
        if queued { slots[index].filesInTable = true }
        return queued
    }

    /// A registered-file update completed. If putting a live stream's sockets into the table failed, its
    /// operations stop naming them as fixed files (a receive that failed for that ends and is re-armed without).
    private func filesUpdated(token: UInt64, result: Int32) {
        let index = Int(truncatingIfNeeded: (token & ~MediaWorker.twinBit) >> 3)
        guard index < slotCapacity else { return }
        slots[index].pendingOps -= 1
        guard result < 0 && slots[index].active else { return }
        if token & MediaWorker.twinBit != 0 { slots[index].twinFixed = false } else { slots[index].fixedFiles = false }
    }

    /// Puts a slot's twin into the registered-file table, or clears it from there; a pending operation of the slot
    /// until it completes, like the sockets' own updates. False when it could not be queued.
    private func queueTwinFileUpdate(slot index: Int, clear: Bool) -> Bool {
        guard let ring else { return false }
        let token = MediaWorker.fileUpdateBits | UInt64(index) << 3 | MediaWorker.twinBit
        guard rtprelay_uring_files_update(ring, slots[index].twinFD, 1, clear ? 1 : 0, token) == 0 else { return false }
        slots[index].pendingOps += 1
        return true
    }

    /// A removed stream: stop routing, cancel the receives on its sockets; `finishClosings` closes them once the
    /// last one has reported its end. (A receive that ended but is not re-armed yet, e.g. starved for buffers, is not
    /// found by the cancel and has nothing left to end: its slot is no longer active, so it is never re-armed.)
    func beginClosing(slot index: Int, registration: StreamRegistration) {
        guard let ring else { return }
        let slot = slots + index
        slot.pointee.active = false
        slot.pointee.closing = true
        // Out of the registered-file table first (queued, like the cancels): the receives still armed hold
        // references of their own, and finishClosings closes the sockets only after this update has completed.
        if slot.pointee.filesInTable {
            slot.pointee.fixedFiles = false
            _ = queueFileUpdates(slot: index, clear: true)
        }
        let cancel = MediaWorker.token(index, rtcp: false, kind: MediaWorker.kindCancel)
        _ = rtprelay_uring_cancel(ring, MediaWorker.token(index, rtcp: false, kind: MediaWorker.kindReceive), cancel)
        if registration.rtcpFD >= 0 {
            _ = rtprelay_uring_cancel(ring, MediaWorker.token(index, rtcp: true, kind: MediaWorker.kindReceive), cancel)
        }
        if slot.pointee.twinFD >= 0 {
            if slot.pointee.twinFixed {
                slot.pointee.twinFixed = false
                _ = queueTwinFileUpdate(slot: index, clear: true)
            }
            let twin = MediaWorker.token(index, rtcp: false, kind: MediaWorker.kindReceive) | MediaWorker.twinBit
            _ = rtprelay_uring_cancel(ring, twin, cancel)
        }
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
        returnPorts(wait: closingSlots.isEmpty && !waitingBarriers.isEmpty)
        if closingSlots.isEmpty {
            for barrier in waitingBarriers { barrier.reached.store(true, ordering: .releasing) }
            waitingBarriers.removeAll()
        }
    }
}
