import RTPWire
import Testing
@testable import Transcode

/// An RTP stream as a sender would produce it, and what the pipeline made of it.
struct RTPStream {
    var packets: [[UInt8]] = []
    var arrivals: [MonotonicInstant] = []

    /// `payloads` sent every `ptime` ms from `seq`/`ts`, `ticksPerPacket` apart.
    static func media(_ payloads: [[UInt8]], payloadType: UInt8, ssrc: UInt32, seq: UInt16 = 1000, ts: UInt32 = 123_456,
                      ticksPerPacket: UInt32, ptime: Int = 20, start: Double = 1.0) -> RTPStream {
        var stream = RTPStream()
        for (i, payload) in payloads.enumerated() {
            stream.packets.append(rtpPacket(payloadType: payloadType, marker: i == 0, seq: seq &+ UInt16(truncatingIfNeeded: i),
                                            ts: ts &+ UInt32(i) &* ticksPerPacket, ssrc: ssrc, payload: payload))
            stream.arrivals.append(.seconds(start + Double(i * ptime) / 1000))
        }
        return stream
    }
}

func rtpPacket(payloadType: UInt8, marker: Bool = false, seq: UInt16, ts: UInt32, ssrc: UInt32, payload: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    RTPHeader(marker: marker, payloadType: payloadType, sequenceNumber: SequenceNumber(seq), timestamp: ts, ssrc: ssrc).write(into: &out)
    return out + payload
}

/// Feeds every packet and returns the emitted packets, parsed.
func run(_ pipeline: TranscodePipeline, _ stream: RTPStream) throws -> [(header: RTPHeader, payload: [UInt8])] {
    var out: [(header: RTPHeader, payload: [UInt8])] = []
    for (packet, now) in zip(stream.packets, stream.arrivals) {
        var emitted: [[UInt8]] = []
        packet.withUnsafeBytes { raw in pipeline.process(packet: raw, now: now) { emitted.append(Array($0)) } }
        for bytes in emitted {
            let header = try RTPHeader(parsing: bytes)
            out.append((header, Array(bytes[header.headerLength...])))
        }
    }
    return out
}

/// Re-packs emitted packets as the next pipeline's input, arriving at the same pace.
func restream(_ packets: [(header: RTPHeader, payload: [UInt8])], ptime: Int) -> RTPStream {
    var stream = RTPStream()
    for (i, p) in packets.enumerated() {
        var bytes: [UInt8] = []
        p.header.write(into: &bytes)
        stream.packets.append(bytes + p.payload)
        stream.arrivals.append(.seconds(1.0 + Double(i * ptime) / 1000))
    }
    return stream
}

func encodeAll(_ codec: some AudioCodec, _ pcm: [Int16], frameSamples: Int) throws -> [[UInt8]] {
    var payloads: [[UInt8]] = []
    var buffer = [UInt8](repeating: 0, count: 1500)
    var start = 0
    while start + frameSamples <= pcm.count {
        let n = try pcm[start..<(start + frameSamples)].withUnsafeBufferPointer { src in
            try buffer.withUnsafeMutableBytes { try codec.encode(src, into: $0) }
        }
        payloads.append(Array(buffer[0..<n]))
        start += frameSamples
    }
    return payloads
}

func pcmuDecode(_ payloads: [[UInt8]]) -> [Int16] {
    payloads.flatMap { $0.map { G711.uLawToLinear[Int($0)] } }
}

/// Output stream invariants: own SSRC and payload type, sequence +1 per packet, timestamps +`ticks`.
func expectContinuous(_ out: [(header: RTPHeader, payload: [UInt8])], ssrc: UInt32, payloadType: UInt8, ticks: UInt32,
                      sourceLocation: SourceLocation = #_sourceLocation) {
    for (i, p) in out.enumerated() {
        #expect(p.header.ssrc == ssrc, sourceLocation: sourceLocation)
        #expect(p.header.payloadType == payloadType, sourceLocation: sourceLocation)
        #expect(p.header.version == 2 && p.header.csrcs.isEmpty && !p.header.padding, sourceLocation: sourceLocation)
        guard i > 0 else { continue }
        let prev = out[i - 1].header
        #expect(p.header.sequenceNumber.rawValue == prev.sequenceNumber.rawValue &+ 1, "packet \(i)", sourceLocation: sourceLocation)
        #expect(p.header.timestamp &- prev.timestamp == ticks, "packet \(i)", sourceLocation: sourceLocation)
    }
}

