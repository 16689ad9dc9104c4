import RTPWire

/// The port allocators of all local addresses, shared by the control thread (allocate) and the workers
/// (which give ports back after closing their sockets). Taken on allocate/release only, never per packet.
///
/// What a worker hands back with the ports (the closed stream's registration: its port list and counter block)
/// is freed by the control thread, on its next allocation. Those objects were allocated there; freed on a worker,
/// each went back into the control thread's malloc arena under that arena's lock, which the control thread holds
/// for its own allocations all through an offer: the two collided on a futex about once per call set-up.
final class PortLedger: Sendable {
    private struct State {
        var pools: [PortAllocator]
        /// Released streams whose last reference the control thread drops (see above).
        var retired: [StreamRegistration] = []
    }

    private let state: ThreadLock<State>

    init(poolCount: Int, portMin: UInt16, portMax: UInt16) {
        state = ThreadLock(State(pools: Array(repeating: PortAllocator(portMin: portMin, portMax: portMax),
                                              count: poolCount)))
    }

    func reserve<T: Sendable>(pool: Int, pair: Bool,
                              bind: (UInt16) throws(MediaPlaneError) -> T?) throws(MediaPlaneError) -> (port: UInt16, value: T) {
        var retired: [StreamRegistration] = []
        let reserved = try state.withLock { (state) throws(MediaPlaneError) -> (port: UInt16, value: T) in
            if !state.retired.isEmpty { swap(&retired, &state.retired) }
            return try state.pools[pool].reserve(pair: pair, bind: bind)
        }
        // What the workers handed back is freed here, on this thread and outside the lock.
        retired.removeAll()
        return reserved
    }

    /// Gives the ports of closed streams back and keeps their registrations for the control thread to drop, under
    /// one lock. `wait` false: only if the lock is free right now (the control thread holds it across its socket
    /// and bind calls; a worker that waited for it slept on a futex and cost the control thread a wake-up); returns
    /// whether the batch was taken. On success `batch` is emptied (its capacity kept) without freeing anything.
    @discardableResult
    func release(_ batch: inout [StreamRegistration], wait: Bool = true) -> Bool {
        // A relay that stops allocating (calls only end for a while) would otherwise keep every retired stream until
        // its next call: past this many, the worker takes them back and frees them itself, outside the lock.
        var overflow: [StreamRegistration] = []
        let body = { (state: inout State) in
            for entry in batch { state.pools[entry.pool].release(entry.ports) }
            state.retired.append(contentsOf: batch)
            if state.retired.count > PortLedger.maxRetired { swap(&overflow, &state.retired) }
        }
        if wait {
            state.withLock(body)
        } else if state.withLockIfAvailable(body) == nil {
            return false
        }
        batch.removeAll(keepingCapacity: true)
        overflow.removeAll()
        return true
    }

    /// Retired registrations held for the control thread at most (a few hundred bytes each).
    static let maxRetired = 4096

    var portsInUse: Int {
        state.withLock { $0.pools.reduce(0) { $0 + $1.inUse.count } }
    }
}
