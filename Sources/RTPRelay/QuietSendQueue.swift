/// io_uring mode with quiet sends (MediaWorkerUring): the sends handed to the ring, oldest first, each holding the
/// memory it sends from (a receive buffer or a send-pool slot) until the kernel has consumed its SQE.
///
/// A quiet send posts a completion only when it fails, and it is issued inline by the submission that consumes it
/// (MSG_DONTWAIT), so "consumed" means "done": its memory is free again. A send's user data is its position here, so
/// a failure completion finds its bookkeeping without a search (the entry stays readable after it retired, until the
/// queue wraps onto it).
struct InFlightSend {
    /// Position in the queue (the send's user data), to tell a live entry from a retired or reused one.
    var position: UInt32 = 0
    /// The kernel's SQE sequence number: done once the SQ head is past it.
    var sequence: UInt32 = 0
    /// The memory sent from: a receive buffer id (>= 0), or -1 - slot for a send-pool slot.
    var buffer: Int32 = 0
    var pending = PendingSend()
}

/// The queue itself: a power-of-two ring of entries, preallocated, worker thread only. Every entry holds a distinct
/// buffer, so a capacity of at least the number of buffers (receive plus pool) can never overflow.
final class QuietSendQueue {
    private let entries: UnsafeMutablePointer<InFlightSend>
    private let mask: UInt32
    /// Oldest entry not retired, and the next position.
    private var head: UInt32 = 0
    private(set) var tail: UInt32 = 0

    init(minimumCapacity: Int) {
        var capacity = 64
        while capacity < minimumCapacity { capacity <<= 1 }
        entries = .allocate(capacity: capacity)
        entries.initialize(repeating: InFlightSend(), count: capacity)
        mask = UInt32(capacity - 1)
    }

    deinit {
        entries.deinitialize(count: Int(mask) + 1)
        entries.deallocate()
    }

    var isEmpty: Bool { head == tail }
    var isFull: Bool { tail &- head > mask }

    /// Appends a send queued at position `tail` (the caller used `tail` as its user data).
    @inline(__always)
    func append(sequence: UInt32, buffer: Int32, pending: PendingSend) {
        entries[Int(tail & mask)] = InFlightSend(position: tail, sequence: sequence, buffer: buffer, pending: pending)
        tail &+= 1
    }

    /// The bookkeeping of the send at `position` (retired or not), or nil when its entry was reused since.
    func pending(position: UInt32) -> PendingSend? {
        let entry = entries + Int(position & mask)
        guard entry.pointee.position == position, tail &- position <= mask &+ 1, position != tail else { return nil }
        return entry.pointee.pending
    }

    /// Retires, oldest first, every send whose SQE the kernel has consumed (`consumed`: its SQ head). False when
    /// there was none.
    @inline(__always)
    func retire(consumed: UInt32, _ body: (InFlightSend) -> Void) -> Bool {
        var any = false
        while head != tail {
            let entry = entries[Int(head & mask)]
            guard Int32(bitPattern: consumed &- entry.sequence) > 0 else { break }
            body(entry)
            head &+= 1
            any = true
        }
        return any
    }
}