@Suite struct TranscodePipelineTests {
    static let speech = TestSignal.speechLike(rate: 8000, seconds: 2)

    static func pcmuStream(_ pcm: [Int16] = speech, ptime: Int = 20, ssrc: UInt32 = 0xA1B2_C3D4) throws -> RTPStream {
        let samples = 8 * ptime
        let payloads = try encodeAll(G711Codec(law: .uLaw), pcm, frameSamples: samples)
        return .media(payloads, payloadType: 0, ssrc: ssrc, ticksPerPacket: UInt32(samples), ptime: ptime)
    }

    @Test func pcmuToOpusToPcmuKeepsSpeechAndStampsBothLegs() throws {
        let toOpus = try TranscodePipeline(input: .pcmu(), output: .opus(payloadType: 111), outputSSRC: 0x1111,
                                           options: .init(initialSequence: 65530, initialTimestamp: 0xFFFF_F000))
        let opus = try run(toOpus, Self.pcmuStream())
        #expect(opus.count == 100)
        expectContinuous(opus, ssrc: 0x1111, payloadType: 111, ticks: 960)
        #expect(opus.first?.header.sequenceNumber.rawValue == 65530 && opus.first?.header.timestamp == 0xFFFF_F000)
        #expect(opus.map(\.header.marker) == [true] + Array(repeating: false, count: 99))
        #expect(opus.allSatisfy { p in p.payload.withUnsafeBytes { OpusCodec.packetSampleCount($0, sampleRate: 48000) } == 960 })

        let back = try TranscodePipeline(input: .opus(payloadType: 111), output: .pcmu(), outputSSRC: 0x2222)
        let pcmu = try run(back, restream(opus, ptime: 20))
        #expect(pcmu.count == 100)
        expectContinuous(pcmu, ssrc: 0x2222, payloadType: 0, ticks: 160)
        #expect(pcmu.allSatisfy { $0.payload.count == 160 })
        let decoded = pcmuDecode(pcmu.map(\.payload))
        let best = TestSignal.alignedCorrelation(reference: Self.speech, output: decoded + [Int16](repeating: 0, count: 400),
                                                 maxLag: 400, skip: 800)
        print("PCMU→Opus→PCMU correlation \(best.correlation) at lag \(best.lag)")
        #expect(best.correlation > 0.8)
        #expect(toOpus.counters.lostPackets == 0 && back.counters.corruptPayloads == 0 && back.counters.codecErrors == 0)
    }

    @Test func pcmuToG729ToPcmuKeepsSpeech() throws {
        let toG729 = try TranscodePipeline(input: .pcmu(), output: .g729(), outputSSRC: 0x3333)
        let g729 = try run(toG729, Self.pcmuStream())
        #expect(g729.count == 100 && g729.allSatisfy { $0.payload.count == 20 })
        expectContinuous(g729, ssrc: 0x3333, payloadType: 18, ticks: 160)

        let back = try TranscodePipeline(input: .g729(), output: .pcmu(), outputSSRC: 0x4444)
        let pcmu = try run(back, restream(g729, ptime: 20))
        #expect(pcmu.count == 100)
        expectContinuous(pcmu, ssrc: 0x4444, payloadType: 0, ticks: 160)
        let decoded = pcmuDecode(pcmu.map(\.payload))
        let best = TestSignal.alignedCorrelation(reference: Self.speech, output: decoded + [Int16](repeating: 0, count: 200),
                                                 maxLag: 200, skip: 800)
        print("PCMU→G.729→PCMU correlation \(best.correlation) at lag \(best.lag)")
        #expect(best.correlation > 0.6)
    }

