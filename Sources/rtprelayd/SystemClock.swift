#if canImport(Glibc)
import Glibc
#endif
import RTPWire

/// The only place the daemon reads clocks; the engine gets both readings as parameters.
enum SystemClock {
    static func monotonicNow() -> MonotonicInstant {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return MonotonicInstant(nanoseconds: UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec))
    }

    /// Microseconds since the Unix epoch (ng replies carry wall-clock `created` times).
    static func wallClockMicros() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return UInt64(now.tv_sec) &* 1_000_000 &+ UInt64(now.tv_nsec / 1000)
    }
}
