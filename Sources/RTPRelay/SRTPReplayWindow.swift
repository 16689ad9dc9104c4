/// Which recent packet indices were already accepted (RFC 3711 §3.3.2): a ring of `size` bits over caller-owned
/// words, bit `index mod size` for each index in (highest − size, highest]. An index further back than the
/// window is a replay, as libsrtp2 treats it. Check first, and record only after the packet authenticated, so a
/// forged packet never moves the window.
struct SRTPReplayWindow {
    let bits: UnsafeMutablePointer<UInt64>
    /// A power of two, at least 64.
    let size: Int

    /// `delta`: how far `index` is ahead of the highest accepted index (≤ 0: at or behind it).
    @inline(__always)
    func isReplay(index: UInt64, delta: Int64) -> Bool {
        if delta > 0 { return false }
        if -delta >= Int64(size) { return true }
        return bit(index)
    }

    /// Marks `index` as accepted; with `delta > 0` it becomes the highest and the indices it skipped are cleared.
    @inline(__always)
    func record(index: UInt64, delta: Int64) {
        if delta > 0 {
            if delta >= Int64(size) {
                clearAll()
            } else {
                // Positions of the skipped indices (index − delta, index) still hold bits from a lap ago.
                var skipped = index &- UInt64(delta) &+ 1
                while skipped != index {
                    set(skipped, false)
                    skipped &+= 1
                }
            }
        }
        set(index, true)
    }

    func clearAll() {
        bits.update(repeating: 0, count: size / 64)
    }

    @inline(__always)
    private func bit(_ index: UInt64) -> Bool {
        let position = Int(truncatingIfNeeded: index) & (size - 1)
        return bits[position >> 6] & (1 << UInt64(position & 63)) != 0
    }

    @inline(__always)
    private func set(_ index: UInt64, _ on: Bool) {
        let position = Int(truncatingIfNeeded: index) & (size - 1)
        let mask: UInt64 = 1 << UInt64(position & 63)
        if on { bits[position >> 6] |= mask } else { bits[position >> 6] &= ~mask }
    }
}
