import RTPWire
import Testing
@testable import RTPRelay

/// The latching decision with a virtual clock: no sockets, no sleeps.
@Suite struct EndpointLatchTests {
    static func address(_ host: String, _ port: UInt16) -> PeerAddress {
        PeerAddress(Endpoint(address: host, port: port))!
    }

    let sdp = address("127.0.0.1", 5000)         // what the phone announced
    let phone = address("127.0.0.1", 5000)
    let natPhone = address("127.0.0.1", 5010)    // same host, other port (NAT rewrote it)
    let prober = address("127.0.0.1", 6000)      // same host as the SDP, other port
    let stranger = address("127.0.0.9", 7000)    // a different host
    let t0 = MonotonicInstant(nanoseconds: 1_000_000_000)

    func at(_ seconds: Double) -> MonotonicInstant { t0.adding(seconds: seconds) }
    func rtp(_ seq: UInt16, pt: UInt8 = 0) -> PacketFacts { PacketFacts(payloadType: pt, sequence: seq) }

    func latch(_ policy: LatchPolicy, expected: PeerAddress?) -> EndpointLatch {
        var l = EndpointLatch()
        l.apply(policy: policy, expected: expected, now: t0)
        return l
    }

    @Test func peerAddressRoundTripsAndComparesHosts() {
        let a = Self.address("127.0.0.1", 5000)
        #expect(a.length == 16)
        #expect(a.endpoint == Endpoint(address: "127.0.0.1", port: 5000))
        let v6 = Self.address("::1", 40000)
        #expect(v6.length == 28)
        #expect(v6.endpoint == Endpoint(address: "::1", port: 40000))
        #expect(a.sameHost(as: Self.address("127.0.0.1", 1)))
        #expect(!a.sameHost(as: Self.address("127.0.0.2", 5000)))
        #expect(!a.sameHost(as: v6))
        #expect(v6.sameHost(as: Self.address("::1", 2)))
        #expect(PeerAddress(Endpoint(address: "not-an-ip", port: 1)) == nil)
    }

    @Test func heuristicProberRaceThePhoneWinsAndTheProberNeverReceives() {
        var l = latch(LatchPolicy(mode: .heuristic, window: 0.2), expected: sdp)
        // The prober sprays valid RTP from the first moment; same host as the SDP, so it is a candidate (rank 2).
        #expect(l.observe(source: prober, facts: rtp(100), now: at(0.001)) == .accept)
        #expect(l.destination == sdp)
        // The phone starts from its SDP port: it outranks the prober.
        #expect(l.observe(source: phone, facts: rtp(1), now: at(0.02)) == .accept)
        for i in 0..<10 {
            #expect(l.observe(source: prober, facts: rtp(101 &+ UInt16(i)), now: at(0.03 + Double(i) * 0.01)) == .dropForeign)
            #expect(l.destination != prober)
        }
        #expect(l.latched == nil)
        l.advance(now: at(0.21))
        #expect(l.latched == phone)
        #expect(l.destination == phone)
        #expect(l.observe(source: prober, facts: rtp(200), now: at(0.3)) == .dropForeign)
        #expect(l.observe(source: phone, facts: rtp(2), now: at(0.3)) == .accept)
    }

    @Test func heuristicStrangerNeedsTwoConsecutivePacketsAndLosesToTheSDPHost() {
        var l = latch(LatchPolicy(mode: .heuristic, window: 0.2), expected: sdp)
        // A different host must show two consecutive sequence numbers before it is a candidate.
        #expect(l.observe(source: stranger, facts: rtp(10), now: at(0.01)) == .dropForeign)
        #expect(l.observe(source: stranger, facts: rtp(50), now: at(0.02)) == .dropForeign)
        #expect(l.observe(source: stranger, facts: rtp(51), now: at(0.03)) == .accept)
        // The NATed phone (SDP host, other port) outranks it.
        #expect(l.observe(source: natPhone, facts: rtp(1), now: at(0.04)) == .accept)
        #expect(l.observe(source: stranger, facts: rtp(52), now: at(0.05)) == .dropForeign)
        #expect(l.destination == sdp)  // nobody unconfirmed receives media while learning
        l.advance(now: at(0.2))
        #expect(l.latched == natPhone)
        #expect(l.destination == natPhone)
    }

    @Test func heuristicIgnoresUnexpectedPayloadTypes() {
        var l = latch(LatchPolicy(mode: .heuristic, window: 0.2, payloadTypes: [0, 8]), expected: sdp)
        #expect(l.observe(source: phone, facts: rtp(1, pt: 96), now: at(0.01)) == .dropForeign)
        #expect(l.observe(source: phone, facts: rtp(2, pt: 8), now: at(0.02)) == .accept)
        l.advance(now: at(0.3))
        #expect(l.latched == phone)
    }

