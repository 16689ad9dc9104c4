import ControlProtocol
import Metrics
import Prometheus
import Synchronization

/// The Prometheus side of the relay: swift-metrics counters, gauges and a histogram backed by a
/// `PrometheusCollectorRegistry`. The relay already counts everything (engine statistics, media counters), so at
/// each scrape the figures are read and counters advanced by what grew since the previous read.
final class RelayMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let callMOS: Recorder
    private let state = Mutex(Exported())

    /// What was last exported, to advance counters by differences, and the metric objects made so far.
    private struct Exported {
        var values: [String: UInt64] = [:]
        var counters: [String: CoreMetrics.Counter] = [:]
        var gauges: [String: CoreMetrics.Gauge] = [:]
        /// Live transcoded calls at the previous update (call-id → codec pair), to count new ones once.
        var transcodedCalls: [String: String] = [:]
        var transcodedPairs: Set<String> = []
    }

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets[MetricsCatalog.callMOS.name] = MetricsCatalog.mosBuckets
        self.factory = factory
        callMOS = Recorder(label: MetricsCatalog.callMOS.name, dimensions: [], aggregate: true, factory: factory)
        // Series that exist before anything happens, so dashboards see zeros rather than gaps.
        update(figures: ControlFigures(engine: EngineStatistics(), transcodedCalls: [:]), traffic: MediaTraffic(),
               portsInUse: 0, endedCallMOS: [])
    }

    /// Brings every series up to the given readings. Serialised by the mutex (two scrapes at once stay exact).
    func update(figures: ControlFigures, traffic: MediaTraffic, portsInUse: Int, endedCallMOS: [Double]) {
        for mos in endedCallMOS { callMOS.record(mos) }
        state.withLock { exported in
            let engine = figures.engine
            let sessions = engine.sessions
            gauge(MetricsCatalog.sessions, [], in: &exported).record(engine.currentSessions)
            gauge(MetricsCatalog.portsInUse, [], in: &exported).record(portsInUse)
            advance(MetricsCatalog.sessionsCreated, [], to: sessions.totalSessions, in: &exported)
            advance(MetricsCatalog.sessionsRejected, [], to: sessions.rejectedSessions, in: &exported)
            let ended: [(String, UInt64)] = [
                ("deleted", sessions.deletedSessions), ("timeout", sessions.mediaTimeouts),
                ("silent_timeout", sessions.silentTimeouts), ("offer_timeout", sessions.offerTimeouts),
                ("failed", sessions.failedSessions), ("shutdown", sessions.shutdownSessions),
            ]
            for (reason, count) in ended {
                advance(MetricsCatalog.sessionsEnded, [("reason", reason)], to: count, in: &exported)
            }
            for command in NGCommand.allCases {
                advance(MetricsCatalog.ngRequests, [("command", command.rawValue)],
                        to: engine.commands[command] ?? 0, in: &exported)
            }
            for (reason, count) in engine.errors {
                advance(MetricsCatalog.ngErrors, [("reason", reason)], to: count, in: &exported)
            }
            let kinds: [(String, String, TrafficCount)] = [
                ("rtp", "in", traffic.rtpIn), ("rtp", "out", traffic.rtpOut),
                ("rtcp", "in", traffic.rtcpIn), ("rtcp", "out", traffic.rtcpOut),
            ]
            for (proto, direction, count) in kinds {
                let labels = [("protocol", proto), ("direction", direction)]
                advance(MetricsCatalog.packets, labels, to: count.packets, in: &exported)
                advance(MetricsCatalog.bytes, labels, to: count.bytes, in: &exported)
            }
            for (reason, count) in traffic.drops {
                advance(MetricsCatalog.dropped, [("reason", reason)], to: count, in: &exported)
            }
            updateTranscoded(figures.transcodedCalls, in: &exported)
        }
    }

    /// The exposition text (Prometheus text format 0.0.4) with help lines.
    func exposition() -> String {
        var bytes: [UInt8] = []
        registry.emit(into: &bytes)
        return MetricsCatalog.addingHelp(to: String(decoding: bytes, as: UTF8.self))
    }

    private func updateTranscoded(_ calls: [String: String], in exported: inout Exported) {
        var perPair: [String: Int] = [:]
        for (callID, pair) in calls {
            perPair[pair, default: 0] += 1
            if exported.transcodedCalls[callID] != pair {
                counter(MetricsCatalog.transcodedTotal, [("codecs", pair)], in: &exported).increment()
            }
        }
        exported.transcodedCalls = calls
        exported.transcodedPairs.formUnion(perPair.keys)
        // A pair seen once stays as a series, at 0 when no call uses it.
        for pair in exported.transcodedPairs {
            gauge(MetricsCatalog.transcoded, [("codecs", pair)], in: &exported).record(perPair[pair] ?? 0)
            _ = counter(MetricsCatalog.transcodedTotal, [("codecs", pair)], in: &exported)
        }
    }

    private func advance(_ family: MetricsCatalog.Family, _ labels: [(String, String)], to value: UInt64,
                         in exported: inout Exported) {
        let key = Self.key(family, labels)
        let counter = counter(family, labels, in: &exported)
        let previous = exported.values[key] ?? 0
        // Sources only grow; a smaller reading (never expected) is taken as the new base rather than a negative step.
        if value > previous { counter.increment(by: Int64(clamping: value - previous)) }
        exported.values[key] = value
    }

    private func counter(_ family: MetricsCatalog.Family, _ labels: [(String, String)],
                         in exported: inout Exported) -> CoreMetrics.Counter {
        let key = Self.key(family, labels)
        if let existing = exported.counters[key] { return existing }
        let made = CoreMetrics.Counter(label: family.name, dimensions: labels, factory: factory)
        exported.counters[key] = made
        return made
    }

    private func gauge(_ family: MetricsCatalog.Family, _ labels: [(String, String)],
                       in exported: inout Exported) -> CoreMetrics.Gauge {
        let key = Self.key(family, labels)
        if let existing = exported.gauges[key] { return existing }
        let made = CoreMetrics.Gauge(label: family.name, dimensions: labels, factory: factory)
        exported.gauges[key] = made
        return made
    }

    private static func key(_ family: MetricsCatalog.Family, _ labels: [(String, String)]) -> String {
        ([family.name] + labels.map { "\($0.0)=\($0.1)" }).joined(separator: "\u{1}")
    }
}
