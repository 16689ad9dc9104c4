import Foundation
import Transcode

/// Deterministic test audio and the measures the codec tests assert on.
enum TestSignal {
    /// A sine at `frequency` Hz, `seconds` long, peak `amplitude`.
    static func sine(frequency: Double, rate: Int, seconds: Double, amplitude: Double = 12000) -> [Int16] {
        let n = Int(Double(rate) * seconds)
        return (0..<n).map { i in Int16(amplitude * sin(2 * Double.pi * frequency * Double(i) / Double(rate))) }
    }

    /// Voiced-speech-like audio: a fundamental gliding between ~110 and ~210 Hz, harmonics up to
    /// 3.4 kHz shaped by two formant-like peaks, under a 4 Hz syllable envelope with short pauses.
    static func speechLike(rate: Int, seconds: Double, peak: Double = 14000) -> [Int16] {
        let n = Int(Double(rate) * seconds)
        var out = [Double](repeating: 0, count: n)
        var phase = 0.0
        for i in 0..<n {
            let t = Double(i) / Double(rate)
            let f0 = 160 + 50 * sin(2 * Double.pi * 0.7 * t)
            phase += 2 * Double.pi * f0 / Double(rate)
            var s = 0.0
            var k = 1
            while Double(k) * f0 < 3400 {
                let f = Double(k) * f0
                // Formants near 700 Hz and 1800 Hz over a falling spectral tilt.
                let gain = 1 / Double(k) + 0.8 * exp(-pow((f - 700) / 250, 2)) + 0.4 * exp(-pow((f - 1800) / 300, 2))
                s += gain * sin(Double(k) * phase)
                k += 1
            }
            // Syllables: raised cosine at 4 Hz, clipped so ~20 % of the time is near silence.
            let env = max(0, 0.5 - 0.5 * cos(2 * Double.pi * 4 * t) - 0.1) / 0.9
            out[i] = s * env
        }
        let maxAbs = out.map(abs).max() ?? 1
        return out.map { Int16(($0 / maxAbs) * peak) }
    }

    /// Signal-to-noise ratio (dB) of `output` against `reference`, sample-aligned.
    static func snr(reference: ArraySlice<Int16>, output: ArraySlice<Int16>) -> Double {
        var signal = 0.0
        var noise = 0.0
        for (r, o) in zip(reference, output) {
            let d = Double(r) - Double(o)
            signal += Double(r) * Double(r)
            noise += d * d
        }
        return noise == 0 ? .infinity : 10 * log10(signal / noise)
    }

    /// Best normalised cross-correlation of `output` against `reference` over lags 0...maxLag
    /// (output lags the input by the codec's delay). Skips `skip` samples of warm-up.
    static func alignedCorrelation(reference: [Int16], output: [Int16], maxLag: Int, skip: Int) -> (correlation: Double, lag: Int) {
        var best = (correlation: -1.0, lag: 0)
        let length = min(reference.count, output.count - maxLag) - skip
        precondition(length > 0, "test signal too short")
        for lag in 0...maxLag {
            var xy = 0.0, xx = 0.0, yy = 0.0
            for i in skip..<(skip + length) {
                let x = Double(reference[i])
                let y = Double(output[i + lag])
                xy += x * y
                xx += x * x
                yy += y * y
            }
            let c = xx > 0 && yy > 0 ? xy / (xx * yy).squareRoot() : 0
            if c > best.correlation { best = (c, lag) }
        }
        return best
    }

    /// Energy of `signal` at `frequency` Hz (Goertzel), normalised per sample.
    static func toneEnergy(_ signal: ArraySlice<Int16>, frequency: Double, rate: Int) -> Double {
        let w = 2 * Double.pi * frequency / Double(rate)
        let coeff = 2 * cos(w)
        var s1 = 0.0, s2 = 0.0
        for x in signal {
            let s0 = Double(x) + coeff * s1 - s2
            s2 = s1
            s1 = s0
        }
        let power = s1 * s1 + s2 * s2 - coeff * s1 * s2
        return power / Double(signal.count * signal.count)
    }

    /// Telephone bands (Hz) in which `bandLevels` compares spectra.
    static let bands: [ClosedRange<Double>] = [200...500, 500...1000, 1000...2000, 2000...3400]

    /// Level change (output − reference, dB) in each of `bands`, from Goertzel power on a 10 Hz grid.
    /// Alignment-free: a codec's delay does not change band energy.
    static func bandLevels(reference: [Int16], output: [Int16], rate: Int) -> [Double] {
        bands.map { band in
            var r = 0.0, o = 0.0
            for f in stride(from: band.lowerBound, through: band.upperBound, by: 10) {
                r += toneEnergy(reference[...], frequency: f, rate: rate)
                o += toneEnergy(output[...], frequency: f, rate: rate)
            }
            return (10 * log10(o / r) * 10).rounded() / 10
        }
    }

    static func energy(_ signal: ArraySlice<Int16>) -> Double {
        signal.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(1, signal.count))
    }
}

/// SplitMix64: a fixed seed gives the same fuzz cases on every run and machine.
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Runs `codec` over `input` frame by frame and returns the concatenated decoded PCM and the packets.
func roundTrip(_ codec: some AudioCodec, _ input: [Int16], frameSamples: Int) throws -> (pcm: [Int16], packets: [[UInt8]]) {
    var pcm: [Int16] = []
    var packets: [[UInt8]] = []
    var payload = [UInt8](repeating: 0, count: 4000)
    var decoded = [Int16](repeating: 0, count: 5760)
    var start = 0
    while start + frameSamples <= input.count {
        let n = try input[start..<(start + frameSamples)].withUnsafeBufferPointer { src in
            try payload.withUnsafeMutableBytes { try codec.encode(src, into: $0) }
        }
        packets.append(Array(payload[0..<n]))
        let m = try payload[0..<n].withUnsafeBytes { p in
            try decoded.withUnsafeMutableBufferPointer { try codec.decode(p, into: $0) }
        }
        pcm.append(contentsOf: decoded[0..<m])
        start += frameSamples
    }
    return (pcm, packets)
}
