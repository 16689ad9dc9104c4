import ControlProtocol

/// One call as `rtprelayd ctl` shows it, read back from the daemon's ng `query` reply (the stats tree of
/// ng-protocol.md §7, the same one Kamailio reads): per party and media the codec, the relay's port, the party's
/// endpoint, packets and the live quality of what the relay receives from the party.
struct CallView {
    struct Media {
        var tag: String
        var label: String?
        var index: Int
        var codec: String?
        var local: String?
        var remote: String?
        var packetsIn: Int64
        var packetsOut: Int64
        var ssrc: Int64?
        /// MOS (1.0–4.5) of the stats tree's `average MOS` and where it came from (`RTCP-reported`/`relay-observed`).
        var mos: Double?
        var mosSource: String?
        var lossPercent: Int64?
        var jitterMilliseconds: Int64?
        var roundTripMicros: Int64?
    }

    var callID: String
    /// UNIX seconds.
    var created: Int64?
    var medias: [Media]

    init(callID: String, tree: BencodeDictionary) {
        self.callID = callID
        created = tree["created"]?.intValue
        var medias: [Media] = []
        for (key, value) in tree["tags"]?.dictValue?.entries ?? [] {
            guard let party = value.dictValue else { continue }
            let tag = party["tag"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? String(decoding: key, as: UTF8.self)
            for media in party["medias"]?.listValue ?? [] {
                guard let media = media.dictValue else { continue }
                medias.append(Self.media(media, tag: tag, label: party["label"]?.stringValue))
            }
        }
        self.medias = medias
    }

    private static func media(_ media: BencodeDictionary, tag: String, label: String?) -> Media {
        let rtp = media["streams"]?.listValue?.first?.dictValue
        var view = Media(tag: tag, label: label, index: Int(media["index"]?.intValue ?? 0),
                         codec: media["codec"]?.stringValue, local: nil, remote: nil,
                         packetsIn: rtp?["stats"]?.dictValue?["packets"]?.intValue ?? 0,
                         packetsOut: rtp?["stats_out"]?.dictValue?["packets"]?.intValue ?? 0)
        if let rtp, let address = rtp["local address"]?.stringValue, let port = rtp["local port"]?.intValue {
            view.local = endpointText(address, port)
        }
        if let endpoint = rtp?["endpoint"]?.dictValue, let address = endpoint["address"]?.stringValue,
           let port = endpoint["port"]?.intValue {
            view.remote = endpointText(address, port)
        }
        guard let entry = media["ingress SSRCs"]?.listValue?.first?.dictValue else { return view }
        view.ssrc = entry["SSRC"]?.intValue
        let observed = entry["relay-observed"]?.dictValue
        if let average = entry["average MOS"]?.dictValue {
            view.mos = average["MOS"]?.intValue.map { Double($0) / 10 }
            view.mosSource = entry["MOS source"]?.stringValue
            view.lossPercent = average["packet loss"]?.intValue
            view.jitterMilliseconds = average["jitter"]?.intValue
            view.roundTripMicros = average["round-trip time"]?.intValue.flatMap { $0 > 0 ? $0 : nil }
        }
        view.lossPercent = view.lossPercent ?? observed?["packet loss"]?.intValue
        view.jitterMilliseconds = view.jitterMilliseconds ?? observed?["jitter"]?.intValue
        view.roundTripMicros = view.roundTripMicros ?? observed?["round-trip time"]?.intValue
        return view
    }

    private static func endpointText(_ address: String, _ port: Int64) -> String {
        address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"
    }

    /// The lowest MOS of the call's media (the figure a list shows per call).
    var worstMOS: Double? { medias.compactMap(\.mos).min() }

    // MARK: Text

    static let tableHeader = ["CALL-ID", "AGE", "TAG", "CODEC", "RELAY PORT", "PARTY", "PKTS IN", "PKTS OUT",
                              "LOSS", "JITTER", "RTT", "MOS"]

    /// Table rows: one per media, the call-id and age only on a call's first row.
    func tableRows(nowSeconds: Int64) -> [[String]] {
        let age = created.map { Self.duration(max(0, nowSeconds - $0)) } ?? "-"
        guard !medias.isEmpty else { return [[callID, age, "-", "-", "-", "-", "-", "-", "-", "-", "-", "-"]] }
        return medias.enumerated().map { i, media in
            [i == 0 ? callID : "", i == 0 ? age : "", media.label.map { "\(media.tag) (\($0))" } ?? media.tag,
             media.codec ?? "-", media.local ?? "-", media.remote ?? "-", String(media.packetsIn), String(media.packetsOut),
             media.lossPercent.map { "\($0)%" } ?? "-", media.jitterMilliseconds.map { "\($0) ms" } ?? "-",
             media.roundTripMicros.map(Self.milliseconds) ?? "-", media.mosText]
        }
    }

    /// `show`: the call and each media, one `key: value` per line.
    func details(nowSeconds: Int64) -> String {
        var lines = ["call-id: \(callID)"]
        if let created { lines.append("age: \(Self.duration(max(0, nowSeconds - created)))") }
        for media in medias {
            lines.append("party \(media.tag)\(media.label.map { " (label \($0))" } ?? "") media \(media.index):")
            lines.append("  codec: \(media.codec ?? "-")")
            lines.append("  relay port: \(media.local ?? "-")")
            lines.append("  party endpoint: \(media.remote ?? "-")")
            lines.append("  rtp packets in/out: \(media.packetsIn)/\(media.packetsOut)")
            if let ssrc = media.ssrc { lines.append("  ingress ssrc: \(ssrc)") }
            lines.append("  loss: \(media.lossPercent.map { "\($0)%" } ?? "-")")
            lines.append("  jitter: \(media.jitterMilliseconds.map { "\($0) ms" } ?? "-")")
            lines.append("  round-trip: \(media.roundTripMicros.map(Self.milliseconds) ?? "-")")
            lines.append("  mos: \(media.mosText)")
        }
        return lines.joined(separator: "\n")
    }

    static func duration(_ seconds: Int64) -> String {
        seconds < 60 ? "\(seconds)s" : seconds < 3600 ? "\(seconds / 60)m\(seconds % 60)s" : "\(seconds / 3600)h\(seconds / 60 % 60)m"
    }

    static func milliseconds(_ micros: Int64) -> String {
        let tenths = (micros + 50) / 100
        return "\(tenths / 10).\(tenths % 10) ms"
    }
}

extension CallView.Media {
    var mosText: String {
        guard let mos else { return "-" }
        let source = mosSource == "RTCP-reported" ? "rtcp" : mosSource == "relay-observed" ? "observed" : mosSource
        return "\(mos)" + (source.map { " (\($0))" } ?? "")
    }
}

/// Left-aligned columns separated by two spaces.
enum TextTable {
    static func render(header: [String], rows: [[String]]) -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
