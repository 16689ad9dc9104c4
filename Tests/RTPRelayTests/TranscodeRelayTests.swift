import Foundation
import RTPWire
import Testing
import Transcode
@testable import RTPRelay

/// Transcoded calls through a running relay over real loopback sockets: the phones' audio is encoded and the
/// relay's output decoded with the real codec libraries, and the signal is checked on the far side.
@Suite struct TranscodeRelayTests {
    @Test(arguments: MediaIOMode.allCases) func pcmuInOneLegComesOutAsOpusAndOpusComesBackAsPCMU(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(30000...30019, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, b) = try transcodedCall(plane, group: 1, phoneA, .pcmu(), phoneB, .opus(payloadType: 111))

        // A → B: 1 s of a 440 Hz tone in PCMU, out as Opus.
        let tone = sine(440, seconds: 1)
        let sent = send(pcmuPackets(tone), pt: 0, ssrc: 0xA1, clock: 160, from: phoneA, to: relayRTP(a))
        let opus = receiveAll(phoneB, expecting: 50)
        #expect(opus.count == 50)
        #expect(opus.allSatisfy { $0.pt == 111 && $0.ssrc != 0xA1 && $0.ssrc == opus[0].ssrc })
        expectContinuous(opus, ticks: 960)
        let decoder = try OpusCodec(.init(sampleRate: 8000))
        let heardB = try decode(opus.map(\.payload), with: decoder)
        expectTone(heardB, 440, like: tone)
        #expect(sent == 50)

        // B → A: Opus encoded by a phone at 48 kHz, out as PCMU.
        let encoder = try OpusCodec(.init(sampleRate: 48000))
        let tone48 = sine(660, seconds: 1, rate: 48000)
        let opusOut = try encode(tone48, with: encoder, frame: 960)
        send(opusOut, pt: 111, ssrc: 0xB1, clock: 960, from: phoneB, to: relayRTP(b))
        let pcmu = receiveAll(phoneA, expecting: 50)
        #expect(pcmu.count == 50)
        #expect(pcmu.allSatisfy { $0.pt == 0 && $0.payload.count == 160 && $0.ssrc != 0xB1 })
        expectContinuous(pcmu, ticks: 160)
        let heardA = pcmu.flatMap { $0.payload.map { G711.uLawToLinear[Int($0)] } }
        expectTone(heardA, 660, like: sine(660, seconds: 1))

        #expect(plane.waitForWorkers())
        let ca = try #require(plane.counters(a.id)), cb = try #require(plane.counters(b.id))
        #expect(ca.rtpIn.packets == 50 && cb.rtpOut.packets == 50)
        #expect(cb.rtpIn.packets == 50 && ca.rtpOut.packets == 50)
        #expect(ca.transcoded.packetsIn == 50 && ca.transcoded.packetsOut == 50)
        #expect(ca.transcoded.corruptPayloads == 0 && ca.transcoded.lostPackets == 0)
    }

    @Test(arguments: MediaIOMode.allCases) func pcmuAndG729AreTranscodedBothWays(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(30020...30039, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, b) = try transcodedCall(plane, group: 2, phoneA, .pcmu(), phoneB, .g729())

        let tone = sine(500, seconds: 1)
        send(pcmuPackets(tone), pt: 0, ssrc: 0xA2, clock: 160, from: phoneA, to: relayRTP(a))
        let g729 = receiveAll(phoneB, expecting: 50)
        #expect(g729.count == 50)
        // annexb=no: every packet is two 10-byte speech frames.
        #expect(g729.allSatisfy { $0.pt == 18 && $0.payload.count == 20 })
        expectContinuous(g729, ticks: 160)
        let decoder = try G729Codec(annexB: false, frameDuration: 20)
        expectTone(try decode(g729.map(\.payload), with: decoder), 500, like: tone)

        let encoder = try G729Codec(annexB: false, frameDuration: 20)
        let back = sine(800, seconds: 1)
        send(try encode(back, with: encoder, frame: 160), pt: 18, ssrc: 0xB2, clock: 160, from: phoneB, to: relayRTP(b))
        let pcmu = receiveAll(phoneA, expecting: 50)
        #expect(pcmu.count == 50)
        #expect(pcmu.allSatisfy { $0.pt == 0 && $0.payload.count == 160 })
        expectTone(pcmu.flatMap { $0.payload.map { G711.uLawToLinear[Int($0)] } }, 800, like: back)
    }

    @Test(arguments: MediaIOMode.allCases) func pcmuToPCMAIsMappedByteForByte(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(30040...30059, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, b) = try transcodedCall(plane, group: 3, phoneA, .pcmu(), phoneB, .pcma())
        let payloads = pcmuPackets(sine(1000, seconds: 0.4))
        send(payloads, pt: 0, ssrc: 0xA3, clock: 160, from: phoneA, to: relayRTP(a))
        let out = receiveAll(phoneB, expecting: 20)
        #expect(out.map(\.payload) == payloads.map { $0.map { G711.uLawToALaw[Int($0)] } })
        #expect(out.allSatisfy { $0.pt == 8 && $0.ssrc != 0xA3 })
        expectContinuous(out, ticks: 160)

        let alaw = payloads.map { $0.map { G711.uLawToALaw[Int($0)] } }
        send(alaw, pt: 8, ssrc: 0xB3, clock: 160, from: phoneB, to: relayRTP(b))
        let back = receiveAll(phoneA, expecting: 20)
        #expect(back.map(\.payload) == alaw.map { $0.map { G711.aLawToULaw[Int($0)] } })
        #expect(back.allSatisfy { $0.pt == 0 })
    }

