import CShim
import Glibc
import RTPWire
import Synchronization

/// The media plane: binds ports on the caller's (control) thread, hands the sockets to worker threads that
/// relay RTP/RTCP, and exposes the workers' counters. All streams of a group live on one worker.
public final class RelayMediaPlane: MediaPlane, @unchecked Sendable {
    public let interfaces: [MediaInterface]
    private let configuration: RelayConfiguration
    private let ledger: PortLedger
    private let workers: [MediaWorker]
    /// Pool (one per distinct local address) of each interface.
    private let poolOfInterface: [Int]
    private let state = ThreadLock(ControlState())

    private struct StreamRecord {
        var worker: Int
        var group: UInt64
        var counters: StreamCounterBlock
        /// The keys the worker's sessions for this stream were made from, to tell a re-key from a re-offer.
        var inboundSRTP: SRTPKeying? = nil
        var outboundSRTP: SRTPKeying? = nil
        /// The transcoding the worker's pipeline was built for, to keep it across an unchanged re-plan.
        var transcode: StreamTranscode? = nil
    }

    private struct ControlState {
        var nextID: UInt64 = 1
        var streams: [UInt64: StreamRecord] = [:]
        /// Group → (worker, number of live streams); dropped when the count reaches 0.
        var groups: [UInt64: (worker: Int, streams: Int)] = [:]
        var streamsPerWorker: [Int] = []
        var started = false
        var stopped = false
        /// Open `beginBatch` calls; while > 0, worker wake-ups are owed rather than signalled.
        var batchDepth = 0
        /// Workers owed a wake-up when the outermost batch ends.
        var wakeOwed: [Bool] = []
    }

    public init(configuration: RelayConfiguration) throws(MediaPlaneError) {
        self.configuration = configuration
        interfaces = configuration.interfaces
        var addresses: [String] = []
        var pools: [Int] = []
        for interface in configuration.interfaces {
            if let existing = addresses.firstIndex(of: interface.localAddress) {
                pools.append(existing)
            } else {
                addresses.append(interface.localAddress)
                pools.append(addresses.count - 1)
            }
        }
        poolOfInterface = pools
        let ledger = PortLedger(poolCount: max(1, addresses.count), portMin: configuration.portMin,
                                portMax: configuration.portMax)
        self.ledger = ledger
        var workers: [MediaWorker] = []
        for index in 0..<max(1, configuration.workerThreads) {
            workers.append(try MediaWorker(index: index, configuration: configuration, ledger: ledger))
        }
        self.workers = workers
        state.withLock {
            $0.streamsPerWorker = Array(repeating: 0, count: workers.count)
            $0.wakeOwed = Array(repeating: false, count: workers.count)
        }
    }

    deinit { shutdown() }

    /// Spawns the worker threads.
    public func start() {
        let shouldStart = state.withLock { s -> Bool in
            guard !s.started, !s.stopped else { return false }
            s.started = true
            return true
        }
        if shouldStart { workers.forEach { $0.start() } }
    }

    /// Stops the workers and closes every socket; afterwards `portsInUse == 0`. Idempotent.
    public func shutdown() {
        let shouldStop = state.withLock { s -> Bool in
            guard !s.stopped else { return false }
            s.stopped = true
            s.streams.removeAll()
            s.groups.removeAll()
            return true
        }
        if shouldStop { workers.forEach { $0.stopAndJoin() } }
    }

    public var totals: RelayTotals {
        var t = RelayTotals()
        for worker in workers { worker.totals.add(to: &t) }
        return t
    }

    public var portsInUse: Int { ledger.portsInUse }

    /// The IO mode each worker's loop runs (nil until that worker started); `.uring` requested but unavailable
    /// shows as `.epoll`.
    public var activeIO: [MediaIOMode?] {
        workers.map { worker in
            switch worker.activeIO.load(ordering: .acquiring) {
            case 1: .epoll
            case 2: .uring
            default: nil
            }
        }
    }

    public func allocate(_ request: StreamAllocationRequest) throws(MediaPlaneError) -> AllocatedStream {
        let interfaceIndex = try pickInterface(name: request.interface, family: request.family)
        let interface = interfaces[interfaceIndex]
        let pool = poolOfInterface[interfaceIndex]
        if state.withLock({ $0.stopped }) { throw .socketFailure(EBADF) }
        let pair = !request.rtcpMux
        let address = interface.localAddress
        let reserved = try ledger.reserve(pool: pool, pair: pair) { (port) throws(MediaPlaneError) -> FDPair? in
            let rtp = rtprelay_udp_bind(address, port)
            if rtp == -EADDRINUSE { return nil }
            guard rtp >= 0 else { throw .socketFailure(-rtp) }
            guard pair else { return FDPair(rtp: rtp, rtcp: -1) }
            let rtcp = rtprelay_udp_bind(address, port + 1)
            if rtcp >= 0 { return FDPair(rtp: rtp, rtcp: rtcp) }
            _ = rtprelay_close(rtp)
            if rtcp == -EADDRINUSE { return nil }
            throw .socketFailure(-rtcp)
        }
        let port = reserved.port
        let counters = StreamCounterBlock()
        let id = state.withLock { s -> UInt64 in
            let id = s.nextID
            s.nextID += 1
            let worker: Int
            if let existing = s.groups[request.group.rawValue] {
                worker = existing.worker
                s.groups[request.group.rawValue] = (worker, existing.streams + 1)
            } else {
                // The least loaded worker takes a new call.
                worker = s.streamsPerWorker.indices.min { s.streamsPerWorker[$0] < s.streamsPerWorker[$1] } ?? 0
                s.groups[request.group.rawValue] = (worker, 1)
            }
            s.streamsPerWorker[worker] += 1
            s.streams[id] = StreamRecord(worker: worker, group: request.group.rawValue, counters: counters)
            enqueue(worker, .add(StreamRegistration(
                id: id, rtpFD: reserved.value.rtp, rtcpFD: reserved.value.rtcp, pool: pool,
                ports: pair ? [port, port + 1] : [port], counters: counters)), &s)
            return id
        }
        return AllocatedStream(id: MediaStreamID(rawValue: id), interface: interface.name,
                               localAddress: interface.localAddress, advertisedAddress: interface.advertisedAddress,
                               rtpPort: port, rtcpPort: pair ? port + 1 : port)
    }

