#if canImport(Glibc)
import Glibc
#endif

/// A deterministic speech-like test signal at 8 kHz, so every run and machine measures the same work:
/// a voiced source gliding between ~110 and ~210 Hz, harmonics up to 3.4 kHz shaped by two formant-like
/// peaks, a 4 Hz syllable envelope, and phrases of 2.4 s separated by 0.8 s of faint noise (pauses).
enum SpeechSignal {
    static func synthesize(seconds: Double, peak: Double = 14000) -> [Int16] {
        let rate = 8000.0
        let n = Int(rate * seconds)
        var out = [Int16](repeating: 0, count: n)
        var phase = 0.0
        var noise: UInt32 = 0x1234_5678
        for i in 0..<n {
            let t = Double(i) / rate
            let f0: Double = 160 + 50 * sin(2 * Double.pi * 0.7 * t)
            phase += 2 * Double.pi * f0 / rate
            if phase > 2 * Double.pi { phase -= 2 * Double.pi }
            var s = 0.0
            var k = 1.0
            while k * f0 < 3400 {
                let f = k * f0
                let low: Double = (f - 700) / 250
                let high: Double = (f - 1800) / 300
                let gain: Double = 1 / k + 0.8 * exp(-low * low) + 0.4 * exp(-high * high)
                s += gain * sin(k * phase)
                k += 1
            }
            let envelope: Double = 0.4 - 0.5 * cos(2 * Double.pi * 4 * t)
            let syllable = max(0, envelope) / 0.9
            let talking = t.truncatingRemainder(dividingBy: 3.2) < 2.4
            // Linear congruential noise, about -60 dB: real pauses are never digital zero.
            noise = noise &* 1_664_525 &+ 1_013_904_223
            let hiss = Double(Int32(bitPattern: noise) >> 20) / 2048 * 15
            let voiced = talking ? s * syllable * peak / 4.2 : 0
            out[i] = Int16(clamping: Int(voiced + hiss))
        }
        return out
    }
}