    @Test(arguments: MediaIOMode.allCases) func ptime20IsRepacketizedTo40(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(30060...30079, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, _) = try transcodedCall(plane, group: 4, phoneA, .pcmu(ptime: 20), phoneB, .pcmu(ptime: 40))
        let payloads = pcmuPackets(sine(700, seconds: 0.4))
        send(payloads, pt: 0, ssrc: 0xA4, clock: 160, from: phoneA, to: relayRTP(a))
        let out = receiveAll(phoneB, expecting: 10)
        #expect(out.count == 10)
        #expect(out.allSatisfy { $0.payload.count == 320 })
        #expect(out.flatMap(\.payload) == payloads.flatMap { $0 })
        expectContinuous(out, ticks: 320)
    }

    /// RFC 4733 events cross from an 8 kHz leg (type 101) to a 48 kHz Opus leg (type 102): type mapped,
    /// duration ×6, placed on the output timeline; audio keeps flowing around them.
    @Test(arguments: MediaIOMode.allCases) func telephoneEventsAreMappedBetween8And48kHz(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(30080...30099, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, b) = try transcodedCall(plane, group: 5, phoneA, .pcmu(), phoneB, .opus(payloadType: 96),
                                        aEvents: .telephoneEvent(payloadType: 101, clockRate: 8000),
                                        bEvents: .telephoneEvent(payloadType: 102, clockRate: 48000))
        send(pcmuPackets(sine(440, seconds: 0.2)), pt: 0, ssrc: 0xA5, clock: 160, from: phoneA, to: relayRTP(a))
        let audio = receiveAll(phoneB, expecting: 10)
        #expect(audio.count == 10)
        // Event 5, 100 ms then end: three packets with the same timestamp (the event's start).
        let start: UInt32 = 11 * 160   // the end of the tenth packet (sent with timestamps 160, 320, …)
        for (i, (duration, end)) in [(UInt16(400), false), (800, false), (800, true)].enumerated() {
            phoneA.send(rtpPacket(seq: 11 + UInt16(i), ts: start, pt: 101, ssrc: 0xA5, marker: i == 0,
                            payload: [5, end ? 0x8A : 0x0A, UInt8(duration >> 8), UInt8(duration & 0xff)]),
                        to: relayRTP(a))
        }
        let events = receiveAll(phoneB, expecting: 3)
        #expect(events.count == 3)
        #expect(events.allSatisfy { $0.pt == 102 && $0.ssrc == audio[0].ssrc && $0.ts == events[0].ts })
        #expect(events.map { Int($0.payload[2]) << 8 | Int($0.payload[3]) } == [2400, 4800, 4800])
        #expect(events.map { $0.payload[0] } == [5, 5, 5])
        #expect(events.last?.payload[1] == 0x8A)
        #expect(events.first?.marker == true)
        // The event starts where the audio sent so far ends, on the 48 kHz clock.
        #expect(events[0].ts == audio[9].ts &+ 960)
        #expect(events.map(\.seq) == (1...3).map { audio[9].seq &+ UInt16($0) })

        // And back: 48 kHz events from the Opus side come out as 8 kHz type 101.
        phoneB.send(rtpPacket(seq: 1, ts: 0, pt: 96, ssrc: 0xB5, payload: try encode(sine(440, seconds: 0.02, rate: 48000),
                                                                                 with: OpusCodec(.init(sampleRate: 48000)), frame: 960)[0]),
                    to: relayRTP(b))
        phoneB.send(rtpPacket(seq: 2, ts: 960, pt: 102, ssrc: 0xB5, marker: true, payload: [9, 0x0A, 0x12, 0xC0]), to: relayRTP(b))
        let backward = receiveAll(phoneA, expecting: 2)
        #expect(backward.count == 2)
        #expect(backward.last?.pt == 101)
        #expect(backward.last.map { Int($0.payload[2]) << 8 | Int($0.payload[3]) } == 0x12C0 / 6)
        #expect(plane.waitForWorkers())
        #expect(plane.counters(a.id)?.transcoded.eventsForwarded == 3)
    }

    /// Lost input packets are concealed: the relay's stream goes on with its own SSRC and no gap in its sequence
    /// numbers or timestamps.
    @Test(arguments: MediaIOMode.allCases) func outputSequenceAndTimestampsAreContinuousAcrossInputLoss(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(30100...30119, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, _) = try transcodedCall(plane, group: 6, phoneA, .pcmu(), phoneB, .opus())
        let payloads = pcmuPackets(sine(440, seconds: 0.4))
        for (i, payload) in payloads.enumerated() where i != 7 && i != 8 && i != 13 {
            phoneA.send(rtpPacket(seq: 100 + UInt16(i), ts: 8000 + UInt32(i) * 160, pt: 0, ssrc: 0xA6, payload: payload),
                        to: relayRTP(a))
        }
        let out = receiveAll(phoneB, expecting: 20)
        #expect(out.count == 20)
        #expect(out.allSatisfy { $0.ssrc != 0xA6 })
        expectContinuous(out, ticks: 960)
        #expect(plane.waitForWorkers())
        let c = try #require(plane.counters(a.id))
        #expect(c.transcoded.lostPackets == 3)
        #expect(c.transcoded.packetsIn == 17)
    }

