import ArgumentParser
#if canImport(Glibc)
import Glibc
#endif

/// Command line, spelled like rtpengine's so existing start scripts translate one to one.
/// Every option is optional here: an absent flag leaves the config file's value (or the default).
@main
struct RTPRelayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rtprelayd",
        abstract: "RTP relay driven by rtpengine's ng control protocol.",
        subcommands: [BenchCommand.self, CtlCommand.self])

    @Option(name: [.customLong("interface"), .customShort("i")],
            help: ArgumentHelp("Media interface NAME/IP[!ADVERTISED] or IP; repeatable. Default 127.0.0.1.", valueName: "spec"))
    var interfaces: [String] = []

    @Option(name: [.customLong("listen-ng"), .customShort("n")],
            help: ArgumentHelp("ng control address [IP:]PORT. Default 127.0.0.1:22222.", valueName: "address"))
    var listenNG: String?

    @Option(name: .customLong("listen-http"),
            help: ArgumentHelp("HTTP address [IP:]PORT for /metrics, /api, /events and the dashboard, or 'off'. Default 127.0.0.1:9900.", valueName: "address"))
    var listenHTTP: String?

    @Option(name: [.customLong("port-min"), .customShort("m")], help: "Lowest media port. Default 30000.")
    var portMin: String?

    @Option(name: [.customLong("port-max"), .customShort("M")], help: "Highest media port. Default 40000.")
    var portMax: String?

    @Option(name: [.customLong("timeout"), .customShort("o")], help: "Seconds without media before a call ends. Default 60.")
    var timeout: String?

    @Option(name: .customLong("silent-timeout"), help: "Media timeout while nobody sends (calls on hold). Default 3600.")
    var silentTimeout: String?

    @Option(name: .customLong("offer-timeout"), help: "Seconds an unanswered offer is kept. Default 3600.")
    var offerTimeout: String?

    @Option(name: [.customLong("delete-delay"), .customShort("d")], help: "Seconds a deleted call lingers. Default 30.")
    var deleteDelay: String?

    @Option(name: .customLong("num-threads"), help: "Media worker threads. Default: number of cores.")
    var numThreads: String?

    @Option(name: .customLong("io"), help: "Media worker IO: uring (default; io_uring, falls back to epoll where unavailable) or epoll.")
    var io: String?

    @Option(name: .customLong("transcode-batch-us"),
            help: ArgumentHelp("Longest a datagram waits so that a worker carrying transcoded streams serves several per wake-up (io_uring). Default 1000; 0 is off.", valueName: "us"))
    var transcodeBatchMicroseconds: String?

    @Flag(name: .customLong("no-stats"), help: "Do not measure per-stream loss, jitter, RTT and MOS (query replies then carry no SSRC figures).")
    var noStats = false

    @Option(name: [.customLong("log-level"), .customShort("L")],
            help: "0 (emerg) ... 7 (debug), or a syslog level name. Default 6 (info).")
    var logLevel: String?

    @Option(name: .customLong("max-sessions"), help: "Maximum concurrent calls; -1 is unlimited (default).")
    var maxSessions: String?

    @Option(name: .customLong("endpoint-learning"), help: "heuristic (default), delayed, immediate or off.")
    var endpointLearning: String?

    @Option(name: .customLong("call-records"),
            help: ArgumentHelp("Append one JSON line per ended call to this file ('-' for stdout). Default: off.", valueName: "path"))
    var callRecords: String?

    @Option(name: .customLong("config-file"),
            help: ArgumentHelp("INI file with a [rtprelayd] section of key = value lines (flag names as keys); flags override it. 'none' for no file.", valueName: "path"))
    var configFile: String?

    // Accepted so rtpengine command lines work unchanged: rtprelayd always runs in the foreground and logs to stderr.
    @Flag(name: [.customLong("foreground"), .customShort("f")], help: .hidden) var foreground = false
    @Flag(name: [.customLong("log-stderr"), .customShort("E")], help: .hidden) var logStderr = false

    /// Defaults, then the config file, then the flags.
    func buildConfiguration() throws(ConfigurationError) -> (DaemonConfiguration, ignoredKeys: [String]) {
        var builder = ConfigurationBuilder()
        if let configFile { try builder.apply(ConfigFile.load(path: configFile)) }
        for spec in interfaces { try builder.apply(key: "interface", value: spec) }
        let flags: [(String, String?)] = [
            ("listen-ng", listenNG), ("listen-http", listenHTTP), ("port-min", portMin), ("port-max", portMax), ("timeout", timeout), ("silent-timeout", silentTimeout),
            ("offer-timeout", offerTimeout), ("delete-delay", deleteDelay), ("num-threads", numThreads), ("io", io),
            ("log-level", logLevel), ("max-sessions", maxSessions), ("endpoint-learning", endpointLearning),
            ("call-records", callRecords), ("transcode-batch-us", transcodeBatchMicroseconds),
        ]
        for case let (key, value?) in flags { try builder.apply(key: key, value: value) }
        if noStats { try builder.apply(key: "no-stats", value: "true") }
        builder.finishSource()
        try builder.configuration.validate()
        return (builder.configuration, builder.ignoredKeys)
    }

    func run() throws {
        let (configuration, ignoredKeys) = try buildConfiguration()
        let daemon = Daemon(configuration: configuration)
        for key in ignoredKeys { daemon.logger.warning("config file key ignored", metadata: ["key": "\(key)"]) }
        try daemon.run()
    }

    /// Errors end in one line on stderr and a non-zero exit; help and version still print in full.
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
            Glibc.exit(0)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Glibc.exit(0)
            }
            let text: String
            switch error {
            case let error as ConfigurationError: text = error.description
            case let error as StartupError: text = error.description
            default: text = message(for: error).split(separator: "\n").first.map(String.init) ?? "\(error)"
            }
            let line = Array("rtprelayd: error: \(text)\n".utf8)
            _ = line.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            Glibc.exit(code == .validationFailure ? 2 : 1)
        }
    }
}
