import CShim
import Foundation
import Glibc
import RTPWire
import Testing
@testable import RTPRelay

/// The relay's own quality measurement (loss, jitter, RTT, MOS) of streams it really forwards, over loopback
/// sockets, in both IO modes. Port ranges 30300–30399 (epoll) and 24300–24399 (io_uring).
@Suite struct QualityStatsTests {
    func ports(_ io: MediaIOMode, _ offset: UInt16) -> ClosedRange<UInt16> {
        let base: UInt16 = (io == .uring ? 24300 : 30300) + offset
        return base...(base + 19)
    }

    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xff), UInt8(v >> 8 & 0xff), UInt8(v & 0xff)] }

    /// An SR without report blocks; `ntpMiddle` becomes the bytes the reporter echoes as LSR.
    static func senderReport(ssrc: UInt32, ntpMiddle: UInt32) -> [UInt8] {
        [0x80, 200, 0, 6] + be32(ssrc) + be32(ntpMiddle >> 16) + be32(ntpMiddle << 16) + be32(0) + be32(10) + be32(1600)
    }

    /// An RR with one report block.
    static func receiverReport(ssrc: UInt32, about source: UInt32, fractionLost: UInt8 = 0, cumulativeLost: UInt32 = 0,
                               jitter: UInt32 = 0, lsr: UInt32 = 0, dlsr: UInt32 = 0) -> [UInt8] {
        [0x81, 201, 0, 7] + be32(ssrc) + be32(source) + [fractionLost] + Array(be32(cumulativeLost & 0xFF_FFFF).dropFirst())
            + be32(0) + be32(jitter) + be32(lsr) + be32(dlsr)
    }

    /// Waits until the published report satisfies `ready` (the worker publishes asynchronously).
    func report(_ plane: RelayMediaPlane, _ id: MediaStreamID, until ready: (StreamQualityReport) -> Bool) -> StreamQualityReport? {
        for _ in 0..<400 {
            if let r = plane.quality(id), ready(r) { return r }
            usleep(5000)
        }
        return plane.quality(id)
    }

    /// 500 sequence numbers from A with 10 skipped, 3 pairs swapped, 5 sent twice, sent as fast as the relay
    /// forwards them with timestamps 20 ms apart (so each packet's transit differs from its predecessor's by 160 ticks:
    /// jitter 20 ms).
    @Test(arguments: MediaIOMode.allCases) func relayMeasuresInjectedLossReorderingDuplicatesAndJitter(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(io, 0))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneARTCP = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, b) = try call(plane, mux: false,
                              a: StreamPlan(remoteRTP: phoneA.endpoint, remoteRTCP: phoneARTCP.endpoint, learningWindow: 0.2),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.2))
        let skipped: Set<UInt16> = [50, 100, 150, 200, 250, 300, 350, 400, 450, 480]
        let swapped: [UInt16] = [61, 171, 311]   // n+1 goes before n
        let doubled: Set<UInt16> = [20, 120, 220, 320, 420]
        var order: [UInt16] = []
        var seq: UInt16 = 1
        while seq <= 500 {
            if swapped.contains(seq) {
                order += [seq + 1, seq]
                seq += 2
                continue
            }
            if !skipped.contains(seq) { order.append(seq) }
            if doubled.contains(seq) { order.append(seq) }
            seq += 1
        }
        let ssrc: UInt32 = 0xA11CE
        // One at a time, each awaited at B: a burst would overflow the relay's socket buffer (a drop the test did
        // not inject). A loopback round trip is tens of µs, well under one 125 µs tick of the 8 kHz clock.
        var forwarded = 0
        for s in order {
            phoneA.send(rtpPacket(seq: s, ts: 1000 &+ UInt32(s) &* 160, ssrc: ssrc), to: Endpoint(address: a.localAddress, port: a.rtpPort))
            if phoneB.receive() != nil { forwarded += 1 }
        }
        #expect(forwarded == order.count)
        // RTCP from A makes the worker publish at once (else it does once a second).
        phoneARTCP.send(Self.receiverReport(ssrc: ssrc, about: 0xB0B), to: Endpoint(address: a.localAddress, port: a.rtcpPort))
        let r = try #require(report(plane, a.id) { $0.reported != nil })
        #expect(r.ssrc == ssrc)
        #expect(r.packets == UInt64(order.count))   // 495: 490 distinct + 5 duplicates
        #expect(r.bytes == UInt64(order.count * 172))
        #expect(r.lastSequenceNumber == 500)
        #expect(r.lastTimestamp == 1000 &+ 500 * 160)
        // RFC 3550 A.1: the first packet is probation, counting starts at seq 2: 499 expected.
        #expect(r.expected == 499)
        #expect(r.duplicates == 5)
        #expect(r.reordered == 3)
        // A.3 counts duplicates as received, so expected − received = 10 lost − 5 duplicates.
        #expect(r.cumulativeLoss == 5)
        #expect(r.cumulativeLoss + Int64(r.duplicates) == Int64(skipped.count))
        // Jitter: |D| = 160 ticks for nearly every packet → 20 ms; skips (320) and swaps nudge it up a little.
        #expect((18...23).contains(r.jitterMilliseconds), "jitter \(r.jitterMilliseconds) ms")
        #expect(r.reported == ReportedReception(cumulativeLoss: 0, lossPercent: 0, jitterMilliseconds: 0))
        _ = b
    }

    /// B's SR reaches A through the relay; A's RR echoes it (LSR) with a DLSR 20 ms short of the time it really
    /// held it, so A's leg RTT is ~20 ms. Then the same the other way with 30 ms. Each leg's RTT, the end-to-end sum,
    /// an RTCP-reported MOS, and later a relay-observed MOS (no RTCP needed) follow.
    @Test(arguments: MediaIOMode.allCases) func roundTripTimesAndMOSFromSenderAndReceiverReports(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(io, 20))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, b) = try call(plane, mux: true,
                              a: StreamPlan(remoteRTP: phoneA.endpoint, rtcpMux: true, learningWindow: 0.2),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, rtcpMux: true, learningWindow: 0.2))
        let toA = Endpoint(address: a.localAddress, port: a.rtpPort), toB = Endpoint(address: b.localAddress, port: b.rtpPort)
        let ssrcA: UInt32 = 0xAAAA, ssrcB: UInt32 = 0xBBBB
        for s in UInt16(1)...5 {
            phoneA.send(rtpPacket(seq: s, ts: UInt32(s) * 160, ssrc: ssrcA), to: toA)
            phoneB.send(rtpPacket(seq: s, ts: UInt32(s) * 160, ssrc: ssrcB), to: toB)
        }
        phoneA.drain()
        phoneB.drain()
        usleep(50_000)
        phoneA.drain()
        phoneB.drain()

        // Leg A: B's SR → relay → A; A holds it 60 ms but claims 40 ms (DLSR in 1/65536 s).
        phoneB.send(Self.senderReport(ssrc: ssrcB, ntpMiddle: 0x1234_5678), to: toB)
        let srAtA = try #require(phoneA.receive())
        #expect(srAtA.bytes[1] == 200)
        usleep(60_000)
        phoneA.send(Self.receiverReport(ssrc: ssrcA, about: ssrcB, jitter: 80, lsr: 0x1234_5678, dlsr: 40 * 65536 / 1000), to: toA)
        _ = phoneB.receive()
        let ra = try #require(report(plane, a.id) { $0.roundTripTimeLeg != nil })
        let legA = try #require(ra.roundTripTimeLeg)
        #expect((19_000...40_000).contains(legA), "leg A \(legA) µs")
        // CQ: no RTCP MOS until the other leg is known too.
        #expect(ra.rtcpReportedMOS.samples == 0)
        #expect(ra.reported?.jitterMilliseconds == 10)

        // Leg B: A's SR → relay → B; B holds 80 ms, claims 50 ms.
        phoneA.send(Self.senderReport(ssrc: ssrcA, ntpMiddle: 0x0BAD_F00D), to: toA)
        #expect(try #require(phoneB.receive()).bytes[1] == 200)
        usleep(80_000)
        phoneB.send(Self.receiverReport(ssrc: ssrcB, about: ssrcA, fractionLost: 26, cumulativeLost: 7, jitter: 160,
                                        lsr: 0x0BAD_F00D, dlsr: 50 * 65536 / 1000), to: toB)
        _ = phoneA.receive()
        let rb = try #require(report(plane, b.id) { $0.rtcpReportedMOS.samples > 0 })
        let legB = try #require(rb.roundTripTimeLeg)
        #expect((29_000...50_000).contains(legB), "leg B \(legB) µs")
        #expect(rb.roundTripTime == legB + legA)
        #expect(rb.reported == ReportedReception(cumulativeLoss: 7, lossPercent: 10, jitterMilliseconds: 20))
        let sample = try #require(rb.rtcpReportedMOS.average)
        #expect(sample.source == .rtcpReported)
        #expect(sample.packetLoss == 10 && sample.jitter == 20 && sample.roundTripTime == legA + legB)
        // G.107 with 10 % loss, ~20 ms jitter, ~60 ms RTT: about 2.6.
        #expect((22...30).contains(sample.mos), "MOS \(sample.mos)")
        #expect(rb.preferredMOS?.lowest?.source == .rtcpReported)
        // A second later the relay's own sample for A's stream appears, with no RTCP needed.
        usleep(1_050_000)
        phoneA.send(rtpPacket(seq: 6, ts: 6 * 160, ssrc: ssrcA), to: toA)
        let ra3 = try #require(report(plane, a.id) { $0.relayObservedMOS.samples > 0 })
        let observed = try #require(ra3.relayObservedMOS.average)
        #expect(observed.source == .relayObserved)
        #expect(observed.roundTripTime == legA + legB)
        #expect((10...45).contains(observed.mos))
        #expect(ra3.preferredMOS?.average?.source == .relayObserved)
        // A's figures learnt the end-to-end RTT from B's leg.
        #expect(ra3.roundTripTime == legA + legB)
    }

    @Test(arguments: MediaIOMode.allCases) func statisticsOffPublishesNothing(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(io, 40), statistics: false)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, _) = try call(plane, mux: true,
                              a: StreamPlan(remoteRTP: phoneA.endpoint, rtcpMux: true, learningWindow: 0.2),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, rtcpMux: true, learningWindow: 0.2))
        let toA = Endpoint(address: a.localAddress, port: a.rtpPort)
        for s in UInt16(1)...10 { phoneA.send(rtpPacket(seq: s, ts: UInt32(s) * 160, ssrc: 1), to: toA) }
        phoneA.send(Self.receiverReport(ssrc: 1, about: 2), to: toA)
        for _ in 0..<11 { #expect(phoneB.receive() != nil) }
        #expect(plane.waitForWorkers())
        #expect(plane.counters(a.id)?.rtpIn.packets == 10)
        #expect(plane.quality(a.id) == nil)
    }
}
