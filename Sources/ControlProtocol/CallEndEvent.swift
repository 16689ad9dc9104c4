import RTPWire

/// Why a call ended.
public enum CallEndReason: String, Sendable, Hashable {
    /// `delete` (immediately or after its delete delay).
    case deleted
    /// No media on any stream for `--timeout` seconds.
    case mediaTimeout
    /// No media for `--silent-timeout` seconds while no party said it would send.
    case silentTimeout
    /// Offered but never answered for `--offer-timeout` seconds.
    case offerTimeout
    /// Destroyed because an offer/answer failed half-way (ports exhausted…).
    case failed
    /// The daemon is stopping.
    case shutdown
}

/// A call that ended, for logs and metrics.
public struct CallEndEvent: Sendable, Hashable {
    public var callID: String
    public var reason: CallEndReason
    public var at: MonotonicInstant
    /// Seconds from creation to end.
    public var duration: Double

    public init(callID: String, reason: CallEndReason, at: MonotonicInstant, duration: Double) {
        self.callID = callID
        self.reason = reason
        self.at = at
        self.duration = duration
    }
}

/// Told by the registry about every call that ends (call records). `capture` runs while the call's streams and
/// their counters still exist; `callEnded` follows once the call is gone, with the snapshot `capture` returned.
public protocol CallEndObserver: AnyObject {
    func capture(_ call: Call, now: MonotonicInstant) -> CallSnapshot
    func callEnded(_ snapshot: CallSnapshot, event: CallEndEvent)
}
