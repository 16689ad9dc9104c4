import RTPWire

/// Round-trip time from report blocks (RFC 3550 §6.4.1): remembers when the relay saw (or sent) each
/// SR of one source, by the SR's NTP middle 32 bits, and on a report block about that source computes
/// RTT = arrival − time the SR was seen − DLSR. A small fixed ring, no allocation.
public struct RoundTripEstimator: Sendable, Hashable {
    /// RTTs beyond this are discarded as bogus, as rtpengine does.
    public static let maximumMicroseconds: UInt64 = 10_000_000
    public static let capacity = 8

    private struct Entry: Sendable, Hashable {
        var ntpMiddle: UInt32 = 0
        var seen = MonotonicInstant(nanoseconds: 0)
        var used = false
    }

    // A fixed set of slots, overwritten round-robin; a tuple would do but these read better.
    private var e0 = Entry(), e1 = Entry(), e2 = Entry(), e3 = Entry()
    private var e4 = Entry(), e5 = Entry(), e6 = Entry(), e7 = Entry()
    private var nextSlot = 0
    /// The most recent valid round trip, in microseconds: the leg of whoever reports on this source.
    public private(set) var lastMicroseconds: UInt64?

    public init() {}

    /// An SR from this source passed through (or was generated) at `now`.
    public mutating func senderReportSeen(ntpMiddle: UInt32, at now: MonotonicInstant) {
        self[nextSlot] = Entry(ntpMiddle: ntpMiddle, seen: now, used: true)
        nextSlot = (nextSlot + 1) % Self.capacity
    }

    public mutating func senderReportSeen(_ report: RTCPSenderReport, at now: MonotonicInstant) {
        senderReportSeen(ntpMiddle: report.ntpTimestamp.middle32, at: now)
    }

    /// A report block about this source arrived at `now`. Returns the reporter's leg RTT in microseconds,
    /// or nil when LSR or DLSR is 0 (rtpengine ignores both), the SR is unknown, or the result is ≤ 0 or > 10 s.
    public mutating func reportArrived(lastSenderReport lsr: UInt32, delaySinceLastSenderReport dlsr: UInt32,
                                       at now: MonotonicInstant) -> UInt64? {
        guard lsr != 0, dlsr != 0, let seen = seenTime(ntpMiddle: lsr), now >= seen else { return nil }
        let elapsed = (now.nanoseconds - seen.nanoseconds) / 1000
        // DLSR is in 1/65536 s.
        let delay = (UInt64(dlsr) * 1_000_000) >> 16
        guard elapsed > delay else { return nil }
        let rtt = elapsed - delay
        guard rtt <= Self.maximumMicroseconds else { return nil }
        lastMicroseconds = rtt
        return rtt
    }

    public mutating func reportArrived(_ block: RTCPReportBlock, at now: MonotonicInstant) -> UInt64? {
        reportArrived(lastSenderReport: block.lastSenderReport,
                      delaySinceLastSenderReport: block.delaySinceLastSenderReport, at: now)
    }

    /// End-to-end RTT through the relay: this leg plus the other leg (0 while the other is unknown).
    public static func endToEnd(thisLeg: UInt64, otherLeg: UInt64?) -> UInt64 { thisLeg &+ (otherLeg ?? 0) }

    private func seenTime(ntpMiddle: UInt32) -> MonotonicInstant? {
        var latest: MonotonicInstant?
        for slot in 0..<Self.capacity {
            let entry = self[slot]
            if entry.used, entry.ntpMiddle == ntpMiddle, latest.map({ entry.seen > $0 }) ?? true { latest = entry.seen }
        }
        return latest
    }

    private subscript(slot: Int) -> Entry {
        get {
            switch slot {
            case 0: e0
            case 1: e1
            case 2: e2
            case 3: e3
            case 4: e4
            case 5: e5
            case 6: e6
            default: e7
            }
        }
        set {
            switch slot {
            case 0: e0 = newValue
            case 1: e1 = newValue
            case 2: e2 = newValue
            case 3: e3 = newValue
            case 4: e4 = newValue
            case 5: e5 = newValue
            case 6: e6 = newValue
            default: e7 = newValue
            }
        }
    }
}