    @Test(arguments: [(20, 30), (30, 20), (20, 40), (10, 20)])
    func repacketizationPreservesSampleCount(inPtime: Int, outPtime: Int) throws {
        // 2.4 s divides into 10, 20, 30 and 40 ms packets.
        let pcm = TestSignal.speechLike(rate: 8000, seconds: 2.4)
        let input = try Self.pcmuStream(pcm, ptime: inPtime)
        for output in [CodecDescriptor.g729(ptime: outPtime), .pcma(ptime: outPtime), .pcmu(ptime: outPtime)] {
            let pipeline = try TranscodePipeline(input: .pcmu(ptime: inPtime), output: output, outputSSRC: 7)
            let out = try run(pipeline, input)
            let samplesPerPacket = 8 * outPtime
            #expect(out.count == pcm.count / samplesPerPacket, "\(output)")
            expectContinuous(out, ssrc: 7, payloadType: output.payloadType, ticks: UInt32(samplesPerPacket))
            let bytesPerPacket = output.isEncoding("G729") ? outPtime : samplesPerPacket
            #expect(out.allSatisfy { $0.payload.count == bytesPerPacket }, "\(output)")
        }
        // And back from G.729 at the new ptime.
        let g729 = try run(TranscodePipeline(input: .pcmu(ptime: inPtime), output: .g729(ptime: outPtime), outputSSRC: 8), input)
        let back = try TranscodePipeline(input: .g729(ptime: outPtime), output: .pcmu(ptime: inPtime), outputSSRC: 9)
        let pcmu = try run(back, restream(g729, ptime: outPtime))
        #expect(pcmu.count * 8 * inPtime == pcm.count)
        #expect(pcmuDecode(pcmu.map(\.payload)).count == pcm.count)
    }

