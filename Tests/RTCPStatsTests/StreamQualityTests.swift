import Testing
import RTPWire
@testable import RTCPStats

@Suite struct StreamQualityTests {
    static func at(_ seconds: Double) -> MonotonicInstant { MonotonicInstant(nanoseconds: UInt64((seconds * 1e9).rounded())) }
    static let unixStart: UInt64 = 1_767_225_600_000_000

    /// Gives `q` a far-leg RTT: one of its SRs answered by the far end after `micros` of network round trip.
    static func setFarLeg(_ q: inout StreamQuality, micros: UInt64, at base: Double = 0) {
        q.roundTrip.senderReportSeen(ntpMiddle: 0x1234_5678, at: at(base))
        let rtt = q.roundTrip.reportArrived(lastSenderReport: 0x1234_5678, delaySinceLastSenderReport: 65_536,
                                            at: MonotonicInstant(nanoseconds: at(base).nanoseconds + (1_000_000 + micros) * 1000))
        precondition(rtt == micros)
    }

    /// What the sample should hold, computed straight from EModel and the §7.1 unit rules.
    static func expectedMOS(_ formula: EModel.Formula, e2eMicros: UInt64, jitterUnits: UInt32, clock: UInt32,
                            fraction: UInt8) -> Int {
        let jitterMs = Double(UInt64(jitterUnits) * 1000 / UInt64(clock))
        let lossPercent = Double(Int(fraction) * 100 / 256)
        return EModel.storedTenths(EModel.mos(formula, rttMilliseconds: Double(e2eMicros) / 1000,
                                              jitterMilliseconds: jitterMs, lossPercent: lossPercent))
    }

