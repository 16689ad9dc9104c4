#if canImport(Glibc)
import Glibc
#endif

/// ITU-T P.862 narrowband MOS-LQO of a degraded recording against its original, computed by
/// scripts/pesq_score.py (PyPI `pesq`), which first aligns the two by cross-correlation.
struct PESQScore: CustomStringConvertible {
    var mos: Double
    var delaySamples: Int
    var correlation: Double

    var description: String {
        "MOS-LQO \(Self.rounded(mos)) (delay \(delaySamples) samples, correlation \(Self.rounded(correlation)))"
    }

    static func rounded(_ value: Double) -> String {
        let hundredths = Int((value * 100).rounded())
        let fraction = abs(hundredths % 100)
        return "\(hundredths / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Writes both signals to `directory` as `<name>-original.raw` / `<name>-degraded.raw` and scores them.
    static func score(original: [Int16], degraded: [Int16], name: String, in directory: TemporaryDirectory) throws -> PESQScore {
        let originalPath = "\(directory.path)/\(name)-original.raw"
        let degradedPath = "\(directory.path)/\(name)-degraded.raw"
        try RawPCM.write(original, to: originalPath)
        try RawPCM.write(degraded, to: degradedPath)
        let process = try ChildProcess.spawn("/usr/bin/env", ["python3", script, originalPath, degradedPath],
                                             directory: directory.path, name: "pesq-\(name)")
        guard let status = process.waitForExit(timeout: 60) else {
            process.stop(signal: SIGKILL)
            throw ChildProcess.Failure(description: "pesq_score.py did not finish within 60 s")
        }
        let output = process.standardOutput
        guard status == 0 else {
            throw ChildProcess.Failure(description: "pesq_score.py exited with \(status): \(process.standardError.suffix(1500))")
        }
        // "MOS-LQO 3.579 delay_samples 52 correlation 0.948"
        let fields = output.split(whereSeparator: { $0 == " " || $0.isNewline })
        guard fields.count >= 6, fields[0] == "MOS-LQO", let mos = Double(fields[1]),
              let delay = Int(fields[3]), let correlation = Double(fields[5]) else {
            throw ChildProcess.Failure(description: "unexpected pesq_score.py output: \(output)")
        }
        return PESQScore(mos: mos, delaySamples: delay, correlation: correlation)
    }

    /// scripts/pesq_score.py of this checkout, found from this source file's path.
    static var script: String {
        var path = #filePath
        // .../Tests/EndToEndTests/Support/PESQScore.swift → the package root.
        for _ in 0..<4 {
            if let slash = path.lastIndex(of: "/") { path = String(path[..<slash]) }
        }
        return "\(path)/scripts/pesq_score.py"
    }
}
