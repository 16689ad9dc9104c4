import Testing
import RTPWire

struct StreamQualityReportTests {
    func sample(_ mos: Int, at t: UInt64, source: MOSSource = .relayObserved) -> MOSSample {
        MOSSample(source: source, mos: mos, roundTripTime: UInt64(mos) * 1000, roundTripTimeLeg: 0, jitter: UInt32(mos),
                  packetLoss: 1, reportedAt: t)
    }

    @Test func summaryKeepsExtremesMeansAndASpacedProgressionOfTheNewestTen() {
        var s = MOSSummary()
        #expect(s.average == nil && s.progression.isEmpty)
        // One sample a second for 150 s: every 10th second makes the progression, which keeps the newest 10.
        for t in UInt64(0)..<150 { s.add(sample(Int(30 + t % 15), at: 1000 + t)) }
        #expect(s.samples == 150)
        #expect(s.lowest?.mos == 30 && s.lowest?.reportedAt == 1000)
        #expect(s.highest?.mos == 44 && s.highest?.reportedAt == 1014)
        #expect(s.average?.mos == 37)
        #expect(s.average?.packetLoss == 1)
        #expect(s.progression.map(\.reportedAt) == (5..<15).map { 1000 + UInt64($0) * 10 })
        #expect(s.progression.map(\.mos) == (5..<15).map { 30 + ($0 * 10) % 15 })
    }

    @Test func preferredMOSIsRTCPReportedWhenThereIsOne() {
        var r = StreamQualityReport(ssrc: 1, clockRate: 8000)
        #expect(r.preferredMOS == nil)
        r.relayObservedMOS.add(sample(40, at: 1))
        #expect(r.preferredMOS?.average?.source == .relayObserved)
        r.rtcpReportedMOS.add(sample(35, at: 2, source: .rtcpReported))
        #expect(r.preferredMOS?.average?.source == .rtcpReported)
        #expect(r.preferredMOS?.average?.mos == 35)
    }
}