    /// Garbage where Opus or G.729 should be, truncated packets, unknown payload types: counted and concealed, and
    /// the call goes on carrying audio.
    @Test(arguments: MediaIOMode.allCases) func corruptAndTruncatedPayloadsAreCountedAndTheCallGoesOn(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(30120...30139, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket(), phoneC = try UDPTestSocket(), phoneD = try UDPTestSocket()
        let (_, b) = try transcodedCall(plane, group: 7, phoneA, .pcmu(), phoneB, .opus())
        let (_, d) = try transcodedCall(plane, group: 8, phoneC, .pcmu(), phoneD, .g729())
        var random = SystemRandomNumberGenerator()
        var seq: UInt16 = 1
        // Opus side: invalid TOCs, one-byte payloads, an empty payload, a wrong payload type, a header-only lie.
        for _ in 0..<30 {
            let length = Int.random(in: 0...40, using: &random)
            let garbage = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            phoneB.send(rtpPacket(seq: seq, ts: UInt32(seq) * 960, pt: 96, ssrc: 0xB7, payload: garbage), to: relayRTP(b))
            seq &+= 1
        }
        phoneB.send(rtpPacket(seq: seq, ts: UInt32(seq) * 960, pt: 33, ssrc: 0xB7, payload: [1, 2, 3]), to: relayRTP(b))
        phoneB.send([0x8F, 96, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xB7], to: relayRTP(b))   // 15 CSRCs announced, none there
        seq &+= 1
        // G.729 side: frames cut short.
        for i in 0..<20 {
            phoneD.send(rtpPacket(seq: UInt16(i + 1), ts: UInt32(i) * 160, pt: 18, ssrc: 0xD7,
                            payload: Array(repeating: UInt8(i), count: [3, 7, 13, 19][i % 4])), to: relayRTP(d))
        }
        phoneA.drain()
        phoneC.drain()
        // Valid Opus afterwards still comes through as audio.
        let good = try encode(sine(440, seconds: 0.4, rate: 48000), with: OpusCodec(.init(sampleRate: 48000)), frame: 960)
        for (i, payload) in good.enumerated() {
            phoneB.send(rtpPacket(seq: seq &+ UInt16(i), ts: UInt32(seq &+ UInt16(i)) &* 960, pt: 96, ssrc: 0xB7, payload: payload),
                        to: relayRTP(b))
        }
        let out = receiveAll(phoneA, expecting: 20, timeout: 1)
        #expect(out.count >= 20)
        let heard = out.suffix(10).flatMap { $0.payload.map { G711.uLawToLinear[Int($0)] } }
        #expect(toneEnergy(heard[...], 440) > 20 * toneEnergy(heard[...], 1500))
        #expect(plane.waitForWorkers())
        let cb = try #require(plane.counters(b.id)), cd = try #require(plane.counters(d.id))
        #expect(cb.transcoded.corruptPayloads > 0)
        #expect(cb.transcoded.unexpectedPayloadTypes == 1)
        #expect(cb.droppedMalformed + cb.transcoded.malformedPackets == 1)
        #expect(cd.transcoded.corruptPayloads > 0 || cd.transcoded.packetsOut > 0)
        #expect(cd.transcoded.packetsIn == 20)
    }

    /// A re-plan to other codecs swaps the pipeline; a plan without transcoding relays bytes unchanged again.
    @Test(arguments: MediaIOMode.allCases) func aNewPlanSwapsThePipelineAndNoTranscodingMeansPlainRelay(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(30140...30159, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, b) = try transcodedCall(plane, group: 9, phoneA, .pcmu(), phoneB, .opus())
        let payloads = pcmuPackets(sine(440, seconds: 0.1))
        send(payloads, pt: 0, ssrc: 0xA9, clock: 160, from: phoneA, to: relayRTP(a))
        #expect(receiveAll(phoneB, expecting: 5).allSatisfy { $0.pt == 96 })

        plane.update(a.id, plan: StreamPlan(sink: b.id, remoteRTP: phoneA.endpoint, learningWindow: 0.2,
                                            transcode: StreamTranscode(input: .pcmu(), output: .pcma())))
        #expect(plane.waitForWorkers())
        send(payloads, pt: 0, ssrc: 0xA9, clock: 160, from: phoneA, to: relayRTP(a), firstSeq: 10)
        let alaw = receiveAll(phoneB, expecting: 5)
        #expect(alaw.map(\.payload) == payloads.map { $0.map { G711.uLawToALaw[Int($0)] } })

        plane.update(a.id, plan: StreamPlan(sink: b.id, remoteRTP: phoneA.endpoint, learningWindow: 0.2))
        #expect(plane.waitForWorkers())
        let packet = rtpPacket(seq: 40, ts: 6400, pt: 0, ssrc: 0xA9, payload: payloads[0])
        phoneA.send(packet, to: relayRTP(a))
        #expect(phoneB.receive()?.bytes == packet)
    }

    /// SRTP on the transcoded leg: decrypt → transcode → encrypt, checked with libsrtp2 sessions on the phones.
    @Test(arguments: MediaIOMode.allCases) func srtpLegsAreDecryptedTranscodedAndEncrypted(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(30160...30179, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let keyA = SRTPKeying(suite: .aes128CMHmacSHA1_80, masterKey: (0..<16).map { UInt8($0) },
                              masterSalt: (16..<30).map { UInt8($0) })
        let keyB = SRTPKeying(suite: .aes128CMHmacSHA1_80, masterKey: (0..<16).map { UInt8(100 + $0) },
                              masterSalt: (16..<30).map { UInt8(100 + $0) })
        let (a, b) = try call(plane, group: 10,
                              a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.2, inboundSRTP: keyA,
                                            transcode: StreamTranscode(input: .pcmu(), output: .opus())),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.2, outboundSRTP: keyB,
                                            transcode: StreamTranscode(input: .opus(), output: .pcmu())))
        let senderA = try SRTPSession(suite: .aes128CMHmacSHA1_80, masterKeyAndSalt: keyA.masterKeyAndSalt, direction: .outbound)
        let receiverB = try SRTPSession(suite: .aes128CMHmacSHA1_80, masterKeyAndSalt: keyB.masterKeyAndSalt, direction: .inbound)
        let tone = sine(440, seconds: 0.6)
        for (i, payload) in pcmuPackets(tone).enumerated() {
            var packet = rtpPacket(seq: UInt16(i + 1), ts: UInt32(i) * 160, pt: 0, ssrc: 0xAA, payload: payload)
            packet += [UInt8](repeating: 0, count: 256)   // room for the trailer (libsrtp2 asks for generous space)
            let length = try packet.withUnsafeMutableBytes { try senderA.protect($0, length: $0.count - 256) }
            phoneA.send(Array(packet[0..<length]), to: relayRTP(a))
        }
        var plain: [RTPView] = []
        while plain.count < 30, let got = phoneB.receive() {
            var bytes = got.bytes
            let length = try bytes.withUnsafeMutableBytes { try receiverB.unprotect($0, length: $0.count) }
            plain.append(RTPView(Array(bytes[0..<length])))
        }
        #expect(plain.count == 30)
        #expect(plain.allSatisfy { $0.pt == 96 })
        expectTone(try decode(plain.map(\.payload), with: OpusCodec(.init(sampleRate: 8000))), 440, like: tone)
        _ = b
    }
}

