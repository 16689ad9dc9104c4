// Per-frame CPU cost of each codec wrapper, optimised build. Run with bench/codec-cost.sh.
// Compiled into one module with Sources/Transcode, so the codec types are used without an import.
import Foundation

func cpuNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// Harmonics of a gliding 110–210 Hz fundamental under a 4 Hz envelope, like the tests' speech.
func speech(rate: Int, samples: Int) -> [Int16] {
    var phase = 0.0
    return (0..<samples).map { i in
        let t = Double(i) / Double(rate)
        let f0 = 160 + 50 * sin(2 * Double.pi * 0.7 * t)
        phase += 2 * Double.pi * f0 / Double(rate)
        var s = 0.0
        var k = 1.0
        while k * f0 < 3400 { s += sin(k * phase) / k; k += 1 }
        return Int16(clamping: Int(s * 6000 * (0.5 - 0.5 * cos(2 * Double.pi * 4 * t))))
    }
}

func measure(_ name: String, _ codec: some AudioCodec, frames: Int) throws {
    let n = codec.samplesPerFrame
    let pcmIn = speech(rate: codec.sampleRate, samples: n * frames)
    var payload = [UInt8](repeating: 0, count: 1500)
    var lengths = [Int](repeating: 0, count: frames)
    var packets = [UInt8](repeating: 0, count: 1500 * frames)
    var pcmOut = [Int16](repeating: 0, count: 5760)
    let t0 = cpuNanoseconds()
    for f in 0..<frames {
        lengths[f] = try pcmIn.withUnsafeBufferPointer { p in
            try payload.withUnsafeMutableBytes { try codec.encode(UnsafeBufferPointer(rebasing: p[(f * n)..<((f + 1) * n)]), into: $0) }
        }
        packets.withUnsafeMutableBytes { dst in payload.withUnsafeBytes { src in
            dst.baseAddress!.advanced(by: f * 1500).copyMemory(from: src.baseAddress!, byteCount: lengths[f])
        } }
    }
    let t1 = cpuNanoseconds()
    var samples = 0
    for f in 0..<frames {
        samples += try packets.withUnsafeBytes { p in
            try pcmOut.withUnsafeMutableBufferPointer {
                try codec.decode(UnsafeRawBufferPointer(rebasing: p[(f * 1500)..<(f * 1500 + lengths[f])]), into: $0)
            }
        }
    }
    let t2 = cpuNanoseconds()
    precondition(samples == frames * n, "decode lost samples")
    print(String(format: "%-14@ encode %8.2f µs   decode %7.2f µs   per %d ms frame", name,
                 Double(t1 - t0) / 1000 / Double(frames), Double(t2 - t1) / 1000 / Double(frames), codec.frameDuration))
}

@main struct CodecCost {
    static func main() throws {
        try measure("PCMU", G711Codec(law: .uLaw), frames: 50_000)
        try measure("PCMA", G711Codec(law: .aLaw), frames: 50_000)
        var ulaw = [UInt8](repeating: 0x55, count: 160)
        let t0 = cpuNanoseconds()
        for _ in 0..<200_000 { ulaw.withUnsafeMutableBytes { G711.transcodeULawToALaw($0) } }
        print(String(format: "%-14@ %8.3f µs per 160-byte payload", "PCMU→PCMA", Double(cpuNanoseconds() - t0) / 1000 / 200_000))
        // The same G.711 calls without the harness around them (buffers fixed, one payload reused).
        let g711 = try G711Codec(law: .uLaw)
        var pcm = speech(rate: 8000, samples: 160)
        let t1 = cpuNanoseconds()
        try pcm.withUnsafeMutableBufferPointer { p in
            try ulaw.withUnsafeMutableBytes { u in
                for _ in 0..<200_000 {
                    _ = try g711.encode(UnsafeBufferPointer(p), into: u)
                    _ = try g711.decode(UnsafeRawBufferPointer(u), into: p)
                }
            }
        }
        print(String(format: "%-14@ %8.3f µs per 160-sample encode + decode", "PCMU tight", Double(cpuNanoseconds() - t1) / 1000 / 200_000))
        try measure("G.729", G729Codec(), frames: 2000)
        try measure("Opus 8k c5", OpusCodec(.init(sampleRate: 8000, complexity: 5)), frames: 2000)
        try measure("Opus 8k c9", OpusCodec(.init(sampleRate: 8000, complexity: 9)), frames: 2000)
        try measure("Opus 16k c5", OpusCodec(.init(sampleRate: 16000, complexity: 5)), frames: 2000)
        try measure("Opus 48k c5", OpusCodec(.init(sampleRate: 48000, complexity: 5)), frames: 2000)
    }
}
