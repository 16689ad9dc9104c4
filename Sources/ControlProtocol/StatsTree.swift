import RTPWire

/// Adds what the registry and stream counters cannot know to a stats tree: the per-SSRC blocks
/// (`SSRC`, `ingress SSRCs`, `egress SSRCs`, MOS) computed from RTCP. Without one, those keys are
/// simply absent — never filled with invented values.
public protocol StatsTreeExtension: AnyObject {
    /// Called once per call, after the top-level keys are set (e.g. to add the global `SSRC` dict).
    func decorate(call tree: inout BencodeDictionary, of call: Call)
    /// Called once per media entry, after its keys are set (e.g. `ingress SSRCs`).
    func decorate(media tree: inout BencodeDictionary, of media: CallMedia, party: Monologue, in call: Call)
}

/// Renders the `query`/`delete` statistics tree of ng-protocol §7 from the registry's view of a call
/// and the media plane's counters, in rtpengine's key spelling (Kamailio mines it for `$rtpstat`).
struct StatsTree {
    let mediaPlane: any MediaPlane
    let clock: WallClock
    let extensionPoint: (any StatsTreeExtension)?

    /// The tree's keys (no `result`). `selection`: the parties to list under `tags` (nil: all).
    func render(_ call: Call, selection: Set<MonologueID>? = nil) -> BencodeDictionary {
        var tree = BencodeDictionary(capacity: 8)
        let created = clock.micros(at: call.created)
        tree.append(K.created, .integer(Int64(clamping: created / 1_000_000)))
        tree.append(K.createdUS, .integer(Int64(clamping: created % 1_000_000)))
        tree.append(K.createdTS, .integer(Int64(clamping: created)))
        tree.append(K.lastSignal, .integer(clock.seconds(at: call.lastSignal)))

        var tags = BencodeDictionary(capacity: 2)
        var rtpTotal = PacketCounters()
        var rtcpTotal = PacketCounters()
        // The parties in creation order once, and their streams straight from the media list (`Call.streams` and
        // `Monologue.streams` build arrays the tree does not need: a delete renders this once per call).
        let parties = call.orderedMonologues
        for party in parties {
            for media in party.medias {
                guard let stream = media.stream, let counters = mediaPlane.counters(stream.id) else { continue }
                add(counters.rtpIn, to: &rtpTotal)
                add(counters.rtcpIn, to: &rtcpTotal)
            }
            if let selection, !selection.contains(party.id) { continue }
            tags.set(party.displayTag, .dictionary(render(party, in: call)))
        }
        tree.append(K.tags, .dictionary(tags))
        var ssrcs = BencodeDictionary()
        for party in parties {
            for media in party.medias {
                guard let stream = media.stream, let report = mediaPlane.quality(stream.id) else { continue }
                ssrcs.set(String(report.ssrc), .dictionary(SSRCStatsEntry.render(report)))
            }
        }
        // Absent until the media plane measured something: never invented.
        if !ssrcs.entries.isEmpty { tree.append(K.ssrc, .dictionary(ssrcs)) }
        var totals = BencodeDictionary(capacity: 2)
        totals.append(K.rtp, .dictionary(render(rtpTotal)))
        totals.append(K.rtcp, .dictionary(render(rtcpTotal)))
        tree.append(K.totals, .dictionary(totals))
        extensionPoint?.decorate(call: &tree, of: call)
        return tree
    }

    /// The party named by `tag` and the parties it exchanges media with (§7: "the party selected by
    /// to-tag/from-tag plus those it receives from"); nil for an unknown tag.
    static func selection(tag: String, in call: Call) -> Set<MonologueID>? {
        guard let party = call.monologue(tag: tag) else { return nil }
        return party.peers.union([party.id])
    }

    private func render(_ party: Monologue, in call: Call) -> BencodeDictionary {
        var tree = BencodeDictionary(capacity: 8)
        tree.append(K.tag, .text(party.tag ?? ""))
        if let label = party.label { tree.append(K.label, .text(label)) }
        if let via = party.viaBranch { tree.append(K.viaBranch, .text(via)) }
        if !party.aliases.isEmpty { tree.append(K.tagAliases, .list(party.aliases.map { .text($0) })) }
        tree.append(K.created, .integer(clock.seconds(at: party.created)))
        var links: [BencodeValue] = []
        for peer in party.peers.sorted() {
            guard let other = call.monologues[peer] else { continue }
            var link = BencodeDictionary(capacity: 2)
            link.append(K.tag, .text(other.tag ?? ""))
            link.append(K.type, K.offerAnswer)
            links.append(.dictionary(link))
        }
        tree.append(K.subscriptions, .list(links))
        tree.append(K.subscribers, .list(links))
        var medias: [BencodeValue] = []
        medias.reserveCapacity(party.medias.count)
        for media in party.medias { medias.append(.dictionary(render(media, of: party, in: call))) }
        tree.append(K.medias, .list(medias))
        return tree
    }

