/// A point on the monotonic clock, in nanoseconds. Always passed in, never read inside pure code,
/// so state machines are tested with a virtual clock.
public struct MonotonicInstant: Hashable, Comparable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }
    public static func seconds(_ s: Double) -> MonotonicInstant { MonotonicInstant(nanoseconds: UInt64(s * 1e9)) }

    public static func < (a: MonotonicInstant, b: MonotonicInstant) -> Bool { a.nanoseconds < b.nanoseconds }

    /// `self + seconds`, saturating instead of trapping.
    public func adding(seconds: Double) -> MonotonicInstant {
        let delta = seconds <= 0 ? 0 : UInt64(min(seconds * 1e9, Double(UInt64.max / 2)))
        let (sum, overflow) = nanoseconds.addingReportingOverflow(delta)
        return MonotonicInstant(nanoseconds: overflow ? .max : sum)
    }

    /// Seconds from `earlier` to `self` (negative if `earlier` is later).
    public func seconds(since earlier: MonotonicInstant) -> Double {
        nanoseconds >= earlier.nanoseconds
            ? Double(nanoseconds - earlier.nanoseconds) / 1e9
            : -Double(earlier.nanoseconds - nanoseconds) / 1e9
    }

    public var description: String { "\(Double(nanoseconds) / 1e9)s" }
}
