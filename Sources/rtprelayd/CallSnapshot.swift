/// One call as the HTTP API, the dashboard and the event stream show it: a plain value, built on the control
/// event loop from the registry's call and the media plane's counters and quality reports, then encoded anywhere.
///
/// Directions are named from the relay's point of view per leg: `received` is what that leg's party sends to the
/// relay (loss, jitter and MOS as the relay measured them), `sent` is what the relay sends to the party (loss and
/// jitter as the party reports them in RTCP, when it sends RTCP). Units: jitter and RTT in ms, loss in percent of
/// the latest interval, MOS 1…5.
struct CallSnapshot: Codable, Sendable, Equatable {
    var callID: String
    var ageSeconds: Double
    var answered: Bool
    /// A delayed `delete` is pending.
    var deleting: Bool
    /// The worst live MOS over all directions of the call; nil until one has a sample.
    var mos: Double?
    var legs: [Leg]

    /// One party (SIP tag) and its media.
    struct Leg: Codable, Sendable, Equatable {
        var tag: String
        var label: String?
        var medias: [Media]
    }

    /// One m= line of one party: its relay ports, where the party is, what it carries and what crossed it.
    struct Media: Codable, Sendable, Equatable {
        var index: Int
        var type: String
        var transport: String
        /// Relay address the party sends to (`ip:port`); nil while the media has no ports.
        var local: String?
        /// The party's address: the latched one once media flowed, else the one from its SDP.
        var remote: String?
        /// The codec on this leg (`PCMU/8000`, `opus/48000/2`).
        var codec: String?
        var transcoded: Bool
        var received: Direction
        var sent: Direction
        /// Packets dropped on this stream (foreign source, malformed, no destination, SRTP).
        var dropped: UInt64
    }

    /// Figures of one direction of one media.
    struct Direction: Codable, Sendable, Equatable {
        var packets: UInt64 = 0
        var bytes: UInt64 = 0
        var rtcpPackets: UInt64 = 0
        /// Packets lost in total (RFC 3550 cumulative loss; negative with duplicates).
        var lost: Int64?
        var lossPercent: Double?
        var jitterMs: Double?
        var rttMs: Double?
        var mos: Double?
        /// `relay-observed` or `RTCP-reported`.
        var mosSource: String?
    }
}

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

/// One event of `/events`: totals and every live call.
struct RelayEvent: Codable, Sendable, Equatable {
    /// UNIX time in ms, for the dashboard's time axis.
    var time: UInt64
    var totals: RelayTotalsSnapshot
    var calls: [CallSnapshot]
}
