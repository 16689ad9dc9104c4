import CURing
import CShim
import Glibc
import RTPWire
import Synchronization

/// One media worker: a thread running an epoll loop over the sockets of the calls it owns.
/// Everything the loop touches per packet (slots, batch arrays, latches) belongs to this thread alone; the
/// control thread talks to it only through `enqueue` (a lock taken per command, never per packet) and reads
/// the counter blocks it publishes.
final class MediaWorker: @unchecked Sendable {
    let index: Int
    let totals = WorkerTotalsBlock()
    private let epollFD: Int32
    /// A timerfd: armed to expire at once (`wake`) or after `commandDelay` (`wakeSoon`); read like an eventfd.
    let wakeFD: Int32
    private let commands = ThreadLock<[WorkerCommand]>([])
    /// Set after every enqueue, cleared when the worker takes the queue: the loop checks it before routing packets.
    private let commandsPending = Atomic<Bool>(false)
    /// True from arming the wake timer until the worker consumed its expiry, so a burst arms it once.
    private let wakeArmed = Atomic<Bool>(false)
    private let commandDelayNanoseconds: UInt64
    /// The worker's spare command array, swapped with the queue on each take (worker thread only).
    private var drainedCommands: [WorkerCommand] = []
    /// epoll mode: sockets (epoll data words) whose last read stopped at its cap; `backlogNext` is the spare the
    /// loop swaps in each turn. Capacity reserved up front and on growth, so appending never allocates.
    private var backlog: [UInt64] = []
    private var backlogNext: [UInt64] = []
    private let ledger: PortLedger
    private let io: UDPBatchIO
    let requestedIO: MediaIOMode
    let maxPacketSize: Int
    /// Quality measurement per packet (RelayConfiguration.statistics).
    let statistics: Bool
    /// The IO mode the running loop uses (set by the worker thread when it starts).
    let activeIO = Atomic<UInt8>(0)

    // Worker-thread state.
    var slots: UnsafeMutablePointer<StreamSlot>
    var slotCapacity: Int
    private var freeSlots: [Int32] = []
    private(set) var slotCount = 0
    private var byID: [UInt64: (slot: Int32, registration: StreamRegistration)] = [:]
    private let idleCounters = StreamCounterBlock()
    var running = true
    private var thread: pthread_t?

    // io_uring mode (worker thread): the ring, its provided receive buffers, streams waiting for their last
    // receive to end before their sockets close, and barriers waiting for those.
    var ring: OpaquePointer?
    var buffers: OpaquePointer?
    /// Per receive buffer: the send in flight from it.
    var bufferSends: UnsafeMutablePointer<PendingSend>?
    /// Sockets whose multishot receive ended because every buffer was out; re-armed once buffers come back.
    var starved: [(slot: Int32, rtcp: Bool)] = []
    /// Size of the ring's registered-file table (0: none); a socket whose fd is below it is registered at add.
    var fixedFileLimit: Int32 = 0
    /// Sends queued since the last submit (io_uring mode without quiet sends).
    var sendsQueued: UInt32 = 0
    /// io_uring mode: sends post a completion only when they fail (rtprelay_uring_quiet_sends); `inFlight` holds
    /// them until the submission consumed them, `sendPool` the packets not sent from a receive buffer.
    var quietSends = false
    /// io_uring quiet-send mode: each locked RTP remote gets a connected twin socket (StreamSlot.twinFD).
    var twins = false
    var inFlight: QuietSendQueue?
    var sendPool: SendBufferPool?
    /// io_uring mode batching under load (see runUring): the minimum wait in µs (0: off) and the datagrams a turn must
    /// have brought for the next wait to use it.
    var batchWaitMicroseconds: UInt32 = 0
    var batchThreshold = 8
    /// `RelayConfiguration.transcodeBatchWait` in µs: the minimum wait while the worker carries transcoded streams.
    var transcodeBatchMicroseconds: UInt32 = 0
    /// io_uring mode: provided receive buffers (a power of two, ~1.6 KB each; RTPRELAY_URING_BUFFERS overrides).
    /// With 1024, a relay that fell behind at 1000 calls (2000 sockets, each with datagrams queued) ran the ring dry
    /// every turn: every socket's multishot receive ended with ENOBUFS and had to be re-armed, which cost more per
    /// datagram than the relaying and kept it behind (15-25 % loss at 11-12 µs per packet instead of 6-7). With 4096
    /// it catches up, as rtpengine does at the same load.
    var bufferCount: UInt32 = 4096
    var closingSlots: [(slot: Int32, registration: StreamRegistration)] = []
    /// Ports of closed sockets not yet given back: returned to the ledger once per command batch or loop turn, so
    /// the worker takes the ledger's lock once per batch instead of once per stream (the control thread holds it
    /// across socket and bind calls, and each collision cost both threads a futex wait and wake).
    private var releasedPorts: [StreamRegistration] = []
    var waitingBarriers: [CommandBarrier] = []

