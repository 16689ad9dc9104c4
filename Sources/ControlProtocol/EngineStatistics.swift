import RTPWire

/// What the engine has seen and done, for the `statistics` command, logs and metrics.
public struct EngineStatistics: Sendable, Hashable {
    /// Datagrams handed to `handle`.
    public var datagrams: UInt64 = 0
    /// Dropped without reply because they had no `cookie SP payload` framing.
    public var droppedUnframed: UInt64 = 0
    /// Dropped because the same cookie was still being processed.
    public var droppedInProgress: UInt64 = 0
    /// Retransmissions answered from the reply cache.
    public var cachedReplies: UInt64 = 0
    /// Requests per recognised command (including those that failed).
    public var commands: [NGCommand: UInt64] = [:]
    /// Error replies by `error-reason` (and `load limit` replies under their message).
    public var errors: [String: UInt64] = [:]
    /// `delete` of a call or tag that did not exist (answered `ok` with a warning).
    public var deleteWarnings: UInt64 = 0
    /// Per SBC address: requests by command and error replies (bounded, see `maxProxies`).
    public var proxies: [String: ProxyCounters] = [:]
    /// Calls held right now.
    public var currentSessions: Int = 0
    /// The registry's session counters.
    public var sessions = RegistryCounters()

    /// Past this many distinct SBC addresses, new ones are only counted in the totals, so that
    /// spoofed sources cannot grow memory.
    public static let maxProxies = 256

    public init() {}

    /// Error replies of any reason.
    public var errorReplies: UInt64 { errors.values.reduce(0, &+) }

    /// Requests of one SBC address.
    public struct ProxyCounters: Sendable, Hashable {
        public var commands: [NGCommand: UInt64] = [:]
        public var errors: UInt64 = 0
        public init() {}
    }

    mutating func count(_ command: NGCommand, from proxy: String) {
        commands[command, default: 0] &+= 1
        if proxies[proxy] != nil || proxies.count < EngineStatistics.maxProxies {
            proxies[proxy, default: ProxyCounters()].commands[command, default: 0] &+= 1
        }
    }

    mutating func count(error reason: String, from proxy: String) {
        errors[reason, default: 0] &+= 1
        if proxies[proxy] != nil || proxies.count < EngineStatistics.maxProxies {
            proxies[proxy, default: ProxyCounters()].errors &+= 1
        }
    }
}