// MARK: - Helpers

/// Streams a and b of one call, A's leg speaking `codecA`, B's `codecB`, each transcoding what it receives.
func transcodedCall(_ plane: RelayMediaPlane, group: UInt64, _ phoneA: UDPTestSocket, _ codecA: CodecDescriptor,
                    _ phoneB: UDPTestSocket, _ codecB: CodecDescriptor, aEvents: CodecDescriptor? = nil,
                    bEvents: CodecDescriptor? = nil) throws -> (AllocatedStream, AllocatedStream) {
    try call(plane, group: group,
             a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.2,
                           transcode: StreamTranscode(input: codecA, output: codecB, inputEvents: aEvents, outputEvents: bEvents)),
             b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.2,
                           transcode: StreamTranscode(input: codecB, output: codecA, inputEvents: bEvents, outputEvents: aEvents)))
}

/// One received RTP packet, fields read from the 12-byte header the relay writes.
struct RTPView {
    var bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }
    var marker: Bool { bytes[1] & 0x80 != 0 }
    var pt: UInt8 { bytes[1] & 0x7F }
    var seq: UInt16 { UInt16(bytes[2]) << 8 | UInt16(bytes[3]) }
    var ts: UInt32 { UInt32(bytes[4]) << 24 | UInt32(bytes[5]) << 16 | UInt32(bytes[6]) << 8 | UInt32(bytes[7]) }
    var ssrc: UInt32 { UInt32(bytes[8]) << 24 | UInt32(bytes[9]) << 16 | UInt32(bytes[10]) << 8 | UInt32(bytes[11]) }
    var payload: [UInt8] { Array(bytes[(12 + 4 * Int(bytes[0] & 0x0F))...]) }
}

/// Sends one packet per payload with consecutive sequence numbers and timestamps; returns how many.
@discardableResult
func send(_ payloads: [[UInt8]], pt: UInt8, ssrc: UInt32, clock: UInt32, from phone: UDPTestSocket, to target: Endpoint,
          firstSeq: UInt16 = 1) -> Int {
    for (i, payload) in payloads.enumerated() {
        let seq = firstSeq &+ UInt16(i)
        phone.send(rtpPacket(seq: seq, ts: UInt32(seq) &* clock, pt: pt, ssrc: ssrc, payload: payload), to: target)
    }
    return payloads.count
}

/// Packets until `expecting` arrived or nothing came for `timeout` seconds.
func receiveAll(_ phone: UDPTestSocket, expecting: Int, timeout: Double = 0.5) -> [RTPView] {
    var out: [RTPView] = []
    while out.count < expecting, let got = phone.receive(timeout: timeout), got.bytes.count >= 12 {
        out.append(RTPView(got.bytes))
    }
    // Anything beyond what was expected is collected too, briefly, so a surplus shows in the count.
    while let got = phone.receive(timeout: 0.05), got.bytes.count >= 12 { out.append(RTPView(got.bytes)) }
    return out
}

func expectContinuous(_ packets: [RTPView], ticks: UInt32, sourceLocation: SourceLocation = #_sourceLocation) {
    for (p, q) in zip(packets, packets.dropFirst()) {
        #expect(q.seq == p.seq &+ 1, sourceLocation: sourceLocation)
        #expect(q.ts == p.ts &+ ticks, sourceLocation: sourceLocation)
    }
}

func sine(_ frequency: Double, seconds: Double, rate: Int = 8000, amplitude: Double = 10000) -> [Int16] {
    (0..<Int(Double(rate) * seconds)).map { Int16(amplitude * sin(2 * Double.pi * frequency * Double($0) / Double(rate))) }
}

func pcmuPackets(_ pcm: [Int16], frame: Int = 160) -> [[UInt8]] {
    stride(from: 0, to: pcm.count - frame + 1, by: frame).map { start in
        pcm[start..<(start + frame)].map { G711.uLawEncodeDefinition($0) }
    }
}

func encode(_ pcm: [Int16], with codec: some AudioCodec, frame: Int) throws -> [[UInt8]] {
    var out: [[UInt8]] = []
    var buffer = [UInt8](repeating: 0, count: 1500)
    for start in stride(from: 0, to: pcm.count - frame + 1, by: frame) {
        let n = try pcm[start..<(start + frame)].withUnsafeBufferPointer { src in
            try buffer.withUnsafeMutableBytes { try codec.encode(src, into: $0) }
        }
        out.append(Array(buffer[0..<n]))
    }
    return out
}

func decode(_ payloads: [[UInt8]], with codec: some AudioCodec) throws -> [Int16] {
    var out: [Int16] = []
    var pcm = [Int16](repeating: 0, count: 5760)
    for payload in payloads {
        let n = try payload.withUnsafeBytes { p in try pcm.withUnsafeMutableBufferPointer { try codec.decode(p, into: $0) } }
        out += pcm[0..<n]
    }
    return out
}

