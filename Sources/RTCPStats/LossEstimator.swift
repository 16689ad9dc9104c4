import RTPWire

/// Per-source reception state of RFC 3550 Appendix A.1 (sequence validation) and A.3 (expected,
/// lost, fraction lost), plus separate duplicate and late (reordered) counts. O(1) per packet, no
/// allocation: the duplicate detector is a 128-bit window of recently seen sequence numbers.
public struct LossEstimator: Sendable, Hashable {
    /// A source is valid after this many packets in sequence (RFC 3550 A.1).
    public static let minSequential = 2
    /// A forward jump smaller than this is taken as loss; a bigger one as a possible restart.
    public static let maxDropout: UInt16 = 3000
    /// A backward step of at most this is a late or duplicate packet.
    public static let maxMisorder: UInt16 = 100

    /// What one packet did to the state.
    public enum Outcome: Sendable, Hashable {
        /// Advanced the highest sequence number (possibly past a gap).
        case inOrder
        /// Older than the highest, not seen before.
        case reordered
        /// Seen before (within the last 128 sequence numbers).
        case duplicate
        /// Source still in probation: not counted yet.
        case probation
        /// A big jump, held until the next packet confirms it: not counted.
        case badSequence
        /// The jump was confirmed by its successor: the source restarted and counting started over.
        case restarted
    }

    private var started = false
    private var maxSeq: UInt16 = 0
    /// Wrap count shifted left 16 (RFC 3550 A.1 `cycles`).
    private var cycles: UInt32 = 0
    private var baseSeq: UInt32 = 0
    /// Next sequence number expected after a suspicious jump; above 0xFFFF means none.
    private var badSeq: UInt32 = 0x1_0001
    private var probation = 0
    public private(set) var received: UInt64 = 0
    private var expectedPrior: UInt64 = 0
    private var receivedPrior: UInt64 = 0
    public private(set) var duplicates: UInt64 = 0
    public private(set) var reordered: UInt64 = 0
    /// Bit i set: extended highest − i was received (i < 128).
    private var seenLow: UInt64 = 0
    private var seenHigh: UInt64 = 0

    public init() {}

    /// Feeds one RTP sequence number.
    public mutating func update(_ sequence: SequenceNumber) -> Outcome {
        let seq = sequence.rawValue
        guard started else {
            // RFC 3550 A.1: the first packet starts probation with max_seq = seq − 1.
            started = true
            restart(at: seq)
            maxSeq = seq &- 1
            probation = Self.minSequential
            return update(sequence)
        }
        let delta = seq &- maxSeq
        if probation > 0 {
            if seq == maxSeq &+ 1 {
                probation -= 1
                maxSeq = seq
                if probation == 0 {
                    restart(at: seq)
                    received += 1
                    markSeen(0)
                    return .inOrder
                }
            } else {
                probation = Self.minSequential - 1
                maxSeq = seq
            }
            return .probation
        }
        if delta < Self.maxDropout {
            if delta == 0 {
                // Repeat of the highest: RFC A.1 counts it as received.
                received += 1
                duplicates += 1
                return .duplicate
            }
            if seq < maxSeq { cycles &+= 0x1_0000 }
            maxSeq = seq
            shiftWindow(by: Int(delta))
            markSeen(0)
            received += 1
            return .inOrder
        } else if delta <= UInt16.max - Self.maxMisorder {
            // RFC 3550 A.1: a big jump; accept it as a restart only if the next packet follows it.
            if UInt32(seq) == badSeq {
                restart(at: seq)
                received += 1
                markSeen(0)
                return .restarted
            }
            badSeq = UInt32(seq &+ 1)
            return .badSequence
        } else {
            // Late: up to maxMisorder behind the highest. Counted as received, as RFC A.1 does.
            received += 1
            let age = Int(maxSeq &- seq)
            if isSeen(age) {
                duplicates += 1
                return .duplicate
            }
            markSeen(age)
            reordered += 1
            return .reordered
        }
    }

    /// Cycles in the high 16 bits, highest sequence number in the low 16 (report block field).
    public var extendedHighestSequence: UInt32 { cycles | UInt32(maxSeq) }

    /// Whether the source has left probation.
    public var isValid: Bool { started && probation == 0 }

    /// Packets expected since counting (re)started (RFC 3550 A.3).
    public var expected: UInt64 {
        guard isValid else { return 0 }
        return UInt64(extendedHighestSequence &- baseSeq) + 1
    }

    /// Expected minus received; negative with duplicates (RFC 3550 A.3). Clamp with
    /// `RTCPReportBlock.cumulativeLostRange` when writing (the report block writer does).
    public var cumulativeLost: Int64 { Int64(expected) - Int64(received) }

    /// Cumulative loss clamped to the report block's 24-bit signed field.
    public var cumulativeLostForReport: Int32 {
        let range = RTCPReportBlock.cumulativeLostRange
        return Int32(min(max(cumulativeLost, Int64(range.lowerBound)), Int64(range.upperBound)))
    }

    /// Ends a reporting interval: fraction lost since the previous call, in 1/256 (RFC 3550 A.3).
    public mutating func closeInterval() -> UInt8 {
        let expectedNow = expected
        let expectedInterval = Int64(expectedNow) - Int64(expectedPrior)
        expectedPrior = expectedNow
        let receivedInterval = Int64(received) - Int64(receivedPrior)
        receivedPrior = received
        let lostInterval = expectedInterval - receivedInterval
        guard expectedInterval > 0, lostInterval > 0 else { return 0 }
        return UInt8(min(255, (lostInterval << 8) / expectedInterval))
    }

    // RFC 3550 A.1 init_seq.
    private mutating func restart(at seq: UInt16) {
        baseSeq = UInt32(seq)
        maxSeq = seq
        badSeq = 0x1_0001
        cycles = 0
        received = 0
        expectedPrior = 0
        receivedPrior = 0
        seenLow = 0
        seenHigh = 0
    }

    private mutating func shiftWindow(by count: Int) {
        if count >= 128 {
            seenLow = 0
            seenHigh = 0
        } else if count >= 64 {
            seenHigh = seenLow << (count - 64)
            seenLow = 0
        } else if count > 0 {
            seenHigh = seenHigh << count | seenLow >> (64 - count)
            seenLow <<= count
        }
    }

    private mutating func markSeen(_ age: Int) {
        if age < 64 { seenLow |= 1 << age } else if age < 128 { seenHigh |= 1 << (age - 64) }
    }

    private func isSeen(_ age: Int) -> Bool {
        if age < 64 { return seenLow & (1 << age) != 0 }
        if age < 128 { return seenHigh & (1 << (age - 64)) != 0 }
        return false
    }
}
