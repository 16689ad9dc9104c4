import Glibc
import RTPWire
import Testing
@testable import RTPRelay

/// io_uring mode: once a stream's RTP latch locks onto its remote, the worker sends to that remote from a second
/// socket on the same port, connected to it (cheaper per datagram), and the kernel delivers the remote's datagrams
/// there. Other sources must still reach the unconnected socket, where the latch drops and counts them.
@Suite struct TwinSocketTests {
    @Test func aLockedRemoteIsServedThroughATwinWhileASprayerStillGetsNothing() throws {
        let range = ports(32700...32719, .uring)
        let plane = try makePlane(.uring, range, workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket(), sprayer = try UDPTestSocket("127.0.0.3")
        let (a, b) = try call(plane, group: 1, a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.1),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.1))
        phoneA.send(rtpPacket(seq: 1, ssrc: 0xA), to: relayRTP(a))
        _ = try #require(phoneB.receive())
        phoneB.send(rtpPacket(seq: 1, ssrc: 0xB), to: relayRTP(b))
        _ = try #require(phoneA.receive())
        usleep(150_000)   // learning windows over: the next packet each way locks and twins
        #expect(openUDPSockets(in: range, connectedOnly: true) == 0)
        for seq in UInt16(2)...40 {
            // The sprayer first, so its datagram is queued before the phones' packets this turn waits for.
            sprayer.send(rtpPacket(seq: seq, ssrc: 0x5), to: relayRTP(a))
            let toB = rtpPacket(seq: seq, ssrc: 0xA, payload: Array(repeating: UInt8(seq), count: 160))
            phoneA.send(toB, to: relayRTP(a))
            let gotB = try #require(phoneB.receive())
            #expect(gotB.bytes == toB)
            #expect(gotB.from == relayRTP(b))   // the twin is bound to the stream's own port
            let toA = rtpPacket(seq: seq &+ 100, ssrc: 0xB)
            phoneB.send(toA, to: relayRTP(b))
            let gotA = try #require(phoneA.receive())
            #expect(gotA.bytes == toA)
            #expect(gotA.from == relayRTP(a))
        }
        #expect(plane.waitForWorkers())
        #expect(openUDPSockets(in: range, connectedOnly: true) == 2)   // one per locked RTP remote
        #expect(sprayer.receive(timeout: 0.1) == nil)
        #expect(phoneB.receive(timeout: 0) == nil)                      // nothing of the sprayer's reached B
        let ca = try #require(plane.counters(a.id)), cb = try #require(plane.counters(b.id))
        #expect(ca.droppedForeignSource == 39)
        #expect(ca.rtpIn.packets == 40 && cb.rtpIn.packets == 40)
        #expect(ca.rtpOut.packets == 40 && cb.rtpOut.packets == 40)
        plane.release(a.id)
        plane.release(b.id)
        #expect(plane.waitForWorkers())
        #expect(openUDPSockets(in: range) == 0)                          // the twins are closed with their streams
        #expect(plane.portsInUse == 0)
    }

    @Test func theTwinFollowsTheRemoteToItsNewPortAndTheOldPortIsForeign() throws {
        let range = ports(32720...32739, .uring)
        let plane = try makePlane(.uring, range, workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket(), phoneB2 = try UDPTestSocket()
        let (a, b) = try call(plane, group: 2, a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.1),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.1))
        phoneB.send(rtpPacket(seq: 1), to: relayRTP(b))
        _ = try #require(phoneA.receive())
        usleep(150_000)
        phoneA.send(rtpPacket(seq: 2), to: relayRTP(a))
        _ = try #require(phoneB.receive())                               // B locked: sent through its twin
        #expect(openUDPSockets(in: range, connectedOnly: true) == 1)
        // Re-INVITE: B moves to another port; once that locks, the twin is pointed there.
        plane.update(b.id, plan: StreamPlan(sink: a.id, remoteRTP: phoneB2.endpoint, learningWindow: 0.1))
        #expect(plane.waitForWorkers())
        phoneB2.send(rtpPacket(seq: 50), to: relayRTP(b))
        #expect(try #require(phoneA.receive()).bytes == rtpPacket(seq: 50))
        usleep(150_000)
        for seq in UInt16(3)...12 {
            phoneA.send(rtpPacket(seq: seq), to: relayRTP(a))
            let got = try #require(phoneB2.receive())
            #expect(got.bytes == rtpPacket(seq: seq))
            #expect(got.from == relayRTP(b))
            phoneB2.send(rtpPacket(seq: seq &+ 100), to: relayRTP(b))
            #expect(try #require(phoneA.receive()).bytes == rtpPacket(seq: seq &+ 100))
        }
        #expect(plane.counters(b.id)?.latchedRTP == phoneB2.endpoint)
        #expect(phoneB.receive(timeout: 0.05) == nil)
        // The old remote is foreign now: its packets reach the unconnected socket and are dropped and counted.
        let before = try #require(plane.counters(b.id)).droppedForeignSource
        for seq in UInt16(200)..<210 { phoneB.send(rtpPacket(seq: seq), to: relayRTP(b)) }
        #expect(plane.waitForWorkers())
        #expect(phoneA.receive(timeout: 0.1) == nil)
        #expect(try #require(plane.counters(b.id)).droppedForeignSource == before + 10)
        #expect(openUDPSockets(in: range, connectedOnly: true) == 2)
    }

    @Test func theTwinKeepsReceivingAfterItsRemoteWentAwayAndCameBack() throws {
        let range = ports(32740...32759, .uring)
        let plane = try makePlane(.uring, range, workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket()
        var phoneB: UDPTestSocket? = try UDPTestSocket()
        let bEndpoint = phoneB!.endpoint
        let (a, b) = try call(plane, group: 3, a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.1),
                              b: StreamPlan(remoteRTP: bEndpoint, learningWindow: 0.1))
        phoneA.send(rtpPacket(seq: 1), to: relayRTP(a))
        _ = try #require(phoneB!.receive())
        phoneB!.send(rtpPacket(seq: 1), to: relayRTP(b))
        _ = try #require(phoneA.receive())
        usleep(150_000)
        // Waiting for the relayed packets, not for a worker barrier: a worker takes its commands before the datagrams
        // of the same turn, so a barrier can pass while these are still queued.
        phoneA.send(rtpPacket(seq: 2), to: relayRTP(a))
        _ = try #require(phoneB!.receive())
        phoneB!.send(rtpPacket(seq: 2), to: relayRTP(b))
        _ = try #require(phoneA.receive())
        #expect(openUDPSockets(in: range, connectedOnly: true) == 2)
        // B's app dies: what the relay sends there draws ICMP port-unreachable, which the connected twin reports as
        // an error that ends its receive.
        phoneB = nil
        for seq in UInt16(3)...22 {
            phoneA.send(rtpPacket(seq: seq), to: relayRTP(a))
            usleep(2_000)
        }
        #expect(plane.waitForWorkers())
        // It restarts on the same port: its datagrams arrive at the twin again and must still be relayed.
        let phoneB2 = try UDPTestSocket(port: bEndpoint.port)
        for seq in UInt16(100)..<110 {
            let toA = rtpPacket(seq: seq, ssrc: 0xB)
            phoneB2.send(toA, to: relayRTP(b))
            #expect(try #require(phoneA.receive(), "B's packet \(seq) reached A").bytes == toA)
            let toB = rtpPacket(seq: seq, ssrc: 0xA)
            phoneA.send(toB, to: relayRTP(a))
            #expect(try #require(phoneB2.receive()).bytes == toB)
        }
        #expect(plane.counters(b.id)?.latchedRTP == bEndpoint)
    }
}
