import RTPWire

/// The port allocators of all local addresses, shared by the control thread (allocate) and the workers
/// (which give ports back after closing their sockets). Taken on allocate/release only, never per packet.
final class PortLedger: Sendable {
    private let pools: ThreadLock<[PortAllocator]>

    init(poolCount: Int, portMin: UInt16, portMax: UInt16) {
        pools = ThreadLock(Array(repeating: PortAllocator(portMin: portMin, portMax: portMax), count: poolCount))
    }

    func reserve<T: Sendable>(pool: Int, pair: Bool,
                              bind: (UInt16) throws(MediaPlaneError) -> T?) throws(MediaPlaneError) -> (port: UInt16, value: T) {
        try pools.withLock { (pools) throws(MediaPlaneError) -> (port: UInt16, value: T) in
            try pools[pool].reserve(pair: pair, bind: bind)
        }
    }

    func release(pool: Int, ports: [UInt16]) {
        pools.withLock { $0[pool].release(ports) }
    }

    /// Several streams' ports at once, under one lock.
    func release(_ batch: [(pool: Int, ports: [UInt16])]) {
        pools.withLock { pools in
            for entry in batch { pools[entry.pool].release(entry.ports) }
        }
    }

    var portsInUse: Int {
        pools.withLock { $0.reduce(0) { $0 + $1.inUse.count } }
    }
}
