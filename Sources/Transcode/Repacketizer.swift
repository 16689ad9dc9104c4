/// A FIFO of samples cut into frames of the output ptime: decoded input of any packet length goes in,
/// whole output frames come out, the remainder waits for the next packet (20 → 30 ms holds 10 ms back
/// every other packet). `Sample` is `Int16` for PCM, or `UInt8` for the G.711 byte path.
///
/// Storage is allocated once at init: the caller drains whole frames before each append so that
/// `freeSpace` always holds at least `capacity - frameSamples + 1` samples.
final class Repacketizer<Sample: FixedWidthInteger> {
    /// Samples in one output frame.
    let frameSamples: Int
    private let storage: UnsafeMutableBufferPointer<Sample>
    /// Samples buffered, always `< storage.count`.
    private(set) var count = 0

    /// `maxAppend` is the most a caller appends between two drains.
    init(frameSamples: Int, maxAppend: Int) {
        precondition(frameSamples > 0 && maxAppend > 0, "Repacketizer needs positive sizes")
        self.frameSamples = frameSamples
        storage = .allocate(capacity: frameSamples + maxAppend)
        storage.initialize(repeating: 0)
    }

    deinit { storage.deallocate() }

    /// Room after the buffered samples; write into it, then `commit`.
    var freeSpace: UnsafeMutableBufferPointer<Sample> {
        UnsafeMutableBufferPointer(rebasing: storage[count...])
    }

    func commit(_ written: Int) {
        count += max(0, min(written, storage.count - count))
    }

    /// Appends `n` copies of `value` (silence), as many as fit.
    func append(repeating value: Sample, count n: Int) {
        let room = min(n, storage.count - count)
        guard room > 0 else { return }
        for i in count..<(count + room) { storage[i] = value }
        count += room
    }

    var hasFrame: Bool { count >= frameSamples }

    /// The oldest whole frame; valid until the next `consumeFrame`.
    var frame: UnsafeBufferPointer<Sample> {
        UnsafeBufferPointer(rebasing: storage[0..<frameSamples])
    }

    /// Drops the oldest frame and moves the remainder to the front (at most one packet's worth: cheap).
    func consumeFrame() {
        let rest = count - frameSamples
        if rest > 0 {
            let base = storage.baseAddress!   // storage is never empty (frameSamples > 0)
            base.update(from: base + frameSamples, count: rest)
        }
        count = max(0, rest)
    }

    /// Discards everything buffered.
    func clear() { count = 0 }
}