    public func update(_ id: MediaStreamID, plan: StreamPlan) {
        var slotPlan = SlotPlan(plan)
        state.withLock { s in
            guard var record = s.streams[id.rawValue] else { return }
            // SRTP sessions are created here, on the control thread (a session allocates its contexts), and only when
            // the keys changed: the same keys again keep the running session's replay and rollover state.
            slotPlan.inboundSRTP = .between(record.inboundSRTP, plan.inboundSRTP, direction: .inbound)
            slotPlan.outboundSRTP = .between(record.outboundSRTP, plan.outboundSRTP, direction: .outbound)
            record.inboundSRTP = plan.inboundSRTP
            record.outboundSRTP = plan.outboundSRTP
            // Codec states are created here, at negotiation time, not by the worker per packet.
            slotPlan.transcode = .between(record.transcode, plan.transcode)
            record.transcode = plan.transcode
            s.streams[id.rawValue] = record
            enqueue(record.worker, .update(id: id.rawValue, plan: slotPlan), &s)
        }
    }

    public func release(_ id: MediaStreamID) {
        state.withLock { s in
            guard let record = s.streams.removeValue(forKey: id.rawValue) else { return }
            s.streamsPerWorker[record.worker] -= 1
            if let group = s.groups[record.group] {
                if group.streams <= 1 {
                    s.groups.removeValue(forKey: record.group)
                } else {
                    s.groups[record.group] = (group.worker, group.streams - 1)
                }
            }
            // The worker closes the sockets, then gives the ports back.
            enqueue(record.worker, .remove(id: id.rawValue), &s)
        }
    }

    public func beginBatch() {
        state.withLock { $0.batchDepth += 1 }
    }

    public func endBatch() {
        let owed = state.withLock { s -> [Bool] in
            guard s.batchDepth > 0 else { return [] }
            s.batchDepth -= 1
            guard s.batchDepth == 0, s.wakeOwed.contains(true) else { return [] }
            let owed = s.wakeOwed
            for i in s.wakeOwed.indices { s.wakeOwed[i] = false }
            return owed
        }
        // Not an immediate wake-up: the worker's timer takes the batch within `commandDelay`, or a packet on one of its
        // live sockets makes it take the batch before that packet (see RelayConfiguration.commandDelay).
        for (worker, due) in zip(workers, owed) where due { worker.wakeSoon() }
    }

    /// Queues a command for a worker (under the state lock); inside a batch its wake-up waits for `endBatch` and is
    /// then a timer, outside one it is immediate.
    private func enqueue(_ worker: Int, _ command: WorkerCommand, _ s: inout ControlState) {
        if s.batchDepth > 0 {
            if workers[worker].enqueue(command, deferWake: true) { s.wakeOwed[worker] = true }
        } else {
            workers[worker].enqueue(command)
        }
    }

    public func counters(_ id: MediaStreamID) -> StreamCounters? {
        state.withLock { $0.streams[id.rawValue]?.counters }?.snapshot
    }

    public func quality(_ id: MediaStreamID) -> StreamQualityReport? {
        state.withLock { $0.streams[id.rawValue]?.counters }?.quality
    }

    /// The worker a group's streams live on (nil once the group has no streams). For tests and stats.
    public func worker(of group: MediaGroupID) -> Int? {
        state.withLock { $0.groups[group.rawValue]?.worker }
    }

    /// Waits (up to `timeout` seconds) until every worker has run the commands queued so far.
    /// Returns false on timeout or when the workers are not running.
    func waitForWorkers(timeout: Double = 5) -> Bool {
        guard state.withLock({ $0.started && !$0.stopped }) else { return false }
        let barriers = workers.map { worker in
            let barrier = CommandBarrier()
            worker.enqueue(.barrier(barrier))
            return barrier
        }
        let deadline = rtprelay_monotonic_ns() &+ UInt64(timeout * 1e9)
        while !barriers.allSatisfy({ $0.reached.load(ordering: .acquiring) }) {
            if rtprelay_monotonic_ns() > deadline { return false }
            usleep(500)
        }
        return true
    }

    private func pickInterface(name: String?, family: AddressFamily) throws(MediaPlaneError) -> Int {
        if let name {
            if let i = interfaces.firstIndex(where: { $0.name == name && $0.family == family }) { return i }
            throw .noSuchInterface(name)
        }
        if let i = interfaces.firstIndex(where: { $0.family == family }) { return i }
        throw .noSuchInterface(family.rawValue)
    }
}

/// The socket(s) bound for one stream.
struct FDPair: Sendable {
    var rtp: Int32
    var rtcp: Int32
}
