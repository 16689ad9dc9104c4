/// Per-SSRC state of one SRTP session direction (RFC 3711 §3.2.1 keeps ROC, replay list and SRTCP index per
/// SSRC; the keys are shared because SDES keys a session, not an SSRC).
struct SRTPStreamState {
    var ssrc: UInt32 = 0
    /// Highest SRTP packet index accepted (inbound) or sent (outbound): libsrtp2's `rdbx` index.
    var rtpHighest: UInt64 = 0
    /// Inbound: highest SRTCP index accepted. Outbound: the last SRTCP index sent (the first one sent is 1).
    var rtcpIndex: UInt32 = 0
    /// Packet count of the table when this SSRC was last used: the least recent entry makes way for a new one.
    var lastUse: UInt64 = 0
}

/// A fixed table of SSRC states with their replay windows, all allocated when the session is made, so that a
/// new SSRC never allocates on the packet path. Inbound, an SSRC enters only after one of its packets
/// authenticated, so traffic without the key cannot fill it. When full, the least recently used entry is
/// reused: a relayed stream has one or two SSRCs at a time, a re-INVITE that keeps the keys may bring more.
final class SRTPStreamTable {
    static let capacity = 16
    /// SRTCP's window: 128 indices, as libsrtp2's (fixed there too).
    static let rtcpWindowSize = 128

    private let states: UnsafeMutablePointer<SRTPStreamState>
    private let rtpBits: UnsafeMutablePointer<UInt64>
    private let rtcpBits: UnsafeMutablePointer<UInt64>
    let rtpWindowSize: Int
    private(set) var count = 0
    private var clock: UInt64 = 0
    private var lastHit = 0

    /// `rtpWindowSize`: a power of two, at least 64.
    init(rtpWindowSize: Int) {
        self.rtpWindowSize = rtpWindowSize
        states = .allocate(capacity: Self.capacity)
        states.initialize(repeating: SRTPStreamState(), count: Self.capacity)
        rtpBits = .allocate(capacity: Self.capacity * rtpWindowSize / 64)
        rtpBits.initialize(repeating: 0, count: Self.capacity * rtpWindowSize / 64)
        rtcpBits = .allocate(capacity: Self.capacity * Self.rtcpWindowSize / 64)
        rtcpBits.initialize(repeating: 0, count: Self.capacity * Self.rtcpWindowSize / 64)
    }

    deinit {
        states.deallocate()
        rtpBits.deallocate()
        rtcpBits.deallocate()
    }

    /// The entry of `ssrc`, if it has one.
    @inline(__always)
    func find(_ ssrc: UInt32) -> Int? {
        if lastHit < count && states[lastHit].ssrc == ssrc { return touch(lastHit) }
        var i = 0
        while i < count {
            if states[i].ssrc == ssrc { return touch(i) }
            i += 1
        }
        return nil
    }

    /// A fresh entry for `ssrc` (ROC 0, nothing seen), taking the least recently used one when the table is full.
    func insert(_ ssrc: UInt32) -> Int {
        var slot = count
        if count < Self.capacity {
            count += 1
        } else {
            slot = 0
            for i in 1..<count where states[i].lastUse < states[slot].lastUse { slot = i }
        }
        states[slot] = SRTPStreamState(ssrc: ssrc)
        rtpWindow(slot).clearAll()
        rtcpWindow(slot).clearAll()
        return touch(slot)
    }

    @inline(__always)
    private func touch(_ i: Int) -> Int {
        clock &+= 1
        states[i].lastUse = clock
        lastHit = i
        return i
    }

    @inline(__always)
    subscript(_ i: Int) -> UnsafeMutablePointer<SRTPStreamState> { states + i }

    @inline(__always)
    func rtpWindow(_ i: Int) -> SRTPReplayWindow {
        SRTPReplayWindow(bits: rtpBits + i * (rtpWindowSize / 64), size: rtpWindowSize)
    }

    @inline(__always)
    func rtcpWindow(_ i: Int) -> SRTPReplayWindow {
        SRTPReplayWindow(bits: rtcpBits + i * (Self.rtcpWindowSize / 64), size: Self.rtcpWindowSize)
    }
}
