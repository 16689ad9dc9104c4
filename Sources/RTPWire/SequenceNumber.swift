/// A 16-bit RTP sequence number with wrap-aware comparison (RFC 3550 §5.1: it wraps at 65535).
/// "Newer" means ahead by less than half the number space, as RFC 1982 serial arithmetic.
public struct SequenceNumber: RawRepresentable, Hashable, Sendable, ExpressibleByIntegerLiteral,
    CustomStringConvertible
{
    public var rawValue: UInt16

    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ value: UInt16) { rawValue = value }
    public init(integerLiteral value: UInt16) { rawValue = value }

    /// Signed steps from `self` forward to `other` (`65535 → 1` is +2, `1 → 65535` is −2).
    public func distance(to other: SequenceNumber) -> Int {
        Int(Int16(bitPattern: other.rawValue &- rawValue))
    }

    /// Whether `self` comes after `other` in wrap-around order.
    public func isNewer(than other: SequenceNumber) -> Bool { other.distance(to: self) > 0 }

    /// `self` advanced by `steps`, wrapping.
    public func advanced(by steps: Int) -> SequenceNumber {
        SequenceNumber(rawValue: rawValue &+ UInt16(truncatingIfNeeded: steps))
    }

    public var description: String { String(rawValue) }
}