/// Goertzel power at `frequency` (8 kHz PCM), per sample.
func toneEnergy(_ signal: ArraySlice<Int16>, _ frequency: Double, rate: Int = 8000) -> Double {
    let coeff = 2 * cos(2 * Double.pi * frequency / Double(rate))
    var s1 = 0.0, s2 = 0.0
    for x in signal {
        let s0 = Double(x) + coeff * s1 - s2
        s2 = s1
        s1 = s0
    }
    return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / Double(max(1, signal.count * signal.count))
}

/// The decoded far-end signal is the sent tone: its energy sits at `frequency` (not at other frequencies), its
/// level is close to the input's, and it correlates with the input once aligned for the codec's delay.
func expectTone(_ heard: [Int16], _ frequency: Double, like sent: [Int16], sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(heard.count >= sent.count - 320, "only \(heard.count) samples heard", sourceLocation: sourceLocation)
    guard heard.count > 2400 else { return }
    let tail = heard[1600...]
    let at = toneEnergy(tail, frequency)
    for other in [frequency * 0.5, frequency * 1.7, 2500] {
        #expect(at > 50 * toneEnergy(tail, other), "\(other) Hz as loud as \(frequency) Hz", sourceLocation: sourceLocation)
    }
    let level = energy(tail) / energy(sent[1600...])
    #expect(level > 0.3 && level < 3, "level ratio \(level)", sourceLocation: sourceLocation)
    // Best correlation over lags up to 40 ms.
    var best = -1.0
    let n = min(sent.count, heard.count) - 1600 - 320
    for lag in 0...320 {
        var xy = 0.0, xx = 0.0, yy = 0.0
        for i in 1600..<(1600 + n) {
            let x = Double(sent[i]), y = Double(heard[i + lag])
            xy += x * y
            xx += x * x
            yy += y * y
        }
        best = max(best, xy / max(1, (xx * yy).squareRoot()))
    }
    #expect(best > 0.9, "correlation \(best)", sourceLocation: sourceLocation)
}

func energy(_ signal: ArraySlice<Int16>) -> Double {
    signal.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, signal.count))
}

/// A started one-worker plane that sends its own RTCP on transcoded legs every second, and one call of two muxed
/// transcoded legs towards two test phones: A sends `aSends` (the relay sends it `bSends`), B the other way round.
struct ReportingCall {
    let plane: RelayMediaPlane
    let phoneA: UDPTestSocket, phoneB: UDPTestSocket
    let a: AllocatedStream, b: AllocatedStream

    init(_ io: MediaIOMode, ports range: ClosedRange<UInt16>, group: UInt64, aSends: CodecDescriptor,
         bSends: CodecDescriptor) throws {
        var configuration = RelayConfiguration(portMin: range.lowerBound, portMax: range.upperBound, workerThreads: 1, io: io)
        configuration.transcodedRTCPInterval = 1
        plane = try RelayMediaPlane(configuration: configuration)
        plane.start()
        do {
            phoneA = try UDPTestSocket()
            phoneB = try UDPTestSocket()
            (a, b) = try call(plane, group: group, mux: true,
                              a: StreamPlan(remoteRTP: phoneA.endpoint, rtcpMux: true, learningWindow: 0.2,
                                            transcode: StreamTranscode(input: aSends, output: bSends)),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, rtcpMux: true, learningWindow: 0.2,
                                            transcode: StreamTranscode(input: bSends, output: aSends)))
        } catch {
            plane.shutdown()
            throw error
        }
    }
}

