import CShim
import Foundation
import Glibc
import RTPWire
import Testing
@testable import RTPRelay

/// RTP ↔ SRTP bridging through a running relay, on real loopback sockets, in both IO modes. Each phone on an
/// SRTP leg runs SRTPSessions of its own: it decrypts what the relay sends with the key the relay announced to it
/// (the plan's `outboundSRTP`) and encrypts what it sends with its own key (the plan's `inboundSRTP`).
@Suite struct SRTPRelayTests {
    /// Deterministic key material for `suite`, different per `seed`.
    static func keying(_ suite: SRTPCryptoSuite, seed: UInt8) -> SRTPKeying {
        let bytes = (0..<suite.masterLength).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ Int(seed) &* 71 &+ 5) }
        return SRTPKeying(suite: suite, masterKey: Array(bytes[0..<suite.keyLength]),
                          masterSalt: Array(bytes[suite.keyLength...]))
    }

    static func session(_ keying: SRTPKeying, _ direction: SRTPSession.Direction) throws -> SRTPSession {
        try SRTPSession(suite: try #require(SRTPSuite(rawValue: keying.suite.rawValue)),
                        masterKeyAndSalt: keying.masterKeyAndSalt, direction: direction,
                        services: SRTPServices(encryptRTP: !keying.unencryptedSRTP, authenticateRTP: !keying.unauthenticatedSRTP,
                                               encryptRTCP: !keying.unencryptedSRTCP))
    }

    /// Runs an SRTPSession transform over a copy of `packet` with trailer room.
    static func apply(_ packet: [UInt8], _ body: (UnsafeMutableRawBufferPointer, Int) throws(SRTPError) -> Int) throws -> [UInt8] {
        var buffer = packet + [UInt8](repeating: 0, count: SRTPSession.maxTrailerLength + 4)
        let n = try buffer.withUnsafeMutableBytes { (b) throws(SRTPError) -> Int in try body(b, packet.count) }
        return Array(buffer[0..<n])
    }

    static func payload(_ seq: UInt16, count: Int = 160) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 13 &+ Int(seq)) }
    }

    /// An RTCP sender report (RFC 3550 §6.4.1, no report blocks): 28 bytes.
    static func senderReport(ssrc: UInt32, ntp: UInt32) -> [UInt8] {
        [0x80, 200, 0x00, 0x06] + withUnsafeBytes(of: ssrc.bigEndian, Array.init)
            + withUnsafeBytes(of: ntp.bigEndian, Array.init) + [0, 0, 0, 0, 0, 0, 0, 160, 0, 0, 0, 1, 0, 0, 0, 172]
    }

    @Test(arguments: MediaIOMode.allCases) func plainPhoneAndSRTPPhoneHearEachOtherWithSRTCP(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(32600...32619, io))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneARTCP = try UDPTestSocket()
        let phoneB = try UDPTestSocket(), phoneBRTCP = try UDPTestSocket()
        let relayToB = Self.keying(.aes128CMHmacSHA1_80, seed: 1), bToRelay = Self.keying(.aes128CMHmacSHA1_80, seed: 2)
        let bDecrypts = try Self.session(relayToB, .inbound), bEncrypts = try Self.session(bToRelay, .outbound)
        let (a, b) = try call(plane, group: 1,
            a: StreamPlan(remoteRTP: phoneA.endpoint, remoteRTCP: phoneARTCP.endpoint, learningWindow: 0.2),
            b: StreamPlan(remoteRTP: phoneB.endpoint, remoteRTCP: phoneBRTCP.endpoint, learningWindow: 0.2,
                          inboundSRTP: bToRelay, outboundSRTP: relayToB))
        for seq in UInt16(1)...20 {
            let plain = rtpPacket(seq: seq, ssrc: 0xA, payload: Self.payload(seq))
            phoneA.send(plain, to: relayRTP(a))
            let wire = try #require(phoneB.receive()).bytes
            #expect(wire.count == plain.count + 10)
            #expect(wire[0..<12] == plain[0..<12])
            #expect(wire[12..<plain.count] != plain[12...])   // the payload is encrypted on B's leg
            #expect(try Self.apply(wire) { (p, n) throws(SRTPError) in try bDecrypts.unprotect(p, length: n) } == plain)

            let reply = rtpPacket(seq: seq &+ 500, pt: 8, ssrc: 0xB, payload: Self.payload(seq, count: 80))
            phoneB.send(try Self.apply(reply) { (p, n) throws(SRTPError) in try bEncrypts.protect(p, length: n) }, to: relayRTP(b))
            #expect(try #require(phoneA.receive()).bytes == reply)
        }
        // SRTCP on the separate RTCP ports, both ways.
        let srFromA = Self.senderReport(ssrc: 0xA, ntp: 1)
        phoneARTCP.send(srFromA, to: relayRTCP(a))
        let srtcp = try #require(phoneBRTCP.receive()).bytes
        #expect(srtcp.count == srFromA.count + 14)
        #expect(try Self.apply(srtcp) { (p, n) throws(SRTPError) in try bDecrypts.unprotectRTCP(p, length: n) } == srFromA)
        let rrFromB = rtcpReceiverReport(ssrc: 0xB)
        phoneBRTCP.send(try Self.apply(rrFromB) { (p, n) throws(SRTPError) in try bEncrypts.protectRTCP(p, length: n) },
                        to: relayRTCP(b))
        #expect(try #require(phoneARTCP.receive()).bytes == rrFromB)

        #expect(plane.waitForWorkers())
        let ca = try #require(plane.counters(a.id)), cb = try #require(plane.counters(b.id))
        #expect(ca.rtpIn.packets == 20 && cb.rtpOut.packets == 20 && cb.rtpIn.packets == 20 && ca.rtpOut.packets == 20)
        #expect(cb.rtpOut.bytes == 20 * 182)   // what went out on the wire, trailer included
        #expect(ca.rtcpIn.packets == 1 && cb.rtcpOut.packets == 1 && cb.rtcpIn.packets == 1 && ca.rtcpOut.packets == 1)
        #expect(cb.droppedSRTPAuth == 0 && cb.droppedSRTPReplay == 0)
        #expect(plane.totals.droppedSRTP == 0)
    }

    /// Re-encryption: each leg has its own suite and keys, RTCP is muxed on the RTP port.
    @Test(arguments: MediaIOMode.allCases) func srtpLegsWithDifferentKeysAndMuxedSRTCPAreReEncrypted(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(32620...32639, io))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let aToRelay = Self.keying(.aes256CMHmacSHA1_32, seed: 3), relayToA = Self.keying(.aes256CMHmacSHA1_32, seed: 4)
        let bToRelay = Self.keying(.aeadAES128GCM, seed: 5), relayToB = Self.keying(.aeadAES128GCM, seed: 6)
        let aEncrypts = try Self.session(aToRelay, .outbound), aDecrypts = try Self.session(relayToA, .inbound)
        let bEncrypts = try Self.session(bToRelay, .outbound), bDecrypts = try Self.session(relayToB, .inbound)
        let (a, b) = try call(plane, group: 2, mux: true,
            a: StreamPlan(remoteRTP: phoneA.endpoint, rtcpMux: true, learningWindow: 0.2,
                          inboundSRTP: aToRelay, outboundSRTP: relayToA),
            b: StreamPlan(remoteRTP: phoneB.endpoint, rtcpMux: true, learningWindow: 0.2,
                          inboundSRTP: bToRelay, outboundSRTP: relayToB))
        for seq in UInt16(1)...10 {
            let plain = rtpPacket(seq: seq, ssrc: 0xA, payload: Self.payload(seq))
            let sent = try Self.apply(plain) { (p, n) throws(SRTPError) in try aEncrypts.protect(p, length: n) }
            phoneA.send(sent, to: relayRTP(a))
            let wire = try #require(phoneB.receive()).bytes
            #expect(wire.count == plain.count + 16)   // GCM tag on B's leg instead of A's 4-byte tag
            #expect(try Self.apply(wire) { (p, n) throws(SRTPError) in try bDecrypts.unprotect(p, length: n) } == plain)

            let reply = rtpPacket(seq: seq, ssrc: 0xB, payload: Self.payload(seq &+ 7))
            phoneB.send(try Self.apply(reply) { (p, n) throws(SRTPError) in try bEncrypts.protect(p, length: n) }, to: relayRTP(b))
            let back = try #require(phoneA.receive()).bytes
            #expect(back.count == reply.count + 4)
            #expect(try Self.apply(back) { (p, n) throws(SRTPError) in try aDecrypts.unprotect(p, length: n) } == reply)
        }
        // Muxed SRTCP: to the RTP port, re-encrypted for the other leg.
        let sr = Self.senderReport(ssrc: 0xA, ntp: 9)
        phoneA.send(try Self.apply(sr) { (p, n) throws(SRTPError) in try aEncrypts.protectRTCP(p, length: n) }, to: relayRTP(a))
        let srtcp = try #require(phoneB.receive()).bytes
        #expect(try Self.apply(srtcp) { (p, n) throws(SRTPError) in try bDecrypts.unprotectRTCP(p, length: n) } == sr)
        let rr = rtcpReceiverReport(ssrc: 0xB)
        phoneB.send(try Self.apply(rr) { (p, n) throws(SRTPError) in try bEncrypts.protectRTCP(p, length: n) }, to: relayRTP(b))
        let rrBack = try #require(phoneA.receive()).bytes
        #expect(try Self.apply(rrBack) { (p, n) throws(SRTPError) in try aDecrypts.unprotectRTCP(p, length: n) } == rr)

        #expect(plane.waitForWorkers())
        let ca = try #require(plane.counters(a.id)), cb = try #require(plane.counters(b.id))
        #expect(ca.rtpIn.packets == 10 && cb.rtpOut.packets == 10 && ca.rtcpIn.packets == 1 && cb.rtcpOut.packets == 1)
        #expect(cb.rtpIn.packets == 10 && ca.rtpOut.packets == 10 && cb.rtcpIn.packets == 1 && ca.rtcpOut.packets == 1)
        #expect(plane.totals.droppedSRTP == 0)
    }

    /// Tampered, replayed and wrongly keyed packets (RTP and RTCP) are dropped and counted, and the call goes on;
    /// an attacker's well-formed but unauthenticated RTP from another address, sent first, never latches even with
    /// immediate learning.
    @Test(arguments: MediaIOMode.allCases) func forgedReplayedAndWronglyKeyedPacketsAreDroppedCountedAndNeverLatch(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(32640...32659, io))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let attacker = try UDPTestSocket("127.0.0.3")
        let aToRelay = Self.keying(.aes128CMHmacSHA1_80, seed: 7)
        let aEncrypts = try Self.session(aToRelay, .outbound)
        let wrong = try Self.session(Self.keying(.aes128CMHmacSHA1_80, seed: 8), .outbound)
        let (a, b) = try call(plane, group: 3, mux: true,
            a: StreamPlan(remoteRTP: nil, rtcpMux: true, learning: .immediate, inboundSRTP: aToRelay),
            b: StreamPlan(remoteRTP: phoneB.endpoint, rtcpMux: true, learningWindow: 0.2))

        // The attacker goes first: plain RTP, and SRTP-looking packets (an RTP header plus random tag).
        for seq in UInt16(1)...5 {
            attacker.send(rtpPacket(seq: seq, ssrc: 0xBAD), to: relayRTP(a))
            attacker.send(rtpPacket(seq: seq, ssrc: 0xBAD) + [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], to: relayRTP(a))
        }
        #expect(plane.waitForWorkers())
        #expect(plane.counters(a.id)?.latchedRTP == nil)
        #expect(phoneB.receive(timeout: 0.05) == nil)

        var protected: [[UInt8]] = []
        for seq in UInt16(1)...10 {
            protected.append(try Self.apply(rtpPacket(seq: seq, ssrc: 0xA, payload: Self.payload(seq))) {
                (p, n) throws(SRTPError) in try aEncrypts.protect(p, length: n)
            })
        }
        for seq in 0..<5 {
            phoneA.send(protected[seq], to: relayRTP(a))
            #expect(try #require(phoneB.receive()).bytes == rtpPacket(seq: UInt16(seq + 1), ssrc: 0xA, payload: Self.payload(UInt16(seq + 1))))
        }
        #expect(plane.waitForWorkers())
        #expect(plane.counters(a.id)?.latchedRTP == phoneA.endpoint)

        // Replays from A's own address, a tampered payload, a tampered header, a packet under the wrong key.
        phoneA.send(protected[1], to: relayRTP(a))
        phoneA.send(protected[4], to: relayRTP(a))
        var tampered = protected[5]
        tampered[20] ^= 0x01
        phoneA.send(tampered, to: relayRTP(a))
        var header = protected[5]
        header[1] = 8   // payload type changed: the header is authenticated too
        phoneA.send(header, to: relayRTP(a))
        phoneA.send(try Self.apply(rtpPacket(seq: 6, ssrc: 0xA)) { (p, n) throws(SRTPError) in try wrong.protect(p, length: n) },
                    to: relayRTP(a))
        // SRTCP: wrong key, then a replay of a good one.
        let goodRTCP = try Self.apply(Self.senderReport(ssrc: 0xA, ntp: 3)) { (p, n) throws(SRTPError) in
            try aEncrypts.protectRTCP(p, length: n)
        }
        phoneA.send(try Self.apply(Self.senderReport(ssrc: 0xA, ntp: 3)) { (p, n) throws(SRTPError) in
            try wrong.protectRTCP(p, length: n)
        }, to: relayRTP(a))
        phoneA.send(goodRTCP, to: relayRTP(a))
        #expect(try #require(phoneB.receive()).bytes == Self.senderReport(ssrc: 0xA, ntp: 3))
        phoneA.send(goodRTCP, to: relayRTP(a))
        // The attacker again, now that A is latched, with a packet made under A's key that A never sent (as if
        // captured on the way): it authenticates, but comes from a foreign source.
        let stolen = try Self.apply(rtpPacket(seq: 50, ssrc: 0xA)) { (p, n) throws(SRTPError) in try aEncrypts.protect(p, length: n) }
        attacker.send(stolen, to: relayRTP(a))
        #expect(phoneB.receive(timeout: 0.1) == nil)

        // The call survives: the rest of A's packets, including the one whose tampered copies were dropped.
        for seq in 5..<10 {
            phoneA.send(protected[seq], to: relayRTP(a))
            #expect(try #require(phoneB.receive()).bytes == rtpPacket(seq: UInt16(seq + 1), ssrc: 0xA, payload: Self.payload(UInt16(seq + 1))))
        }
        #expect(plane.waitForWorkers())
        let ca = try #require(plane.counters(a.id))
        #expect(ca.droppedSRTPAuth == 10 + 2 + 2)   // attacker's 10, tampered ×2, wrong key (RTP + RTCP)
        #expect(ca.droppedSRTPReplay == 2 + 1)      // two RTP replays and the SRTCP replay
        #expect(ca.droppedForeignSource == 1)   // the stolen packet
        #expect(ca.latchedRTP == phoneA.endpoint)
        #expect(ca.rtpIn.packets == 10 && ca.rtcpIn.packets == 1)
        #expect(plane.counters(b.id)?.rtpOut.packets == 10)
        #expect(plane.totals.droppedSRTP == 17)
    }

    /// Re-keying on a re-INVITE: a new inbound key replaces the session (old-key packets fail from then on), and a
    /// re-offer with the same keys keeps the session, replay window included.
    @Test(arguments: MediaIOMode.allCases) func reKeyingMidCallSwitchesKeysAndAReOfferWithTheSameKeysKeepsState(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(32660...32679, io))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let bKey1 = Self.keying(.aes128CMHmacSHA1_80, seed: 10), relayKey1 = Self.keying(.aes128CMHmacSHA1_80, seed: 11)
        let bKey2 = Self.keying(.aeadAES256GCM, seed: 12), relayKey2 = Self.keying(.aeadAES256GCM, seed: 13)
        let aPlan = StreamPlan(remoteRTP: phoneA.endpoint, rtcpMux: true, learningWindow: 0.2)
        var bPlan = StreamPlan(remoteRTP: phoneB.endpoint, rtcpMux: true, learningWindow: 0.2,
                               inboundSRTP: bKey1, outboundSRTP: relayKey1)
        let (a, b) = try call(plane, group: 4, mux: true, a: aPlan, b: bPlan)
        bPlan.sink = a.id
        let bEncrypts1 = try Self.session(bKey1, .outbound), bDecrypts1 = try Self.session(relayKey1, .inbound)
        var sentByB: [[UInt8]] = []
        for seq in UInt16(1)...5 {
            let packet = try Self.apply(rtpPacket(seq: seq, ssrc: 0xB)) { (p, n) throws(SRTPError) in try bEncrypts1.protect(p, length: n) }
            sentByB.append(packet)
            phoneB.send(packet, to: relayRTP(b))
            #expect(try #require(phoneA.receive()).bytes == rtpPacket(seq: seq, ssrc: 0xB))
            phoneA.send(rtpPacket(seq: seq, ssrc: 0xA), to: relayRTP(a))
            let wire = try #require(phoneB.receive()).bytes
            #expect(try Self.apply(wire) { (p, n) throws(SRTPError) in try bDecrypts1.unprotect(p, length: n) } == rtpPacket(seq: seq, ssrc: 0xA))
        }
        // Re-offer, same keys: the replay window survives, and the outbound stream keeps going for B's session.
        plane.update(b.id, plan: bPlan)
        #expect(plane.waitForWorkers())
        phoneB.send(sentByB[2], to: relayRTP(b))
        #expect(phoneA.receive(timeout: 0.1) == nil)
        #expect(plane.counters(b.id)?.droppedSRTPReplay == 1)
        phoneA.send(rtpPacket(seq: 6, ssrc: 0xA), to: relayRTP(a))
        let sixth = try #require(phoneB.receive()).bytes
        #expect(try Self.apply(sixth) { (p, n) throws(SRTPError) in try bDecrypts1.unprotect(p, length: n) } == rtpPacket(seq: 6, ssrc: 0xA))

        // Re-INVITE with new keys both ways (and a new suite).
        bPlan.inboundSRTP = bKey2
        bPlan.outboundSRTP = relayKey2
        plane.update(b.id, plan: bPlan)
        #expect(plane.waitForWorkers())
        let bEncrypts2 = try Self.session(bKey2, .outbound), bDecrypts2 = try Self.session(relayKey2, .inbound)
        let oldKey = try Self.apply(rtpPacket(seq: 6, ssrc: 0xB)) { (p, n) throws(SRTPError) in try bEncrypts1.protect(p, length: n) }
        phoneB.send(oldKey, to: relayRTP(b))
        #expect(phoneA.receive(timeout: 0.1) == nil)
        for seq in UInt16(6)...10 {
            let packet = try Self.apply(rtpPacket(seq: seq, ssrc: 0xB)) { (p, n) throws(SRTPError) in try bEncrypts2.protect(p, length: n) }
            phoneB.send(packet, to: relayRTP(b))
            #expect(try #require(phoneA.receive()).bytes == rtpPacket(seq: seq, ssrc: 0xB))
            phoneA.send(rtpPacket(seq: seq &+ 1, ssrc: 0xA), to: relayRTP(a))
            let wire = try #require(phoneB.receive()).bytes
            #expect(try Self.apply(wire) { (p, n) throws(SRTPError) in try bDecrypts2.unprotect(p, length: n) } == rtpPacket(seq: seq &+ 1, ssrc: 0xA))
        }
        // Back to plain RTP on B's leg (re-INVITE to RTP/AVP).
        bPlan.inboundSRTP = nil
        bPlan.outboundSRTP = nil
        plane.update(b.id, plan: bPlan)
        #expect(plane.waitForWorkers())
        phoneB.send(rtpPacket(seq: 11, ssrc: 0xB), to: relayRTP(b))
        #expect(try #require(phoneA.receive()).bytes == rtpPacket(seq: 11, ssrc: 0xB))
        phoneA.send(rtpPacket(seq: 12, ssrc: 0xA), to: relayRTP(a))
        #expect(try #require(phoneB.receive()).bytes == rtpPacket(seq: 12, ssrc: 0xA))

        #expect(plane.waitForWorkers())
        let cb = try #require(plane.counters(b.id))
        #expect(cb.droppedSRTPReplay == 1 && cb.droppedSRTPAuth == 1)
        #expect(cb.rtpIn.packets == 11 && cb.rtpOut.packets == 12)
    }

    /// A datagram as large as the receive buffer still gets its SRTP trailer: the buffers keep room after it.
    @Test(arguments: MediaIOMode.allCases) func aFullSizePacketIsProtectedInPlace(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(32680...32699, io), maxPacketSize: 1500)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let relayToB = Self.keying(.aeadAES256GCM, seed: 20)
        let bDecrypts = try Self.session(relayToB, .inbound)
        let (a, _) = try call(plane, group: 5, mux: true,
            a: StreamPlan(remoteRTP: phoneA.endpoint, rtcpMux: true, learningWindow: 0.2),
            b: StreamPlan(remoteRTP: phoneB.endpoint, rtcpMux: true, learningWindow: 0.2, outboundSRTP: relayToB))
        let big = rtpPacket(seq: 1, ssrc: 0xA, payload: Self.payload(1, count: 1500 - 12))
        phoneA.send(big, to: relayRTP(a))
        let wire = try #require(phoneB.receive()).bytes
        #expect(wire.count == 1500 + 16)
        #expect(try Self.apply(wire) { (p, n) throws(SRTPError) in try bDecrypts.unprotect(p, length: n) } == big)
    }

    /// Keys the media plane cannot run (here: UNENCRYPTED_SRTP with an AEAD suite, which RFC 7714 does not define)
    /// make that direction drop, never relay media in the clear to a leg that asked for SRTP.
    @Test(arguments: MediaIOMode.allCases) func unusableKeysDropInsteadOfSendingInTheClear(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(31940...31959, io))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        var odd = Self.keying(.aeadAES128GCM, seed: 30)
        odd.unencryptedSRTP = true
        let (a, b) = try call(plane, group: 6, mux: true,
            a: StreamPlan(remoteRTP: phoneA.endpoint, rtcpMux: true, learningWindow: 0.2),
            b: StreamPlan(remoteRTP: phoneB.endpoint, rtcpMux: true, learningWindow: 0.2, inboundSRTP: odd, outboundSRTP: odd))
        phoneA.send(rtpPacket(seq: 1, ssrc: 0xA), to: relayRTP(a))
        phoneB.send(rtpPacket(seq: 1, ssrc: 0xB), to: relayRTP(b))
        #expect(phoneB.receive(timeout: 0.1) == nil)
        #expect(phoneA.receive(timeout: 0.1) == nil)
        #expect(plane.waitForWorkers())
        #expect(plane.counters(b.id)?.droppedSRTPAuth == 1)
        #expect(plane.counters(b.id)?.rtpOut.errors == 1)
    }

    /// SDES session parameters UNENCRYPTED_SRTP and UNENCRYPTED_SRTCP through the relay: B's leg carries the
    /// payload and the RTCP in the clear but still authenticated (tag on RTP, E flag 0 and tag on SRTCP), and a
    /// forged packet from B's side is still dropped.
    @Test(arguments: MediaIOMode.allCases) func unencryptedSessionParametersStayAuthenticated(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(30400...30419, io))
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        var relayToB = Self.keying(.aes128CMHmacSHA1_32, seed: 40), bToRelay = Self.keying(.aes128CMHmacSHA1_32, seed: 41)
        for i in [0, 1] {
            var k = i == 0 ? relayToB : bToRelay
            k.unencryptedSRTP = true
            k.unencryptedSRTCP = true
            if i == 0 { relayToB = k } else { bToRelay = k }
        }
        let bDecrypts = try Self.session(relayToB, .inbound), bEncrypts = try Self.session(bToRelay, .outbound)
        let (a, b) = try call(plane, group: 7, mux: true,
            a: StreamPlan(remoteRTP: phoneA.endpoint, rtcpMux: true, learningWindow: 0.2),
            b: StreamPlan(remoteRTP: phoneB.endpoint, rtcpMux: true, learningWindow: 0.2, inboundSRTP: bToRelay, outboundSRTP: relayToB))
        let plain = rtpPacket(seq: 7, ssrc: 0xA, payload: Self.payload(7))
        phoneA.send(plain, to: relayRTP(a))
        let wire = try #require(phoneB.receive()).bytes
        #expect(wire.count == plain.count + 4)
        #expect(Array(wire[0..<plain.count]) == plain)   // clear, but tagged
        #expect(try Self.apply(wire) { (p, n) throws(SRTPError) in try bDecrypts.unprotect(p, length: n) } == plain)
        let sr = Self.senderReport(ssrc: 0xA, ntp: 9)
        phoneA.send(sr, to: relayRTP(a))
        let srtcp = try #require(phoneB.receive()).bytes
        #expect(srtcp.count == sr.count + 14 && Array(srtcp[0..<sr.count]) == sr && srtcp[sr.count] & 0x80 == 0)
        #expect(try Self.apply(srtcp) { (p, n) throws(SRTPError) in try bDecrypts.unprotectRTCP(p, length: n) } == sr)

        let reply = rtpPacket(seq: 100, ssrc: 0xB, payload: Self.payload(3))
        let protected = try Self.apply(reply) { (p, n) throws(SRTPError) in try bEncrypts.protect(p, length: n) }
        var forged = protected
        forged[20] ^= 0x01
        phoneB.send(forged, to: relayRTP(b))
        phoneB.send(protected, to: relayRTP(b))
        #expect(try #require(phoneA.receive()).bytes == reply)
        #expect(phoneA.receive(timeout: 0.1) == nil)
        #expect(plane.waitForWorkers())
        #expect(plane.counters(b.id)?.droppedSRTPAuth == 1)
    }
}
