import RTPWire

/// The ng engine's settings, built once from the daemon's flags.
public struct EngineConfiguration: Sendable, Hashable {
    /// `--delete-delay`: seconds a deleted call keeps its ports unless the request says otherwise.
    public var deleteDelay: Double
    /// `--timeout`: seconds without media before an answered call ends.
    public var mediaTimeout: Double
    /// `--silent-timeout`: the media timeout while no party says it sends (calls on hold).
    public var silentTimeout: Double
    /// `--offer-timeout`: seconds an unanswered call lives after its last offer.
    public var offerTimeout: Double
    /// `--max-sessions`; nil is unlimited.
    public var maxSessions: Int?
    /// `--endpoint-learning`.
    public var defaultLearning: LearningMode
    /// Seconds the learning window stays open after each offer/answer.
    public var learningWindow: Double
    /// This relay's id, written as `a=rtpengine:<id>` with flag `loop protect`.
    public var instanceID: String
    /// `list` without `limit`.
    public var defaultListLimit: Int

    public init(deleteDelay: Double = 30, mediaTimeout: Double = 60, silentTimeout: Double = 3600,
                offerTimeout: Double = 3600, maxSessions: Int? = nil, defaultLearning: LearningMode = .heuristic, learningWindow: Double = 3,
                instanceID: String, defaultListLimit: Int = 32) {
        self.deleteDelay = deleteDelay
        self.mediaTimeout = mediaTimeout
        self.silentTimeout = silentTimeout
        self.offerTimeout = offerTimeout
        self.maxSessions = maxSessions
        self.defaultLearning = defaultLearning
        self.learningWindow = learningWindow
        self.instanceID = instanceID
        self.defaultListLimit = defaultListLimit
    }

    /// The part the call registry needs.
    var registry: CallRegistryConfiguration {
        CallRegistryConfiguration(mediaTimeout: mediaTimeout, silentTimeout: silentTimeout, offerTimeout: offerTimeout, maxSessions: maxSessions,
                                  defaultLearning: defaultLearning, learningWindow: learningWindow)
    }
}