/// RTCP on transcoded legs: the relay's own reports, the remotes' reports consumed.
@Suite struct TranscodedLegRTCPTests {
    @Test(arguments: MediaIOMode.allCases) func theRelaySendsItsOwnReportsAndConsumesTheRemotes(io: MediaIOMode) throws {
        let reporting = try ReportingCall(io, ports: ports(30180...30199, io), group: 11, aSends: .pcmu(), bSends: .opus())
        defer { reporting.plane.shutdown() }
        let (plane, phoneA, phoneB, a, _) = (reporting.plane, reporting.phoneA, reporting.phoneB, reporting.a, reporting.b)
        // A: 40 packets, seq 5 and 6 lost, then its own SR (muxed on the RTP port).
        let payloads = pcmuPackets(sine(440, seconds: 0.8))
        for (i, payload) in payloads.enumerated() where i != 4 && i != 5 {
            phoneA.send(rtpPacket(seq: UInt16(i + 1), ts: UInt32(i) * 160, pt: 0, ssrc: 0xA11, payload: payload), to: relayRTP(a))
        }
        let ntp = NTPTimestamp(seconds: 0xE000_0001, fraction: 0x1234_0000)
        var sr: [UInt8] = []
        RTCPSenderReport(ssrc: 0xA11, ntpTimestamp: ntp, rtpTimestamp: 6400, packetCount: 38, octetCount: 6080).write(into: &sr)
        phoneA.send(sr, to: relayRTP(a))

        // Within a few report intervals each phone has the relay's report for its leg.
        var atA: [[UInt8]] = [], atB: [[UInt8]] = [], media: [RTPView] = []
        let deadline = Date().addingTimeInterval(4)
        while Date() < deadline, atA.isEmpty || atB.isEmpty {
            if let got = phoneA.receive(timeout: 0.05), (200...204).contains(got.bytes[1]) { atA.append(got.bytes) }
            while let got = phoneB.receive(timeout: 0.05) {
                if (200...204).contains(got.bytes[1]) { atB.append(got.bytes) } else { media.append(RTPView(got.bytes)) }
            }
        }
        #expect(media.count == 40)   // 38 received + 2 concealed
        let ourSSRC = try #require(media.first?.ssrc)
        // B: an SR for the Opus stream it got, then SDES; never A's SR passed on.
        let toB = try #require(atB.first)
        #expect(atB.allSatisfy { RTPView($0).bytes.count >= 8 && Array($0[4..<8]) != [0, 0, 0x0A, 0x11] })
        let srB = try RTCPSenderReport(parsing: toB)
        #expect(srB.ssrc == ourSSRC)
        #expect(srB.packetCount == 40)
        #expect(srB.octetCount == UInt32(media.reduce(0) { $0 + $1.payload.count }))
        #expect(srB.rtpTimestamp &- media.last!.ts < 48000 * 3)
        #expect(srB.reports.isEmpty)   // B sent nothing
        let packetsB = try compound(toB)
        #expect(Array(packetsB.prefix(2)) == [.senderReport(srB), .sourceDescription(RTCPSourceDescription(ssrc: ourSSRC, cname: "rtprelayd"))])
        // Then an XR with only the relay's RRTR, at the SR's NTP time: B neither sent an RRTR nor any media.
        #expect(packetsB.count == 3)
        if case .extendedReport(let xr) = packetsB.last {
            #expect(xr.ssrc == ourSSRC)
            #expect(xr.blocks == [.receiverReferenceTime(srB.ntpTimestamp)])
        } else {
            Issue.record("no XR after the SDES: \(packetsB)")
        }
        // A: an RR (the relay has sent A nothing) from the relay's SSRC on A's leg, about A's stream.
        let toA = try #require(atA.first)
        let rrA = try RTCPReceiverReport(parsing: toA)
        let block = try #require(rrA.reports.first)
        #expect(block.ssrc == 0xA11)
        #expect(block.extendedHighestSequence == 40)
        #expect(block.cumulativeLost == 2)
        // 2 lost of the 39 expected since probation ended (RFC 3550 A.1 counts from the second packet).
        #expect(block.fractionLost == UInt8(2 * 256 / 39))
        #expect(block.lastSenderReport == ntp.middle32)
        #expect(block.delaySinceLastSenderReport > 0)
        let packetsA = try compound(toA)
        #expect(Array(packetsA.prefix(2)) == [.receiverReport(rrA), .sourceDescription(RTCPSourceDescription(ssrc: rrA.ssrc, cname: "rtprelayd"))])
        // The XR: RRTR, no DLRR (A sent no RRTR), and VoIP metrics about A's stream with its 2 losses.
        #expect(packetsA.count == 3)
        if case .extendedReport(let xr) = packetsA.last, xr.blocks.count == 2,
           case .receiverReferenceTime = xr.blocks[0], case .voipMetrics(let m) = xr.blocks[1] {
            #expect(xr.ssrc == rrA.ssrc)
            #expect(m.ssrc == 0xA11)
            #expect((UInt8(2 * 256 / 40)...UInt8(2 * 256 / 39)).contains(m.lossRate))
            #expect(m.discardRate == 0 && m.endSystemDelay == 0 && m.gmin == 16)
            #expect(m.signalLevel == 127 && m.noiseLevel == 127 && m.residualEchoReturnLoss == 127)
            // No round trip known yet: R and MOS-CQ unavailable, MOS-LQ from loss and jitter (below a clean 4.4).
            #expect(m.roundTripDelay == 0 && m.rFactor == 127 && m.mosCQ == 127)
            #expect((10...43).contains(m.mosLQ))
        } else {
            Issue.record("XR not RRTR + VoIP metrics: \(packetsA)")
        }
        #expect(plane.waitForWorkers())
        let c = try #require(plane.counters(a.id))
        #expect(c.rtcpIn.packets == 1 && c.rtcpOut.packets >= 1)
    }
}

