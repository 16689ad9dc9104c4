import RTPRelay
import RTPWire

/// Applies settings by their long flag name, so the config file and the command line share one
/// code path: defaults, then the file, then the flags (later wins).
struct ConfigurationBuilder {
    private(set) var configuration = DaemonConfiguration()
    /// Keys the config file had that rtprelayd does not know (rtpengine configs carry many); logged, not fatal.
    private(set) var ignoredKeys: [String] = []
    private var interfacesFromCurrentSource: [MediaInterface]?

    static let knownKeys: Set<String> = [
        "interface", "listen-ng", "port-min", "port-max", "timeout", "silent-timeout", "offer-timeout", "delete-delay",
        "num-threads", "io", "log-level", "max-sessions", "endpoint-learning", "no-stats",
        "listen-http", "call-records", "transcode-batch-us",
    ]

    mutating func apply(_ file: ConfigFile) throws(ConfigurationError) {
        for entry in file.entries {
            do {
                if !(try apply(key: entry.key, value: entry.value)) { ignoredKeys.append(entry.key) }
            } catch {
                throw .file(path: file.path, line: entry.line, reason: error.description)
            }
        }
        finishSource()
    }

    /// Interfaces are a list: each source (file, command line) that names any replaces the previous list.
    mutating func finishSource() {
        if let interfaces = interfacesFromCurrentSource { configuration.interfaces = interfaces }
        interfacesFromCurrentSource = nil
    }

    /// Returns false for a key it does not know.
    @discardableResult
    mutating func apply(key: String, value: String) throws(ConfigurationError) -> Bool {
        let normalized = key.lowercased().replacingUnderscores
        switch normalized {
        case "interface":
            // The config file lists several as `a;b` like rtpengine's; flags repeat instead.
            for part in value.split(whereSeparator: { $0 == ";" || $0 == " " }) where !part.isEmpty {
                interfacesFromCurrentSource = (interfacesFromCurrentSource ?? []) + [try InterfaceSpec.parse(String(part))]
            }
        case "listen-ng":
            configuration.listenNG = try ListenAddress(parsing: value)
        case "listen-http":
            configuration.listenHTTP = try ListenAddress(parsingOptional: value)
        case "port-min":
            configuration.portMin = try Self.port(value, key: normalized)
        case "port-max":
            configuration.portMax = try Self.port(value, key: normalized)
        case "timeout":
            configuration.mediaTimeout = try Self.seconds(value, key: normalized)
        case "silent-timeout":
            configuration.silentTimeout = try Self.seconds(value, key: normalized)
        case "offer-timeout":
            configuration.offerTimeout = try Self.seconds(value, key: normalized)
        case "delete-delay":
            configuration.deleteDelay = try Self.seconds(value, key: normalized)
        case "num-threads":
            guard let count = Int(value.trimmingWhitespace), count >= 1 else {
                throw .invalid("num-threads must be a positive integer, got '\(value)'")
            }
            configuration.workerThreads = count
        case "io":
            guard let mode = MediaIOMode(rawValue: value.trimmingWhitespace.lowercased()) else {
                throw .invalid("io must be epoll or uring, got '\(value)'")
            }
            configuration.io = mode
        case "no-stats":
            // Per-stream loss/jitter/RTT/MOS measurement off (for the CPU comparison in bench/); on by default.
            switch value.trimmingWhitespace.lowercased() {
            case "", "1", "true", "yes", "on": configuration.statistics = false
            case "0", "false", "no", "off": configuration.statistics = true
            default: throw .invalid("no-stats must be true or false, got '\(value)'")
            }
        case "log-level":
            configuration.logLevel = try SyslogLevel(parsing: value)
        case "max-sessions":
            guard let count = Int(value.trimmingWhitespace), count >= -1 else {
                throw .invalid("max-sessions must be an integer >= -1, got '\(value)'")
            }
            configuration.maxSessions = count == -1 ? nil : count
        case "endpoint-learning":
            guard let mode = LearningMode(rawValue: value.trimmingWhitespace.lowercased()) else {
                throw .invalid("endpoint-learning must be one of heuristic, delayed, immediate, off; got '\(value)'")
            }
            configuration.endpointLearning = mode
        case "transcode-batch-us":
            guard let micros = Int(value.trimmingWhitespace), (0...20000).contains(micros) else {
                throw .invalid("transcode-batch-us must be 0...20000 (microseconds), got '\(value)'")
            }
            configuration.transcodeBatchMicroseconds = micros
        case "call-records":
            let path = value.trimmingWhitespace
            configuration.callRecords = path.isEmpty ? nil : path
        default:
            return false
        }
        return true
    }

    private static func port(_ value: String, key: String) throws(ConfigurationError) -> UInt16 {
        guard let port = UInt16(value.trimmingWhitespace), port > 0 else {
            throw .invalid("\(key) must be 1...65535, got '\(value)'")
        }
        return port
    }

    private static func seconds(_ value: String, key: String) throws(ConfigurationError) -> Double {
        guard let seconds = Double(value.trimmingWhitespace), seconds >= 0, seconds.isFinite else {
            throw .invalid("\(key) must be a number of seconds >= 0, got '\(value)'")
        }
        return seconds
    }
}

extension String {
    fileprivate var replacingUnderscores: String { String(map { $0 == "_" ? "-" : $0 }) }
}
