import RTPWire

/// A point-in-time view of one call for operators and tools (call records, `rtprelayd ctl`, HTTP): its parties,
/// their media with the negotiated codec, the relay's ports and the remote endpoints, packet counters and the
/// quality figures, in plain units (MOS as 1.0–4.5, RTT µs, jitter ms, loss %). Built from the registry's call
/// and the media plane's counters; a value, encodable as JSON with the synthesized `Codable` conformance.
public struct CallSnapshot: Sendable, Hashable, Codable {
    public var callID: String
    /// UNIX µs of the call's creation (first offer) and of its last offer/answer.
    public var createdMicros: UInt64
    public var lastSignalMicros: UInt64
    /// UNIX µs at which the snapshot was taken, and the call's age then, seconds.
    public var takenMicros: UInt64
    public var durationSeconds: Double
    /// Parties in creation order (caller first).
    public var parties: [PartySnapshot]

    public init(callID: String, createdMicros: UInt64, lastSignalMicros: UInt64, takenMicros: UInt64,
                durationSeconds: Double, parties: [PartySnapshot]) {
        self.callID = callID
        self.createdMicros = createdMicros
        self.lastSignalMicros = lastSignalMicros
        self.takenMicros = takenMicros
        self.durationSeconds = durationSeconds
        self.parties = parties
    }

    /// Every media of every party, in order.
    public var medias: [MediaSnapshot] { parties.flatMap(\.medias) }

    /// The lowest of the media's preferred MOS figures (what a "live MOS" column shows); nil without any.
    public var worstAverageMOS: Double? { medias.compactMap { $0.quality?.mos?.average }.min() }
}

/// One party (SIP tag) of a call.
public struct PartySnapshot: Sendable, Hashable, Codable {
    /// nil while the offer's recipient has not answered yet.
    public var tag: String?
    public var label: String?
    public var medias: [MediaSnapshot]

    public init(tag: String?, label: String?, medias: [MediaSnapshot]) {
        self.tag = tag
        self.label = label
        self.medias = medias
    }
}

/// One m= line of one party: the relay's ports for it, the party's endpoint, what flowed, and the quality of what
/// the relay receives from the party (relay-observed) and of what the party hears (its own RTCP reports).
public struct MediaSnapshot: Sendable, Hashable, Codable {
    public var index: Int
    public var type: String
    public var transportProtocol: String
    /// `PCMA/8000` spelling; nil before the party declared any.
    public var codec: String?
    public var transcoding: Bool
    public var srtp: Bool
    /// Relay side: the address and RTP port this party sends to.
    public var local: EndpointSnapshot?
    /// The party's RTP endpoint: the latched source when learned, else the SDP's.
    public var remote: EndpointSnapshot?
    public var latched: Bool
    /// From the party (`in`) and to it (`out`).
    public var rtpIn: TrafficSnapshot
    public var rtpOut: TrafficSnapshot
    public var rtcpIn: TrafficSnapshot
    public var rtcpOut: TrafficSnapshot
    /// nil before the relay measured anything (no RTP yet, or statistics off).
    public var quality: QualityFigures?

    public init(index: Int, type: String, transportProtocol: String, codec: String?, transcoding: Bool, srtp: Bool,
                local: EndpointSnapshot?, remote: EndpointSnapshot?, latched: Bool, rtpIn: TrafficSnapshot,
                rtpOut: TrafficSnapshot, rtcpIn: TrafficSnapshot, rtcpOut: TrafficSnapshot, quality: QualityFigures?) {
        self.index = index
        self.type = type
        self.transportProtocol = transportProtocol
        self.codec = codec
        self.transcoding = transcoding
        self.srtp = srtp
        self.local = local
        self.remote = remote
        self.latched = latched
        self.rtpIn = rtpIn
        self.rtpOut = rtpOut
        self.rtcpIn = rtcpIn
        self.rtcpOut = rtcpOut
        self.quality = quality
    }
}

public struct EndpointSnapshot: Sendable, Hashable, Codable {
    public var address: String
    public var port: UInt16
    public init(address: String, port: UInt16) {
        self.address = address
        self.port = port
    }
    init(_ endpoint: Endpoint) { self.init(address: endpoint.address, port: endpoint.port) }
}

public struct TrafficSnapshot: Sendable, Hashable, Codable {
    public var packets: UInt64
    public var bytes: UInt64
    public var errors: UInt64
    public init(packets: UInt64 = 0, bytes: UInt64 = 0, errors: UInt64 = 0) {
        self.packets = packets
        self.bytes = bytes
        self.errors = errors
    }
    init(_ counters: PacketCounters) { self.init(packets: counters.packets, bytes: counters.bytes, errors: counters.errors) }
}

/// Quality of one media stream's ingress SSRC.
public struct QualityFigures: Sendable, Hashable, Codable {
    public var ssrc: UInt32
    /// RFC 3550 A.3 as the relay counted the RTP it received: expected and lost packets (lost may be negative
    /// with duplicates), loss of the latest one-second interval (%), A.8 jitter (ms).
    public var expected: UInt64
    public var lost: Int64
    public var lossPercent: UInt32
    public var jitterMilliseconds: UInt32
    /// What the party reported hearing in its latest RTCP receiver report, if it sends RTCP.
    public var reportedLossPercent: UInt32?
    public var reportedJitterMilliseconds: UInt32?
    /// This leg's round trip (relay ↔ party) and end to end, µs, once RTCP gave them.
    public var roundTripLegMicros: UInt64?
    public var roundTripMicros: UInt64?
    /// The MOS figures shown by default: RTCP-reported when the endpoints report, else relay-observed (the
    /// choice of the stats tree's `average MOS`), and each source's own figures.
    public var mos: MOSFigures?
    public var rtcpReportedMOS: MOSFigures?
    public var relayObservedMOS: MOSFigures?