    @Test func opusRepacketizesToFortyMilliseconds() throws {
        let pipeline = try TranscodePipeline(input: .pcmu(), output: .opus(ptime: 40), outputSSRC: 5)
        let out = try run(pipeline, Self.pcmuStream())
        #expect(out.count == 50)
        expectContinuous(out, ssrc: 5, payloadType: 96, ticks: 1920)
        #expect(throws: TranscodeError.unsupportedPtime(codec: "opus", milliseconds: 25)) {
            try TranscodePipeline(input: .pcmu(), output: .opus(ptime: 25), outputSSRC: 5)
        }
    }

    @Test func opusThirtyMillisecondPacketsCarryThreeFramesAndDecodeBack() throws {
        let pcm = TestSignal.speechLike(rate: 8000, seconds: 2.4)
        let toOpus = try TranscodePipeline(input: .pcmu(), output: .opus(ptime: 30), outputSSRC: 6)
        let opus = try run(toOpus, Self.pcmuStream(pcm))
        #expect(opus.count == 80)
        expectContinuous(opus, ssrc: 6, payloadType: 96, ticks: 1440)
        // TOC code 3 (arbitrary frame count), three frames, 30 ms at 48 kHz.
        #expect(opus.allSatisfy { p in p.payload[0] & 0x03 == 3 && p.payload[1] & 0x3F == 3 })
        #expect(opus.allSatisfy { p in p.payload.withUnsafeBytes { OpusCodec.packetSampleCount($0, sampleRate: 48000) } == 1440 })

        let back = try TranscodePipeline(input: .opus(ptime: 30), output: .pcmu(), outputSSRC: 7)
        let pcmu = try run(back, restream(opus, ptime: 30))
        #expect(pcmu.count == 120)
        expectContinuous(pcmu, ssrc: 7, payloadType: 0, ticks: 160)
        let decoded = pcmuDecode(pcmu.map(\.payload))
        let best = TestSignal.alignedCorrelation(reference: pcm, output: decoded + [Int16](repeating: 0, count: 400), maxLag: 400, skip: 800)
        #expect(best.correlation > 0.8, "\(best)")
        #expect(back.counters.corruptPayloads == 0 && back.counters.lostPackets == 0)
    }

    @Test func lostPacketIsConcealedAndOutputStaysContinuous() throws {
        var input = try Self.pcmuStream()
        input.packets.remove(at: 50)
        input.arrivals.remove(at: 50)
        let toOpus = try TranscodePipeline(input: .pcmu(), output: .opus(), outputSSRC: 0x55)
        let opus = try run(toOpus, input)
        #expect(opus.count == 100)
        expectContinuous(opus, ssrc: 0x55, payloadType: 96, ticks: 960)
        #expect(toOpus.counters.lostPackets == 1 && toOpus.counters.concealedSamples == 160)
        #expect(opus.filter(\.header.marker).count == 1)

        // Opus → PCMU with an Opus packet lost: libopus concealment fills the 20 ms with sound, not silence.
        var opusIn = restream(opus, ptime: 20)
        opusIn.packets.remove(at: 60)
        opusIn.arrivals.remove(at: 60)
        let back = try TranscodePipeline(input: .opus(), output: .pcmu(), outputSSRC: 0x66)
        let pcmu = try run(back, opusIn)
        #expect(pcmu.count == 100)
        expectContinuous(pcmu, ssrc: 0x66, payloadType: 0, ticks: 160)
        #expect(back.counters.lostPackets == 1 && back.counters.concealedSamples == 160)
        let concealed = pcmuDecode([pcmu[60].payload])
        let neighbour = pcmuDecode([pcmu[59].payload])
        print("concealed frame energy \(TestSignal.energy(concealed[...])), previous \(TestSignal.energy(neighbour[...]))")
        #expect(TestSignal.energy(concealed[...]) > 0.05 * TestSignal.energy(neighbour[...]))
    }

    @Test func ssrcChangeResyncsWithoutBreakingTheOutputStream() throws {
        let first = try Self.pcmuStream(Array(Self.speech[0..<8000]), ssrc: 0xAAAA)
        var second = try Self.pcmuStream(Array(Self.speech[8000...]), ssrc: 0xBBBB)
        // The new source starts with unrelated sequence numbers and timestamps, 20 ms after the last packet.
        second.packets = second.packets.enumerated().map { i, p in
            rtpPacket(payloadType: 0, seq: 7 &+ UInt16(i), ts: 0x8000_0000 &+ UInt32(i * 160), ssrc: 0xBBBB, payload: Array(p[12...]))
        }
        second.arrivals = (0..<second.packets.count).map { .seconds(2.0 + Double($0) * 0.02) }
        var input = first
        input.packets += second.packets
        input.arrivals += second.arrivals
        let pipeline = try TranscodePipeline(input: .pcmu(), output: .opus(), outputSSRC: 0x77)
        let out = try run(pipeline, input)
        #expect(out.count == 100)
        expectContinuous(out, ssrc: 0x77, payloadType: 96, ticks: 960)
        #expect(out.enumerated().filter { $0.element.header.marker }.map(\.offset) == [0, 50])
        #expect(pipeline.counters.ssrcChanges == 1 && pipeline.counters.lostPackets == 0 && pipeline.counters.concealedSamples == 0)
    }

    @Test func timestampJumpResyncsAndSilenceGapMovesTheClock() throws {
        // Packet 40 jumps 10 million ticks ahead with the next sequence number: not believable in 20 ms.
        var input = try Self.pcmuStream()
        for i in 40..<input.packets.count {
            input.packets[i] = rtpPacket(payloadType: 0, seq: 1000 &+ UInt16(i), ts: 10_000_000 &+ UInt32(i * 160),
                                         ssrc: 0xA1B2_C3D4, payload: Array(input.packets[i][12...]))
        }
        let jumped = try TranscodePipeline(input: .pcmu(), output: .g729(), outputSSRC: 1)
        let out = try run(jumped, input)
        #expect(out.count == 100)
        expectContinuous(out, ssrc: 1, payloadType: 18, ticks: 160)
        #expect(jumped.counters.timestampJumps == 1)

        // Silence suppression: after packet 49 the sender is quiet for 500 ms, then goes on (sequence +1,
        // timestamp +25 packets, marker set), arriving 520 ms later. The output clock moves on by the same time.
        var dtx = try Self.pcmuStream()
        for i in 50..<dtx.packets.count {
            dtx.packets[i] = rtpPacket(payloadType: 0, marker: i == 50, seq: 1000 &+ UInt16(i), ts: 123_456 &+ UInt32((i + 25) * 160),
                                       ssrc: 0xA1B2_C3D4, payload: Array(dtx.packets[i][12...]))
            dtx.arrivals[i] = .seconds(1.0 + Double(i + 25) * 0.02)
        }
        let pipeline = try TranscodePipeline(input: .pcmu(), output: .opus(), outputSSRC: 2)
        let gapped = try run(pipeline, dtx)
        #expect(gapped.count == 100)
        #expect(pipeline.counters.silenceGaps == 1 && pipeline.counters.lostPackets == 0 && pipeline.counters.timestampJumps == 0)
        expectContinuous(Array(gapped[0..<50]), ssrc: 2, payloadType: 96, ticks: 960)
        expectContinuous(Array(gapped[50...]), ssrc: 2, payloadType: 96, ticks: 960)
        #expect(gapped[50].header.timestamp &- gapped[49].header.timestamp == 26 * 960)
        #expect(gapped[50].header.sequenceNumber.rawValue == gapped[49].header.sequenceNumber.rawValue &+ 1)
        #expect(gapped.enumerated().filter { $0.element.header.marker }.map(\.offset) == [0, 50])
    }

    @Test func telephoneEventsAreMappedFrom8To48kHz() throws {
        // 10 PCMU packets, then an event starting where the audio stands, sent while audio goes on.
        let speech = try Self.pcmuStream()
        var input = RTPStream()
        var seq: UInt16 = 2000
        func media(_ i: Int) {
            input.packets.append(rtpPacket(payloadType: 0, marker: i == 0, seq: seq, ts: 50_000 &+ UInt32(i * 160), ssrc: 9,
                                           payload: Array(speech.packets[i][12...])))
            input.arrivals.append(.seconds(1.0 + Double(i) * 0.02))
            seq &+= 1
        }
        for i in 0..<10 { media(i) }
        let eventStart: UInt32 = 50_000 + 1600
        let durations: [(UInt16, Bool)] = [(160, false), (320, false), (480, true), (480, true), (480, true)]
        for (k, (duration, end)) in durations.enumerated() {
            media(10 + k)
            input.packets.append(rtpPacket(payloadType: 101, marker: k == 0, seq: seq, ts: eventStart, ssrc: 9,
                                           payload: [5, (end ? 0x80 : 0) | 10, UInt8(duration >> 8), UInt8(duration & 0xFF)]))
            input.arrivals.append(.seconds(1.0 + Double(10 + k) * 0.02 + 0.001))
            seq &+= 1
        }
        let pipeline = try TranscodePipeline(input: .pcmu(), output: .opus(payloadType: 111),
                                             inputEvents: .telephoneEvent(payloadType: 101, clockRate: 8000),
                                             outputEvents: .telephoneEvent(payloadType: 110, clockRate: 48000),
                                             outputSSRC: 0xE0, options: .init(initialTimestamp: 1000))
        let out = try run(pipeline, input)
        let events = out.filter { $0.header.payloadType == 110 }
        let audio = out.filter { $0.header.payloadType == 111 }
        #expect(events.count == 5 && audio.count == 15)
        #expect(events.allSatisfy { $0.header.timestamp == 1000 + 10 * 960 && $0.header.ssrc == 0xE0 })
        #expect(events.map { Int($0.payload[2]) << 8 | Int($0.payload[3]) } == [960, 1920, 2880, 2880, 2880])
        #expect(events.map { $0.payload[0] } == [5, 5, 5, 5, 5])
        #expect(events.map { $0.payload[1] & 0x80 != 0 } == durations.map(\.1))
        #expect(events.map(\.header.marker) == [true, false, false, false, false])
        // Events and audio share the output sequence space, one step per packet sent.
        for i in 1..<out.count {
            #expect(out[i].header.sequenceNumber.rawValue == out[i - 1].header.sequenceNumber.rawValue &+ 1)
        }
        // Audio timestamps go on in 20 ms steps around the events.
        #expect(zip(audio, audio.dropFirst()).allSatisfy { $1.header.timestamp &- $0.header.timestamp == 960 })
        #expect(pipeline.counters.eventsForwarded == 5 && pipeline.counters.lostPackets == 0)

        // Without an event type on the output side the events are dropped and counted, audio goes on.
        let noEvents = try TranscodePipeline(input: .pcmu(), output: .opus(), inputEvents: .telephoneEvent(payloadType: 101, clockRate: 8000),
                                             outputSSRC: 1)
        let audioOnly = try run(noEvents, input)
        #expect(audioOnly.count == 15 && noEvents.counters.eventsDropped == 5 && noEvents.counters.unexpectedPayloadTypes == 0)
    }

    @Test func pcmuToPcmaFastPathEqualsTableConversion() throws {
        var rng = SeededGenerator(seed: 42)
        let payloads = (0..<50).map { _ in (0..<160).map { _ in UInt8.random(in: 0...255, using: &rng) } }
        for (from, to, table) in [(CodecDescriptor.pcmu(), CodecDescriptor.pcma(), G711.uLawToALaw),
                                  (.pcma(), .pcmu(), G711.aLawToULaw)] {
            let pipeline = try TranscodePipeline(input: from, output: to, outputSSRC: 3)
            #expect(pipeline.isDirectG711)
            let out = try run(pipeline, .media(payloads, payloadType: from.payloadType, ssrc: 4, ticksPerPacket: 160))
            #expect(out.count == 50)
            expectContinuous(out, ssrc: 3, payloadType: to.payloadType, ticks: 160)
            #expect(out.map(\.payload) == payloads.map { $0.map { table[Int($0)] } })
            // The same bytes as the per-sample definition: nearest level of the other law.
            let viaLinear = payloads[0].map { code -> UInt8 in
                from.isEncoding("PCMU") ? G711.aLawEncode(G711.uLawToLinear[Int(code)]) : G711.uLawEncode(G711.aLawToLinear[Int(code)])
            }
            let agree = zip(out[0].payload, viaLinear).filter { $0 == $1 }.count
            #expect(agree >= 150, "\(agree) of 160 codes agree with the re-quantised level")
        }
    }

    @Test func corruptOpusAndG729PayloadsAreConcealedInPlace() throws {
        // One Opus packet replaced by a code-3 TOC without its frame-count byte (invalid), one G.729 packet
        // cut to 15 bytes: each still yields its 20 ms (concealed), counted, and the streams go on unchanged.
        let opus = try run(TranscodePipeline(input: .pcmu(), output: .opus(), outputSSRC: 1), Self.pcmuStream())
        var opusIn = restream(opus, ptime: 20)
        opusIn.packets[30] = Array(opusIn.packets[30][0..<12]) + [0x03]
        let fromOpus = try TranscodePipeline(input: .opus(), output: .pcmu(), outputSSRC: 2)
        let pcmu = try run(fromOpus, opusIn)
        #expect(pcmu.count == 100 && fromOpus.counters.corruptPayloads == 1 && fromOpus.counters.lostPackets == 0)
        expectContinuous(pcmu, ssrc: 2, payloadType: 0, ticks: 160)

        let g729 = try run(TranscodePipeline(input: .pcmu(), output: .g729(), outputSSRC: 3), Self.pcmuStream())
        var g729In = restream(g729, ptime: 20)
        g729In.packets[30] = Array(g729In.packets[30][0..<(12 + 15)])
        let fromG729 = try TranscodePipeline(input: .g729(), output: .pcma(), outputSSRC: 4)
        let pcma = try run(fromG729, g729In)
        #expect(pcma.count == 100 && fromG729.counters.corruptPayloads == 1)
        expectContinuous(pcma, ssrc: 4, payloadType: 8, ticks: 160)
        #expect(pcma.allSatisfy { $0.payload.count == 160 })
    }

    /// Hostile input: broken headers, wrong payload types, corrupt payloads, sequence and timestamp jumps.
    /// Nothing crashes, everything is counted, the output stays one valid stream, and clean input afterwards
    /// comes through.
    @Test(arguments: ["opus", "G729", "PCMU"])
    func corruptInputIsCountedAndNeverStopsTheStream(codec: String) throws {
        let descriptor: CodecDescriptor = codec == "opus" ? .opus() : codec == "G729" ? .g729() : .pcmu()
        let output: CodecDescriptor = codec == "PCMU" ? .pcma() : .pcmu()
        let pipeline = try TranscodePipeline(input: descriptor, output: output,
                                             inputEvents: .telephoneEvent(payloadType: 101, clockRate: descriptor.clockRate),
                                             outputEvents: .telephoneEvent(payloadType: 101, clockRate: 8000), outputSSRC: 0xF00D)
        var rng = SeededGenerator(seed: 7)
        var seq: UInt16 = 0
        var ts: UInt32 = 0
        let tick = UInt32(descriptor.clockRate / 50)
        var emittedSeq: [UInt16] = []
        var time = 1.0
        let cases = 6000
        func feed(_ bytes: [UInt8]) {
            time += 0.02
            bytes.withUnsafeBytes { raw in
                pipeline.process(packet: raw, now: .seconds(time)) { out in
                    let header = try? RTPHeader(parsing: out)
                    #expect(header?.ssrc == 0xF00D)
                    if let header { emittedSeq.append(header.sequenceNumber.rawValue) }
                }
            }
        }
        for _ in 0..<cases {
            seq &+= UInt16.random(in: 0...3, using: &rng) == 0 ? UInt16.random(in: 0...UInt16.max, using: &rng) : 1
            ts &+= UInt32.random(in: 0...5, using: &rng) == 0 ? UInt32.random(in: 0...UInt32.max, using: &rng) : tick
            let pt: UInt8 = [descriptor.payloadType, descriptor.payloadType, descriptor.payloadType, 101, 13, 127].randomElement(using: &rng)!
            let payload = (0..<Int.random(in: 0...400, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            var packet = rtpPacket(payloadType: pt, seq: seq, ts: ts, ssrc: UInt32.random(in: 0...20, using: &rng) == 0 ? 99 : 1,
                                   payload: payload)
            switch Int.random(in: 0...9, using: &rng) {
            case 0: packet = Array(packet.prefix(Int.random(in: 0...13, using: &rng)))       // truncated header
            case 1: packet[0] = UInt8.random(in: 0...255, using: &rng)                        // version, padding, X, CC
            case 2: packet[0] |= 0x20                                                          // padding claimed
            case 3: packet[0] |= 0x10                                                          // extension claimed
            default: break
            }
            feed(packet)
        }
        let c = pipeline.counters
        print("\(codec) fuzz: \(c)")
        #expect(c.packetsIn == UInt64(cases))
        #expect(c.malformedPackets > 0 && c.unexpectedPayloadTypes > 0 && c.ssrcChanges > 0 && c.sequenceJumps > 0)
        if codec != "PCMU" { #expect(c.corruptPayloads > 0) }
        #expect(c.codecErrors == 0)
        // What came out is one stream: sequence numbers step by one.
        #expect(zip(emittedSeq, emittedSeq.dropFirst()).allSatisfy { $1 == $0 &+ 1 })

        // Clean audio afterwards is transcoded: the stream is not stuck.
        let before = emittedSeq.count
        let encoder = try TranscodeCodec(descriptor, pcmRate: 8000)
        let clean = TestSignal.speechLike(rate: 8000, seconds: 0.4)
        var buffer = [UInt8](repeating: 0, count: 1500)
        for f in 0..<20 {
            let n = try clean[(f * 160)..<((f + 1) * 160)].withUnsafeBufferPointer { src in
                try buffer.withUnsafeMutableBytes { try encoder.encode(src, into: $0, opusFrameSamples: 160) }
            }
            seq &+= 1
            ts &+= tick
            feed(rtpPacket(payloadType: descriptor.payloadType, seq: seq, ts: ts, ssrc: 1, payload: Array(buffer[0..<n])))
        }
        #expect(emittedSeq.count - before >= 19)
    }
}
