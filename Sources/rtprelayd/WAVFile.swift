#if canImport(Glibc)
import Glibc
#endif

/// Why `--input` could not be used.
struct WAVError: Error, CustomStringConvertible {
    var description: String
}

/// Reads the speech a user gives `bench transcode`: a RIFF/WAVE file of 8 kHz mono 16-bit PCM.
enum WAVFile {
    static func readMono8k(path: String) throws(WAVError) -> [Int16] {
        guard let file = fopen(path, "rb") else { throw WAVError(description: "cannot open \(path)") }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&chunk, 1, chunk.count, file)
            if n <= 0 { break }
            bytes.append(contentsOf: chunk[0..<n])
            guard bytes.count <= 512 << 20 else { throw WAVError(description: "\(path): larger than 512 MiB") }
        }
        func u16(_ o: Int) -> Int { Int(bytes[o]) | Int(bytes[o + 1]) << 8 }
        func u32(_ o: Int) -> Int { u16(o) | u16(o + 2) << 16 }
        guard bytes.count >= 12, bytes[0..<4].elementsEqual("RIFF".utf8), bytes[8..<12].elementsEqual("WAVE".utf8) else {
            throw WAVError(description: "\(path): not a RIFF/WAVE file")
        }
        var offset = 12
        var format: (tag: Int, channels: Int, rate: Int, bits: Int)? = nil
        while offset + 8 <= bytes.count {
            let size = u32(offset + 4)
            let body = offset + 8
            guard size <= bytes.count - body else { break }
            if bytes[offset..<(offset + 4)].elementsEqual("fmt ".utf8), size >= 16 {
                format = (u16(body), u16(body + 2), u32(body + 4), u16(body + 14))
            } else if bytes[offset..<(offset + 4)].elementsEqual("data".utf8) {
                guard let format, format.tag == 1, format.channels == 1, format.rate == 8000, format.bits == 16 else {
                    throw WAVError(description: "\(path): need 8 kHz mono 16-bit PCM (convert with: sox in.wav -r 8000 -c 1 -b 16 out.wav)")
                }
                let samples = (0..<(size / 2)).map { Int16(bitPattern: UInt16(truncatingIfNeeded: u16(body + 2 * $0))) }
                guard samples.count >= 800 else { throw WAVError(description: "\(path): shorter than 100 ms") }
                return samples
            }
            offset = body + size + (size & 1)
        }
        throw WAVError(description: "\(path): no PCM data chunk")
    }
}
