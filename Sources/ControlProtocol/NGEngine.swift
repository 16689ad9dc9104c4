import RTPWire

/// The single entry of the ng control plane: one request datagram in, the reply datagram out.
/// Pure and single-threaded: the daemon calls it from one thread and passes both clocks in.
///
/// A retransmission (same cookie) is answered from the reply cache with the identical bytes and never
/// runs the command again, so a retransmitted offer never binds ports twice.
public final class NGEngine {
    public let registry: CallRegistry
    public let configuration: EngineConfiguration
    /// Adds SSRC/MOS blocks to `query`/`delete` stats trees when set.
    public var statsExtension: (any StatsTreeExtension)?

    private let mediaPlane: any MediaPlane
    private let cache: ReplyCache
    private var counters = EngineStatistics()
    private let offerAnswer: OfferAnswerHandler
    /// The latest `now` seen, so `shutdown()` can date the calls it ends.
    private var lastNow = MonotonicInstant(nanoseconds: 0)
    private let recorder: CallRecorder
    /// Where replies are encoded before their exact-size copy is cached and sent (see NGReplyEncoder).
    private var replyScratch: [UInt8] = []

    /// When on, every call that ends leaves a `CallRecord` for `takeCallRecords()` (off: nothing is kept).
    public var recordsCalls = false {
        didSet { registry.endObserver = recordsCalls ? recorder : nil }
    }

    public init(mediaPlane: any MediaPlane, configuration: EngineConfiguration, replyCache: ReplyCache = ReplyCache()) {
        self.mediaPlane = mediaPlane
        self.configuration = configuration
        self.cache = replyCache
        self.registry = CallRegistry(mediaPlane: mediaPlane, configuration: configuration.registry)
        self.offerAnswer = OfferAnswerHandler(registry: registry, configuration: configuration)
        self.recorder = CallRecorder(mediaPlane: mediaPlane)
    }

    /// One datagram in → the reply datagram to send (nil: drop silently, e.g. no cookie).
    /// `wallClockMicros`: UNIX µs at `now`, for `created`/`last packet` in stats.
    public func handle(datagram: [UInt8], from source: Endpoint, now: MonotonicInstant,
                       wallClockMicros: UInt64) -> [UInt8]? {
        counters.datagrams &+= 1
        lastNow = max(lastNow, now)
        recorder.clock = WallClock(now: now, nowMicros: wallClockMicros)
        guard case .success(let framed) = NGDatagram.frame(datagram) else {
            counters.droppedUnframed &+= 1
            return nil
        }
        switch cache.begin(cookie: framed.cookie, now: now) {
        case .cached(let bytes):
            counters.cachedReplies &+= 1
            return bytes
        case .inProgress:
            counters.droppedInProgress &+= 1
            return nil
        case .new:
            break
        }
        let clock = WallClock(now: now, nowMicros: wallClockMicros)
        // One hand-over to the media workers per request (not per stream or plan), done before the reply
        // leaves, so a packet the peer sends after reading the reply meets the new plans.
        mediaPlane.beginBatch()
        let reply = respond(to: framed, from: source.address, now: now, clock: clock)
        mediaPlane.endBatch()
        let bytes = NGReplyEncoder.encode(cookie: framed.cookie, reply: reply, format: framed.format,
                                          scratch: &replyScratch)
        cache.finish(cookie: framed.cookie, reply: bytes, now: now)
        return bytes
    }

    /// Runs the registry's timers; returns every call that ended since the last tick and why.
    public func tick(now: MonotonicInstant) -> [CallEndEvent] {
        lastNow = max(lastNow, now)
        mediaPlane.beginBatch()
        defer { mediaPlane.endBatch() }
        return registry.tick(now: now)
    }

    /// `tick` with the wall clock read at `now`, so call records of calls it ends carry exact UNIX times.
    public func tick(now: MonotonicInstant, wallClockMicros: UInt64) -> [CallEndEvent] {
        recorder.clock = WallClock(now: now, nowMicros: wallClockMicros)
        lastNow = max(lastNow, now)
        mediaPlane.beginBatch()
        defer { mediaPlane.endBatch() }
        return registry.tick(now: now)
    }

