import RTPWire

/// The registry's limits and timers (from the daemon's flags).
public struct CallRegistryConfiguration: Sendable, Hashable {
    /// `--timeout`: an answered call with no packet on any stream (and no signal) for this long ends.
    public var mediaTimeout: Double
    /// `--silent-timeout`: replaces `mediaTimeout` while no party says it sends (every media
    /// `inactive`/`recvonly`, e.g. both sides on hold), so held calls are not cut after a minute.
    public var silentTimeout: Double
    /// `--offer-timeout`: a call offered but never answered ends this long after its last signal.
    public var offerTimeout: Double
    /// `--max-sessions`: no new call beyond this many; nil is unlimited.
    public var maxSessions: Int?
    /// `--endpoint-learning`, used when a request does not name one.
    public var defaultLearning: LearningMode
    /// Seconds the learning window stays open after each plan.
    public var learningWindow: Double

    public init(mediaTimeout: Double = 60, silentTimeout: Double = 3600, offerTimeout: Double = 3600,
                maxSessions: Int? = nil, defaultLearning: LearningMode = .heuristic, learningWindow: Double = 3) {
        self.mediaTimeout = mediaTimeout
        self.silentTimeout = silentTimeout
        self.offerTimeout = offerTimeout
        self.maxSessions = maxSessions
        self.defaultLearning = defaultLearning
        self.learningWindow = learningWindow
    }
}

/// Session counts kept by the registry (ng `statistics`).
public struct RegistryCounters: Sendable, Hashable {
    /// Calls ever created.
    public var totalSessions: UInt64 = 0
    /// New calls refused by `--max-sessions`.
    public var rejectedSessions: UInt64 = 0
    /// Calls ended by `delete`.
    public var deletedSessions: UInt64 = 0
    /// Calls ended by `--timeout`.
    public var mediaTimeouts: UInt64 = 0
    /// Calls ended by `--silent-timeout`.
    public var silentTimeouts: UInt64 = 0
    /// Calls ended by `--offer-timeout`.
    public var offerTimeouts: UInt64 = 0
    /// Calls destroyed because an offer/answer failed (ports exhausted…).
    public var failedSessions: UInt64 = 0
    /// Calls ended by shutdown.
    public var shutdownSessions: UInt64 = 0
    /// Seconds summed over all ended calls (for the average call duration).
    public var endedCallSeconds: Double = 0
    public var endedCalls: UInt64 = 0
    /// `a=crypto` lines refused (unparseable, or not honourable: MKI, unknown suite…) and dropped.
    public var droppedCryptoLines: UInt64 = 0

    public init() {}
}

/// Result of a `delete`.
public enum DeleteOutcome: Sendable, Hashable {
    /// No call with that id, or no party matching the tags.
    case notFound
    /// Done now; `callEnded` tells whether the whole call went.
    case deleted(callEnded: Bool)
    /// Marked; destroyed by `tick` at that instant unless an offer/answer re-associates the tags first.
    case scheduled(at: MonotonicInstant)
}
