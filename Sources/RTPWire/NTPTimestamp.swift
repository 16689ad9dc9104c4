/// A 64-bit NTP timestamp (RFC 3550 §4): seconds since 1900 and a 32-bit binary fraction.
/// RTCP carries it whole in SRs and XR RRT blocks, and as its middle 32 bits in LSR / LRR fields.
public struct NTPTimestamp: Hashable, Sendable {
    /// Seconds from 1900-01-01 to 1970-01-01.
    public static let unixEpochOffset: UInt32 = 2_208_988_800

    public var seconds: UInt32
    public var fraction: UInt32

    public init(seconds: UInt32, fraction: UInt32) {
        self.seconds = seconds
        self.fraction = fraction
    }

    public init(rawValue: UInt64) {
        seconds = UInt32(truncatingIfNeeded: rawValue >> 32)
        fraction = UInt32(truncatingIfNeeded: rawValue)
    }

    public var rawValue: UInt64 { UInt64(seconds) << 32 | UInt64(fraction) }

    /// The compact form echoed as LSR (RFC 3550 §6.4.1): low 16 bits of seconds, high 16 of fraction.
    public var middle32: UInt32 { UInt32(truncatingIfNeeded: rawValue >> 16) }

    /// From microseconds since the UNIX epoch. Seconds wrap at NTP era 1 (2036) as on the wire;
    /// the fraction is rounded so that converting back yields the same microsecond.
    public init(unixMicroseconds: UInt64) {
        let wholeSeconds = unixMicroseconds / 1_000_000
        let micros = unixMicroseconds % 1_000_000
        seconds = UInt32(truncatingIfNeeded: wholeSeconds) &+ Self.unixEpochOffset
        fraction = UInt32(truncatingIfNeeded: ((micros << 32) + 500_000) / 1_000_000)
    }

    /// Microseconds since the UNIX epoch (valid until 2106; era 1 timestamps map past 2036).
    public var unixMicroseconds: UInt64 {
        let unixSeconds = UInt64(seconds &- Self.unixEpochOffset)
        let micros = (UInt64(fraction) * 1_000_000 + (1 << 31)) >> 32
        return unixSeconds * 1_000_000 + micros
    }
}
