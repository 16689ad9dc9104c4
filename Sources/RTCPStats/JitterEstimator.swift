import RTPWire

/// Interarrival jitter of RFC 3550 §6.4.1 / Appendix A.8, in RTP timestamp units, kept in the RFC's
/// fixed-point form (×16) so that each packet costs a few integer operations: J += |D| − J/16.
public struct JitterEstimator: Sendable, Hashable {
    /// Ticks per second of the stream's RTP clock (8000 for G.711, 48000 for Opus).
    public let clockRate: UInt32
    /// Jitter × 16 in timestamp units.
    private var scaledJitter: UInt32 = 0
    /// Arrival time minus RTP timestamp of the previous packet, in timestamp units (wrapping).
    private var lastTransit: UInt32 = 0
    private var hasTransit = false

    public init(clockRate: UInt32) {
        self.clockRate = max(1, clockRate)
    }

    /// Feeds one packet: its RTP timestamp and when it arrived.
    public mutating func update(rtpTimestamp: UInt32, arrival: MonotonicInstant) {
        let transit = Self.ticks(arrival, clockRate: clockRate) &- rtpTimestamp
        defer {
            lastTransit = transit
            hasTransit = true
        }
        // The first packet has no predecessor to compare with.
        guard hasTransit else { return }
        // Transit difference as a signed 32-bit value, so that wrap of either clock cancels out.
        let difference = Int32(bitPattern: transit &- lastTransit).magnitude
        // RFC 3550 A.8: jitter += d - ((jitter + 8) >> 4), in units of 1/16.
        scaledJitter = scaledJitter &+ difference &- ((scaledJitter &+ 8) >> 4)
    }

    /// Jitter in timestamp units, as written in a report block.
    public var jitter: UInt32 { scaledJitter >> 4 }

    /// Jitter in milliseconds (whole, truncated, as rtpengine reports it).
    public var jitterMilliseconds: UInt32 { Self.milliseconds(fromTimestampUnits: jitter, clockRate: clockRate) }

    /// Jitter from a report block, converted to milliseconds on the given clock (saturating: a hostile
    /// report on a 1 Hz clock must not trap).
    public static func milliseconds(fromTimestampUnits units: UInt32, clockRate: UInt32) -> UInt32 {
        UInt32(clamping: UInt64(units) * 1000 / UInt64(max(1, clockRate)))
    }

    /// An instant on the RTP clock, wrapping at 32 bits. Split into whole seconds and remainder so the
    /// product cannot overflow however long the machine has been up.
    static func ticks(_ instant: MonotonicInstant, clockRate: UInt32) -> UInt32 {
        let seconds = instant.nanoseconds / 1_000_000_000
        let remainder = instant.nanoseconds % 1_000_000_000
        let whole = UInt32(truncatingIfNeeded: seconds &* UInt64(clockRate))
        return whole &+ UInt32(truncatingIfNeeded: remainder * UInt64(clockRate) / 1_000_000_000)
    }
}