extension TranscodedLegRTCPTests {
    /// The phones answer the relay's reports 150 ms after they arrive but claim 50 ms (DLSR / DLRR): each leg's round
    /// trip must come out at least the 100 ms difference, and not much more on loopback. B answers the relay's SR
    /// with an RR block, A its RRTR with an XR DLRR (and sends its own RRTR, which the relay's next DLRR answers).
    @Test(arguments: MediaIOMode.allCases) func answersToTheRelaysSRAndRRTRGiveTheLegsRoundTrip(io: MediaIOMode) throws {
        let reporting = try ReportingCall(io, ports: ports(30200...30219, io), group: 12, aSends: .pcmu(), bSends: .pcma())
        defer { reporting.plane.shutdown() }
        let (plane, phoneA, phoneB, a, b) = (reporting.plane, reporting.phoneA, reporting.phoneB, reporting.a, reporting.b)
        let payloads = pcmuPackets(sine(440, seconds: 0.4))
        for (i, payload) in payloads.enumerated() {
            phoneA.send(rtpPacket(seq: UInt16(i + 1), ts: UInt32(i) * 160, pt: 0, ssrc: 0xA12, payload: payload), to: relayRTP(a))
            phoneB.send(rtpPacket(seq: UInt16(i + 1), ts: UInt32(i) * 160, pt: 8, ssrc: 0xB12, payload: payload), to: relayRTP(b))
        }
        let held = 0.15
        let claimed: UInt32 = 65536 / 20   // 50 ms in 1/65536 s
        let phoneANTP = NTPTimestamp(seconds: 0xE000_0100, fraction: 0x5678_0000)
        var answeredA = false, answeredB = false
        var laterXRAtA: RTCPExtendedReport? = nil
        let deadline = Date().addingTimeInterval(6)
        while Date() < deadline, !(answeredA && answeredB && laterXRAtA != nil) {
            while let got = phoneB.receive(timeout: 0.02) {
                guard !answeredB, got.bytes[1] == 200 else { continue }
                let sr = try RTCPSenderReport(parsing: got.bytes)
                Thread.sleep(forTimeInterval: held)
                let block = RTCPReportBlock(ssrc: sr.ssrc, fractionLost: 0, cumulativeLost: 0, extendedHighestSequence: 0,
                                            jitter: 0, lastSenderReport: sr.ntpTimestamp.middle32,
                                            delaySinceLastSenderReport: claimed)
                var rr: [UInt8] = []
                RTCPReceiverReport(ssrc: 0xB12, reports: [block]).write(into: &rr)
                RTCPSourceDescription(ssrc: 0xB12, cname: "phone-b").write(into: &rr)
                phoneB.send(rr, to: relayRTP(b))
                answeredB = true
            }
            while let got = phoneA.receive(timeout: 0.02) {
                guard (200...201).contains(got.bytes[1]) else { continue }
                let packets = try compound(got.bytes)
                guard case .extendedReport(let xr) = packets.last else { continue }
                if answeredA {
                    if laterXRAtA == nil { laterXRAtA = xr }
                    continue
                }
                guard case .receiverReferenceTime(let ntp) = xr.blocks.first else { continue }
                Thread.sleep(forTimeInterval: held)
                var answer: [UInt8] = []
                RTCPReceiverReport(ssrc: 0xA12).write(into: &answer)
                RTCPSourceDescription(ssrc: 0xA12, cname: "phone-a").write(into: &answer)
                RTCPExtendedReport(ssrc: 0xA12, blocks: [
                    .receiverReferenceTime(phoneANTP),
                    .dlrr([.init(ssrc: xr.ssrc, lastReceiverReport: ntp.middle32, delaySinceLastReceiverReport: claimed)]),
                ]).write(into: &answer)
                phoneA.send(answer, to: relayRTP(a))
                answeredA = true
            }
        }
        #expect(answeredA && answeredB)
        #expect(plane.waitForWorkers())
        let plausible: ClosedRange<UInt64> = 100_000...400_000
        let rttB = try #require(plane.quality(b.id)?.roundTripTimeLeg)
        #expect(plausible.contains(rttB), "B's leg RTT \(rttB) µs")
        let rttA = try #require(plane.quality(a.id)?.roundTripTimeLeg)
        #expect(plausible.contains(rttA), "A's leg RTT \(rttA) µs")
        #expect(plane.quality(a.id)?.roundTripTime == rttA)
        // The relay's next XR to A answers A's RRTR and reports the round trip it now knows.
        let xr = try #require(laterXRAtA)
        let dlrr = xr.blocks.compactMap { if case .dlrr(let items) = $0 { items } else { nil } }.first
        let item = try #require(dlrr?.first)
        #expect(item.ssrc == 0xA12 && item.lastReceiverReport == phoneANTP.middle32)
        #expect(item.delaySinceLastReceiverReport > 0 && item.delaySinceLastReceiverReport < 65536 * 3)
        let metrics = xr.blocks.compactMap { if case .voipMetrics(let m) = $0 { m } else { nil } }.first
        let m = try #require(metrics)
        #expect(m.ssrc == 0xA12 && m.lossRate == 0)
        #expect(UInt64(m.roundTripDelay) == rttA / 1000)
        #expect((0...100).contains(m.rFactor) && (10...45).contains(m.mosCQ) && m.mosCQ <= m.mosLQ)
    }
}

extension TranscodedLegRTCPTests {
    /// Malformed XR from a remote (block longer than the packet, padding longer than the packet, an RRTR of the wrong
    /// size, a DLRR with a partial item, a truncated compound) is read no further: no crash, nothing learnt from it,
    /// the leg goes on and its next report carries no DLRR answering garbage.
    @Test(arguments: MediaIOMode.allCases) func malformedExtendedReportsAreIgnored(io: MediaIOMode) throws {
        let reporting = try ReportingCall(io, ports: ports(30220...30239, io), group: 13, aSends: .pcmu(), bSends: .pcma())
        defer { reporting.plane.shutdown() }
        let (plane, phoneA, a) = (reporting.plane, reporting.phoneA, reporting.a)
        let payloads = pcmuPackets(sine(440, seconds: 0.2))
        for (i, payload) in payloads.enumerated() {
            phoneA.send(rtpPacket(seq: UInt16(i + 1), ts: UInt32(i) * 160, pt: 0, ssrc: 0xA13, payload: payload), to: relayRTP(a))
        }
        var rr: [UInt8] = []
        RTCPReceiverReport(ssrc: 0xA13).write(into: &rr)
        let hostile: [[UInt8]] = [
            // XR whose only block claims 0xFFFF words.
            [0x80, 207, 0, 2, 0, 0, 0x0A, 0x13, 4, 0, 0xFF, 0xFF],
            // XR with the padding bit and a padding count larger than the packet.
            [0xA0, 207, 0, 3, 0, 0, 0x0A, 0x13, 4, 0, 0, 2, 0, 0, 0, 200],
            // RRTR of one word instead of two, then a DLRR with 8 bytes (no whole item).
            [0x80, 207, 0, 5, 0, 0, 0x0A, 0x13, 4, 0, 0, 1, 1, 2, 3, 4, 5, 0, 0, 2, 1, 2, 3, 4, 5, 6, 7, 8],
            // A compound cut inside the XR header.
            [0x80, 207, 0, 9, 0, 0],
        ]
        for bad in hostile { phoneA.send(rr + bad, to: relayRTP(a)) }
        var xr: RTCPExtendedReport? = nil
        let deadline = Date().addingTimeInterval(4)
        while Date() < deadline, xr == nil {
            guard let got = phoneA.receive(timeout: 0.05), (200...201).contains(got.bytes[1]) else { continue }
            if case .extendedReport(let x) = try compound(got.bytes).last { xr = x }
        }
        let report = try #require(xr)
        #expect(!report.blocks.contains { if case .dlrr = $0 { true } else { false } })
        #expect(report.blocks.contains { if case .voipMetrics(let m) = $0 { m.ssrc == 0xA13 } else { false } })
        #expect(plane.quality(a.id)?.roundTripTimeLeg == nil)
        #expect(plane.waitForWorkers())
        #expect(plane.counters(a.id)?.rtcpIn.packets == UInt64(hostile.count))
    }
}

