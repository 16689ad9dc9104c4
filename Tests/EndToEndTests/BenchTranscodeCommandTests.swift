#if canImport(Glibc)
import Glibc
#endif
import Testing

/// `rtprelayd bench transcode`, run as a user runs it: the built binary, its stdout and exit status.
/// Figures are not asserted (they depend on the machine); what the report says about the run is.
@Suite("rtprelayd bench transcode")
struct BenchTranscodeCommandTests {
    static func bench(_ arguments: [String]) throws -> (status: Int32?, stdout: String, stderr: String) {
        let directory = try TemporaryDirectory("bench")
        let process = try ChildProcess.spawn(try BuiltProducts.rtprelayd(), ["bench", "transcode"] + arguments,
                                             directory: directory.path, name: "rtprelayd-bench")
        let status = process.waitForExit(timeout: 120)
        if status == nil { _ = process.stop(signal: SIGKILL) }
        return (status, process.standardOutput, process.standardError)
    }

    /// The number after `label` on the report line that starts with it.
    static func figure(_ label: String, in report: String) -> Double? {
        for line in report.split(separator: "\n") {
            let text = line.drop { $0 == " " }
            guard text.hasPrefix(label) else { continue }
            return Double(text.dropFirst(label.count).split(separator: " ").first ?? "")
        }
        return nil
    }

    @Test func onePairReportsCostCapacityMemoryAndCleanPackets() throws {
        let run = try Self.bench(["--from", "PCMU", "--to", "G729", "--seconds", "0.4", "--calls", "2", "--memory-calls", "4"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stdout.contains("PCMU ⇄ G729"))
        let cost = Self.figure("CPU per call-second", in: run.stdout)
        let calls = Self.figure("calls per core", in: run.stdout)
        #expect(cost != nil && cost! > 0, "\(run.stdout)")
        #expect(calls != nil && calls! >= 1)
        #expect(Self.figure("memory per call", in: run.stdout) != nil)
        // 20 packets of 20 ms per direction and call; every one transcoded, none lost or broken.
        #expect(run.stdout.contains("100 in, 100 out per call-second; 0 lost, 0 corrupt, 0 codec errors"), "\(run.stdout)")
    }

    @Test func allPrintsTheMatrixOfEveryPair() throws {
        let run = try Self.bench(["--all", "--seconds", "0.2", "--calls", "1", "--memory-calls", "2"])
        #expect(run.status == 0, "\(run.stderr)")
        for pair in ["PCMU ⇄ PCMA", "PCMU ⇄ G729", "PCMU ⇄ opus", "PCMA ⇄ G729", "PCMA ⇄ opus", "G729 ⇄ opus"] {
            #expect(run.stdout.contains(pair), "\(pair)")
        }
        #expect(run.stdout.contains("Calls per core in real time"))
        let header = run.stdout.split(separator: "\n").first { $0.hasPrefix("      PCMU") }
        #expect(header?.split(separator: " ") == ["PCMU", "PCMA", "G729", "opus"])
    }

    @Test func unknownCodecIsOneErrorLine() throws {
        let run = try Self.bench(["--from", "PCMU", "--to", "AMR"])
        #expect(run.status == 2)
        #expect(run.stderr.contains("rtprelayd: error: unknown codec 'AMR': use PCMU, PCMA, G729 or opus"), "\(run.stderr)")
    }
}
