import Testing
import RTPWire
@testable import RTCPStats

@Suite struct JitterEstimatorTests {
    static let tenDaysNs: UInt64 = 10 * 86_400 * 1_000_000_000

    /// Sends `count` packets 20 ms apart; `delayMs(i)` is the network delay of packet i.
    static func run(clockRate: UInt32, count: Int, firstTimestamp: UInt32 = 0x1234_5678,
                    delayMs: (Int) -> Double) -> JitterEstimator {
        var jitter = JitterEstimator(clockRate: clockRate)
        let samplesPerPacket = clockRate / 50
        for i in 0..<count {
            let sentNs = tenDaysNs + UInt64(i) * 20_000_000
            let arrival = MonotonicInstant(nanoseconds: sentNs + UInt64(delayMs(i) * 1_000_000))
            jitter.update(rtpTimestamp: firstTimestamp &+ UInt32(i) &* samplesPerPacket, arrival: arrival)
        }
        return jitter
    }

    /// RFC 3550 §6.4.1 in floating point, independent of the estimator's fixed-point form.
    static func floatReference(clockRate: UInt32, count: Int, delayMs: (Int) -> Double) -> Double {
        var j = 0.0
        for i in 1..<count {
            let d = abs(delayMs(i) - delayMs(i - 1)) * Double(clockRate) / 1000
            j += (d - j) / 16
        }
        return j
    }

    @Test(arguments: [8000, 16000, 48000] as [UInt32])
    func constantDelayGivesZero(clockRate: UInt32) {
        let jitter = Self.run(clockRate: clockRate, count: 500) { _ in 73 }
        #expect(jitter.jitter == 0)
        #expect(jitter.jitterMilliseconds == 0)
    }

    @Test(arguments: [(8000, 5.0), (8000, 15.0), (48000, 5.0), (48000, 2.5)] as [(UInt32, Double)])
    func alternatingDelayConvergesToTheRecursionsFixedPoint(clockRate: UInt32, n: Double) {
        let delay: (Int) -> Double = { 40 + ($0 % 2 == 0 ? n : -n) }
        for count in [5, 20, 60, 400] {
            let expected = Self.floatReference(clockRate: clockRate, count: count, delayMs: delay)
            let measured = Self.run(clockRate: clockRate, count: count, delayMs: delay).jitter
            // The fixed-point form rounds each step; it stays within one timestamp unit of the float form
            // here (|D| is an exact number of ticks).
            #expect(abs(Double(measured) - expected) <= 1.0, "count \(count): \(measured) vs \(expected)")
        }
        // Fixed point of J += (|D| − J)/16 with |D| = 2N ms.
        let settled = Self.run(clockRate: clockRate, count: 1000, delayMs: delay)
        let fixedPoint = 2 * n * Double(clockRate) / 1000
        #expect(abs(Double(settled.jitter) - fixedPoint) <= 1)
        #expect(settled.jitterMilliseconds == UInt32(settled.jitter) * 1000 / clockRate)
    }

    @Test func randomDelayTracksTheFloatRecursion() {
        var rng = SplitMix(seed: 99)
        let delays = (0..<3000).map { _ in 30 + Double(rng.next() % 40_000) / 1000 } // 30...70 ms, µs steps
        let expected = Self.floatReference(clockRate: 8000, count: delays.count) { delays[$0] }
        let measured = Self.run(clockRate: 8000, count: delays.count) { delays[$0] }.jitter
        #expect(abs(Double(measured) - expected) <= 2, "\(measured) vs \(expected)")
        #expect(measured > 50) // ~13 ms of mean |D| at 8 kHz: far from zero
    }

    @Test func timestampAndClockWrapDoNotDisturbIt() {
        let jitter = Self.run(clockRate: 48000, count: 300, firstTimestamp: 0xFFFF_F000) { _ in 20 }
        #expect(jitter.jitter == 0)
        // Ticks of an instant 10 days after boot at 48 kHz, beyond 2^32: wraps instead of trapping.
        let ticks = JitterEstimator.ticks(MonotonicInstant(nanoseconds: Self.tenDaysNs + 500_000_000), clockRate: 48000)
        #expect(ticks == UInt32(truncatingIfNeeded: UInt64(10 * 86_400) * 48000 + 24000))
        #expect(JitterEstimator.ticks(MonotonicInstant(nanoseconds: .max), clockRate: 96000) > 0)
    }

    @Test func reportJitterConvertsToMilliseconds() {
        #expect(JitterEstimator.milliseconds(fromTimestampUnits: 160, clockRate: 8000) == 20)
        #expect(JitterEstimator.milliseconds(fromTimestampUnits: 479, clockRate: 48000) == 9)
        #expect(JitterEstimator.milliseconds(fromTimestampUnits: .max, clockRate: 0) == .max)
    }
}
