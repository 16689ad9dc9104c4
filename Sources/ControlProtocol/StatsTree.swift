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
        var tree = BencodeDictionary()
        let created = clock.micros(at: call.created)
        tree.set("created", .integer(Int64(clamping: created / 1_000_000)))
        tree.set("created_us", .integer(Int64(clamping: created % 1_000_000)))
        tree.set("created_ts", .integer(Int64(clamping: created)))
        tree.set("last signal", .integer(clock.seconds(at: call.lastSignal)))

        var tags = BencodeDictionary()
        var rtpTotal = PacketCounters()
        var rtcpTotal = PacketCounters()
        for party in call.orderedMonologues {
            for stream in party.streams {
                guard let counters = mediaPlane.counters(stream.id) else { continue }
                add(counters.rtpIn, to: &rtpTotal)
                add(counters.rtcpIn, to: &rtcpTotal)
            }
            if let selection, !selection.contains(party.id) { continue }
            tags.set(party.displayTag, .dictionary(render(party, in: call)))
        }
        tree.set("tags", .dictionary(tags))
        var ssrcs = BencodeDictionary()
        for stream in call.streams {
            guard let report = mediaPlane.quality(stream.id) else { continue }
            ssrcs.set(String(report.ssrc), .dictionary(SSRCStatsEntry.render(report)))
        }
        // Absent until the media plane measured something: never invented.
        if !ssrcs.entries.isEmpty { tree.set("SSRC", .dictionary(ssrcs)) }
        tree.set("totals", .dictionary(["RTP": .dictionary(render(rtpTotal)), "RTCP": .dictionary(render(rtcpTotal))]))
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
        var tree = BencodeDictionary()
        tree.set("tag", .text(party.tag ?? ""))
        if let label = party.label { tree.set("label", .text(label)) }
        if let via = party.viaBranch { tree.set("via-branch", .text(via)) }
        if !party.aliases.isEmpty { tree.set("tag-aliases", .list(party.aliases.map { .text($0) })) }
        tree.set("created", .integer(clock.seconds(at: party.created)))
        let links: [BencodeValue] = party.peers.sorted().compactMap { call.monologues[$0] }.map {
            .dictionary(["tag": .text($0.tag ?? ""), "type": "offer/answer"])
        }
        tree.set("subscriptions", .list(links))
        tree.set("subscribers", .list(links))
        tree.set("medias", .list(party.medias.map { .dictionary(render($0, of: party, in: call)) }))
        return tree
    }

    private func render(_ media: CallMedia, of party: Monologue, in call: Call) -> BencodeDictionary {
        var tree = BencodeDictionary()
        tree.set("index", .integer(Int64(media.index)))
        tree.set("type", .text(media.type))
        tree.set("protocol", .text(media.transportProtocol))
        // The negotiated codec of this leg when the relay negotiated one, else the party's first.
        if let leg = media.codecLeg {
            tree.set("codec", .text(leg.codec.displayName))
        } else if let codec = media.declared?.codec {
            tree.set("codec", .text(codec))
        }
        var flags: [String] = []
        if let declared = media.declared {
            flags.append("initialized")
            if declared.sends { flags.append("send") }
            if declared.receives { flags.append("recv") }
            if declared.rtcpMux { flags.append("rtcp-mux") }
        }
        if party.policy.asymmetric { flags.append("asymmetric") }
        if media.sdes.isActive { flags.append("SDES") }
        if media.codecPlan?.transcode == true { flags.append("transcoding") }
        tree.set("flags", .list(flags.map { .text($0) }))

        var streams: [BencodeValue] = []
        if let stream = media.stream {
            let counters = mediaPlane.counters(stream.id) ?? StreamCounters()
            streams.append(.dictionary(renderRTP(stream, media: media, party: party, counters: counters)))
            if !stream.rtcpMux {
                streams.append(.dictionary(renderRTCP(stream, media: media, party: party, counters: counters)))
            }
        }
        tree.set("streams", .list(streams))
        // What the relay receives from this party; Kamailio follows these into the `SSRC` dict.
        if let report = media.stream.flatMap({ mediaPlane.quality($0.id) }) {
            tree.set("ingress SSRCs", .list([.dictionary(SSRCStatsEntry.render(report))]))
        }
        extensionPoint?.decorate(media: &tree, of: media, party: party, in: call)
        return tree
    }

    private func renderRTP(_ stream: AllocatedStream, media: CallMedia, party: Monologue,
                           counters: StreamCounters) -> BencodeDictionary {
        var tree = common(port: stream.rtpPort, stream: stream, media: media)
        let advertised = media.declared?.remoteRTP
        if let endpoint = counters.latchedRTP ?? advertised { tree.set("endpoint", render(endpoint)) }
        if let advertised { tree.set("advertised endpoint", render(advertised)) }
        if let last = counters.lastPacket { tree.set("last packet", .integer(clock.seconds(at: last))) }
        if let ssrc = counters.firstSSRC { tree.set("SSRC", .integer(Int64(ssrc))) }
        var flags = ["RTP"]
        if stream.rtcpMux { flags.append("RTCP") }
        flags += streamFlags(filled: advertised != nil || counters.latchedRTP != nil,
                             confirmed: counters.latchedRTP != nil, party: party)
        tree.set("flags", .list(flags.map { .text($0) }))
        tree.set("stats", .dictionary(render(counters.rtpIn)))
        tree.set("stats_out", .dictionary(render(counters.rtpOut)))
        return tree
    }

    private func renderRTCP(_ stream: AllocatedStream, media: CallMedia, party: Monologue,
                            counters: StreamCounters) -> BencodeDictionary {
        var tree = common(port: stream.rtcpPort, stream: stream, media: media)
        let advertised = media.declared?.remoteRTCP
        if let endpoint = counters.latchedRTCP ?? advertised { tree.set("endpoint", render(endpoint)) }
        if let advertised { tree.set("advertised endpoint", render(advertised)) }
        if let last = counters.lastPacket { tree.set("last packet", .integer(clock.seconds(at: last))) }
        let flags = ["RTCP"] + streamFlags(filled: advertised != nil || counters.latchedRTCP != nil,
                                           confirmed: counters.latchedRTCP != nil, party: party)
        tree.set("flags", .list(flags.map { .text($0) }))
        tree.set("stats", .dictionary(render(counters.rtcpIn)))
        tree.set("stats_out", .dictionary(render(counters.rtcpOut)))
        return tree
    }

    private func common(port: UInt16, stream: AllocatedStream, media: CallMedia) -> BencodeDictionary {
        var tree = BencodeDictionary()
        tree.set("local port", .integer(Int64(port)))
        tree.set("local address", .text(stream.localAddress))
        tree.set("family", .text(stream.family.statsName))
        // The suite this leg runs (both directions use the same one), only when it runs SRTP.
        if media.sdes.isActive, let suite = media.sdes.remote?.suite { tree.set("crypto suite", .text(suite.rawValue)) }
        return tree
    }

    private func streamFlags(filled: Bool, confirmed: Bool, party: Monologue) -> [String] {
        var flags: [String] = []
        if filled { flags.append("filled") }
        if confirmed { flags.append("confirmed") }
        if party.policy.strictSource { flags.append("strict source address") }
        if party.policy.mediaHandover { flags.append("media handover") }
        return flags
    }

    private func render(_ endpoint: Endpoint) -> BencodeValue {
        .dictionary(["family": .text(endpoint.family.statsName), "address": .text(endpoint.address),
                     "port": .integer(Int64(endpoint.port))])
    }

    private func render(_ counters: PacketCounters) -> BencodeDictionary {
        ["packets": .integer(Int64(clamping: counters.packets)), "bytes": .integer(Int64(clamping: counters.bytes)),
         "errors": .integer(Int64(clamping: counters.errors))]
    }

    private func add(_ counters: PacketCounters, to total: inout PacketCounters) {
        total.packets &+= counters.packets
        total.bytes &+= counters.bytes
        total.errors &+= counters.errors
    }
}
