import RTPWire

/// How the streams touched by one offer/answer learn and guard their remote endpoint
/// (ng `endpoint-learning`, flags `strict source`, `media handover`, `asymmetric`).
public struct StreamPolicy: Sendable, Hashable {
    /// nil: the configured default (`--endpoint-learning`).
    public var learning: LearningMode?
    public var strictSource: Bool
    public var mediaHandover: Bool
    public var asymmetric: Bool

    public init(learning: LearningMode? = nil, strictSource: Bool = false, mediaHandover: Bool = false,
                asymmetric: Bool = false) {
        self.learning = learning
        self.strictSource = strictSource
        self.mediaHandover = mediaHandover
        self.asymmetric = asymmetric
    }
}
