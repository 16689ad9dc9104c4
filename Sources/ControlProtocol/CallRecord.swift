/// The record of one ended call (one JSON line in the call-record file): who, when, how long, why it ended, and
/// per party and media the addresses, codec, traffic and quality figures of its final snapshot.
public struct CallRecord: Sendable, Hashable {
    public var callID: String
    /// Tags of the parties in creation order (caller first); an unanswered recipient has none.
    public var tags: [String]
    public var startMicros: UInt64
    public var endMicros: UInt64
    public var durationSeconds: Double
    public var endReason: CallEndReason
    /// The call as it was just before its ports were released.
    public var snapshot: CallSnapshot

    public init(snapshot: CallSnapshot, event: CallEndEvent, endMicros: UInt64) {
        callID = snapshot.callID
        tags = snapshot.parties.compactMap(\.tag)
        startMicros = snapshot.createdMicros
        self.endMicros = endMicros
        durationSeconds = event.duration
        endReason = event.reason
        self.snapshot = snapshot
    }

    /// The record's JSON line (without the newline). Keys in snake_case; MOS as 1.0–4.5; RTT µs, jitter ms.
    public var json: JSONValue {
        .object([
            ("call_id", .string(callID)),
            ("tags", .array(tags.map { .string($0) })),
            ("start", .string(UTCTimestamp.text(unixMicros: startMicros))),
            ("end", .string(UTCTimestamp.text(unixMicros: endMicros))),
            ("start_unix_ms", .uint(startMicros / 1000)),
            ("end_unix_ms", .uint(endMicros / 1000)),
            ("duration_s", .double((durationSeconds * 1000).rounded() / 1000)),
            ("end_reason", .string(Self.reasonText(endReason))),
            ("legs", .array(snapshot.parties.map(Self.json))),
        ])
    }

    /// Spelling of the end reasons in records (rtpengine's words where it has them).
    static func reasonText(_ reason: CallEndReason) -> String {
        switch reason {
        case .deleted: "delete"
        case .mediaTimeout: "timeout"
        case .silentTimeout: "silent-timeout"
        case .offerTimeout: "offer-timeout"
        case .failed: "failed"
        case .shutdown: "shutdown"
        }
    }

    static func json(_ party: PartySnapshot) -> JSONValue {
        .object([
            ("tag", .optional(party.tag) { .string($0) }),
            ("label", .optional(party.label) { .string($0) }),
            ("medias", .array(party.medias.map(json))),
        ])
    }

    static func json(_ media: MediaSnapshot) -> JSONValue {
        .object([
            ("index", .int(Int64(media.index))),
            ("type", .string(media.type)),
            ("protocol", .string(media.transportProtocol)),
            ("codec", .optional(media.codec) { .string($0) }),
            ("transcoding", .bool(media.transcoding)),
            ("srtp", .bool(media.srtp)),
            ("local", .optional(media.local, json)),
            ("remote", .optional(media.remote, json)),
            ("latched", .bool(media.latched)),
            ("rtp", .object([("in", json(media.rtpIn)), ("out", json(media.rtpOut))])),
            ("rtcp", .object([("in", json(media.rtcpIn)), ("out", json(media.rtcpOut))])),
            ("quality", .optional(media.quality, json)),
        ])
    }

    static func json(_ endpoint: EndpointSnapshot) -> JSONValue {
        .object([("address", .string(endpoint.address)), ("port", .int(Int64(endpoint.port)))])
    }

    static func json(_ traffic: TrafficSnapshot) -> JSONValue {
        .object([("packets", .uint(traffic.packets)), ("bytes", .uint(traffic.bytes)), ("errors", .uint(traffic.errors))])
    }

    static func json(_ quality: QualityFigures) -> JSONValue {
        .object([
            ("ssrc", .int(Int64(quality.ssrc))),
            ("expected", .uint(quality.expected)),
            ("lost", .int(quality.lost)),
            ("loss_percent", .int(Int64(quality.lossPercent))),
            ("jitter_ms", .int(Int64(quality.jitterMilliseconds))),
            ("reported_loss_percent", .optional(quality.reportedLossPercent) { .int(Int64($0)) }),
            ("reported_jitter_ms", .optional(quality.reportedJitterMilliseconds) { .int(Int64($0)) }),
            ("rtt_leg_us", .optional(quality.roundTripLegMicros) { .uint($0) }),
            ("rtt_us", .optional(quality.roundTripMicros) { .uint($0) }),
            ("mos", .optional(quality.mos, json)),
            ("mos_rtcp", .optional(quality.rtcpReportedMOS, json)),
            ("mos_observed", .optional(quality.relayObservedMOS, json)),
        ])
    }

    static func json(_ mos: MOSFigures) -> JSONValue {
        .object([
            ("source", .string(mos.source)), ("samples", .int(Int64(mos.samples))),
            ("min", .double(mos.minimum)), ("avg", .double(mos.average)), ("max", .double(mos.maximum)),
        ])
    }
}
