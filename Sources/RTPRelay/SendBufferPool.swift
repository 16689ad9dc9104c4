/// io_uring mode with quiet sends: the worker's buffers for packets that do not go out of a receive buffer (the
/// transcoders' outputs and the relay's own RTCP reports). A packet is written into a slot, with its destination
/// address next to it (the send SQE points at both), and the slot is free again once the submission that consumed
/// the send has returned. Preallocated at start, worker thread only: nothing is allocated per packet.
final class SendBufferPool {
    /// Room for a sockaddr_storage at the start of each slot; the payload follows, 16-byte aligned.
    static let nameBytes = 128
    let payloadCapacity: Int
    let count: Int
    private let stride: Int
    private let base: UnsafeMutableRawPointer
    private let free: UnsafeMutablePointer<Int32>
    private var freeCount: Int

    init(count: Int, payloadCapacity: Int) {
        self.count = count
        self.payloadCapacity = payloadCapacity
        stride = (SendBufferPool.nameBytes + payloadCapacity + 63) & ~63
        base = .allocate(byteCount: stride * count, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: stride * count)
        free = .allocate(capacity: count)
        for i in 0..<count { free[i] = Int32(count - 1 - i) }
        freeCount = count
    }

    deinit {
        base.deallocate()
        free.deallocate()
    }

    var available: Int { freeCount }

    /// A free slot, or -1 when every slot is in flight.
    @inline(__always)
    func take() -> Int32 {
        guard freeCount > 0 else { return -1 }
        freeCount -= 1
        return free[freeCount]
    }

    @inline(__always)
    func give(_ slot: Int32) {
        guard slot >= 0, Int(slot) < count, freeCount < count else { return }
        free[freeCount] = slot
        freeCount += 1
    }

    /// Where the slot's destination address goes (sockaddr_storage size).
    @inline(__always)
    func name(_ slot: Int32) -> UnsafeMutableRawPointer { base + Int(slot) * stride }

    /// The slot's packet space.
    @inline(__always)
    func payload(_ slot: Int32) -> UnsafeMutableRawBufferPointer {
        UnsafeMutableRawBufferPointer(start: base + Int(slot) * stride + SendBufferPool.nameBytes, count: payloadCapacity)
    }
}