    /// Per-send-entry bookkeeping for the batch being built.
    private let outFD: UnsafeMutablePointer<Int32>
    private let outSink: UnsafeMutablePointer<Int32>
    private let outIsRTP: UnsafeMutablePointer<Bool>
    /// Where a transcoded packet is SRTP-protected before it is sent (room for the trailer).
    let transcodeScratch: UnsafeMutableRawBufferPointer
    /// Slots running a transcoder: while > 0 the loops wake at least every 500 ms for their RTCP reports.
    var transcodingSlots = 0
    var nextRTCPScanNanoseconds: UInt64 = 0
    let rtcpIntervalNanoseconds: UInt64
    /// io_uring mode: the wake-up timer is in flight.
    var uringTimerArmed = false

    private static let wakeToken = UInt64.max
    /// Room left after every receive buffer's datagram space for the largest SRTCP trailer (index word + tag +
    /// MKI), so protect can grow a full-size packet in place.
    static let srtpSpare = SRTPSession.maxTrailerLength + 4
    private static let maxEvents: Int32 = 64

    init(index: Int, configuration: RelayConfiguration, ledger: PortLedger) throws(MediaPlaneError) {
        self.index = index
        self.ledger = ledger
        let ep = rtprelay_epoll_create()
        guard ep >= 0 else { throw .socketFailure(rtprelay_errno()) }
        let wake = rtprelay_timerfd()
        guard wake >= 0 else {
            let err = rtprelay_errno()
            _ = rtprelay_close(ep)
            throw .socketFailure(err)
        }
        guard rtprelay_epoll_ctl(ep, EPOLL_CTL_ADD, wake, EPOLLIN.rawValue, MediaWorker.wakeToken) == 0 else {
            let err = rtprelay_errno()
            _ = rtprelay_close(ep)
            _ = rtprelay_close(wake)
            throw .socketFailure(err)
        }
        epollFD = ep
        wakeFD = wake
        io = UDPBatchIO(batchSize: configuration.batchSize, bufferSize: configuration.maxPacketSize,
                        spare: MediaWorker.srtpSpare)
        requestedIO = configuration.io
        commandDelayNanoseconds = UInt64(configuration.commandDelay * 1e9)
        transcodeBatchMicroseconds = UInt32(configuration.transcodeBatchWait * 1e6)
        maxPacketSize = configuration.maxPacketSize
        statistics = configuration.statistics
        slotCapacity = 64
        // A socket is on the backlog at most twice per turn (carried over, and a new edge): 2 sockets per slot.
        backlog.reserveCapacity(4 * slotCapacity)
        backlogNext.reserveCapacity(4 * slotCapacity)
        slots = .allocate(capacity: slotCapacity)
        outFD = .allocate(capacity: configuration.batchSize)
        outSink = .allocate(capacity: configuration.batchSize)
        outIsRTP = .allocate(capacity: configuration.batchSize)
        transcodeScratch = .allocate(byteCount: 1500 + MediaWorker.srtpSpare, alignment: 16)
        rtcpIntervalNanoseconds = UInt64(max(0.05, configuration.transcodedRTCPInterval) * 1e9)
        let idle = Unmanaged.passUnretained(idleCounters)
        slots.initialize(repeating: StreamSlot(counters: idle), count: slotCapacity)
    }

    deinit {
        _ = rtprelay_close(epollFD)
        _ = rtprelay_close(wakeFD)
        slots.deinitialize(count: slotCapacity)
        slots.deallocate()
        outFD.deallocate()
        outSink.deallocate()
        outIsRTP.deallocate()
        transcodeScratch.deallocate()
    }

