import Testing
import Transcode

@Suite struct OpusCodecTests {
    @Test(arguments: [8000, 16000, 48000])
    func sineAndSpeechSurviveRoundTrip(rate: Int) throws {
        let codec = try OpusCodec(.init(sampleRate: rate, bitrate: 32000))
        #expect(codec.clockRate == 48000)
        #expect(codec.samplesPerFrame == rate / 50)
        for (name, signal) in [("sine", TestSignal.sine(frequency: 1000, rate: rate, seconds: 1)),
                               ("speech", TestSignal.speechLike(rate: rate, seconds: 1))] {
            let (pcm, packets) = try roundTrip(codec, signal, frameSamples: codec.samplesPerFrame)
            #expect(packets.count == 50)
            #expect(pcm.count == signal.count)
            // Output lags input by the encoder's lookahead; search around it, skip 100 ms of warm-up.
            let best = TestSignal.alignedCorrelation(reference: signal, output: pcm + [Int16](repeating: 0, count: rate / 50),
                                                     maxLag: rate / 50, skip: rate / 10)
            let levels = TestSignal.bandLevels(reference: signal, output: pcm, rate: rate)
            print("opus \(rate) Hz \(name): correlation \(best.correlation) at lag \(best.lag) (lookahead \(codec.lookahead)), band level change dB \(levels)")
            // Measured at 32 kbit/s: sine ≥ 0.995, speech 0.936–0.938 at every rate, band levels
            // within 0.7 dB. A sine's best lag is ambiguous by its period, so only speech checks it.
            #expect(best.correlation > (name == "sine" ? 0.95 : 0.85), "\(name) at \(rate) Hz")
            if name == "speech" {
                #expect(abs(best.lag - codec.lookahead) <= rate / 8000 * 2)
                #expect(levels.allSatisfy { abs($0) < 2 }, "\(levels)")
            }
        }
    }

    @Test func lossIsConcealedWithContinuingSignal() throws {
        let codec = try OpusCodec(.init(sampleRate: 8000))
        let signal = TestSignal.sine(frequency: 1000, rate: 8000, seconds: 0.4)
        _ = try roundTrip(codec, signal, frameSamples: 160)
        var pcm = [Int16](repeating: 0, count: 960)
        let n = try pcm.withUnsafeMutableBufferPointer { try codec.decode(UnsafeRawBufferPointer(start: nil, count: 0), into: $0) }
        #expect(n == 160)
        // PLC extrapolates the tone: most of its energy stays at 1 kHz.
        let total = TestSignal.energy(pcm[0..<n])
        #expect(total > 1_000_000)
        #expect(TestSignal.toneEnergy(pcm[0..<n], frequency: 1000, rate: 8000) > 0.2 * total)
    }

    @Test func fecRebuildsALostPacketBetterThanConcealment() throws {
        let rate = 16000
        let sender = try OpusCodec(.init(sampleRate: rate, bitrate: 24000, fec: true, expectedLossPercent: 20))
        let signal = TestSignal.speechLike(rate: rate, seconds: 1)
        let (_, packets) = try roundTrip(sender, signal, frameSamples: 320)
        let lost = 30
        func receive(useFEC: Bool) throws -> [Int16] {
            let receiver = try OpusCodec(.init(sampleRate: rate))
            var out: [Int16] = []
            var pcm = [Int16](repeating: 0, count: 5760)
            for i in 0..<packets.count {
                let n: Int
                if i == lost {
                    n = try pcm.withUnsafeMutableBufferPointer { dst in
                        useFEC ? try packets[i + 1].withUnsafeBytes { try receiver.decodeLost(usingFECFrom: $0, into: dst) }
                               : try receiver.decode(UnsafeRawBufferPointer(start: nil, count: 0), into: dst)
                    }
                } else {
                    n = try packets[i].withUnsafeBytes { p in try pcm.withUnsafeMutableBufferPointer { try receiver.decode(p, into: $0) } }
                }
                #expect(n == 320)
                out += pcm[0..<n]
            }
            return out
        }
        let withFEC = try receive(useFEC: true)
        let withPLC = try receive(useFEC: false)
        let clean = try roundTrip(try OpusCodec(.init(sampleRate: rate, bitrate: 24000, fec: true, expectedLossPercent: 20)),
                                  signal, frameSamples: 320).pcm
        let frame = (lost * 320)..<((lost + 1) * 320)
        let fecSNR = TestSignal.snr(reference: clean[frame], output: withFEC[frame])
        let plcSNR = TestSignal.snr(reference: clean[frame], output: withPLC[frame])
        print("opus FEC frame SNR vs lossless decode: \(fecSNR) dB, PLC: \(plcSNR) dB")
        #expect(fecSNR > plcSNR)
    }

