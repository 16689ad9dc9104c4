import Foundation

/// One second of a voice-like test signal at 8 kHz (voiced glide 120–200 Hz with harmonics to 3.4 kHz and a
/// 4 Hz syllable rhythm): enough structure that the encoders work as on speech, not as on silence or a tone.
enum TalkSignal {
    static func oneSecond() -> [Int16] {
        var out = [Int16](repeating: 0, count: 8000)
        var phase = 0.0
        for i in 0..<out.count {
            let t = Double(i) / 8000
            let pitch = 160 + 40 * sin(2 * Double.pi * 1.3 * t)
            phase += 2 * Double.pi * pitch / 8000
            var sample = 0.0
            var harmonic = 1.0
            while harmonic * pitch < 3400 {
                // Two broad resonances near 700 Hz and 1.9 kHz, as vowels have.
                let f = harmonic * pitch
                let low = (f - 700) / 300, high = (f - 1900) / 400
                sample += (0.5 / harmonic + exp(-low * low) + 0.5 * exp(-high * high)) * sin(harmonic * phase)
                harmonic += 1
            }
            let syllable = max(0, 0.3 - 0.7 * cos(2 * Double.pi * 4 * t))
            out[i] = Int16(clamping: Int(sample * syllable * 3500))
        }
        return out
    }
}

/// G.711 encoding (ITU-T G.711) for the phones' PCMU and PCMA payloads.
enum G711Encode {
    /// 14-bit µ-law: bias 33 after dropping two bits, segment from the highest set bit; the code goes on the
    /// line inverted, with bit 7 set for positive samples.
    static func uLaw(_ sample: Int16) -> UInt8 {
        var magnitude = Int(sample) >> 2
        let mask: UInt8 = magnitude < 0 ? 0x7F : 0xFF
        if magnitude < 0 { magnitude = -magnitude }
        magnitude = min(magnitude, 8158) + 33
        let segment = (Int.bitWidth - magnitude.leadingZeroBitCount) - 6
        let step = (magnitude >> (segment + 1)) & 0x0F
        return UInt8(segment << 4 | step) ^ mask
    }

    /// 13-bit A-law: segment 0 and 1 share a step, even bits inverted on the line (XOR 0x55).
    static func aLaw(_ sample: Int16) -> UInt8 {
        var magnitude = Int(sample) >> 3
        let positive = magnitude >= 0
        if !positive { magnitude = -magnitude - 1 }
        let segment = max(0, (Int.bitWidth - magnitude.leadingZeroBitCount) - 5)
        let step = (segment < 2 ? magnitude >> 1 : magnitude >> segment) & 0x0F
        return (UInt8(segment << 4 | step) | (positive ? 0x80 : 0)) ^ 0x55
    }
}