    @Test func heuristicWithoutCandidateLatchesOnTheFirstCredibleSourceAfterTheWindow() {
        var l = latch(LatchPolicy(mode: .heuristic, window: 0.2), expected: sdp)
        l.advance(now: at(0.5))
        #expect(l.latched == nil)
        #expect(l.destination == sdp)
        #expect(l.observe(source: stranger, facts: rtp(7), now: at(0.6)) == .dropForeign)
        #expect(l.observe(source: stranger, facts: rtp(8), now: at(0.62)) == .accept)
        #expect(l.latched == stranger)
    }

    @Test func immediateLatchesTheFirstPlausibleSource() {
        var l = latch(LatchPolicy(mode: .immediate, window: 3, payloadTypes: [0]), expected: sdp)
        #expect(l.observe(source: stranger, facts: rtp(1, pt: 18), now: at(0)) == .dropForeign)
        #expect(l.observe(source: natPhone, facts: rtp(1), now: at(0.001)) == .accept)
        #expect(l.latched == natPhone)
        #expect(l.destination == natPhone)
        #expect(l.observe(source: phone, facts: rtp(2), now: at(0.01)) == .dropForeign)  // bleed protection
    }

    @Test func delayedForwardsPerSDPDuringTheWindowThenLatchesTheNextSource() {
        var l = latch(LatchPolicy(mode: .delayed, window: 0.2), expected: sdp)
        #expect(l.observe(source: stranger, facts: rtp(1), now: at(0.01)) == .accept)
        #expect(l.observe(source: natPhone, facts: rtp(1), now: at(0.02)) == .accept)
        #expect(l.latched == nil)
        #expect(l.destination == sdp)
        #expect(l.observe(source: natPhone, facts: rtp(2), now: at(0.25)) == .accept)
        #expect(l.latched == natPhone)
        #expect(l.observe(source: stranger, facts: rtp(3), now: at(0.26)) == .dropForeign)
    }

    @Test func offAndAsymmetricNeverLatchAndAcceptAnything() {
        for policy in [LatchPolicy(mode: .off, window: 0.2), LatchPolicy(mode: .heuristic, window: 0.2, asymmetric: true)] {
            var l = latch(policy, expected: sdp)
            #expect(l.observe(source: stranger, facts: rtp(1), now: at(0.01)) == .accept)
            #expect(l.observe(source: natPhone, facts: rtp(1), now: at(1)) == .accept)
            #expect(l.observe(source: stranger, facts: rtp(2), now: at(5)) == .accept)
            #expect(l.latched == nil)
            #expect(l.destination == sdp)
        }
    }

    @Test func strictSourceNeverReLatchesEvenWithHandover() {
        var l = latch(LatchPolicy(mode: .immediate, strictSource: true, mediaHandover: true), expected: sdp)
        #expect(l.observe(source: phone, facts: rtp(1), now: at(0)) == .accept)
        for seq in UInt16(10)..<UInt16(20) {
            #expect(l.observe(source: natPhone, facts: rtp(seq), now: at(0.1)) == .dropForeign)
        }
        #expect(l.latched == phone)
        #expect(l.destination == phone)
    }

    @Test func mediaHandoverMovesToANewPlausibleSource() {
        var l = latch(LatchPolicy(mode: .immediate, mediaHandover: true), expected: sdp)
        #expect(l.observe(source: phone, facts: rtp(1), now: at(0)) == .accept)
        let generation = l.generation
        #expect(l.observe(source: natPhone, facts: rtp(2), now: at(1)) == .accept)
        #expect(l.latched == natPhone)
        #expect(l.generation != generation)
        // A stranger (other host) needs two consecutive packets even for handover.
        #expect(l.observe(source: stranger, facts: rtp(40), now: at(2)) == .dropForeign)
        #expect(l.observe(source: stranger, facts: rtp(41), now: at(2.02)) == .accept)
        #expect(l.latched == stranger)
    }

    @Test func withoutHandoverForeignPacketsAfterTheLockAreDropped() {
        var l = latch(LatchPolicy(mode: .heuristic, window: 0.1), expected: sdp)
        #expect(l.observe(source: phone, facts: rtp(1), now: at(0)) == .accept)
        l.advance(now: at(0.2))
        #expect(l.observe(source: natPhone, facts: rtp(2), now: at(0.3)) == .dropForeign)
        #expect(l.observe(source: natPhone, facts: rtp(3), now: at(0.32)) == .dropForeign)
        #expect(l.latched == phone)
    }