    public init(ssrc: UInt32, expected: UInt64, lost: Int64, lossPercent: UInt32, jitterMilliseconds: UInt32,
                reportedLossPercent: UInt32? = nil, reportedJitterMilliseconds: UInt32? = nil,
                roundTripLegMicros: UInt64? = nil, roundTripMicros: UInt64? = nil, mos: MOSFigures? = nil,
                rtcpReportedMOS: MOSFigures? = nil, relayObservedMOS: MOSFigures? = nil) {
        self.ssrc = ssrc
        self.expected = expected
        self.lost = lost
        self.lossPercent = lossPercent
        self.jitterMilliseconds = jitterMilliseconds
        self.reportedLossPercent = reportedLossPercent
        self.reportedJitterMilliseconds = reportedJitterMilliseconds
        self.roundTripLegMicros = roundTripLegMicros
        self.roundTripMicros = roundTripMicros
        self.mos = mos
        self.rtcpReportedMOS = rtcpReportedMOS
        self.relayObservedMOS = relayObservedMOS
    }

    /// From the media plane's report (units as in the stats tree: MOS ×10 becomes MOS).
    public init(_ report: StreamQualityReport) {
        self.init(ssrc: report.ssrc, expected: report.expected, lost: report.cumulativeLoss,
                  lossPercent: report.lossPercent, jitterMilliseconds: report.jitterMilliseconds,
                  reportedLossPercent: report.reported?.lossPercent,
                  reportedJitterMilliseconds: report.reported?.jitterMilliseconds,
                  roundTripLegMicros: report.roundTripTimeLeg, roundTripMicros: report.roundTripTime,
                  mos: report.preferredMOS.flatMap(MOSFigures.init),
                  rtcpReportedMOS: MOSFigures(report.rtcpReportedMOS),
                  relayObservedMOS: MOSFigures(report.relayObservedMOS))
    }
}

/// Lowest, average and highest MOS of one source over a call so far.
public struct MOSFigures: Sendable, Hashable, Codable {
    /// `rtcp` (from the endpoints' receiver reports) or `observed` (the relay's own measurement).
    public var source: String
    public var samples: Int
    public var minimum: Double
    public var average: Double
    public var maximum: Double
    /// The newest sample (about once a second for relay-observed MOS): what a live chart plots.
    public var latest: Double?

    public init(source: String, samples: Int, minimum: Double, average: Double, maximum: Double, latest: Double? = nil) {
        self.source = source
        self.samples = samples
        self.minimum = minimum
        self.average = average
        self.maximum = maximum
        self.latest = latest
    }

    /// nil for a summary without samples.
    public init?(_ summary: MOSSummary) {
        guard let lowest = summary.lowest, let average = summary.average, let highest = summary.highest else { return nil }
        let source = average.source == .rtcpReported ? "rtcp" : "observed"
        // Stored as ⌊MOS×10⌋ (rtpengine's unit); one decimal is all the precision there is.
        self.init(source: source, samples: summary.samples, minimum: Double(lowest.mos) / 10,
                  average: Double(average.mos) / 10, maximum: Double(highest.mos) / 10,
                  latest: summary.latest.map { Double($0.mos) / 10 })
    }
}

extension CallSnapshot {
    /// The snapshot of `call` at `clock.now` with the media plane's latest counters and quality reports.
    init(_ call: Call, mediaPlane: any MediaPlane, clock: WallClock) {
        let parties = call.orderedMonologues.map { party in
            PartySnapshot(tag: party.tag, label: party.label, medias: party.medias.map {
                MediaSnapshot($0, mediaPlane: mediaPlane)
            })
        }
        self.init(callID: call.callID, createdMicros: clock.micros(at: call.created),
                  lastSignalMicros: clock.micros(at: call.lastSignal), takenMicros: clock.nowMicros,
                  durationSeconds: max(0, clock.now.seconds(since: call.created)), parties: parties)
    }
}

extension MediaSnapshot {
    init(_ media: CallMedia, mediaPlane: any MediaPlane) {
        let counters = media.stream.flatMap { mediaPlane.counters($0.id) } ?? StreamCounters()
        let remote = counters.latchedRTP ?? media.declared?.remoteRTP
        self.init(index: media.index, type: media.type, transportProtocol: media.transportProtocol,
                  codec: media.codecLeg?.codec.displayName ?? media.declared?.codec,
                  transcoding: media.codecPlan?.transcode == true, srtp: media.sdes.isActive,
                  local: media.stream.map { EndpointSnapshot(address: $0.localAddress, port: $0.rtpPort) },
                  remote: remote.map(EndpointSnapshot.init), latched: counters.latchedRTP != nil,
                  rtpIn: TrafficSnapshot(counters.rtpIn), rtpOut: TrafficSnapshot(counters.rtpOut),
                  rtcpIn: TrafficSnapshot(counters.rtcpIn), rtcpOut: TrafficSnapshot(counters.rtcpOut),
                  quality: media.stream.flatMap { mediaPlane.quality($0.id) }.map(QualityFigures.init))
    }
}