    // MARK: Control side (any thread)

    /// Queues a command. Without `deferWake` the worker is woken at once. With it the wake-up is left to the
    /// caller: the result says whether one is owed (the queue went from empty to non-empty), and the caller then
    /// calls `wakeSoon()` (RelayMediaPlane does it when its batch ends, before the ng reply goes out).
    ///
    /// No command can be stranded: the worker clears `wakeArmed` after consuming the timer's expiry and before it
    /// takes the queue under the lock, so a command queued after that take finds the queue empty and the timer
    /// unarmed and arms it again; one queued before the take is taken with the rest (leaving at most one spurious
    /// wake-up that finds nothing to do).
    @discardableResult
    func enqueue(_ command: WorkerCommand, deferWake: Bool = false) -> Bool {
        let wasEmpty = commands.withLock { queue -> Bool in
            let empty = queue.isEmpty
            queue.append(command)
            return empty
        }
        commandsPending.store(true, ordering: .releasing)
        if !deferWake {
            wake()
            return false
        }
        return wasEmpty
    }

    /// Wakes the worker at once (it takes its whole command queue when it wakes).
    func wake() {
        wakeArmed.store(true, ordering: .releasing)
        _ = rtprelay_timerfd_arm(wakeFD, 0)
    }

    /// Wakes the worker `commandDelay` from now unless a wake-up is already due: one timer per window, however
    /// many requests queue commands in it (a timerfd_settime, which, unlike an eventfd write, switches to no thread).
    func wakeSoon() {
        if wakeArmed.exchange(true, ordering: .acquiringAndReleasing) { return }
        _ = rtprelay_timerfd_arm(wakeFD, commandDelayNanoseconds)
    }

    /// The worker consumed its timer's expiry: the next queued command must arm it again.
    func wakeConsumed() {
        wakeArmed.store(false, ordering: .releasing)
    }

    /// Takes the queue if anything was queued since the last take (worker thread, once per loop turn).
    @inline(__always)
    func processPendingCommands() {
        if commandsPending.load(ordering: .acquiring) { processCommands() }
    }

    func start() {
        let box = Unmanaged.passRetained(self)
        var tid = pthread_t()
        let rc = pthread_create(&tid, nil, { raw in
            let worker = Unmanaged<MediaWorker>.fromOpaque(raw!).takeRetainedValue()
            worker.run()
            return nil
        }, box.toOpaque())
        if rc == 0 { thread = tid } else { box.release() }
    }

    /// Stops the loop, closes every socket, returns all ports, and waits for the thread.
    func stopAndJoin() {
        enqueue(.stop)
        if let thread {
            pthread_join(thread, nil)
            self.thread = nil
        } else {
            processCommands()  // never started: do the queued work here
        }
    }

    // MARK: Worker thread

    private func run() {
        // Named so `top -H`, perf and the allocation probe can tell media workers apart.
        rtprelay_set_thread_name("rtprelay-w\(index)")
        // Under a real-time policy (a deployment or benchmark that runs the daemon with `chrt -f`), threads of equal
        // priority never preempt each other: the control thread's once-a-second timer (a scan of every call) then
        // held the worker off its core for milliseconds, a latency spike every second. One step above the control
        // thread, a worker preempts it as soon as a datagram arrives. Under the normal policy nothing changes.
        _ = rtprelay_raise_realtime_priority()
        if requestedIO == .uring, startUring() {
            activeIO.store(2, ordering: .releasing)
            runUring()
            stopUring()
            returnPorts(wait: true)
            return
        }
        activeIO.store(1, ordering: .releasing)
        runEpoll()
        returnPorts(wait: true)
    }

