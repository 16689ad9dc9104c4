import Testing
import Transcode

@Suite struct G711Tests {
    // Reference levels from G.711 Tables 2a/2b (µ-law) and 1a/1b (A-law), in the 16-bit domain.
    @Test func uLawDecodesReferenceCodes() {
        #expect(G711.uLawToLinear[0xFF] == 0)        // +0
        #expect(G711.uLawToLinear[0x7F] == 0)        // -0
        #expect(G711.uLawToLinear[0x80] == 32124)    // most positive level
        #expect(G711.uLawToLinear[0x00] == -32124)   // most negative level
        #expect(G711.uLawToLinear[0xFE] == 8)        // first step of segment 0
        #expect(G711.uLawToLinear[0xEF] == 132)      // first level of segment 1
        #expect(G711.uLawToLinear[0x7E] == -8)
    }

    @Test func aLawDecodesReferenceCodes() {
        #expect(G711.aLawToLinear[0xD5] == 8)        // smallest positive level
        #expect(G711.aLawToLinear[0x55] == -8)       // smallest negative level
        #expect(G711.aLawToLinear[0xAA] == 32256)    // most positive level
        #expect(G711.aLawToLinear[0x2A] == -32256)   // most negative level
        #expect(G711.aLawToLinear[0xC5] == 264)      // first level of segment 1
    }

    @Test func encodesReferenceSamples() {
        #expect(G711.uLawEncode(0) == 0xFF)
        #expect(G711.uLawEncode(Int16.max) == 0x80)
        #expect(G711.uLawEncode(Int16.min) == 0x00)
        #expect(G711.aLawEncode(0) == 0xD5)
        #expect(G711.aLawEncode(-1) == 0x55)
        #expect(G711.aLawEncode(Int16.max) == 0xAA)
        #expect(G711.aLawEncode(Int16.min) == 0x2A)
    }

    @Test func decodeTablesAreMonotonicAndSymmetric() {
        // Codes of one sign, taken from the smallest level upwards, must give strictly growing levels.
        let uPositive = (0..<128).map { G711.uLawToLinear[255 - $0] }          // 0xFF down to 0x80
        let aPositive = (0..<128).map { G711.aLawToLinear[Int(UInt8(0x80 | $0) ^ 0x55)] }
        #expect(zip(uPositive, uPositive.dropFirst()).allSatisfy { $0 < $1 })
        #expect(zip(aPositive, aPositive.dropFirst()).allSatisfy { $0 < $1 })
        for code in 0..<128 {
            #expect(G711.uLawToLinear[code] == -G711.uLawToLinear[code | 0x80])
            #expect(G711.aLawToLinear[code] == -G711.aLawToLinear[code | 0x80])
        }
    }

    @Test func encodeTablesMatchTheDefinitionForEverySample() {
        var uMismatches = 0
        var aMismatches = 0
        for raw in 0...0xFFFF {
            let s = Int16(bitPattern: UInt16(raw))
            if G711.uLawEncode(s) != G711.uLawEncodeDefinition(s) { uMismatches += 1 }
            if G711.aLawEncode(s) != G711.aLawEncodeDefinition(s) { aMismatches += 1 }
        }
        #expect(uMismatches == 0)
        #expect(aMismatches == 0)
    }

