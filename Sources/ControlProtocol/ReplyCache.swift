import RTPWire

/// What the listener does with a request, by its cookie.
public enum CacheLookup: Sendable, Equatable {
    /// Already answered: resend these reply bytes, do not run the command again.
    case cached([UInt8])
    /// The same cookie is being processed right now: drop this copy (see `ReplyCache`).
    case inProgress
    /// First sight of this cookie: it is now marked in progress; call `finish` or `abandon`.
    case new
}

/// Replies by cookie, so a retransmitted request is answered with the same bytes and never runs twice
/// (a retransmitted `offer` must not allocate a second set of ports). Semantics of rtpengine's
/// `cookie_cache.c` (ng-protocol.md §1.1): keyed by cookie only; two generations rotated every
/// `generationSeconds`, so a finished reply lives between one and two generations (30–60 s).
///
/// Retransmission while the first copy is still being processed: rtpengine's thread waits for the
/// other thread's reply. Our control plane is a single thread that never blocks, so we answer
/// `.inProgress` and the listener drops that copy; the SBC retransmits again one timeout later
/// (Kamailio/OpenSIPS: 1 s, up to 5 times) and by then gets the cached reply.
///
/// Bounded: when the current generation holds `maxEntries / 2` entries it rotates early, dropping the
/// oldest generation, so at most `maxEntries` replies are held. Pure: time is passed in.
/// Not thread-safe: owned by the control plane's single thread.
public final class ReplyCache {
    public let generationSeconds: Double
    public let maxEntries: Int

    private var current: [[UInt8]: [UInt8]] = [:]
    private var previous: [[UInt8]: [UInt8]] = [:]
    private var inProgress: Set<[UInt8]> = []
    private var rotatedAt: MonotonicInstant?

    public init(generationSeconds: Double = 30, maxEntries: Int = 100_000) {
        self.generationSeconds = generationSeconds
        self.maxEntries = max(maxEntries, 2)
    }

    /// Looks the cookie up; on `.new` the cookie is marked in progress.
    public func begin(cookie: [UInt8], now: MonotonicInstant) -> CacheLookup {
        rotateIfDue(now: now)
        if let reply = current[cookie] ?? previous[cookie] { return .cached(reply) }
        if inProgress.contains(cookie) { return .inProgress }
        // In-progress markers are as bounded as the cache: a flood of unanswered cookies must not grow
        // memory. Requests are processed synchronously, so in practice this set holds only a few entries.
        if inProgress.count >= maxEntries { inProgress.removeAll(keepingCapacity: true) }
        inProgress.insert(cookie)
        return .new
    }

    /// Stores the reply sent for `cookie` and clears its in-progress mark.
    public func finish(cookie: [UInt8], reply: [UInt8], now: MonotonicInstant) {
        rotateIfDue(now: now)
        inProgress.remove(cookie)
        if current.count >= maxEntries / 2 { rotate(now: now) }
        current[cookie] = reply
    }

    /// Forgets a cookie that was begun but produced no reply (so a retransmission is processed afresh).
    public func abandon(cookie: [UInt8]) {
        inProgress.remove(cookie)
    }

    /// Finished replies held (both generations).
    public var count: Int { current.count + previous.count }

    /// Cookies currently marked in progress.
    public var inProgressCount: Int { inProgress.count }

    private func rotateIfDue(now: MonotonicInstant) {
        guard let last = rotatedAt else {
            rotatedAt = now
            return
        }
        let elapsed = now.seconds(since: last)
        if elapsed >= 2 * generationSeconds {
            // Both generations are older than their lifetime: drop everything at once.
            previous.removeAll()
            current.removeAll()
            rotatedAt = now
        } else if elapsed >= generationSeconds {
            rotate(now: last.adding(seconds: generationSeconds))
        }
    }

    private func rotate(now: MonotonicInstant) {
        previous = current
        current = [:]
        rotatedAt = now
    }
}