    /// Caller A (PCMU) and callee B. A's SR reached B, whose report about it gave leg B = 21 ms (kept in A's
    /// entry); B's SR passes the relay towards A, A answers with an RR about B: leg A = 40 ms.
    @Test func receiverReportGivesTheEModelMOSWithEndToEndRTT() throws {
        var a = StreamQuality(ssrc: 0xA, configuration: .forCodec(clockRate: 8000))
        var b = StreamQuality(ssrc: 0xB, configuration: .forCodec(clockRate: 8000))
        #expect(a.configuration.formula == .g107)
        let ntpA = NTPTimestamp(unixMicroseconds: Self.unixStart + 4_000_000)
        a.senderReportSeen(RTCPSenderReport(ssrc: 0xA, ntpTimestamp: ntpA, rtpTimestamp: 0, packetCount: 200,
                                            octetCount: 32_000), at: Self.at(4))
        let fromB = RTCPReportBlock(ssrc: 0xA, lastSenderReport: ntpA.middle32, delaySinceLastSenderReport: 32_768)
        #expect(a.roundTrip.reportArrived(fromB, at: Self.at(4.521)) == 21_000)

        let ntpB = NTPTimestamp(unixMicroseconds: Self.unixStart + 5_000_000)
        b.senderReportSeen(RTCPSenderReport(ssrc: 0xB, ntpTimestamp: ntpB, rtpTimestamp: 0, packetCount: 250,
                                            octetCount: 40_000), at: Self.at(5))
        // A held it 0.5 s, the RR arrives 0.54 s after the SR passed: leg A = 40 ms.
        let block = RTCPReportBlock(ssrc: 0xB, fractionLost: 5, cumulativeLost: 3, extendedHighestSequence: 300,
                                    jitter: 96, lastSenderReport: ntpB.middle32, delaySinceLastSenderReport: 32_768)
        let leg = b.roundTrip.reportArrived(block, at: Self.at(5.54))
        #expect(leg == 40_000)
        let sample = try unwrap(a.reportReceived(block, legRoundTrip: leg, now: Self.at(5.54),
                                                 unixMicroseconds: Self.unixStart + 5_540_000))
        #expect(sample.source == .rtcpReported)
        #expect(sample.roundTripTime == 61_000 && sample.roundTripTimeLeg == 40_000)
        #expect(sample.jitter == 12)      // 96 / 8 kHz
        #expect(sample.packetLoss == 1)   // 5 × 100 / 256
        #expect(sample.reportedAt == 1_767_225_605)
        #expect(sample.mos == Self.expectedMOS(.g107, e2eMicros: 61_000, jitterUnits: 96, clock: 8000, fraction: 5))
        #expect((40...44).contains(sample.mos))
        let snapshot = a.snapshot()
        #expect(snapshot.average == MOSSample(source: .rtcpReported, mos: sample.mos, roundTripTime: 61_000,
                                              roundTripTimeLeg: 40_000, jitter: 12, packetLoss: 1, reportedAt: 0))
        #expect(snapshot.samples == 1)
        #expect(snapshot.lowest == sample && snapshot.highest == sample)
        #expect(snapshot.cumulativeLoss == 3 && snapshot.reportedCumulativeLoss == 3)
        #expect(snapshot.roundTripTimeLeg == 40_000)
        #expect(a.lastLegRoundTrip == 40_000)
    }

    @Test func xrVoIPMetricsRoundTripReplacesTheEndToEndRTT() throws {
        var q = StreamQuality(ssrc: 1, configuration: .forCodec(clockRate: 8000))
        q.voipMetricsReceived(.init(ssrc: 1, roundTripDelay: 150))
        let sample = try unwrap(q.reportReceived(RTCPReportBlock(ssrc: 2, jitter: 80), legRoundTrip: 30_000,
                                                 now: Self.at(1), unixMicroseconds: Self.unixStart))
        #expect(sample.roundTripTime == 150_000 && sample.roundTripTimeLeg == 30_000)
        #expect(sample.mos == Self.expectedMOS(.g107, e2eMicros: 150_000, jitterUnits: 80, clock: 8000, fraction: 0))
    }

    @Test func opusUsesTheFullbandFormula() throws {
        var q = StreamQuality(ssrc: 1, configuration: .forCodec(clockRate: 48000))
        #expect(q.configuration.formula == .g1072)
        Self.setFarLeg(&q, micros: 100_000)
        let block = RTCPReportBlock(ssrc: 2, fractionLost: 26, jitter: 960)
        let sample = try unwrap(q.reportReceived(block, legRoundTrip: 100_000, now: Self.at(3),
                                                 unixMicroseconds: Self.unixStart))
        #expect(sample.jitter == 20 && sample.packetLoss == 10)
        #expect(sample.mos == Self.expectedMOS(.g1072, e2eMicros: 200_000, jitterUnits: 960, clock: 48000, fraction: 26))
    }

    @Test func conversationalModeNeedsTheFarLegListeningModeDoesNot() throws {
        var cq = StreamQuality(ssrc: 1, configuration: .forCodec(clockRate: 8000))
        let block = RTCPReportBlock(ssrc: 2, fractionLost: 0, jitter: 0)
        // Leg known, far leg not: no end-to-end RTT, no MOS (rtpengine's CQ rule).
        #expect(cq.reportReceived(block, legRoundTrip: 30_000, now: Self.at(1), unixMicroseconds: Self.unixStart) == nil)
        #expect(cq.snapshot().average == nil && cq.samplesWithoutMOS == 1)
        // That block still counts for the 1 s rule.
        Self.setFarLeg(&cq, micros: 20_000, at: 0)
        #expect(cq.reportReceived(block, legRoundTrip: 30_000, now: Self.at(1.5), unixMicroseconds: Self.unixStart) == nil)
        #expect(cq.samplesWithoutMOS == 1)
        // Far leg known, this leg not: end-to-end is the far leg alone.
        let farOnly = try unwrap(cq.reportReceived(block, legRoundTrip: nil, now: Self.at(2),
                                                   unixMicroseconds: Self.unixStart))
        #expect(farOnly.roundTripTime == 20_000 && farOnly.roundTripTimeLeg == 0)

        var lq = StreamQuality(ssrc: 1, configuration: .forCodec(clockRate: 8000, mode: .listening))
        Self.setFarLeg(&lq, micros: 30_000)
        let sample = try unwrap(lq.reportReceived(block, legRoundTrip: 50_000, now: Self.at(3),
                                                  unixMicroseconds: Self.unixStart))
        // LQ reports the measured round trips but leaves them out of the MOS.
        #expect(sample.roundTripTime == 80_000 && sample.roundTripTimeLeg == 50_000)
        #expect(sample.mos == Self.expectedMOS(.g107, e2eMicros: 0, jitterUnits: 0, clock: 8000, fraction: 0))
        #expect(sample.mos == 43) // 4.34 at 0/0/0 (ng-protocol.md §7.1)
    }

    @Test func averageLowestHighestAndTheOneSecondRule() throws {
        var q = StreamQuality(ssrc: 1, configuration: .forCodec(clockRate: 8000))
        Self.setFarLeg(&q, micros: 20_000)
        let fractions: [UInt8] = [0, 13, 52, 3, 26]
        var taken: [MOSSample] = []
        for (i, fraction) in fractions.enumerated() {
            let t = 10 + Double(i) * 5
            let block = RTCPReportBlock(ssrc: 2, fractionLost: fraction, jitter: UInt32(i) * 40)
            taken.append(try unwrap(q.reportReceived(block, legRoundTrip: 30_000 + UInt64(i) * 1000, now: Self.at(t),
                                                       unixMicroseconds: Self.unixStart + UInt64(t * 1e6))))
            // A second report within 1 s is dropped.
            #expect(q.reportReceived(RTCPReportBlock(ssrc: 2, fractionLost: 255), legRoundTrip: 30_000,
                                     now: Self.at(t + 0.999),
                                     unixMicroseconds: Self.unixStart) == nil)
        }
        let snapshot = q.snapshot()
        let mos = taken.map(\.mos)
        #expect(snapshot.samples == 5)
        #expect(snapshot.average?.mos == mos.reduce(0, +) / 5)
        #expect(snapshot.average?.packetLoss == UInt32(taken.map(\.packetLoss).reduce(0, +) / 5))
        #expect(snapshot.average?.jitter == UInt32(taken.map(\.jitter).reduce(0, +) / 5))
        #expect(snapshot.average?.roundTripTime == taken.map(\.roundTripTime).reduce(0, +) / 5)
        #expect(snapshot.lowest == taken.min { $0.mos < $1.mos })
        #expect(snapshot.highest == taken.first { $0.mos == mos.max() })
        #expect(snapshot.lowest!.mos < snapshot.highest!.mos)
        // Exactly 1 s later is allowed.
        #expect(q.reportReceived(RTCPReportBlock(ssrc: 2), legRoundTrip: 30_000, now: Self.at(31),
                                 unixMicroseconds: Self.unixStart) != nil)
    }

    @Test func progressionKeepsTenEntriesAtTheInterval() {
        var q = StreamQuality(ssrc: 1, configuration: .init(clockRate: 8000, formula: .g107, progressionInterval: 3))
        Self.setFarLeg(&q, micros: 10_000)
        for second in 0..<60 {
            q.reportReceived(RTCPReportBlock(ssrc: 2, fractionLost: UInt8(second)), legRoundTrip: 10_000,
                             now: Self.at(Double(second)),
                             unixMicroseconds: Self.unixStart + UInt64(second) * 1_000_000)
        }
        let snapshot = q.snapshot()
        #expect(snapshot.samples == 60)
        #expect(snapshot.progressionInterval == 3)
        // Entries every 3 s (0, 3, …, 57); the newest ten remain, oldest first.
        let times: [UInt64] = (0..<10).map { (k: Int) -> UInt64 in 1_767_225_630 + UInt64(k) * 3 }
        let losses: [UInt32] = (0..<10).map { (k: Int) -> UInt32 in UInt32(30 + k * 3) * 100 / 256 }
        #expect(snapshot.progression.map(\.reportedAt) == times)
        #expect(snapshot.progression.map(\.packetLoss) == losses)
    }

    @Test func relayObservedSamplesUseTheRelaysOwnLossAndJitter() throws {
        var q = StreamQuality(ssrc: 7, configuration: .forCodec(clockRate: 8000, mode: .listening))
        var seq = SequenceNumber(65_000)
        for i in 0..<1000 {
            // 1 in 20 lost, constant delay: 5 % loss (12/256 as a fraction), zero jitter.
            if i % 20 != 10 {
                q.rtpReceived(sequenceNumber: seq, timestamp: UInt32(i) * 160, size: 172,
                              arrival: MonotonicInstant(nanoseconds: UInt64(i) * 20_000_000 + 30_000_000))
            }
            seq = seq.advanced(by: 1)
        }
        let sample = try unwrap(q.relayObservedSample(now: Self.at(20), unixMicroseconds: Self.unixStart + 20_000_000))
        #expect(sample.source == .relayObserved)
        #expect(sample.packetLoss == UInt32((50 * 256 / 999)) * 100 / 256)
        #expect(sample.jitter == 0)
        #expect(sample.mos == Self.expectedMOS(.g107, e2eMicros: 0, jitterUnits: 0, clock: 8000,
                                               fraction: UInt8(50 * 256 / 999)))
        let snapshot = q.snapshot()
        #expect(snapshot.packets == 950 && snapshot.bytes == 950 * 172)
        #expect(snapshot.lastSequenceNumber == 65_000 &+ 999 && snapshot.lastTimestamp == 999 * 160)
        #expect(snapshot.expected == 999 && snapshot.received == 949)
        #expect(snapshot.relayObservedLoss == 50 && snapshot.cumulativeLoss == 50)
        #expect(snapshot.reportedCumulativeLoss == nil)
        // The relay-observed 1 s rule is separate from the RTCP one.
        #expect(q.relayObservedSample(now: Self.at(20.5), unixMicroseconds: Self.unixStart) == nil)
        #expect(q.reportReceived(RTCPReportBlock(ssrc: 9), legRoundTrip: nil, now: Self.at(20.5),
                                 unixMicroseconds: Self.unixStart) != nil)
    }

    @Test func sequenceRestartResetsCountingButNotTrafficCounters() {
        var q = StreamQuality(ssrc: 7, configuration: .forCodec(clockRate: 8000))
        for i in 0..<100 {
            q.rtpReceived(sequenceNumber: SequenceNumber(UInt16(i)), timestamp: UInt32(i) * 160, size: 100,
                          arrival: MonotonicInstant(nanoseconds: UInt64(i) * 20_000_000))
        }
        #expect(q.rtpReceived(sequenceNumber: 30_000, timestamp: 5, size: 100, arrival: Self.at(2)) == .badSequence)
        #expect(q.rtpReceived(sequenceNumber: 30_001, timestamp: 165, size: 100, arrival: Self.at(2.02)) == .restarted)
        let snapshot = q.snapshot()
        #expect(snapshot.packets == 102 && snapshot.bytes == 10_200)
        #expect(snapshot.expected == 1 && snapshot.received == 1 && snapshot.relayObservedLoss == 0)
        #expect(snapshot.lastSequenceNumber == 30_001)
    }
}

/// `#require` for values produced by a mutating call (the macro cannot capture those).
func unwrap<T>(_ value: T?, sourceLocation: SourceLocation = #_sourceLocation) throws -> T {
    try #require(value, sourceLocation: sourceLocation)
}