    @Test func everyCodeSurvivesDecodeEncodeDecode() {
        for code in 0..<256 {
            let u = G711.uLawToLinear[code]
            #expect(G711.uLawToLinear[Int(G711.uLawEncode(u))] == u, "µ-law code \(code)")
            let a = G711.aLawToLinear[code]
            #expect(G711.aLawToLinear[Int(G711.aLawEncode(a))] == a, "A-law code \(code)")
            // Apart from µ-law's second zero, a code is the only encoding of its level.
            if code != 0x7F { #expect(Int(G711.uLawEncode(u)) == code) }
            #expect(Int(G711.aLawEncode(a)) == code)
        }
    }

    @Test func encoderPicksTheNearestLevel() {
        // Quantisation error never exceeds half a step of the segment the sample falls in
        // (plus the 2/3 bits each law drops before quantising).
        for raw in stride(from: -32768, through: 32767, by: 7) {
            let s = Int16(raw)
            let u = Int(G711.uLawToLinear[Int(G711.uLawEncode(s))])
            let a = Int(G711.aLawToLinear[Int(G711.aLawEncode(s))])
            // Largest step: 1024 (µ-law segment 7, 16-bit domain), 1024 (A-law segment 7); clipping above.
            if abs(raw) < 32000 {
                #expect(abs(u - raw) <= 512 + 4 && abs(u - raw) <= max(8, abs(raw) / 16 + 8), "µ-law \(raw) → \(u)")
                #expect(abs(a - raw) <= 512 + 8 && abs(a - raw) <= max(16, abs(raw) / 16 + 16), "A-law \(raw) → \(a)")
            }
        }
    }

    @Test func pcmuToPcmaTablesKeepSignAndNearestLevel() {
        for code in 0..<256 {
            let a = G711.uLawToALaw[code]
            let u = G711.aLawToULaw[code]
            // Sign bit: µ-law codes 0x80...0xFF are positive, A-law codes with bit 7 set are positive.
            #expect((UInt8(code) & 0x80 != 0) == (a & 0x80 != 0))
            #expect((UInt8(code) & 0x80 != 0) == (u & 0x80 != 0))
            // No other level of the same sign is closer.
            let ulevel = Int(G711.uLawToLinear[code])
            let chosen = abs(Int(G711.aLawToLinear[Int(a)]) - ulevel)
            for other in 0..<256 where (other & 0x80) == (Int(a) & 0x80) {
                #expect(abs(Int(G711.aLawToLinear[other]) - ulevel) >= chosen)
            }
        }
        // PCMA → PCMU → PCMA: nearest-level tables are not a bijection (two A-law levels of a
        // segment-2/3 pair share one µ-law level), so a round trip may move a code to its
        // neighbour, never further. G.711's own Tables 3/4 trade a little accuracy for transparency.
        var moved = 0
        for code in 0..<256 {
            let back = G711.uLawToALaw[Int(G711.aLawToULaw[code])]
            if back != UInt8(code) {
                moved += 1
                let a = Int(UInt8(code) ^ 0x55), b = Int(back ^ 0x55)   // line coding removed: adjacent levels differ by 1
                #expect(abs(a - b) == 1, "A-law \(code) came back as \(back)")
            }
        }
        #expect(moved <= 16)
    }

    @Test func inPlaceTranscodingMatchesLinearPath() {
        let sine = TestSignal.sine(frequency: 1000, rate: 8000, seconds: 0.1)
        var ulaw = sine.map(G711.uLawEncode)
        let original = ulaw
        ulaw.withUnsafeMutableBytes { G711.transcodeULawToALaw($0) }
        for (u, a) in zip(original, ulaw) {
            // Same sign, and within one A-law step of the µ-law level.
            let ul = Int(G711.uLawToLinear[Int(u)]), al = Int(G711.aLawToLinear[Int(a)])
            #expect(abs(ul - al) <= max(16, abs(ul) / 16 + 16))
        }
        var back = [UInt8](repeating: 0, count: ulaw.count)
        let n = ulaw.withUnsafeBytes { src in back.withUnsafeMutableBytes { G711.transcodeALawToULaw(src, into: $0) } }
        #expect(n == ulaw.count)
        let snr = TestSignal.snr(reference: sine[...], output: back.map { G711.uLawToLinear[Int($0)] }[...])
        #expect(snr > 30)
    }

    @Test(arguments: [G711.Law.uLaw, .aLaw])
    func codecRoundTripKeepsSNRAbove30dB(law: G711.Law) throws {
        let codec = try G711Codec(law: law)
        for signal in [TestSignal.sine(frequency: 1000, rate: 8000, seconds: 1),
                       TestSignal.speechLike(rate: 8000, seconds: 1)] {
            let (pcm, packets) = try roundTrip(codec, signal, frameSamples: 160)
            #expect(packets.count == 50 && packets.allSatisfy { $0.count == 160 })
            let snr = TestSignal.snr(reference: signal[...], output: pcm[...])
            // G.711 gives ~38 dB on a loud signal; 30 dB is the task's floor.
            #expect(snr > 30, "SNR \(snr) dB")
        }
    }

    @Test func lossConcealsOneFrameOfSilenceAndSmallBufferThrows() throws {
        let codec = try G711Codec(law: .aLaw, frameDuration: 30)
        var pcm = [Int16](repeating: 7, count: 300)
        let n = try pcm.withUnsafeMutableBufferPointer { out in
            try codec.decode(UnsafeRawBufferPointer(start: nil, count: 0), into: out)
        }
        #expect(n == 240)
        #expect(pcm[0..<240].allSatisfy { $0 == 0 })
        let payload = [UInt8](repeating: 0xD5, count: 200)
        var small = [Int16](repeating: 0, count: 100)
        #expect(throws: AudioCodecError.outputTooSmall(needed: 200, available: 100)) {
            try payload.withUnsafeBytes { p in try small.withUnsafeMutableBufferPointer { try codec.decode(p, into: $0) } }
        }
        #expect(throws: AudioCodecError.unsupportedParameter("G.711 frame duration 0 ms")) { try G711Codec(law: .uLaw, frameDuration: 0) }
    }
}

@Suite struct G711FuzzTests {
    @Test(arguments: [G711.Law.uLaw, .aLaw])
    func anyPayloadDecodesToOneSamplePerByte(law: G711.Law) throws {
        let codec = try G711Codec(law: law)
        var rng = SeededGenerator(seed: 711)
        var pcm = [Int16](repeating: 0, count: 1500)
        let table = law == .uLaw ? G711.uLawToLinear : G711.aLawToLinear
        for _ in 0..<5000 {
            let payload = (0..<Int.random(in: 0...1500, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            let n = try payload.withUnsafeBytes { p in try pcm.withUnsafeMutableBufferPointer { try codec.decode(p, into: $0) } }
            #expect(n == (payload.isEmpty ? 160 : payload.count))
            if let i = payload.indices.randomElement(using: &rng) { #expect(pcm[i] == table[Int(payload[i])]) }
        }
    }
}
