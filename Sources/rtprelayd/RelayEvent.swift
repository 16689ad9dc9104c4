import ControlProtocol

/// The whole relay at one moment, as `/api/totals` and the event stream carry it.
struct RelayTotalsSnapshot: Codable, Sendable, Equatable {
    var uptimeSeconds: Double
    var sessions: Int
    var sessionsTotal: UInt64
    /// Ended calls by reason (`deleted`, `timeout`, `silent_timeout`, `offer_timeout`, `failed`, `shutdown`).
    var sessionsEnded: [String: UInt64]
    var transcodedSessions: Int
    var portsInUse: Int
    var traffic: MediaTraffic
    var ngRequests: UInt64
    var ngErrors: UInt64
}

/// One event of `/events`: totals and every live call (the same call snapshots as `/api/calls`).
struct RelayEvent: Encodable, Sendable {
    /// UNIX time in ms, for the dashboard's time axis.
    var time: UInt64
    var totals: RelayTotalsSnapshot
    var calls: [CallSnapshot]
}
