import CShim

/// One worker's preallocated datagram arrays for recvmmsg/sendmmsg: receive buffers with their iovecs and
/// source-address slots, and a send vector whose entries point back into the receive buffers (relaying never
/// copies payload). Allocated once when the worker is created, freed with it; knows nothing of RTP.
///
/// Each buffer has `spare` bytes after the `bufferSize` the kernel may fill, so a datagram can grow in place
/// before it is sent on (SRTP appends a trailer).
final class UDPBatchIO {
    let batchSize: Int
    let bufferSize: Int
    /// Writable bytes from the start of each buffer: `bufferSize` plus the spare room (also the stride).
    let capacity: Int
    let buffers: UnsafeMutableRawPointer
    let recvVector: OpaquePointer   // [batchSize]
    let recvIovecs: UnsafeMutablePointer<iovec>
    let recvNames: UnsafeMutablePointer<sockaddr_storage>
    let sendVector: OpaquePointer   // [batchSize]
    let sendIovecs: UnsafeMutablePointer<iovec>
    let sendNames: UnsafeMutablePointer<sockaddr_storage>
    private let recvRaw: UnsafeMutableRawPointer
    private let sendRaw: UnsafeMutableRawPointer

    init(batchSize: Int, bufferSize: Int, spare: Int = 0) {
        self.batchSize = batchSize
        self.bufferSize = bufferSize
        capacity = bufferSize + max(0, spare)
        buffers = .allocate(byteCount: batchSize * capacity, alignment: 16)
        recvRaw = .allocate(byteCount: batchSize * rtprelay_mmsghdr_size(), alignment: 16)
        sendRaw = .allocate(byteCount: batchSize * rtprelay_mmsghdr_size(), alignment: 16)
        recvRaw.initializeMemory(as: UInt8.self, repeating: 0, count: batchSize * rtprelay_mmsghdr_size())
        sendRaw.initializeMemory(as: UInt8.self, repeating: 0, count: batchSize * rtprelay_mmsghdr_size())
        recvVector = OpaquePointer(recvRaw)
        sendVector = OpaquePointer(sendRaw)
        recvIovecs = .allocate(capacity: batchSize)
        recvIovecs.initialize(repeating: iovec(), count: batchSize)
        sendIovecs = .allocate(capacity: batchSize)
        sendIovecs.initialize(repeating: iovec(), count: batchSize)
        recvNames = .allocate(capacity: batchSize)
        recvNames.initialize(repeating: sockaddr_storage(), count: batchSize)
        sendNames = .allocate(capacity: batchSize)
        sendNames.initialize(repeating: sockaddr_storage(), count: batchSize)
        rtprelay_mmsg_setup_recv(recvVector, recvIovecs, recvNames, buffers.assumingMemoryBound(to: UInt8.self),
                                 capacity, UInt32(batchSize))
        // Buffers are `capacity` apart, but the kernel may fill only `bufferSize` of each: the rest is the spare.
        for i in 0..<batchSize { recvIovecs[i].iov_len = bufferSize }
    }

    deinit {
        buffers.deallocate()
        recvRaw.deallocate()
        sendRaw.deallocate()
        recvIovecs.deallocate()
        sendIovecs.deallocate()
        recvNames.deallocate()
        sendNames.deallocate()
    }

    /// Reads up to `batchSize` datagrams; returns how many (0 when none or on error).
    @inline(__always)
    func receive(fd: Int32) -> Int {
        let n = rtprelay_recv_batch(fd, recvVector, UInt32(batchSize))
        return n > 0 ? Int(n) : 0
    }

    @inline(__always)
    func received(_ index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: buffers + index * capacity,
                               count: Int(rtprelay_mmsghdr_len(recvVector, UInt32(index))))
    }

    /// The kernel cut the datagram to fit the buffer.
    @inline(__always)
    func truncated(_ index: Int) -> Bool { rtprelay_mmsg_truncated(recvVector, UInt32(index)) != 0 }

    @inline(__always)
    func source(_ index: Int) -> PeerAddress {
        PeerAddress(copying: UnsafeRawPointer(recvNames + index), length: rtprelay_mmsg_namelen(recvVector, UInt32(index)))
    }

    /// Makes send entry `slot` carry received datagram `index` to `destination`.
    @inline(__always)
    func prepareSend(slot: Int, fromReceived index: Int, length: Int, to destination: PeerAddress) {
        let name = UnsafeMutableRawPointer(sendNames + slot)
        let nameLength = destination.copy(to: name)
        rtprelay_mmsg_set_send(sendVector, sendIovecs, UInt32(slot), buffers + index * capacity, length,
                               name, nameLength)
    }

    /// sendmmsg of entries [first, first+count) on fd: number sent, or -1 (errno) when the first one failed.
    @inline(__always)
    func send(fd: Int32, first: Int, count: Int) -> Int {
        Int(rtprelay_send_batch(fd, sendVector, UInt32(first), UInt32(count)))
    }
}
