#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Start-up failures of the rtprelayd process: one clear line on stderr and a non-zero exit.
@Suite("rtprelayd start-up errors")
struct DaemonStartupTests {
    /// Runs rtprelayd with `arguments` and expects it to exit non-zero by itself; returns its stderr.
    static func failingStart(_ arguments: [String]) throws -> String {
        let directory = try TemporaryDirectory("startup")
        let process = try ChildProcess.spawn(try BuiltProducts.rtprelayd(), arguments, directory: directory.path, name: "rtprelayd")
        let status = process.waitForExit(timeout: 10)
        #expect(status != nil, "rtprelayd \(arguments) kept running")
        if status == nil { process.stop(signal: SIGKILL) }
        #expect(status != 0, "rtprelayd \(arguments) exited 0")
        return process.standardError
    }

    /// The error is exactly one `rtprelayd: error:` line, and it is the last thing printed.
    static func errorLine(_ stderr: String) -> String? {
        let lines = stderr.split(separator: "\n")
        let errors = lines.filter { $0.hasPrefix("rtprelayd: error: ") }
        guard errors.count == 1, lines.last == errors.first else { return nil }
        return String(errors[0])
    }

    @Test("a malformed flag value is reported in one line", arguments: [
        (["--port-min=abc"], "port-min must be 1...65535, got 'abc'"),
        (["--port-min=40000", "--port-max=30000"], "port range 40000-30000 is empty"),
        (["--interface=pub/300.1.1.1"], "interface 'pub/300.1.1.1': '300.1.1.1' is not an IP address"),
        (["--endpoint-learning=sometimes"], "endpoint-learning must be one of heuristic, delayed, immediate, off"),
        (["--log-level=9"], "log-level must be 0...7, got 9"),
        (["--transcode-batch-us=50000"], "transcode-batch-us must be 0...20000 (microseconds), got '50000'"),
        (["--listen-ng=127.0.0.1:99999"], "port must be 1...65535"),
        (["--interface=192.0.2.77"], "interface default cannot use 192.0.2.77: Cannot assign requested address"),
        (["--no-such-flag"], "Unknown option '--no-such-flag'"),
        (["--config-file=/nonexistent/rtprelayd.conf"], "cannot read config file /nonexistent/rtprelayd.conf"),
    ])
    func badFlag(arguments: [String], expected: String) throws {
        let stderr = try Self.failingStart(arguments)
        let line = try #require(Self.errorLine(stderr), "expected one error line, got: \(stderr)")
        #expect(line.contains(expected), "got: \(line)")
    }

    @Test("a bad config-file line names the file and line")
    func badConfigFile() throws {
        let directory = try TemporaryDirectory("config")
        let path = try directory.write("bad.conf", "[rtprelayd]\nport-min = 30000\nport-max = lots\n")
        let stderr = try Self.failingStart(["--config-file=\(path)"])
        let line = try #require(Self.errorLine(stderr), "expected one error line, got: \(stderr)")
        #expect(line.contains("\(path):3: port-max must be 1...65535, got 'lots'"), "got: \(line)")
    }
}