    private func render(_ media: CallMedia, of party: Monologue, in call: Call) -> BencodeDictionary {
        var tree = BencodeDictionary(capacity: 8)
        tree.append(K.index, .integer(Int64(media.index)))
        tree.append(K.type, K.text(media.type))
        tree.append(K.protocol, K.text(media.transportProtocol))
        // The negotiated codec of this leg when the relay negotiated one, else the party's first.
        if let leg = media.codecLeg {
            tree.append(K.codec, .text(leg.codec.displayName))
        } else if let codec = media.declared?.codec {
            tree.append(K.codec, .text(codec))
        }
        var flags: [BencodeValue] = []
        flags.reserveCapacity(4)
        if let declared = media.declared {
            flags.append(K.initialized)
            if declared.sends { flags.append(K.send) }
            if declared.receives { flags.append(K.recv) }
            if declared.rtcpMux { flags.append(K.rtcpMux) }
        }
        if party.policy.asymmetric { flags.append(K.asymmetric) }
        if media.sdes.isActive { flags.append(K.sdes) }
        if media.codecPlan?.transcode == true { flags.append(K.transcoding) }
        tree.append(K.flags, .list(flags))

        var streams: [BencodeValue] = []
        if let stream = media.stream {
            let counters = mediaPlane.counters(stream.id) ?? StreamCounters()
            streams.reserveCapacity(2)
            streams.append(.dictionary(renderRTP(stream, media: media, party: party, counters: counters)))
            if !stream.rtcpMux {
                streams.append(.dictionary(renderRTCP(stream, media: media, party: party, counters: counters)))
            }
        }
        tree.append(K.streams, .list(streams))
        // What the relay receives from this party; Kamailio follows these into the `SSRC` dict.
        if let report = media.stream.flatMap({ mediaPlane.quality($0.id) }) {
            tree.append(K.ingressSSRCs, .list([.dictionary(SSRCStatsEntry.render(report))]))
        }
        extensionPoint?.decorate(media: &tree, of: media, party: party, in: call)
        return tree
    }

    private func renderRTP(_ stream: AllocatedStream, media: CallMedia, party: Monologue,
                           counters: StreamCounters) -> BencodeDictionary {
        var tree = common(port: stream.rtpPort, stream: stream, media: media)
        let advertised = media.declared?.remoteRTP
        if let endpoint = counters.latchedRTP ?? advertised { tree.append(K.endpoint, render(endpoint)) }
        if let advertised { tree.append(K.advertisedEndpoint, render(advertised)) }
        if let last = counters.lastPacket { tree.append(K.lastPacket, .integer(clock.seconds(at: last))) }
        if let ssrc = counters.firstSSRC { tree.append(K.ssrc, .integer(Int64(ssrc))) }
        var flags: [BencodeValue] = [K.rtpFlag]
        flags.reserveCapacity(6)
        if stream.rtcpMux { flags.append(K.rtcpFlag) }
        appendStreamFlags(to: &flags, filled: advertised != nil || counters.latchedRTP != nil,
                          confirmed: counters.latchedRTP != nil, party: party)
        tree.append(K.flags, .list(flags))
        tree.append(K.stats, .dictionary(render(counters.rtpIn)))
        tree.append(K.statsOut, .dictionary(render(counters.rtpOut)))
        return tree
    }

    private func renderRTCP(_ stream: AllocatedStream, media: CallMedia, party: Monologue,
                            counters: StreamCounters) -> BencodeDictionary {
        var tree = common(port: stream.rtcpPort, stream: stream, media: media)
        let advertised = media.declared?.remoteRTCP
        if let endpoint = counters.latchedRTCP ?? advertised { tree.append(K.endpoint, render(endpoint)) }
        if let advertised { tree.append(K.advertisedEndpoint, render(advertised)) }
        if let last = counters.lastPacket { tree.append(K.lastPacket, .integer(clock.seconds(at: last))) }
        var flags: [BencodeValue] = [K.rtcpFlag]
        flags.reserveCapacity(5)
        appendStreamFlags(to: &flags, filled: advertised != nil || counters.latchedRTCP != nil,
                          confirmed: counters.latchedRTCP != nil, party: party)
        tree.append(K.flags, .list(flags))
        tree.append(K.stats, .dictionary(render(counters.rtcpIn)))
        tree.append(K.statsOut, .dictionary(render(counters.rtcpOut)))
        return tree
    }

    private func common(port: UInt16, stream: AllocatedStream, media: CallMedia) -> BencodeDictionary {
        var tree = BencodeDictionary(capacity: 10)
        tree.append(K.localPort, .integer(Int64(port)))
        tree.append(K.localAddress, K.text(stream.localAddress))
        tree.append(K.family, K.family(stream.family))
        // The suite this leg runs (both directions use the same one), only when it runs SRTP.
        if media.sdes.isActive, let suite = media.sdes.remote?.suite { tree.append(K.cryptoSuite, .text(suite.rawValue)) }
        return tree
    }

