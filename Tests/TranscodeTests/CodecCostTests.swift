import Foundation
import Testing
import Transcode

/// Runs each codec over 2 s of speech-like audio, checks every frame came out whole, and prints the
/// CPU cost per 20 ms frame. Figures only: the time is not asserted (debug build, shared machine).
@Suite struct CodecCostTests {
    private func cost(_ codec: some AudioCodec, frames: Int = 100) throws -> (encode: Double, decode: Double) {
        let frame = codec.samplesPerFrame
        let signal = TestSignal.speechLike(rate: codec.sampleRate, seconds: Double(frames) * 0.02)
        var payloads = [[UInt8]](repeating: [UInt8](repeating: 0, count: 1500), count: frames)
        var lengths = [Int](repeating: 0, count: frames)
        var pcm = [Int16](repeating: 0, count: frame)
        let t0 = clock_gettime_ns()
        for f in 0..<frames {
            lengths[f] = try signal[(f * frame)..<((f + 1) * frame)].withUnsafeBufferPointer { p in
                try payloads[f].withUnsafeMutableBytes { try codec.encode(p, into: $0) }
            }
        }
        let t1 = clock_gettime_ns()
        var decodedAll = true
        for f in 0..<frames {
            let n = try payloads[f][0..<lengths[f]].withUnsafeBytes { p in
                try pcm.withUnsafeMutableBufferPointer { try codec.decode(p, into: $0) }
            }
            decodedAll = decodedAll && n == frame
        }
        let t2 = clock_gettime_ns()
        #expect(decodedAll)
        #expect(lengths.allSatisfy { $0 > 0 })
        return (Double(t1 - t0) / 1000 / Double(frames), Double(t2 - t1) / 1000 / Double(frames))
    }

    private func clock_gettime_ns() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    @Test func perFrameCost() throws {
        let cases: [(String, any AudioCodec)] = [
            ("PCMU", try G711Codec(law: .uLaw)),
            ("PCMA", try G711Codec(law: .aLaw)),
            ("G.729", try G729Codec()),
            ("Opus 8k c5", try OpusCodec(.init(sampleRate: 8000, complexity: 5))),
            ("Opus 8k c9", try OpusCodec(.init(sampleRate: 8000, complexity: 9))),
            ("Opus 48k c5", try OpusCodec(.init(sampleRate: 48000, complexity: 5))),
        ]
        for (name, codec) in cases {
            let (e, d) = try cost(codec)
            print(String(format: "codec cost %@: encode %.2f µs, decode %.2f µs per 20 ms frame", name, e, d))
        }
    }
}