    /// The records of the calls that ended since the last call (only while `recordsCalls` is on), oldest first.
    public func takeCallRecords() -> [CallRecord] { recorder.take() }

    /// The snapshot of one call now; nil for an unknown call-id.
    public func snapshot(callID: String, now: MonotonicInstant, wallClockMicros: UInt64) -> CallSnapshot? {
        registry.call(callID).map {
            CallSnapshot($0, mediaPlane: mediaPlane, clock: WallClock(now: now, nowMicros: wallClockMicros))
        }
    }

    /// Snapshots of the calls held now, oldest first, at most `limit`.
    public func snapshots(now: MonotonicInstant, wallClockMicros: UInt64, limit: Int = .max) -> [CallSnapshot] {
        let clock = WallClock(now: now, nowMicros: wallClockMicros)
        return registry.callIDs(limit: limit).compactMap { registry.call($0) }.map {
            CallSnapshot($0, mediaPlane: mediaPlane, clock: clock)
        }
    }

    public var statistics: EngineStatistics {
        var snapshot = counters
        snapshot.currentSessions = registry.currentSessions
        snapshot.sessions = registry.counters
        return snapshot
    }

    /// Ends every call and releases its ports (daemon shutdown).
    @discardableResult
    public func shutdown() -> [CallEndEvent] {
        registry.shutdown(now: lastNow)
    }

    // MARK: Dispatch

    private func respond(to framed: NGDatagram, from proxy: String, now: MonotonicInstant,
                         clock: WallClock) -> BencodeDictionary {
        let request: NGRequest
        do throws(NGError) {
            request = try NGRequest(dictionary: try framed.decodeDictionary())
        } catch {
            return failure(error, supportsLoadLimit: false, from: proxy)
        }
        counters.count(request.command, from: proxy)
        let stats = StatsTree(mediaPlane: mediaPlane, clock: clock, extensionPoint: statsExtension)
        do throws(NGError) {
            switch request.command {
            case .ping:
                return ["result": "pong"]
            case .offer:
                return try offerAnswer.offer(request, now: now)
            case .answer:
                return try offerAnswer.answer(request, now: now)
            case .delete:
                let (reply, found) = try DeleteHandler(registry: registry, configuration: configuration)
                    .handle(request, stats: stats, now: now)
                if !found { counters.deleteWarnings &+= 1 }
                return reply
            case .query:
                return try query(request, stats: stats)
            case .list:
                return try list(request)
            case .statistics:
                return ["result": "ok", "statistics": .dictionary(StatisticsReply.render(statistics))]
            }
        } catch {
            return failure(error, supportsLoadLimit: request.supportsLoadLimit, from: proxy)
        }
    }

    private func failure(_ error: NGError, supportsLoadLimit: Bool, from proxy: String) -> BencodeDictionary {
        counters.count(error: error.reason, from: proxy)
        return error.replyDictionary(supportsLoadLimit: supportsLoadLimit)
    }

    /// `query`: the stats tree of the call; with a tag, that party and those it exchanges media with.
    private func query(_ request: NGRequest, stats: StatsTree) throws(NGError) -> BencodeDictionary {
        guard let callID = request.callID else { throw .noCallID }
        guard let call = registry.call(callID) else { throw .unknownCallID }
        var selection: Set<MonologueID>?
        for tag in [request.fromTag, request.toTag].compactMap({ $0 }) where !tag.isEmpty {
            if let parties = StatsTree.selection(tag: tag, in: call) { selection = (selection ?? []).union(parties) }
        }
        var reply: BencodeDictionary = ["result": "ok"]
        for entry in stats.render(call, selection: selection).entries { reply.append(entry.key, entry.value) }
        return reply
    }

    /// `list`: call-ids, oldest first, at most `limit` (default 32).
    private func list(_ request: NGRequest) throws(NGError) -> BencodeDictionary {
        let limit = request.limit ?? configuration.defaultListLimit
        guard limit >= 0 else { throw .invalidLimit }
        return ["calls": .list(registry.callIDs(limit: limit).map { .text($0) }), "result": "ok"]
    }
}