    private func appendStreamFlags(to flags: inout [BencodeValue], filled: Bool, confirmed: Bool, party: Monologue) {
        if filled { flags.append(K.filled) }
        if confirmed { flags.append(K.confirmed) }
        if party.policy.strictSource { flags.append(K.strictSource) }
        if party.policy.mediaHandover { flags.append(K.mediaHandover) }
    }

    private func render(_ endpoint: Endpoint) -> BencodeValue {
        var tree = BencodeDictionary(capacity: 3)
        tree.append(K.family, K.family(endpoint.family))
        tree.append(K.address, K.text(endpoint.address))
        tree.append(K.port, .integer(Int64(endpoint.port)))
        return .dictionary(tree)
    }

    private func render(_ counters: PacketCounters) -> BencodeDictionary {
        var tree = BencodeDictionary(capacity: 3)
        tree.append(K.packets, .integer(Int64(clamping: counters.packets)))
        tree.append(K.bytes, .integer(Int64(clamping: counters.bytes)))
        tree.append(K.errors, .integer(Int64(clamping: counters.errors)))
        return tree
    }

    private func add(_ counters: PacketCounters, to total: inout PacketCounters) {
        total.packets &+= counters.packets
        total.bytes &+= counters.bytes
        total.errors &+= counters.errors
    }
}

/// The stats tree's keys and fixed values, built once: a `delete` reply holds about a hundred keys, and building
/// each from a `String` cost a heap allocation apiece (arrays are shared, so reusing one costs a retain).
private enum K {
    static func key(_ s: StaticString) -> [UInt8] {
        Array(UnsafeBufferPointer(start: s.utf8Start, count: s.utf8CodeUnitCount))
    }
    static let created = key("created"), createdUS = key("created_us"), createdTS = key("created_ts")
    static let lastSignal = key("last signal"), tags = key("tags"), ssrc = key("SSRC"), totals = key("totals")
    static let rtp = key("RTP"), rtcp = key("RTCP"), tag = key("tag"), label = key("label")
    static let viaBranch = key("via-branch"), tagAliases = key("tag-aliases"), type = key("type")
    static let subscriptions = key("subscriptions"), subscribers = key("subscribers"), medias = key("medias")
    static let index = key("index"), `protocol` = key("protocol"), codec = key("codec"), flags = key("flags")
    static let streams = key("streams"), ingressSSRCs = key("ingress SSRCs"), endpoint = key("endpoint")
    static let advertisedEndpoint = key("advertised endpoint"), lastPacket = key("last packet")
    static let stats = key("stats"), statsOut = key("stats_out"), localPort = key("local port")
    static let localAddress = key("local address"), family = key("family"), cryptoSuite = key("crypto suite")
    static let address = key("address"), port = key("port"), packets = key("packets")
    static let bytes = key("bytes"), errors = key("errors")

    static let offerAnswer = BencodeValue.string(key("offer/answer"))
    static let initialized = BencodeValue.string(key("initialized")), send = BencodeValue.string(key("send"))
    static let recv = BencodeValue.string(key("recv")), rtcpMux = BencodeValue.string(key("rtcp-mux"))
    static let asymmetric = BencodeValue.string(key("asymmetric")), sdes = BencodeValue.string(key("SDES"))
    static let transcoding = BencodeValue.string(key("transcoding"))
    static let rtpFlag = BencodeValue.string(rtp), rtcpFlag = BencodeValue.string(rtcp)
    static let filled = BencodeValue.string(key("filled")), confirmed = BencodeValue.string(key("confirmed"))
    static let strictSource = BencodeValue.string(key("strict source address"))
    static let mediaHandover = BencodeValue.string(key("media handover"))
    static let ipv4 = BencodeValue.string(key("IPv4")), ipv6 = BencodeValue.string(key("IPv6"))
    static let audio = BencodeValue.string(key("audio")), video = BencodeValue.string(key("video"))
    static let rtpAVP = BencodeValue.string(key("RTP/AVP")), rtpSAVP = BencodeValue.string(key("RTP/SAVP"))
    static let loopback = BencodeValue.string(key("127.0.0.1"))

    static func family(_ family: AddressFamily) -> BencodeValue { family == .ipv4 ? ipv4 : ipv6 }

    /// A text value, shared for the handful of strings nearly every tree repeats.
    static func text(_ s: String) -> BencodeValue {
        switch s {
        case "audio": audio
        case "video": video
        case "RTP/AVP": rtpAVP
        case "RTP/SAVP": rtpSAVP
        case "127.0.0.1": loopback
        default: .text(s)
        }
    }
}
