import ControlProtocol
import Foundation
import NIOCore
import RTPWire
import Synchronization

/// The HTTP side's view of the relay. Reads go to the control loop (`ControlLoopAccess`); once a second a timer on
/// that loop takes a reading, brings the metrics up to date (so short-lived transcoded calls and ended calls' MOS
/// are counted even when nobody scrapes) and hands an event to every `/events` subscriber.
final class RelayMonitor: Sendable {
    let metrics = RelayMetrics()
    private let control: ControlLoopAccess
    private let accounting: AccountedMediaPlane
    private let media: any MediaPlaneLifecycle
    private let started: MonotonicInstant
    private let subscribers = Mutex(Subscribers())
    private let ticker = Mutex<RepeatedTask?>(nil)

    private struct Subscribers {
        var next: UInt64 = 0
        var streams: [UInt64: AsyncStream<String>.Continuation] = [:]
        var closed = false
    }

    init(control: ControlLoopAccess, accounting: AccountedMediaPlane, media: any MediaPlaneLifecycle) {
        self.control = control
        self.accounting = accounting
        self.media = media
        self.started = SystemClock.monotonicNow()
    }

    func start() {
        let task = control.loop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { [self] _ in
            // On the control loop: the engine may be read directly.
            let wantsCalls = subscribers.withLock { !$0.streams.isEmpty }
            let event = takeReading(from: control.state.value, withCalls: wantsCalls)
            if wantsCalls { Task { self.broadcast(event) } }
        }
        ticker.withLock { $0 = task }
    }

    /// Stops the timer and ends every event stream (their HTTP responses then finish).
    func stop() {
        ticker.withLock { $0?.cancel(); $0 = nil }
        let streams = subscribers.withLock { subscribers in
            subscribers.closed = true
            defer { subscribers.streams = [:] }
            return Array(subscribers.streams.values)
        }
        for stream in streams { stream.finish() }
    }

    // MARK: Readings

    func calls() async throws -> [CallSnapshot] {
        try await control.read {
            $0.callSnapshots(now: SystemClock.monotonicNow(), wallClockMicros: SystemClock.wallClockMicros())
        }
    }

    func call(_ callID: String) async throws -> CallSnapshot? {
        try await control.read {
            $0.callSnapshot(callID: callID, now: SystemClock.monotonicNow(), wallClockMicros: SystemClock.wallClockMicros())
        }
    }

    func totals() async throws -> RelayTotalsSnapshot {
        try await control.read { self.takeReading(from: $0, withCalls: false).totals }
    }

    /// Metrics exposition, exact as of now.
    func metricsText() async throws -> String {
        _ = try await control.read { self.takeReading(from: $0, withCalls: false) }
        return metrics.exposition()
    }

    /// An event stream: one JSON event at once, then one a second until the client goes or the daemon stops.
    func subscribe() async throws -> AsyncStream<String> {
        let (stream, continuation) = AsyncStream.makeStream(of: String.self, bufferingPolicy: .bufferingNewest(4))
        let first = try await control.read { self.takeReading(from: $0, withCalls: true) }
        continuation.yield(Self.encode(first))
        let id: UInt64? = subscribers.withLock { subscribers in
            guard !subscribers.closed else { return nil }
            subscribers.next += 1
            subscribers.streams[subscribers.next] = continuation
            return subscribers.next
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            self?.subscribers.withLock { _ = $0.streams.removeValue(forKey: id) }
        }
        return stream
    }

    /// Runs on the control loop: reads the engine, updates the metrics, returns the event.
    private func takeReading(from source: any RelayStateSource, withCalls: Bool) -> RelayEvent {
        let now = SystemClock.monotonicNow()
        let wallClock = SystemClock.wallClockMicros()
        let figures = source.controlFigures()
        let calls = withCalls ? source.callSnapshots(now: now, wallClockMicros: wallClock) : []
        let traffic = accounting.traffic
        let ports = media.portsInUse
        metrics.update(figures: figures, traffic: traffic, portsInUse: ports,
                       endedCallMOS: accounting.takeEndedCallMOS())
        let engine = figures.engine
        let sessions = engine.sessions
        let totals = RelayTotalsSnapshot(
            uptimeSeconds: max(0, now.seconds(since: started)), sessions: engine.currentSessions,
            sessionsTotal: sessions.totalSessions,
            sessionsEnded: ["deleted": sessions.deletedSessions, "timeout": sessions.mediaTimeouts,
                            "silent_timeout": sessions.silentTimeouts, "offer_timeout": sessions.offerTimeouts,
                            "failed": sessions.failedSessions, "shutdown": sessions.shutdownSessions],
            transcodedSessions: figures.transcodedCalls.count, portsInUse: ports, traffic: traffic,
            ngRequests: engine.commands.values.reduce(0, &+), ngErrors: engine.errorReplies)
        return RelayEvent(time: wallClock / 1000, totals: totals, calls: calls)
    }

    private func broadcast(_ event: RelayEvent) {
        let text = Self.encode(event)
        let streams = subscribers.withLock { Array($0.streams.values) }
        for stream in streams { stream.yield(text) }
    }

    static func encode<Value: Encodable>(_ value: Value) -> String {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(value) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