/// Every packet of an RTCP compound, checked to be exactly what RTPWire's writers make of the same values.
func compound(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws -> [RTCPPacket] {
    var cursor = RTCPCompoundCursor()
    var packets: [RTCPPacket] = []
    bytes.withUnsafeBytes { raw in
        while let packet = cursor.next(in: raw) { packets.append(packet) }
    }
    #expect(cursor.error == nil, sourceLocation: sourceLocation)
    var rewritten: [UInt8] = []
    for packet in packets { packet.write(into: &rewritten) }
    #expect(rewritten == bytes, sourceLocation: sourceLocation)
    return packets
}

@Suite struct LegReportWriterTests {
    @Test func srWithABlockAndRRWithoutOneAreWhatRTPWireWrites() throws {
        let block = RTCPReportBlock(ssrc: 0x0102_0304, fractionLost: 25, cumulativeLost: -3, extendedHighestSequence: 0x0001_FFFE,
                                    jitter: 77, lastSenderReport: 0xAABB_CCDD, delaySinceLastSenderReport: 65536)
        let sender = LegReportWriter.Sender(ntp: NTPTimestamp(seconds: 0xE1234567, fraction: 0x89AB_CDEF), rtpTimestamp: 123_456,
                                            packets: 250, octets: 40_000)
        var buffer = [UInt8](repeating: 0xEE, count: LegReportWriter.maximumLength)
        let n = buffer.withUnsafeMutableBytes { LegReportWriter.write(into: $0, ssrc: 0x5555_AAAA, sender: sender, block: block) }
        let sr = RTCPSenderReport(ssrc: 0x5555_AAAA, ntpTimestamp: sender.ntp, rtpTimestamp: 123_456, packetCount: 250,
                                  octetCount: 40_000, reports: [block])
        #expect(try compound(Array(buffer[0..<n])) == [.senderReport(sr), .sourceDescription(RTCPSourceDescription(ssrc: 0x5555_AAAA, cname: "rtprelayd"))])
        let m = buffer.withUnsafeMutableBytes { LegReportWriter.write(into: $0, ssrc: 7, sender: nil, block: nil) }
        #expect(try compound(Array(buffer[0..<m])) == [.receiverReport(RTCPReceiverReport(ssrc: 7)),
                                                       .sourceDescription(RTCPSourceDescription(ssrc: 7, cname: "rtprelayd"))])
    }

    /// The XR part, byte for byte what RTPWire's XR writer makes of the same blocks (compound() rewrites and compares).
    @Test func extendedReportBlocksAreWhatRTPWireWrites() throws {
        let ntp = NTPTimestamp(seconds: 0xE765_4321, fraction: 0x0102_0304)
        let item = RTCPExtendedReport.DLRRItem(ssrc: 0x0A0B_0C0D, lastReceiverReport: 0x1122_3344, delaySinceLastReceiverReport: 0x0001_8000)
        let metrics = RTCPExtendedReport.VoIPMetrics(
            ssrc: 0x0A0B_0C0D, lossRate: 13, discardRate: 1, burstDensity: 2, gapDensity: 3, burstDuration: 0x0405,
            gapDuration: 0x0607, roundTripDelay: 0x0809, endSystemDelay: 0x0A0B, signalLevel: 0xF0, noiseLevel: 0xC4,
            residualEchoReturnLoss: 127, gmin: 16, rFactor: 88, externalRFactor: 127, mosLQ: 42, mosCQ: 41,
            receiverConfiguration: 0xC2, jitterBufferNominal: 0x1213, jitterBufferMaximum: 0x1415,
            jitterBufferAbsoluteMaximum: 0x1617)
        let block = RTCPReportBlock(ssrc: 0x0A0B_0C0D, fractionLost: 13, cumulativeLost: 5, extendedHighestSequence: 900,
                                    jitter: 40, lastSenderReport: 0, delaySinceLastSenderReport: 0)
        var buffer = [UInt8](repeating: 0xEE, count: LegReportWriter.maximumLength)
        let sdes = RTCPPacket.sourceDescription(RTCPSourceDescription(ssrc: 0x5555_AAAA, cname: "rtprelayd"))
        let full = buffer.withUnsafeMutableBytes {
            LegReportWriter.write(into: $0, ssrc: 0x5555_AAAA, sender: nil, block: block,
                                  extended: .init(referenceTime: ntp, dlrr: item, voipMetrics: metrics))
        }
        // RR with a block (32), SDES (20), XR header (8), RRTR (12), DLRR (16), VoIP metrics (36).
        #expect(full == 32 + 20 + 8 + 12 + 16 + 36)
        #expect(try compound(Array(buffer[0..<full])) == [
            .receiverReport(RTCPReceiverReport(ssrc: 0x5555_AAAA, reports: [block])), sdes,
            .extendedReport(RTCPExtendedReport(ssrc: 0x5555_AAAA, blocks: [.receiverReferenceTime(ntp), .dlrr([item]), .voipMetrics(metrics)])),
        ])
        let bare = buffer.withUnsafeMutableBytes {
            LegReportWriter.write(into: $0, ssrc: 0x5555_AAAA, sender: nil, block: nil,
                                  extended: .init(referenceTime: ntp, dlrr: nil, voipMetrics: nil))
        }
        #expect(try compound(Array(buffer[0..<bare])) == [
            .receiverReport(RTCPReceiverReport(ssrc: 0x5555_AAAA)), sdes,
            .extendedReport(RTCPExtendedReport(ssrc: 0x5555_AAAA, blocks: [.receiverReferenceTime(ntp)])),
        ])
        // The XR is the last 8 + 12 bytes: header with length 4 words, reporter, then the RRTR block header.
        #expect(Array(buffer[(bare - 20)..<(bare - 8)]) == [0x80, 207, 0, 4, 0x55, 0x55, 0xAA, 0xAA, 4, 0, 0, 2])
    }
}