    private func runEpoll() {
        let eventBytes = rtprelay_epoll_event_size() * Int(MediaWorker.maxEvents)
        let raw = UnsafeMutableRawPointer.allocate(byteCount: eventBytes, alignment: 16)
        defer { raw.deallocate() }
        let events = raw.bindMemory(to: epoll_event.self, capacity: Int(MediaWorker.maxEvents))
        while running {
            // Sockets left with datagrams queued (serviceSocket stopped at its cap) get no new edge: poll instead of
            // sleeping while there are any, and read them again this turn.
            let timeout: Int32 = !backlog.isEmpty ? 0 : transcodingSlots > 0 ? 500 : -1
            let n = rtprelay_epoll_wait(epollFD, events, MediaWorker.maxEvents, timeout)
            if n < 0 {
                if rtprelay_errno() == EINTR { continue }
                break
            }
            // Commands first: the control plane queues a stream's new plan before it sends the ng reply, so a
            // packet the peer sends after reading that reply can be in this very batch, and must meet the new plan
            // (else the first packet after an answer is dropped for want of a sink). An event left over for a slot
            // that a command just freed finds it inactive, or reads a reused slot's own socket: harmless either way.
            // The timer's expiry, or a datagram on a live socket: either way, pending commands go first.
            var i: Int32 = 0
            while i < n {
                if rtprelay_epoll_event_data(events, i) == MediaWorker.wakeToken {
                    _ = rtprelay_eventfd_drain(wakeFD)
                    wakeConsumed()
                    break
                }
                i += 1
            }
            processPendingCommands()
            // The carried-over sockets first (they have waited longest), then the new edges. Both arrays keep their
            // capacity, so this allocates nothing.
            swap(&backlog, &backlogNext)
            backlog.removeAll(keepingCapacity: true)
            for data in backlogNext where serviceSocket(slot: Int(truncatingIfNeeded: data >> 1), rtcpSocket: data & 1 == 1) {
                backlog.append(data)
            }
            i = 0
            while i < n {
                let data = rtprelay_epoll_event_data(events, i)
                i += 1
                if data == MediaWorker.wakeToken { continue }
                if serviceSocket(slot: Int(truncatingIfNeeded: data >> 1), rtcpSocket: data & 1 == 1) {
                    backlog.append(data)
                }
            }
            if transcodingSlots > 0 { serviceTranscodedRTCP(now: MonotonicInstant(nanoseconds: rtprelay_monotonic_ns())) }
            returnPorts()
        }
    }

    /// The epoll hot path: one recvmmsg on a ready socket, the per-packet decision, one sendmmsg per destination
    /// socket. No allocation, lock, log, String or existential in here.
    /// Returns true when it stopped at its cap with the socket possibly still holding datagrams: edge-triggered
    /// epoll will not report it again until another one arrives, so the loop must come back to it.
    @inline(__always)
    private func serviceSocket(slot index: Int, rtcpSocket: Bool) -> Bool {
        guard index < slotCapacity else { return false }
        let slot = slots + index
        guard slot.pointee.active else { return false }
        let fd = rtcpSocket ? slot.pointee.rtcpFD : slot.pointee.rtpFD
        // Edge-triggered: read until a batch comes back short (the queue was empty at that moment; a datagram
        // arriving later raises a new edge). At most 8 batches, so a flooded socket cannot starve the others; the
        // caller keeps such a socket on its backlog and reads the rest on the next turn.
        var rounds = 0
        while true {
            let received = io.receive(fd: fd)
            guard received > 0 else { return false }
            let now = MonotonicInstant(nanoseconds: rtprelay_monotonic_ns())
            var queued = 0
            for i in 0..<received {
                let bytes = io.received(i)
                let route = self.route(bytes, capacity: io.capacity, truncated: io.truncated(i), source: io.source(i),
                                       slot: slot, rtcpSocket: rtcpSocket, now: now)
                guard route.socket >= 0 else { continue }
                io.prepareSend(slot: queued, fromReceived: i, length: route.length, to: route.destination)
                outFD[queued] = route.socket
                outSink[queued] = route.sink
                outIsRTP[queued] = route.isRTP
                queued += 1
            }
            if queued > 0 { flush(count: queued) }
            rounds += 1
            if received < io.batchSize { return false }
            if rounds == 8 { return true }
        }
    }

