import RTPWire

/// Maps monotonic instants to UNIX time for the stats tree: the engine is handed both clocks'
/// readings for "now" and derives every other wall time from the monotonic distance to it.
struct WallClock {
    let now: MonotonicInstant
    let nowMicros: UInt64

    /// UNIX µs at `instant` (saturating at 0 for instants before the epoch, which cannot happen in practice).
    func micros(at instant: MonotonicInstant) -> UInt64 {
        if instant >= now {
            return nowMicros &+ (instant.nanoseconds - now.nanoseconds) / 1000
        }
        let back = (now.nanoseconds - instant.nanoseconds) / 1000
        return back > nowMicros ? 0 : nowMicros - back
    }

    /// UNIX seconds at `instant`.
    func seconds(at instant: MonotonicInstant) -> Int64 { Int64(clamping: micros(at: instant) / 1_000_000) }
}
