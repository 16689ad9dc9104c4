import Testing
import RTPWire
@testable import RTCPStats

@Suite struct LossEstimatorTests {
    static func feed(_ sequence: [UInt16], into estimator: inout LossEstimator) -> [LossEstimator.Outcome] {
        sequence.map { estimator.update(SequenceNumber($0)) }
    }

    @Test func probationHoldsTheFirstPacketThenCountsFromTheSecond() {
        var loss = LossEstimator()
        #expect(loss.update(1000) == .probation)
        #expect(!loss.isValid && loss.expected == 0)
        #expect(loss.update(1001) == .inOrder)
        #expect(loss.isValid)
        _ = Self.feed(Array(1002...1099), into: &loss)
        // RFC 3550 A.1: counting (base_seq) starts at the packet that ends probation.
        #expect(loss.expected == 99 && loss.received == 99 && loss.cumulativeLost == 0)
        #expect(loss.extendedHighestSequence == 1099)
    }

    @Test func outOfOrderDuringProbationRestartsIt() {
        var loss = LossEstimator()
        #expect(Self.feed([10, 12, 13, 14], into: &loss) == [.probation, .probation, .inOrder, .inOrder])
        #expect(loss.expected == 2 && loss.received == 2)
    }

    @Test func injectedLossIsCountedExactly() {
        var loss = LossEstimator()
        let dropped: Set<UInt16> = [5, 6, 7, 50, 99, 150]
        _ = Self.feed((0...200).filter { !dropped.contains($0) }, into: &loss)
        #expect(loss.expected == 200) // 1...200
        #expect(loss.received == 194)
        #expect(loss.cumulativeLost == 6)
        #expect(loss.duplicates == 0 && loss.reordered == 0)
    }

    @Test func reorderedAndDuplicatePacketsAreCountedSeparately() {
        var loss = LossEstimator()
        let outcomes = Self.feed([0, 1, 2, 4, 3, 5, 5, 7, 6, 6, 8, 3], into: &loss)
        #expect(outcomes == [.probation, .inOrder, .inOrder, .inOrder, .reordered, .inOrder, .duplicate,
                             .inOrder, .reordered, .duplicate, .inOrder, .duplicate])
        #expect(loss.reordered == 2 && loss.duplicates == 3)
        // RFC 3550 A.3: duplicates count as received, so cumulative loss goes negative.
        #expect(loss.expected == 8 && loss.received == 11 && loss.cumulativeLost == -3)
    }

    @Test func sequenceWrapAt65535AddsACycle() {
        var loss = LossEstimator()
        let start: UInt16 = 65_500
        _ = Self.feed((0..<60).map { start &+ UInt16($0) }.filter { $0 != 65_534 }, into: &loss)
        #expect(loss.extendedHighestSequence == 0x1_0000 | 23)
        #expect(loss.expected == 59 && loss.received == 58 && loss.cumulativeLost == 1)
        // The missing packet from before the wrap arrives late: reordered, not a new cycle.
        #expect(loss.update(65_534) == .reordered)
        #expect(loss.cumulativeLost == 0 && loss.extendedHighestSequence == 0x1_0000 | 23)
        #expect(loss.update(10) == .duplicate)
        #expect(loss.update(65_535) == .duplicate)
    }

    @Test func sourceRestartIsAcceptedOnTheSecondPacketAfterAJump() {
        var loss = LossEstimator()
        _ = Self.feed(Array(5000...5100), into: &loss)
        #expect(loss.update(40_000) == .badSequence)
        #expect(loss.update(40_001) == .restarted)
        _ = Self.feed(Array(40_002...40_099), into: &loss)
        #expect(loss.expected == 99 && loss.received == 99 && loss.cumulativeLost == 0)
        #expect(loss.extendedHighestSequence == 40_099)
    }

    @Test func aSingleStrayJumpIsIgnored() {
        var loss = LossEstimator()
        _ = Self.feed(Array(0...100), into: &loss)
        #expect(loss.update(30_000) == .badSequence)
        #expect(loss.update(101) == .inOrder)
        #expect(loss.expected == 101 && loss.received == 101)
        // A gap just below MAX_DROPOUT is loss, not a restart.
        #expect(loss.update(SequenceNumber(101 + 2999)) == .inOrder)
        #expect(loss.cumulativeLost == 2998)
    }

    @Test func fractionLostIsPerInterval() {
        var loss = LossEstimator()
        _ = Self.feed((0...100).filter { $0 % 10 != 5 }, into: &loss) // expected 100, lost 10
        #expect(loss.closeInterval() == UInt8(10 * 256 / 100))
        _ = Self.feed(Array(101...200), into: &loss)
        #expect(loss.closeInterval() == 0)
        _ = Self.feed([203, 204], into: &loss) // 4 expected, 2 received
        #expect(loss.closeInterval() == 128)
        // Duplicates outnumbering losses never give a negative fraction.
        _ = Self.feed([205, 205, 205, 207], into: &loss)
        #expect(loss.closeInterval() == 0)
        #expect(loss.closeInterval() == 0) // nothing expected in an empty interval
    }

    @Test func cumulativeLossForTheReportIsClampedTo24Bits() {
        var wide = LossEstimator()
        _ = Self.feed([0, 1], into: &wide)
        var seq: UInt16 = 1
        // 3000 cycles of losing 2990 of every 3000 packets: ~9 M lost > 2^23 − 1.
        for _ in 0..<3000 {
            for step in [2990, 10] as [UInt16] {
                seq &+= step
                _ = wide.update(SequenceNumber(seq))
            }
        }
        #expect(wide.cumulativeLost > 0x7F_FFFF)
        #expect(wide.cumulativeLostForReport == 0x7F_FFFF)
    }

    /// Random streams across the wrap with injected drops, duplicates and adjacent swaps: the estimator's
    /// counts equal what was injected.
    @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func randomImpairmentsAreCountedExactly(seed: UInt64) {
        var rng = SplitMix(seed: seed)
        let start = UInt16(truncatingIfNeeded: rng.next())
        let count = 5000
        var drops = 0, duplicates = 0, swaps = 0
        var arrivals: [(seq: UInt16, copy: Bool)] = []
        for i in 0..<count {
            let seq = start &+ UInt16(i)
            if i > 4, i < count - 1, rng.next() % 20 == 0 {
                drops += 1
                continue
            }
            arrivals.append((seq, false))
            if i > 4, rng.next() % 25 == 0 {
                arrivals.append((seq, true))
                duplicates += 1
            }
        }
        var i = 4
        while i + 1 < arrivals.count - 1 {
            if !arrivals[i].copy, !arrivals[i + 1].copy, !arrivals[i + 2].copy, rng.next() % 20 == 0 {
                arrivals.swapAt(i, i + 1)
                swaps += 1
                i += 3
            } else {
                i += 1
            }
        }
        var loss = LossEstimator()
        for arrival in arrivals { _ = loss.update(SequenceNumber(arrival.seq)) }
        #expect(loss.duplicates == UInt64(duplicates))
        #expect(loss.reordered == UInt64(swaps))
        #expect(loss.expected == UInt64(count - 1))
        #expect(loss.received == UInt64(arrivals.count - 1))
        #expect(Int(loss.expected) - Int(loss.received - loss.duplicates) == drops)
    }
}

struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