    @Test func newPlanReArmsLearningAndKeepsTheOldLockAsCandidate() {
        var l = latch(LatchPolicy(mode: .heuristic, window: 0.2), expected: sdp)
        #expect(l.observe(source: natPhone, facts: rtp(1), now: at(0)) == .accept)
        l.advance(now: at(0.3))
        #expect(l.latched == natPhone)
        // Re-INVITE with the same SDP: keep sending to the NATed address while re-learning.
        l.apply(policy: LatchPolicy(mode: .heuristic, window: 0.2), expected: sdp, now: at(1))
        #expect(l.destination == natPhone)
        #expect(l.observe(source: natPhone, facts: rtp(2), now: at(1.01)) == .accept)
        #expect(l.observe(source: prober, facts: rtp(3), now: at(1.02)) == .dropForeign)  // not better than the old lock
        l.advance(now: at(1.3))
        #expect(l.latched == natPhone)
        // Re-INVITE moving the phone to a new port: media goes there, and the phone from it wins.
        let moved = Self.address("127.0.0.1", 5100)
        l.apply(policy: LatchPolicy(mode: .heuristic, window: 0.2), expected: moved, now: at(2))
        #expect(l.destination == moved)
        #expect(l.observe(source: natPhone, facts: rtp(4), now: at(2.01)) == .accept)  // old lock, still the candidate
        #expect(l.observe(source: moved, facts: rtp(5), now: at(2.02)) == .accept)
        #expect(l.observe(source: natPhone, facts: rtp(6), now: at(2.03)) == .dropForeign)
        l.advance(now: at(2.3))
        #expect(l.latched == moved)
    }

    @Test func rtcpLatchesWithoutPayloadTypeOrSequence() {
        let rtcpSDP = Self.address("127.0.0.1", 5001)
        var l = latch(LatchPolicy(mode: .heuristic, window: 0.2, payloadTypes: [0]), expected: rtcpSDP)
        let rtcp = PacketFacts()
        #expect(l.observe(source: stranger, facts: rtcp, now: at(0.01)) == .dropForeign)
        #expect(l.observe(source: Self.address("127.0.0.1", 5011), facts: rtcp, now: at(0.02)) == .accept)
        l.advance(now: at(0.3))
        #expect(l.latched == Self.address("127.0.0.1", 5011))
    }

    @Test func classifierChecksVersionLengthAndMuxRange() {
        func kind(_ bytes: [UInt8], rtcpSocket: Bool = false, demux: Bool = false) -> PacketKind {
            bytes.withUnsafeBytes { PacketClassifier.classify($0, rtcpSocket: rtcpSocket, demux: demux) }
        }
        let rtpPacket: [UInt8] = [0x80, 0x00, 0x00, 0x01, 0, 0, 0, 160, 0xde, 0xad, 0xbe, 0xef]
        #expect(kind(rtpPacket) == .rtp)
        #expect(kind([0x80, 0x00, 0x00]) == .malformed)
        #expect(kind([0x40] + rtpPacket.dropFirst()) == .malformed)        // version 1
        #expect(kind([0x82] + rtpPacket.dropFirst()) == .malformed)        // 2 CSRCs announced, none present
        let sr: [UInt8] = [0x80, 200, 0x00, 0x01, 0xde, 0xad, 0xbe, 0xef]
        #expect(kind(sr, demux: true) == .rtcp)
        #expect(kind(sr, rtcpSocket: true) == .rtcp)
        #expect(kind(Array(sr.prefix(7)), rtcpSocket: true) == .malformed)
        #expect(kind(rtpPacket, demux: true) == .rtp)
        #expect(kind([]) == .malformed)
        let facts = rtpPacket.withUnsafeBytes { PacketClassifier.rtpFacts($0) }
        #expect(facts.sequence == 1)
        #expect(facts.ssrc == 0xdead_beef)
        #expect(facts.payloadType == 0)
    }

    @Test func portAllocatorRotatesAndSkipsRefusedPorts() throws {
        var pool = PortAllocator(portMin: 1001, portMax: 1009)  // even starts: 1002, 1004, 1006, 1008
        let a = try pool.reserve(pair: true) { (_: UInt16) throws(MediaPlaneError) -> Bool? in true }
        #expect(a.port == 1002)
        pool.release([1002, 1003])
        // Just released: not handed out again while others are free.
        let b = try pool.reserve(pair: true) { (_: UInt16) throws(MediaPlaneError) -> Bool? in true }
        #expect(b.port == 1004)
        // A port the OS refuses is skipped.
        let c = try pool.reserve(pair: true) { (p: UInt16) throws(MediaPlaneError) -> Bool? in p == 1006 ? nil : true }
        #expect(c.port == 1008)  // 1009 is the last port: the pair fits
        let d = try pool.reserve(pair: true) { (_: UInt16) throws(MediaPlaneError) -> Bool? in true }
        #expect(d.port == 1002)
        #expect(throws: MediaPlaneError.outOfPorts) {
            try pool.reserve(pair: false) { (p: UInt16) throws(MediaPlaneError) -> Bool? in p == 1006 ? nil : true }
        }
        #expect(pool.inUse.count == 6)
    }
}