    /// Where one received datagram goes, shared by both IO modes: classifies it, runs the latch, counts it in, and
    /// returns the socket to send it from and the destination, or `socket == -1` when it is dropped (and counted).
    ///
    /// `capacity`: bytes writable from `received.baseAddress` (the datagram plus the buffer's spare room): SRTP
    /// works in place, and protect appends its trailer there.
    @inline(__always)
    func route(_ received: UnsafeRawBufferPointer, capacity: Int, truncated: Bool, source: PeerAddress,
               slot: UnsafeMutablePointer<StreamSlot>, rtcpSocket: Bool, now: MonotonicInstant) -> PacketRoute {
        let demux = !rtcpSocket && slot.pointee.demux
        return slot.pointee.counters._withUnsafeGuaranteedRef { counters -> PacketRoute in
            let kind = truncated ? .malformed
                : PacketClassifier.classify(received, rtcpSocket: rtcpSocket, demux: demux)
            if kind == .malformed {
                bump(counters.droppedMalformed)
                bump(totals.droppedMalformed)
                return .drop
            }
            let isRTP = kind == .rtp
            // SRTP in: authenticate and decrypt before the latch sees the packet, so a forged or replayed packet
            // can neither latch an endpoint nor be relayed.
            var bytes = received
            if slot.pointee.inboundSRTP != nil || slot.pointee.inboundSRTPUnusable {
                let length = unprotect(received, capacity: capacity, isRTP: isRTP, slot: slot, counters: counters)
                guard length >= 0 else { return .drop }
                guard length >= (isRTP ? 12 : 8) else {
                    bump(counters.droppedMalformed)
                    bump(totals.droppedMalformed)
                    return .drop
                }
                bytes = UnsafeRawBufferPointer(start: received.baseAddress, count: length)
            }
            var facts = PacketFacts()
            var ssrc: UInt32 = 0
            if isRTP {
                let f = PacketClassifier.rtpFacts(bytes)
                facts.payloadType = f.payloadType
                facts.sequence = f.sequence
                ssrc = f.ssrc
            }
            // RTCP on its own socket latches independently; muxed RTCP follows the RTP latch.
            let decision: LatchDecision
            if rtcpSocket {
                let before = slot.pointee.rtcpLatch.generation
                decision = slot.pointee.rtcpLatch.observe(source: source, facts: facts, now: now)
                if before != slot.pointee.rtcpLatch.generation { publishLatches(slot) }
            } else {
                let before = slot.pointee.rtpLatch.generation
                decision = slot.pointee.rtpLatch.observe(source: source, facts: facts, now: now)
                if before != slot.pointee.rtpLatch.generation { publishLatches(slot) }
            }
            if decision == .dropForeign {
                bump(counters.droppedForeignSource)
                bump(totals.droppedForeignSource)
                return .drop
            }
            counters.lastPacket.store(now.nanoseconds, ordering: .relaxed)
            let length = UInt64(received.count)   // as it came off the wire
            if isRTP {
                bump(counters.rtpInPackets)
                bump(counters.rtpInBytes, by: length)
                if counters.firstSSRC.load(ordering: .relaxed) == 0 {
                    counters.firstSSRC.store(1 << 32 | UInt64(ssrc), ordering: .relaxed)
                }
            } else {
                bump(counters.rtcpInPackets)
                bump(counters.rtcpInBytes, by: length)
            }
            let sinkIndex = slot.pointee.sinkSlot
            if statistics {
                if isRTP {
                    if slot.pointee.quality.rtp(bytes, ssrc: ssrc, sequence: facts.sequence ?? 0, now: now) {
                        slot.pointee.quality.fold(now: now, unixMicroseconds: rtprelay_realtime_us())
                        publishQuality(slot)
                    }
                } else {
                    observeRTCP(bytes, slot: slot, sink: slot.pointee.hasSink && sinkIndex >= 0 ? slots + Int(sinkIndex) : nil,
                                now: now)
                }
            }
            // The one check a plain relayed packet pays for transcoding.
            if slot.pointee.transcoder != nil {
                transcode(bytes, isRTP: isRTP, slot: slot, counters: counters, now: now)
                return .drop   // sent (or counted) by transcode; nothing left for the batch
            }
            guard slot.pointee.hasSink, sinkIndex >= 0 else {
                bump(counters.droppedNoDestination)
                bump(totals.droppedNoDestination)
                return .drop
            }
            let sink = slots + Int(sinkIndex)
            let outSocket: Int32
            let destination: PeerAddress?
            if isRTP || sink.pointee.demux {
                let before = sink.pointee.rtpLatch.generation
                sink.pointee.rtpLatch.advance(now: now)
                if before != sink.pointee.rtpLatch.generation { publishLatches(sink) }
                outSocket = sink.pointee.rtpFD
                destination = sink.pointee.rtpLatch.destination
            } else {
                let before = sink.pointee.rtcpLatch.generation
                sink.pointee.rtcpLatch.advance(now: now)
                if before != sink.pointee.rtcpLatch.generation { publishLatches(sink) }
                outSocket = sink.pointee.rtcpFD
                destination = sink.pointee.rtcpLatch.destination
            }
            guard let destination, outSocket >= 0 else {
                bump(counters.droppedNoDestination)
                bump(totals.droppedNoDestination)
                return .drop
            }
            // SRTP out: only packets that will really be sent use up an SRTP index.
            var sendLength = bytes.count
            if sink.pointee.outboundSRTP != nil || sink.pointee.outboundSRTPUnusable {
                sendLength = protect(bytes, capacity: capacity, isRTP: isRTP, sink: sink)
                guard sendLength > 0 else { return .drop }
            }
            return PacketRoute(socket: outSocket, sink: sinkIndex, isRTP: isRTP, destination: destination,
                               length: sendLength)
        }
    }

