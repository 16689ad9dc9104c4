import Synchronization

/// Packets relayed and dropped by the whole media plane since start, summed over workers.
public struct RelayTotals: Sendable, Hashable {
    public var packetsRelayed: UInt64 = 0
    public var bytesRelayed: UInt64 = 0
    public var droppedForeignSource: UInt64 = 0
    public var droppedMalformed: UInt64 = 0
    public var droppedNoDestination: UInt64 = 0
    /// SRTP/SRTCP packets that failed authentication or the replay check.
    public var droppedSRTP: UInt64 = 0
    /// sendmmsg refused the packet (socket buffer full, unreachable).
    public var sendErrors: UInt64 = 0
    public init() {}
}

/// One worker's totals, written by that worker only, read by anyone.
final class WorkerTotalsBlock: Sendable {
    let packetsRelayed = Atomic<UInt64>(0), bytesRelayed = Atomic<UInt64>(0)
    let droppedForeignSource = Atomic<UInt64>(0), droppedMalformed = Atomic<UInt64>(0)
    let droppedNoDestination = Atomic<UInt64>(0), sendErrors = Atomic<UInt64>(0)
    let droppedSRTP = Atomic<UInt64>(0)

    func add(to totals: inout RelayTotals) {
        totals.packetsRelayed &+= packetsRelayed.load(ordering: .relaxed)
        totals.bytesRelayed &+= bytesRelayed.load(ordering: .relaxed)
        totals.droppedForeignSource &+= droppedForeignSource.load(ordering: .relaxed)
        totals.droppedMalformed &+= droppedMalformed.load(ordering: .relaxed)
        totals.droppedNoDestination &+= droppedNoDestination.load(ordering: .relaxed)
        totals.sendErrors &+= sendErrors.load(ordering: .relaxed)
        totals.droppedSRTP &+= droppedSRTP.load(ordering: .relaxed)
    }
}
