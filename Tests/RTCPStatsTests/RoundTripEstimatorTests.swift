import Testing
import RTPWire
@testable import RTCPStats

@Suite struct RoundTripEstimatorTests {
    static func at(_ seconds: Double) -> MonotonicInstant { MonotonicInstant(nanoseconds: UInt64((seconds * 1e9).rounded())) }

    @Test func roundTripIsArrivalMinusSRMinusDLSR() {
        var rtt = RoundTripEstimator()
        let ntp = NTPTimestamp(unixMicroseconds: 1_767_225_600_000_000)
        let sr = RTCPSenderReport(ssrc: 1, ntpTimestamp: ntp, rtpTimestamp: 0, packetCount: 0, octetCount: 0)
        rtt.senderReportSeen(sr, at: Self.at(100))
        // Far end held the SR 250 ms (16384/65536 s); the RR comes back 300 ms after the SR passed: 50 ms.
        let block = RTCPReportBlock(ssrc: 1, lastSenderReport: ntp.middle32, delaySinceLastSenderReport: 16_384)
        #expect(rtt.reportArrived(block, at: Self.at(100.3)) == 50_000)
        #expect(rtt.lastMicroseconds == 50_000)
        // DLSR 13107/65536 s = 199 996.9 µs, truncated.
        #expect(rtt.reportArrived(lastSenderReport: ntp.middle32, delaySinceLastSenderReport: 13_107, at: Self.at(100.3))
            == 300_000 - 199_996)
    }

    @Test func bogusReportsAreDiscarded() {
        var rtt = RoundTripEstimator()
        rtt.senderReportSeen(ntpMiddle: 0xAAAA_0000, at: Self.at(10))
        // DLSR longer than the time since the SR passed: RTT would be negative.
        #expect(rtt.reportArrived(lastSenderReport: 0xAAAA_0000, delaySinceLastSenderReport: 65_536, at: Self.at(10.5)) == nil)
        // Exactly zero.
        #expect(rtt.reportArrived(lastSenderReport: 0xAAAA_0000, delaySinceLastSenderReport: 32_768, at: Self.at(10.5)) == nil)
        // More than 10 s (DLSR 1/65536 s = 15 µs).
        #expect(rtt.reportArrived(lastSenderReport: 0xAAAA_0000, delaySinceLastSenderReport: 1, at: MonotonicInstant(nanoseconds: 20_000_016_000)) == nil)
        #expect(rtt.reportArrived(lastSenderReport: 0xAAAA_0000, delaySinceLastSenderReport: 1, at: MonotonicInstant(nanoseconds: 20_000_015_000)) == 10_000_000)
        // DLSR 0 is ignored, as rtpengine does.
        #expect(rtt.reportArrived(lastSenderReport: 0xAAAA_0000, delaySinceLastSenderReport: 0, at: Self.at(11)) == nil)
        // No SR yet (LSR 0) and an SR never seen.
        #expect(rtt.reportArrived(lastSenderReport: 0, delaySinceLastSenderReport: 1, at: Self.at(11)) == nil)
        #expect(rtt.reportArrived(lastSenderReport: 0xBBBB_0000, delaySinceLastSenderReport: 1, at: Self.at(11)) == nil)
        // An arrival before the SR was seen (clock misuse) is not a huge unsigned RTT.
        #expect(rtt.reportArrived(lastSenderReport: 0xAAAA_0000, delaySinceLastSenderReport: 1, at: Self.at(9)) == nil)
        #expect(rtt.lastMicroseconds == 10_000_000)
    }

    @Test func ringKeepsTheLastEightSenderReports() {
        var rtt = RoundTripEstimator()
        for i in 0..<12 { rtt.senderReportSeen(ntpMiddle: UInt32(1000 + i), at: Self.at(Double(i))) }
        for i in 0..<4 {
            #expect(rtt.reportArrived(lastSenderReport: UInt32(1000 + i), delaySinceLastSenderReport: 1, at: Self.at(12)) == nil)
        }
        for i in 4..<12 {
            #expect(rtt.reportArrived(lastSenderReport: UInt32(1000 + i), delaySinceLastSenderReport: 1, at: Self.at(12))
                == UInt64(12 - i) * 1_000_000 - 15)
        }
    }

    @Test func endToEndAddsTheOtherLeg() {
        #expect(RoundTripEstimator.endToEnd(thisLeg: 20_000, otherLeg: 21_000) == 41_000)
        #expect(RoundTripEstimator.endToEnd(thisLeg: 20_000, otherLeg: nil) == 20_000)
    }
}
