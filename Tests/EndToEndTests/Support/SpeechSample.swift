#if canImport(Glibc)
import Glibc
#endif

/// Real speech for the quality tests, made at test time: espeak-ng speaks a few Harvard sentences
/// (IEEE 1969 list 1, the classic speech-test material), sox turns them into 8 kHz mono 16-bit. The Klatt
/// voice: espeak-ng's default formant voice has so regular an excitation that CELP codecs score it far below
/// real speech (G.729 about 2.4 through rtpengine, against 3.7 with Klatt, the usual figure for G.729).
enum SpeechSample {
    static let sentences = "The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. "
        + "It is easy to tell the depth of a well. These days a chicken leg is a rare dish."

    /// The samples, with `padding` seconds of silence before and after (so the codecs settle and the
    /// tail is not cut by the relay path's delay).
    static func make(in directory: TemporaryDirectory, padding: Double = 0.5) throws -> [Int16] {
        let wide = "\(directory.path)/speech-22k.wav"
        let narrow = "\(directory.path)/speech-8k.raw"
        try run("/usr/bin/espeak-ng", ["-v", "en-us+klatt", "-s", "150", "-w", wide, sentences], in: directory, name: "espeak-ng")
        try run("/usr/bin/sox", [wide, "-r", "8000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", narrow],
                in: directory, name: "sox")
        let speech = try RawPCM.read(narrow)
        guard speech.count > 8000 * 4 else {
            throw ChildProcess.Failure(description: "espeak-ng/sox made only \(speech.count) samples of speech")
        }
        let silence = [Int16](repeating: 0, count: Int(8000 * padding))
        return silence + speech + silence
    }

    private static func run(_ executable: String, _ arguments: [String], in directory: TemporaryDirectory, name: String) throws {
        let process = try ChildProcess.spawn(executable, arguments, directory: directory.path, name: name)
        guard let status = process.waitForExit(timeout: 30) else {
            process.stop(signal: SIGKILL)
            throw ChildProcess.Failure(description: "\(name) did not finish within 30 s")
        }
        guard status == 0 else {
            throw ChildProcess.Failure(description: "\(name) exited with \(status): \(process.standardError.suffix(1000))")
        }
    }
}

/// Raw 16-bit little-endian mono PCM files: what sox writes and scripts/pesq_score.py reads.
enum RawPCM {
    static func read(_ path: String) throws -> [Int16] {
        guard let file = fopen(path, "r") else { throw ChildProcess.Failure(description: "cannot read \(path)") }
        defer { fclose(file) }
        var samples: [Int16] = []
        var chunk = [Int16](repeating: 0, count: 8192)
        while true {
            let count = chunk.withUnsafeMutableBytes { fread($0.baseAddress, 2, 8192, file) }
            samples += chunk[0..<count].map { Int16(littleEndian: $0) }
            if count < chunk.count { break }
        }
        return samples
    }

    static func write(_ samples: [Int16], to path: String) throws {
        guard let file = fopen(path, "w") else { throw ChildProcess.Failure(description: "cannot write \(path)") }
        defer { fclose(file) }
        let littleEndian = samples.map(\.littleEndian)
        let written = littleEndian.withUnsafeBytes { fwrite($0.baseAddress, 2, littleEndian.count, file) }
        guard written == samples.count else { throw ChildProcess.Failure(description: "short write to \(path)") }
    }
}
