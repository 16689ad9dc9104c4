import NIOCore
import RTPRelay
import RTPWire

/// Everything the daemon needs, built once from defaults, the config file and the flags (in that
/// order of precedence, flags last) and passed down. Nothing below reads flags or the environment.
struct DaemonConfiguration: Sendable, Equatable {
    /// Media interfaces (`--interface`), at least one.
    var interfaces: [MediaInterface] = [MediaInterface(name: "default", localAddress: "127.0.0.1")]
    /// Where the ng control protocol listens (`--listen-ng`).
    var listenNG = ListenAddress(host: "127.0.0.1", port: 22222)
    /// HTTP for /metrics, /api, /events and the dashboard (`--listen-http`); nil is off. Loopback by default.
    var listenHTTP: ListenAddress? = ListenAddress(host: "127.0.0.1", port: 9900)
    var portMin: UInt16 = 30000
    var portMax: UInt16 = 40000
    /// Seconds without media before a call is torn down (`--timeout`).
    var mediaTimeout: Double = 60
    /// Media timeout while no party says it sends, e.g. calls on hold (`--silent-timeout`).
    var silentTimeout: Double = 3600
    /// Seconds an offered but never answered call is kept (`--offer-timeout`).
    var offerTimeout: Double = 3600
    /// Seconds a deleted call lingers so late retransmissions still find it (`--delete-delay`).
    var deleteDelay: Double = 30
    /// Media worker threads (`--num-threads`); defaults to the number of cores.
    var workerThreads: Int = max(1, System.coreCount)
    /// How media workers do their IO (`--io=epoll|uring`); uring (measured cheaper per packet at load, see
    /// bench/README.md) falls back to epoll where the kernel refuses a ring.
    var io: MediaIOMode = .uring
    /// Per-stream quality statistics on the media hot path (`--no-stats` turns them off).
    var statistics: Bool = true
    /// Longest hold, in µs, that lets a worker carrying transcoded streams serve several datagrams per wake-up
    /// (`--transcode-batch-us`, io_uring mode; 0 turns it off).
    var transcodeBatchMicroseconds: Int = 1000
    /// syslog-style level, 0 (emerg) … 7 (debug); rtpengine's default is 6.
    var logLevel: SyslogLevel = .info
    /// Upper bound on concurrent calls; nil is unlimited (`--max-sessions`, -1 also means unlimited).
    var maxSessions: Int? = nil
    var endpointLearning: LearningMode = .heuristic
    /// Seconds the heuristic/delayed learning window stays open (rtpengine uses 3 s).
    var learningWindow: Double = 3
    /// Where one JSON line per ended call goes (`--call-records=PATH`, `-` for stdout); nil: no records.
    var callRecords: String? = nil
    /// Distinguishes this relay in replies and logs.
    var instanceID: String = "rtprelayd"

    /// Rejects combinations the daemon cannot run with.
    func validate() throws(ConfigurationError) {
        if interfaces.isEmpty { throw .invalid("no media interface configured") }
        if portMin == 0 || portMin > portMax {
            throw .invalid("port range \(portMin)-\(portMax) is empty (need 1 <= port-min <= port-max)")
        }
        // Every stream needs an even RTP port and the odd one above it.
        if Int(portMax) - Int(portMin) < 1 {
            throw .invalid("port range \(portMin)-\(portMax) holds no RTP/RTCP pair")
        }
        if workerThreads < 1 || workerThreads > 256 { throw .invalid("num-threads must be 1...256, got \(workerThreads)") }
        if mediaTimeout < 0 { throw .invalid("timeout must be >= 0") }
        if silentTimeout < 0 { throw .invalid("silent-timeout must be >= 0") }
        if offerTimeout < 0 { throw .invalid("offer-timeout must be >= 0") }
        if deleteDelay < 0 { throw .invalid("delete-delay must be >= 0") }
        if transcodeBatchMicroseconds < 0 || transcodeBatchMicroseconds > 20000 {
            throw .invalid("transcode-batch-us must be 0...20000, got \(transcodeBatchMicroseconds)")
        }
        if let maxSessions, maxSessions < 0 { throw .invalid("max-sessions must be >= 0 or -1") }
        // rtpengine groups same-name interfaces per family; we keep one address per name and family.
        var seen = Set<String>()
        for interface in interfaces where !seen.insert("\(interface.name)/\(interface.family.rawValue)").inserted {
            throw .invalid("interface \(interface.name) has more than one \(interface.family.statsName) address")
        }
    }
}

/// A bad flag, a bad config-file line or an impossible combination: one line for the operator.
enum ConfigurationError: Error, Equatable, CustomStringConvertible {
    case invalid(String)
    case file(path: String, line: Int, reason: String)
    case unreadable(path: String, reason: String)

    var description: String {
        switch self {
        case .invalid(let reason): return reason
        case .file(let path, let line, let reason): return "\(path):\(line): \(reason)"
        case .unreadable(let path, let reason): return "cannot read config file \(path): \(reason)"
        }
    }
}
