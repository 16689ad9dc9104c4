#if canImport(Glibc)
import Glibc
#endif

/// Which ng relay a test drives. The harness was proven against Sipwise rtpengine first; the
/// required tests target rtprelayd, and switching one is changing this one value.
enum RelayKind: String, CustomStringConvertible, CaseIterable {
    case rtprelayd
    case rtpengine

    var description: String { rawValue }
}

/// A relay started by a test on free loopback ports: ng on 127.0.0.1:`ngPort`, media in `mediaPorts`.
final class RelayProcess {
    let kind: RelayKind
    let ngPort: UInt16
    let mediaPorts: ClosedRange<UInt16>
    /// rtprelayd's HTTP port (/metrics, /api, /events, dashboard) on 127.0.0.1; nil for rtpengine.
    let httpPort: UInt16?
    let process: ChildProcess
    let directory: TemporaryDirectory

    /// Starts the relay and waits until it answers `ping`.
    init(_ kind: RelayKind, extraArguments: [String] = [], mediaPortCount: Int = 100) throws {
        self.kind = kind
        directory = try TemporaryDirectory(kind.rawValue)
        mediaPorts = try LoopbackPorts.freeMediaRange(count: mediaPortCount)
        var lastError: (any Error)?
        // The free ng port is only free until someone else takes it; retry a start that lost that race.
        for _ in 0..<3 {
            let port = try LoopbackPorts.freeUDPPort()
            // Each daemon its own HTTP port: the default 127.0.0.1:9900 would collide between parallel tests.
            let httpPort = kind == .rtprelayd ? try HTTPTestClient.freePort() : nil
            let arguments = RelayProcess.arguments(kind, ngPort: port, mediaPorts: mediaPorts, httpPort: httpPort)
                + extraArguments
            let process = try ChildProcess.spawn(try RelayProcess.executable(kind), arguments, directory: directory.path, name: kind.rawValue)
            do {
                try RelayProcess.waitUntilAnswering(process, ngPort: port)
                self.ngPort = port
                self.httpPort = httpPort
                self.process = process
                return
            } catch {
                lastError = error
                process.stop(signal: SIGKILL)
            }
        }
        throw lastError!
    }

    deinit { process.stop() }

    func client() throws -> NGClient { try NGClient(port: ngPort) }

    /// Its log so far (both relays log to stderr).
    var log: String { process.standardError }

    static func arguments(_ kind: RelayKind, ngPort: UInt16, mediaPorts: ClosedRange<UInt16>,
                          httpPort: UInt16? = nil) -> [String] {
        let common = ["--interface=127.0.0.1", "--listen-ng=127.0.0.1:\(ngPort)",
                      "--port-min=\(mediaPorts.lowerBound)", "--port-max=\(mediaPorts.upperBound)", "--delete-delay=0"]
        switch kind {
        case .rtprelayd:
            return common + ["--log-level=7", "--listen-http=" + (httpPort.map { "127.0.0.1:\($0)" } ?? "off")]
        case .rtpengine:
            // Userspace forwarding only, no config file, no daemonizing, log to stderr.
            return ["--config-file=none", "--table=-1", "--foreground", "--log-stderr", "--log-level=6"] + common
        }
    }

    static func executable(_ kind: RelayKind) throws -> String {
        switch kind {
        case .rtpengine: return "/usr/bin/rtpengine"
        case .rtprelayd: return try BuiltProducts.rtprelayd()
        }
    }

    private static func waitUntilAnswering(_ process: ChildProcess, ngPort: UInt16) throws {
        let client = try NGClient(port: ngPort)
        let deadline = TestClock.now() + 15
        while TestClock.now() < deadline {
            guard process.isRunning else {
                throw ChildProcess.Failure(description: "\(process.executable) exited with \(process.exitStatus ?? -1) at start-up: \(process.standardError.suffix(2000))")
            }
            if (try? client.command("ping"))?["result"]?.text == "pong" { return }
            TestClock.sleep(0.05)
        }
        throw ChildProcess.Failure(description: "\(process.executable) did not answer ping on 127.0.0.1:\(ngPort)")
    }
}

/// Finds the executables `swift build` put next to the test bundle.
enum BuiltProducts {
    static func rtprelayd() throws -> String {
        if let override = getenv("RTPRELAYD_BINARY") { return String(cString: override) }
        var candidates: [String] = []
        // The test runner lives in .build/<triple>/<config>/, the same directory as the daemon.
        let runner = CommandLine.arguments.first ?? ""
        if let slash = runner.lastIndex(of: "/") {
            let dir = String(runner[..<slash])
            candidates.append("\(dir)/rtprelayd")
            // xctest bundles on Darwin-like layouts sit one level deeper.
            candidates.append("\(dir)/../rtprelayd")
        }
        candidates.append(".build/debug/rtprelayd")
        for candidate in candidates where access(candidate, X_OK) == 0 { return candidate }
        throw ChildProcess.Failure(description: "rtprelayd executable not found (looked in \(candidates)); run swift build first")
    }
}
