import CShim
import Foundation
import Glibc
import RTPWire
import Testing
@testable import RTPRelay

/// Real UDP sockets on loopback through a running relay. Each test uses its own port range.
@Suite struct RelayMediaPlaneTests {
    @Test(arguments: MediaIOMode.allCases) func twoEndpointsExchangeRTPBothWaysUnchanged(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(31000...31099, io))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, b) = try call(plane, group: 1, a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.2),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.2))
        #expect(plane.worker(of: MediaGroupID(rawValue: 1)) != nil)
        for seq in UInt16(1)...20 {
            let packet = rtpPacket(seq: seq, ssrc: 0xA)
            phoneA.send(packet, to: relayRTP(a))
            let got = try #require(phoneB.receive())
            #expect(got.bytes == packet)
            #expect(got.from == relayRTP(b))   // B sees the relay's port of its own leg
            let reply = rtpPacket(seq: seq &+ 1000, pt: 8, ssrc: 0xB, payload: Array(repeating: UInt8(seq), count: 80))
            phoneB.send(reply, to: relayRTP(b))
            let back = try #require(phoneA.receive())
            #expect(back.bytes == reply)
            #expect(back.from == relayRTP(a))
        }
        // A send is counted once it completed, maybe just after the datagram arrived: the barrier orders the read.
        #expect(plane.waitForWorkers())
        let ca = try #require(plane.counters(a.id)), cb = try #require(plane.counters(b.id))
        #expect(ca.rtpIn.packets == 20 && ca.rtpOut.packets == 20)
        #expect(cb.rtpIn.packets == 20 && cb.rtpOut.packets == 20)
        #expect(ca.rtpIn.bytes == 20 * 172)
        #expect(ca.firstSSRC == 0xA && cb.firstSSRC == 0xB)
        #expect(ca.lastPacket != nil)
        #expect(plane.totals.packetsRelayed == 40)
        #expect(plane.totals.droppedForeignSource == 0)
    }

    /// The ng reply to an answer leaves right after the plans are queued, and a phone may send at once: the first
    /// packet must already meet the new plan, with no wait for the worker (here: none at all between `update` and
    /// the send, many times over, so a plan applied after the packet would lose some of them).
    @Test(arguments: MediaIOMode.allCases) func aPacketSentRightAfterAPlanUpdateMeetsTheNewPlan(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(32500...32599, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        for round in UInt64(1)...30 {
            let g = MediaGroupID(rawValue: 500 + round)
            let a = try plane.allocate(StreamAllocationRequest(group: g))
            let b = try plane.allocate(StreamAllocationRequest(group: g))
            // As after an offer: A's leg is known, but it has nowhere to send yet.
            plane.update(a.id, plan: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.2))
            #expect(plane.waitForWorkers())
            // The answer: both plans at once, then the phone's first packet with no pause.
            plane.update(b.id, plan: StreamPlan(sink: a.id, remoteRTP: phoneB.endpoint, learningWindow: 0.2))
            plane.update(a.id, plan: StreamPlan(sink: b.id, remoteRTP: phoneA.endpoint, learningWindow: 0.2))
            let packet = rtpPacket(seq: UInt16(round), ssrc: 0xA)
            phoneA.send(packet, to: relayRTP(a))
            let got = phoneB.receive()
            #expect(got?.bytes == packet, "round \(round): the first packet after the plan update was lost")
            plane.release(a.id)
            plane.release(b.id)
        }
        #expect(plane.waitForWorkers())
        #expect(plane.totals.droppedNoDestination == 0)
    }

    /// The engine wraps each ng request in a batch (the worker takes it on its wake timer, or before a packet of a
    /// live stream): everything queued inside the batch — new streams, plans, releases — is in force for a packet
    /// sent right after `endBatch` returns, with no wait by the sender (a new stream's first datagram may queue in
    /// its socket for up to `commandDelay`, but is not lost).
    @Test(arguments: MediaIOMode.allCases) func commandsQueuedInABatchAreInForceWhenItEnds(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(32220...32299, io), workers: 2)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        for round in UInt64(1)...30 {
            let g = MediaGroupID(rawValue: 600 + round)
            // Offer, answer and (a round later) delete, each one batch, as the engine does them.
            plane.beginBatch()
            let a = try plane.allocate(StreamAllocationRequest(group: g))
            plane.update(a.id, plan: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.2))
            plane.endBatch()
            plane.beginBatch()
            let b = try plane.allocate(StreamAllocationRequest(group: g))
            plane.update(b.id, plan: StreamPlan(sink: a.id, remoteRTP: phoneB.endpoint, learningWindow: 0.2))
            plane.update(a.id, plan: StreamPlan(sink: b.id, remoteRTP: phoneA.endpoint, learningWindow: 0.2))
            plane.endBatch()
            let packet = rtpPacket(seq: UInt16(round), ssrc: 0xB)
            phoneA.send(packet, to: relayRTP(a))
            #expect(phoneB.receive()?.bytes == packet, "round \(round): a command of the batch was not in force")
            plane.beginBatch()
            plane.release(a.id)
            plane.release(b.id)
            plane.endBatch()
        }
        #expect(plane.waitForWorkers())
        #expect(plane.portsInUse == 0)
        #expect(plane.totals.droppedNoDestination == 0)
    }

    /// More datagrams queued on one socket than one receive batch (epoll) or one armed receive (io_uring) takes:
    /// all of them come out, in order, and are counted once.
    @Test(arguments: MediaIOMode.allCases) func aBurstQueuedOnOneSocketIsRelayedWholeAndInOrder(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(32400...32499, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, b) = try call(plane, group: 40, a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.2),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.2))
        // 150 > 8 reads of 8 (epoll's per-turn cap on one socket): what is left after the cap must come out with no
        // new arrival to raise an edge. Whether the queue outruns the worker is up to the scheduler, so three bursts.
        for burst in UInt16(0)..<3 {
            for seq in UInt16(1)...150 { phoneA.send(rtpPacket(seq: burst * 1000 + seq, ssrc: 0xA), to: relayRTP(a)) }
            for seq in UInt16(1)...150 {
                let got = try #require(phoneB.receive(timeout: 0.5), "burst \(burst): packet \(seq) of 150 never came")
                #expect(got.bytes == rtpPacket(seq: burst * 1000 + seq, ssrc: 0xA))
            }
        }
        #expect(phoneB.receive(timeout: 0.05) == nil)
        #expect(plane.waitForWorkers())
        #expect(plane.counters(a.id)?.rtpIn.packets == 450)
        #expect(plane.counters(b.id)?.rtpOut.packets == 450)
        #expect(plane.totals.packetsRelayed == 450)
    }

    /// Under load the io_uring loop asks the kernel for many completions per wake-up (with a minimum wait); once the
    /// load stops, a lone packet must still go out at once, not wait for completions that never come (the wait's
    /// outer bound is 1 s, far beyond the 0.3 s allowed here). Both modes, in turns: burst, lone packet, burst...
    @Test(arguments: MediaIOMode.allCases) func aLonePacketAfterABurstIsNotHeldBack(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(31960...31979, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, _) = try call(plane, group: 41, a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.2),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.2))
        var seq: UInt16 = 0
        for round in 0..<5 {
            for _ in 0..<100 {
                seq &+= 1
                phoneA.send(rtpPacket(seq: seq, ssrc: 0xB), to: relayRTP(a))
            }
            for _ in 0..<100 { _ = try #require(phoneB.receive(timeout: 0.5), "round \(round): burst incomplete") }
            seq &+= 1
            phoneA.send(rtpPacket(seq: seq, ssrc: 0xB), to: relayRTP(a))
            let lone = try #require(phoneB.receive(timeout: 0.3), "round \(round): the lone packet was held back")
            #expect(lone.bytes == rtpPacket(seq: seq, ssrc: 0xB))
        }
        #expect(plane.waitForWorkers())
        #expect(plane.counters(a.id)?.rtpIn.packets == 505)
    }

    @Test(arguments: MediaIOMode.allCases) func natPhoneIsLatchedAndReachedWhileASprayerGetsNothing(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(31100...31199, io))
        defer { plane.shutdown() }
        let announced = try UDPTestSocket()      // what A's SDP says; A never uses it
        let phoneA = try UDPTestSocket()         // A behind NAT: same host, another port
        let phoneB = try UDPTestSocket()
        let sprayer = try UDPTestSocket("127.0.0.3")
        let (a, b) = try call(plane, group: 2, a: StreamPlan(remoteRTP: announced.endpoint, learningWindow: 0.2),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.2))
        // The sprayer starts first with valid-looking, consecutive RTP.
        for seq in UInt16(500)..<UInt16(505) { sprayer.send(rtpPacket(seq: seq, ssrc: 0x5), to: relayRTP(a)) }
        #expect(plane.waitForWorkers())
        for seq in UInt16(1)...5 { phoneA.send(rtpPacket(seq: seq, ssrc: 0xA), to: relayRTP(a)) }
        for seq in UInt16(505)..<UInt16(510) { sprayer.send(rtpPacket(seq: seq, ssrc: 0x5), to: relayRTP(a)) }
        usleep(250_000)   // learning window over
        for seq in UInt16(1)...5 {
            phoneB.send(rtpPacket(seq: seq, ssrc: 0xB), to: relayRTP(b))
            let got = try #require(phoneA.receive(), "the NATed phone is reached after latching")
            #expect(got.bytes == rtpPacket(seq: seq, ssrc: 0xB))
            phoneA.send(rtpPacket(seq: 10 + seq, ssrc: 0xA), to: relayRTP(a))
            sprayer.send(rtpPacket(seq: 600 + seq, ssrc: 0x5), to: relayRTP(a))
        }
        #expect(plane.waitForWorkers())
        #expect(sprayer.receive(timeout: 0.1) == nil)
        #expect(announced.receive(timeout: 0) == nil)  // B sent nothing before the lock, and after it media goes to A's real port
        #expect(plane.waitForWorkers())
        let ca = try #require(plane.counters(a.id))
        #expect(ca.latchedRTP == phoneA.endpoint)
        #expect(ca.droppedForeignSource >= 10)           // at least every sprayer packet after A showed up
        // B only ever got A's packets from A's real socket, and the sprayer's first burst at most.
        var fromA = 0
        while let got = phoneB.receive(timeout: 0.05) {
            if got.bytes[8...11] == [0, 0, 0, 0xA] { fromA += 1 }
            #expect(got.bytes[8...11] != [0, 0, 0, 0x5] || fromA == 0)
        }
        #expect(fromA == 10)
    }

    @Test(arguments: MediaIOMode.allCases) func rePlanMovesAnEndpointAndMediaFollows(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(31200...31299, io))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket(), phoneB2 = try UDPTestSocket()
        let (a, b) = try call(plane, group: 3, a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.1),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.1))
        phoneB.send(rtpPacket(seq: 1), to: relayRTP(b))
        _ = try #require(phoneA.receive())
        phoneA.send(rtpPacket(seq: 1), to: relayRTP(a))
        _ = try #require(phoneB.receive())
        usleep(150_000)
        phoneA.send(rtpPacket(seq: 2), to: relayRTP(a))
        _ = try #require(phoneB.receive())
        #expect(plane.counters(b.id)?.latchedRTP == phoneB.endpoint)
        // Re-INVITE: B moves to another port.
        plane.update(b.id, plan: StreamPlan(sink: a.id, remoteRTP: phoneB2.endpoint, learningWindow: 0.1))
        #expect(plane.waitForWorkers())
        phoneA.send(rtpPacket(seq: 3), to: relayRTP(a))
        #expect(try #require(phoneB2.receive()).bytes == rtpPacket(seq: 3))
        phoneB2.send(rtpPacket(seq: 50), to: relayRTP(b))
        #expect(try #require(phoneA.receive()).bytes == rtpPacket(seq: 50))
        usleep(150_000)
        phoneA.send(rtpPacket(seq: 4), to: relayRTP(a))
        #expect(try #require(phoneB2.receive()).bytes == rtpPacket(seq: 4))
        #expect(plane.counters(b.id)?.latchedRTP == phoneB2.endpoint)
        #expect(phoneB.receive(timeout: 0.05) == nil)
    }

    @Test(arguments: MediaIOMode.allCases) func rtcpFlowsThroughItsOwnPort(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(31300...31399, io))
        defer { plane.shutdown() }
        let rtpA = try UDPTestSocket(), rtcpA = try UDPTestSocket(), rtpB = try UDPTestSocket(), rtcpB = try UDPTestSocket()
        let (a, b) = try call(plane, group: 4,
                              a: StreamPlan(remoteRTP: rtpA.endpoint, remoteRTCP: rtcpA.endpoint, learningWindow: 0.2),
                              b: StreamPlan(remoteRTP: rtpB.endpoint, remoteRTCP: rtcpB.endpoint, learningWindow: 0.2))
        #expect(a.rtcpPort == a.rtpPort + 1 && a.rtpPort % 2 == 0)
        let rr = rtcpReceiverReport(ssrc: 0xA)
        rtcpA.send(rr, to: relayRTCP(a))
        let got = try #require(rtcpB.receive())
        #expect(got.bytes == rr)
        #expect(got.from == relayRTCP(b))
        rtcpB.send(rtcpReceiverReport(ssrc: 0xB), to: relayRTCP(b))
        #expect(try #require(rtcpA.receive()).bytes == rtcpReceiverReport(ssrc: 0xB))
        #expect(rtpB.receive(timeout: 0.05) == nil)
        #expect(plane.waitForWorkers())
        let ca = try #require(plane.counters(a.id))
        #expect(ca.rtcpIn.packets == 1 && ca.rtcpOut.packets == 1 && ca.rtpIn.packets == 0)
    }

    @Test(arguments: MediaIOMode.allCases) func rtcpMuxSharesTheRTPPort(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(31400...31499, io))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, b) = try call(plane, group: 5, mux: true,
                              a: StreamPlan(remoteRTP: phoneA.endpoint, rtcpMux: true, learningWindow: 0.2),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, rtcpMux: true, learningWindow: 0.2))
        #expect(a.rtcpPort == a.rtpPort && b.rtcpMux)
        #expect(plane.portsInUse == 2)
        let sr: [UInt8] = [0x80, 200, 0x00, 0x06] + Array(repeating: 0x11, count: 24)
        phoneA.send(sr, to: relayRTP(a))
        #expect(try #require(phoneB.receive()).bytes == sr)
        phoneB.send(rtpPacket(seq: 9), to: relayRTP(b))
        #expect(try #require(phoneA.receive()).bytes == rtpPacket(seq: 9))
        #expect(plane.waitForWorkers())
        let ca = try #require(plane.counters(a.id))
        #expect(ca.rtcpIn.packets == 1 && ca.rtpOut.packets == 1 && ca.rtpIn.packets == 0)
    }

    @Test(arguments: MediaIOMode.allCases) func ipv6PairRelays(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(31500...31599, io), interfaces: [
            MediaInterface(name: "pub", localAddress: "127.0.0.1"), MediaInterface(name: "pub", localAddress: "::1")])
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket("::1"), phoneB = try UDPTestSocket("::1")
        let (a, b) = try call(plane, group: 6, family: .ipv6,
                              a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.1),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.1))
        #expect(a.localAddress == "::1" && a.family == .ipv6)
        phoneA.send(rtpPacket(seq: 1), to: relayRTP(a))
        let got = try #require(phoneB.receive())
        #expect(got.bytes == rtpPacket(seq: 1))
        #expect(got.from == relayRTP(b))
        phoneB.send(rtpPacket(seq: 2), to: relayRTP(b))
        #expect(try #require(phoneA.receive()).bytes == rtpPacket(seq: 2))
        usleep(120_000)
        phoneB.send(rtpPacket(seq: 3), to: relayRTP(b))
        _ = try #require(phoneA.receive())
        #expect(plane.counters(a.id)?.latchedRTP == phoneA.endpoint)
        #expect(throws: MediaPlaneError.noSuchInterface("other")) {
            try plane.allocate(StreamAllocationRequest(group: MediaGroupID(rawValue: 60), interface: "other", family: .ipv6))
        }
    }

    @Test(arguments: MediaIOMode.allCases) func malformedPacketsAreDroppedAndCountedAndForwardingGoesOn(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(31600...31699, io))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, b) = try call(plane, group: 7, a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.2),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.2))
        phoneA.send(Array(repeating: 0x17, count: 40), to: relayRTP(a))                 // garbage (version 0)
        phoneA.send([0x80, 0x00, 0x01], to: relayRTP(a))                                  // 3 bytes
        phoneA.send(rtpPacket(seq: 1, payload: Array(repeating: 1, count: 1988)), to: relayRTP(a))  // 2000 bytes
        var v1 = rtpPacket(seq: 2)
        v1[0] = 0x40
        phoneA.send(v1, to: relayRTP(a))                                                  // version 1
        phoneA.send([0x80, 200, 0, 1], to: relayRTCP(a))                                  // RTCP shorter than 8
        phoneA.send(rtpPacket(seq: 3), to: relayRTP(a))
        #expect(try #require(phoneB.receive()).bytes == rtpPacket(seq: 3))
        #expect(phoneB.receive(timeout: 0.05) == nil)
        #expect(plane.waitForWorkers())
        let ca = try #require(plane.counters(a.id))
        #expect(ca.droppedMalformed == 5)
        #expect(ca.rtpIn.packets == 1)
        #expect(plane.totals.droppedMalformed == 5)
        phoneB.send(rtpPacket(seq: 4), to: relayRTP(b))
        #expect(try #require(phoneA.receive()).bytes == rtpPacket(seq: 4))
    }

    @Test(arguments: MediaIOMode.allCases) func noDestinationIsCounted(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(31700...31799, io))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket()
        let g = MediaGroupID(rawValue: 8)
        let a = try plane.allocate(StreamAllocationRequest(group: g))
        let b = try plane.allocate(StreamAllocationRequest(group: g))
        plane.update(a.id, plan: StreamPlan(sink: b.id, remoteRTP: phoneA.endpoint))
        plane.update(b.id, plan: StreamPlan(sink: a.id))  // B's remote not known yet
        #expect(plane.waitForWorkers())
        phoneA.send(rtpPacket(seq: 1), to: relayRTP(a))
        phoneA.send(rtpPacket(seq: 2), to: relayRTP(a))
        #expect(plane.waitForWorkers())
        var dropped: UInt64 = 0
        for _ in 0..<200 where dropped < 2 {
            dropped = plane.counters(a.id)?.droppedNoDestination ?? 0
            usleep(2000)
        }
        #expect(dropped == 2)
    }

    @Test(arguments: MediaIOMode.allCases) func releasingTheSinkStopsForwardingTowardsIt(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(32300...32399, io))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, b) = try call(plane, group: 14, a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.1),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.1))
        phoneA.send(rtpPacket(seq: 1), to: relayRTP(a))
        _ = try #require(phoneB.receive())
        plane.release(b.id)
        #expect(plane.waitForWorkers())
        #expect(plane.portsInUse == 2)
        phoneA.send(rtpPacket(seq: 2), to: relayRTP(a))
        var dropped: UInt64 = 0
        for _ in 0..<200 where dropped < 1 {
            dropped = plane.counters(a.id)?.droppedNoDestination ?? 0
            usleep(2000)
        }
        #expect(dropped == 1)
        #expect(phoneB.receive(timeout: 0.05) == nil)
        #expect(plane.worker(of: MediaGroupID(rawValue: 14)) != nil)  // a still lives in the group
    }

    @Test(arguments: MediaIOMode.allCases) func outOfPortsWithATinyRangeAndPortsComeBackAfterRelease(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(31800...31803, io), workers: 1)  // two RTP/RTCP pairs
        defer { plane.shutdown() }
        let g = MediaGroupID(rawValue: 9)
        let s1 = try plane.allocate(StreamAllocationRequest(group: g))
        _ = try plane.allocate(StreamAllocationRequest(group: g))
        #expect(plane.portsInUse == 4)
        #expect(throws: MediaPlaneError.outOfPorts) { try plane.allocate(StreamAllocationRequest(group: g)) }
        #expect(throws: MediaPlaneError.outOfPorts) { try plane.allocate(StreamAllocationRequest(group: g, rtcpMux: true)) }
        plane.release(s1.id)
        #expect(plane.waitForWorkers())
        #expect(plane.portsInUse == 2)
        let s3 = try plane.allocate(StreamAllocationRequest(group: g))
        #expect(s3.rtpPort == s1.rtpPort)  // the only free pair
    }

    @Test(arguments: MediaIOMode.allCases) func portsTakenByOthersAreSkipped(io: MediaIOMode) throws {
        let blocker = rtprelay_udp_bind("127.0.0.1", port(31850, io))
        defer { if blocker >= 0 { close(blocker) } }
        #expect(blocker >= 0)
        let plane = try makePlane(io, ports(31850...31899, io), workers: 1)
        defer { plane.shutdown() }
        let s = try plane.allocate(StreamAllocationRequest(group: MediaGroupID(rawValue: 10)))
        #expect(s.rtpPort == port(31852, io))
    }

    @Test(arguments: MediaIOMode.allCases) func releaseClosesEverySocketAndJustReleasedPortsWaitTheirTurn(io: MediaIOMode) throws {
        let range: ClosedRange<UInt16> = ports(31900...31939, io)
        let plane = try makePlane(io, range)
        defer { plane.shutdown() }
        #expect(openUDPSockets(in: range) == 0)
        var streams: [AllocatedStream] = []
        for i in 0..<8 {
            streams.append(try plane.allocate(StreamAllocationRequest(group: MediaGroupID(rawValue: 100 + UInt64(i / 2)),
                                                                      rtcpMux: i % 4 == 3)))
        }
        #expect(plane.portsInUse == 14)
        #expect(openUDPSockets(in: range) == 14)
        #expect(plane.waitForWorkers())
        for s in streams { plane.release(s.id) }
        #expect(plane.waitForWorkers())
        #expect(plane.portsInUse == 0)
        #expect(openUDPSockets(in: range) == 0)
        #expect(plane.counters(streams[0].id) == nil)
        #expect(plane.worker(of: MediaGroupID(rawValue: 100)) == nil)
        // Freshly released ports are not handed out again while others are free.
        let used = Set(streams.map(\.rtpPort))
        let next = try plane.allocate(StreamAllocationRequest(group: MediaGroupID(rawValue: 200)))
        #expect(!used.contains(next.rtpPort))
    }

    @Test(arguments: MediaIOMode.allCases) func groupsStayOnOneWorkerAndSpreadAcrossWorkers(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(32000...32099, io), workers: 2)
        defer { plane.shutdown() }
        let g1 = MediaGroupID(rawValue: 1), g2 = MediaGroupID(rawValue: 2)
        _ = try plane.allocate(StreamAllocationRequest(group: g1))
        _ = try plane.allocate(StreamAllocationRequest(group: g1))
        _ = try plane.allocate(StreamAllocationRequest(group: g2))
        #expect(plane.worker(of: g1) != nil && plane.worker(of: g2) != nil)
        #expect(plane.worker(of: g1) != plane.worker(of: g2))
    }

    @Test(arguments: MediaIOMode.allCases) func shutdownClosesEverything(io: MediaIOMode) throws {
        let range: ClosedRange<UInt16> = ports(32100...32199, io)
        let plane = try makePlane(io, range)
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        _ = try call(plane, group: 11, a: StreamPlan(remoteRTP: phoneA.endpoint), b: StreamPlan(remoteRTP: phoneB.endpoint))
        _ = try plane.allocate(StreamAllocationRequest(group: MediaGroupID(rawValue: 12), rtcpMux: true))
        #expect(openUDPSockets(in: range) == 5)
        plane.shutdown()
        #expect(plane.portsInUse == 0)
        #expect(openUDPSockets(in: range) == 0)
        #expect(throws: MediaPlaneError.self) { try plane.allocate(StreamAllocationRequest(group: MediaGroupID(rawValue: 13))) }
    }

    @Test(arguments: MediaIOMode.allCases) func shutdownWithoutStartClosesSockets(io: MediaIOMode) throws {
        let range: ClosedRange<UInt16> = ports(32200...32219, io)
        let plane = try RelayMediaPlane(configuration: RelayConfiguration(portMin: range.lowerBound, portMax: range.upperBound, io: io))
        _ = try plane.allocate(StreamAllocationRequest(group: MediaGroupID(rawValue: 1)))
        #expect(openUDPSockets(in: range) == 2)
        plane.shutdown()
        #expect(plane.portsInUse == 0)
        #expect(openUDPSockets(in: range) == 0)
    }
}