    /// Unprotects an SRTP/SRTCP packet in place: its plain length, or -1 when it is dropped (and counted: failed
    /// authentication or decryption, replay, too short).
    @inline(__always)
    private func unprotect(_ bytes: UnsafeRawBufferPointer, capacity: Int, isRTP: Bool,
                           slot: UnsafeMutablePointer<StreamSlot>, counters: StreamCounterBlock) -> Int {
        guard let session = slot.pointee.inboundSRTP else {
            bump(counters.droppedSRTPAuth)
            bump(totals.droppedSRTP)
            return -1
        }
        // The receive buffers are the worker's own writable memory; `bytes` is only a read-only view of one.
        let buffer = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(mutating: bytes.baseAddress),
                                                   count: capacity)
        do throws(SRTPError) {
            return isRTP ? try session.unprotect(buffer, length: bytes.count)
                : try session.unprotectRTCP(buffer, length: bytes.count)
        } catch {
            switch error {
            case .replayFail:
                bump(counters.droppedSRTPReplay)
                bump(totals.droppedSRTP)
            case .badLength:
                bump(counters.droppedMalformed)
                bump(totals.droppedMalformed)
            default:
                bump(counters.droppedSRTPAuth)
                bump(totals.droppedSRTP)
            }
            return -1
        }
    }

    /// Protects a packet in place for the sink's remote: the SRTP/SRTCP length, or -1 when it cannot be sent
    /// (counted as a send error of the sink).
    @inline(__always)
    func protect(_ bytes: UnsafeRawBufferPointer, capacity: Int, isRTP: Bool,
                         sink: UnsafeMutablePointer<StreamSlot>) -> Int {
        var length = -1
        if let session = sink.pointee.outboundSRTP {
            let buffer = UnsafeMutableRawBufferPointer(start: UnsafeMutableRawPointer(mutating: bytes.baseAddress),
                                                       count: capacity)
            do throws(SRTPError) {
                length = isRTP ? try session.protect(buffer, length: bytes.count)
                    : try session.protectRTCP(buffer, length: bytes.count)
            } catch {
                length = -1
            }
        }
        if length < 0 {
            sink.pointee.counters._withUnsafeGuaranteedRef { c in
                if isRTP { bump(c.rtpOutErrors) } else { bump(c.rtcpOutErrors) }
            }
            bump(totals.sendErrors)
        }
        return length
    }

    /// Sends the queued entries, one sendmmsg per run of entries leaving through the same socket.
    @inline(__always)
    private func flush(count: Int) {
        var start = 0
        while start < count {
            let fd = outFD[start]
            var end = start + 1
            while end < count && outFD[end] == fd { end += 1 }
            var first = start
            while first < end {
                let sent = io.send(fd: fd, first: first, count: end - first)
                if sent > 0 {
                    for k in first..<(first + sent) { countSent(k) }
                    first += sent
                } else {
                    // The entry at `first` failed (EAGAIN, unreachable): count it and go on with the rest.
                    countSendError(first)
                    first += 1
                }
            }
            start = end
        }
    }

    @inline(__always)
    private func countSent(_ k: Int) {
        let length = UInt64(rtprelay_mmsghdr_len(io.sendVector, UInt32(k)))
        let isRTP = outIsRTP[k]
        (slots + Int(outSink[k])).pointee.counters._withUnsafeGuaranteedRef { c in
            if isRTP {
                bump(c.rtpOutPackets)
                bump(c.rtpOutBytes, by: length)
            } else {
                bump(c.rtcpOutPackets)
                bump(c.rtcpOutBytes, by: length)
            }
        }
        bump(totals.packetsRelayed)
        bump(totals.bytesRelayed, by: length)
    }

    @inline(__always)
    private func countSendError(_ k: Int) {
        let isRTP = outIsRTP[k]
        (slots + Int(outSink[k])).pointee.counters._withUnsafeGuaranteedRef { c in
            if isRTP { bump(c.rtpOutErrors) } else { bump(c.rtcpOutErrors) }
        }
        bump(totals.sendErrors)
    }

    /// Rare: a latch changed. Publishes both latched endpoints of the stream (a small lock, not per packet).
    func publishLatches(_ slot: UnsafeMutablePointer<StreamSlot>) {
        let rtp = slot.pointee.rtpLatch.latched
        let rtcp = slot.pointee.demux ? rtp : slot.pointee.rtcpLatch.latched
        slot.pointee.counters._withUnsafeGuaranteedRef { $0.publishLatched(rtp: rtp, rtcp: rtcp) }
    }

    // MARK: Commands (worker thread, or the caller when the worker never started)

    func processCommands() {
        // Swap the queue with the worker's own emptied array: both keep their capacity, no copy per wake-up.
        var batch = drainedCommands
        drainedCommands = []
        // Cleared before the take: a command queued after it sets the flag again (see `enqueue`).
        commandsPending.store(false, ordering: .releasing)
        commands.withLock { swap(&$0, &batch) }
        defer {
            batch.removeAll(keepingCapacity: true)
            drainedCommands = batch
        }
        for command in batch {
            switch command {
            case .add(let registration): add(registration)
            case .update(let id, let plan): update(id, plan)
            case .remove(let id): remove(id)
            case .barrier(let barrier):
                // Reached once every earlier removal has really closed its sockets (io_uring mode defers that).
                returnPorts(wait: true)
                if closingSlots.isEmpty {
                    barrier.reached.store(true, ordering: .releasing)
                } else {
                    waitingBarriers.append(barrier)
                }
            case .stop:
                for id in Array(byID.keys) { remove(id) }
                running = false
            }
        }
        returnPorts(wait: !running)
    }

    /// Gives the ports of the sockets closed since the last call back to the ledger, under one lock. Without
    /// `wait`, only when the lock is free: otherwise the ports stay here and the worker's wake timer is armed, so a
    /// later turn (at most `commandDelay` away, even on an idle worker) gives them back.
    func returnPorts(wait: Bool = false) {
        guard !releasedPorts.isEmpty else { return }
        if !ledger.release(&releasedPorts, wait: wait) { wakeSoon() }
    }

    private func add(_ registration: StreamRegistration) {
        let index: Int
        if let free = freeSlots.popLast() {
            index = Int(free)
        } else {
            if slotCount == slotCapacity { grow() }
            index = slotCount
            slotCount += 1
        }
        var slot = StreamSlot(counters: Unmanaged.passUnretained(registration.counters))
        slot.active = true
        slot.id = registration.id
        slot.rtpFD = registration.rtpFD
        slot.rtcpFD = registration.rtcpFD
        slot.demux = registration.rtcpFD < 0
        slots[index] = slot
        byID[registration.id] = (Int32(index), registration)
        if ring != nil {
            armReceives(slot: index)
        } else {
            let data = UInt64(index) << 1
            // Edge-triggered: the loop drains a socket when told, so epoll need not re-poll every ready socket
            // after each wait (which level-triggering does).
            let events = EPOLLIN.rawValue | EPOLLET.rawValue
            _ = rtprelay_epoll_ctl(epollFD, EPOLL_CTL_ADD, registration.rtpFD, events, data)
            if registration.rtcpFD >= 0 {
                _ = rtprelay_epoll_ctl(epollFD, EPOLL_CTL_ADD, registration.rtcpFD, events, data | 1)
            }
        }
        // Streams already planned with this one as their sink can now reach it.
        for k in 0..<slotCount where slots[k].active && slots[k].hasSink && slots[k].sinkID == registration.id {
            slots[k].sinkSlot = Int32(index)
        }
    }

    private func update(_ id: UInt64, _ plan: SlotPlan) {
        guard let entry = byID[id] else { return }
        let slot = slots + Int(entry.slot)
        let now = MonotonicInstant(nanoseconds: rtprelay_monotonic_ns())
        slot.pointee.demux = plan.rtcpMux || slot.pointee.rtcpFD < 0
        slot.pointee.quality.setClockRate(plan.clockRate)
        slot.pointee.rtpLatch.apply(policy: plan.policy, expected: plan.expectedRTP, now: now)
        slot.pointee.rtcpLatch.apply(policy: plan.policy, expected: plan.expectedRTCP, now: now)
        if let sink = plan.sink {
            slot.pointee.hasSink = true
            slot.pointee.sinkID = sink
            slot.pointee.sinkSlot = byID[sink]?.slot ?? -1
        } else {
            slot.pointee.hasSink = false
            slot.pointee.sinkSlot = -1
        }
        // The sessions replaced here are freed now, in command processing, never while a packet is routed.
        switch plan.inboundSRTP {
        case .unchanged: break
        case .plain: (slot.pointee.inboundSRTP, slot.pointee.inboundSRTPUnusable) = (nil, false)
        case .session(let session): (slot.pointee.inboundSRTP, slot.pointee.inboundSRTPUnusable) = (session, false)
        case .unusable: (slot.pointee.inboundSRTP, slot.pointee.inboundSRTPUnusable) = (nil, true)
        }
        switch plan.outboundSRTP {
        case .unchanged: break
        case .plain: (slot.pointee.outboundSRTP, slot.pointee.outboundSRTPUnusable) = (nil, false)
        case .session(let session): (slot.pointee.outboundSRTP, slot.pointee.outboundSRTPUnusable) = (session, false)
        case .unusable: (slot.pointee.outboundSRTP, slot.pointee.outboundSRTPUnusable) = (nil, true)
        }
        let wasTranscoding = slot.pointee.transcoder != nil
        switch plan.transcode {
        case .unchanged: break
        case .plain: slot.pointee.transcoder = nil
        case .pipeline(let pipeline): slot.pointee.transcoder = pipeline
        }
        let transcoding = slot.pointee.transcoder != nil
        if transcoding != wasTranscoding {
            transcodingSlots += transcoding ? 1 : -1
            slot.pointee.legRTCP = TranscodedLegRTCP()
        }
        publishLatches(slot)
    }

    private func remove(_ id: UInt64) {
        guard let entry = byID.removeValue(forKey: id) else { return }
        let index = Int(entry.slot)
        let registration = entry.registration
        for k in 0..<slotCount where slots[k].active && slots[k].sinkSlot == Int32(index) {
            slots[k].sinkSlot = -1
        }
        if ring != nil {
            // Operations in flight still point at the sockets and buffers: cancel them, close once all completed.
            beginClosing(slot: index, registration: registration)
            return
        }
        // Closing removes the fds from the epoll set.
        finishClose(slot: index, registration: registration)
    }

    /// Closes a stream's sockets, frees its slot and gives its ports back.
    func finishClose(slot index: Int, registration: StreamRegistration) {
        if slots[index].transcoder != nil { transcodingSlots -= 1 }
        _ = rtprelay_close(registration.rtpFD)
        if registration.rtcpFD >= 0 { _ = rtprelay_close(registration.rtcpFD) }
        if slots[index].twinFD >= 0 { _ = rtprelay_close(slots[index].twinFD) }
        slots[index] = StreamSlot(counters: Unmanaged.passUnretained(idleCounters))
        freeSlots.append(Int32(index))
        releasedPorts.append(registration)
    }

    private func grow() {
        let newCapacity = slotCapacity * 2
        let bigger = UnsafeMutablePointer<StreamSlot>.allocate(capacity: newCapacity)
        bigger.moveInitialize(from: slots, count: slotCapacity)
        (bigger + slotCapacity).initialize(repeating: StreamSlot(counters: Unmanaged.passUnretained(idleCounters)),
                                           count: newCapacity - slotCapacity)
        slots.deallocate()
        slots = bigger
        slotCapacity = newCapacity
        backlog.reserveCapacity(4 * newCapacity)
        backlogNext.reserveCapacity(4 * newCapacity)
    }
}