    @Test func dtxShrinksSilenceToTinyPackets() throws {
        let codec = try OpusCodec(.init(sampleRate: 8000, dtx: true))
        let silence = [Int16](repeating: 0, count: 8000)
        let (_, packets) = try roundTrip(codec, silence, frameSamples: 160)
        // After a ~200 ms hangover libopus sends 1-byte (TOC-only) DTX packets, with a small
        // comfort-noise refresh every 400 ms.
        let quiet = packets[15...]
        #expect(quiet.filter { $0.count <= 2 }.count >= quiet.count * 9 / 10)
        #expect(quiet.allSatisfy { $0.count <= 10 })
    }

    @Test func rejectsBadParametersAndFrameSizes() throws {
        #expect(throws: AudioCodecError.unsupportedParameter("Opus rate 44100")) { try OpusCodec(.init(sampleRate: 44100)) }
        #expect(throws: AudioCodecError.unsupportedParameter("Opus complexity 11")) { try OpusCodec(.init(complexity: 11)) }
        #expect(throws: AudioCodecError.unsupportedParameter("Opus bitrate 100")) { try OpusCodec(.init(bitrate: 100)) }
        let codec = try OpusCodec(.init(sampleRate: 8000))
        let pcm = [Int16](repeating: 0, count: 150)
        var out = [UInt8](repeating: 0, count: 1500)
        #expect(throws: AudioCodecError.invalidFrameSize(samples: 150)) {
            try pcm.withUnsafeBufferPointer { p in try out.withUnsafeMutableBytes { try codec.encode(p, into: $0) } }
        }
        // A 60 ms packet into a 20 ms buffer is a sizing error, not a concealment.
        let sixty = TestSignal.sine(frequency: 440, rate: 8000, seconds: 0.06)
        let n = try sixty.withUnsafeBufferPointer { p in try out.withUnsafeMutableBytes { try codec.encode(p, into: $0) } }
        var small = [Int16](repeating: 0, count: 160)
        #expect(throws: AudioCodecError.outputTooSmall(needed: 480, available: 160)) {
            try out[0..<n].withUnsafeBytes { p in try small.withUnsafeMutableBufferPointer { try codec.decode(p, into: $0) } }
        }
    }

    @Test func truncatedAndRandomPayloadsDecodeToWholeFramesWithoutCrashing() throws {
        let rate = 8000
        let encoder = try OpusCodec(.init(sampleRate: rate, bitrate: 20000))
        let (_, valid) = try roundTrip(encoder, TestSignal.speechLike(rate: rate, seconds: 1), frameSamples: 160)
        let decoder = try OpusCodec(.init(sampleRate: rate))
        var rng = SeededGenerator(seed: 0x0905)
        var pcm = [Int16](repeating: 0, count: rate * 120 / 1000)
        var concealed = 0
        let cases = 6000
        for i in 0..<cases {
            var payload: [UInt8]
            switch i % 3 {
            case 0:   // random bytes, random length (0 = loss)
                payload = (0..<Int.random(in: 0...300, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 1:   // a real packet cut short
                let p = valid[i % valid.count]
                payload = Array(p[0..<Int.random(in: 0..<p.count, using: &rng)])
            default:  // a real packet with bytes flipped
                payload = valid[i % valid.count]
                for _ in 0..<Int.random(in: 1...4, using: &rng) {
                    payload[Int.random(in: 0..<payload.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng)
                }
            }
            let n = try payload.withUnsafeBytes { p in try pcm.withUnsafeMutableBufferPointer { try decoder.decode(p, into: $0) } }
            if n == 160 { concealed += 1 }
            // Whatever the bytes, the answer is a whole number of 2.5 ms units up to 120 ms.
            #expect(n > 0 && n % (rate / 400) == 0 && n <= rate * 120 / 1000, "case \(i): \(n) samples")
        }
        print("opus fuzz: \(cases) payloads, \(concealed) gave one 20 ms frame")
    }
}
