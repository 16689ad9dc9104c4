/// The `statistics` reply (the same content as rtpengine's `list jsonstats`), limited to what this
/// engine actually measures; rtpengine's key spelling throughout.
enum StatisticsReply {
    static func render(_ stats: EngineStatistics) -> BencodeDictionary {
        let s = stats.sessions
        var current = BencodeDictionary()
        current.set("sessionsown", .integer(Int64(stats.currentSessions)))
        current.set("sessionsforeign", .integer(0))  // no Redis peers: every session is ours
        current.set("sessionstotal", .integer(Int64(stats.currentSessions)))

        var total = BencodeDictionary()
        total.set("managedsessions", .integer(Int64(clamping: s.totalSessions)))
        total.set("rejectedsessions", .integer(Int64(clamping: s.rejectedSessions)))
        total.set("timeoutsessions", .integer(Int64(clamping: s.mediaTimeouts)))
        total.set("silenttimeoutsessions", .integer(Int64(clamping: s.silentTimeouts)))
        total.set("offertimeoutsessions", .integer(Int64(clamping: s.offerTimeouts)))
        total.set("regularterminatedsessions", .integer(Int64(clamping: s.deletedSessions)))
        let average = s.endedCalls == 0 ? 0 : s.endedCallSeconds / Double(s.endedCalls)
        total.set("avgcallduration", .text(sixDecimals(average)))
        total.set("totalcallsduration", .text(sixDecimals(s.endedCallSeconds)))

        var control = BencodeDictionary()
        var proxies: [BencodeValue] = []
        for (address, counters) in stats.proxies.sorted(by: { $0.key < $1.key }) {
            var proxy = BencodeDictionary()
            proxy.set("proxy", .text(address))
            for (command, key) in commandKeys {
                proxy.set(key, .integer(Int64(clamping: counters.commands[command] ?? 0)))
            }
            proxy.set("errorcount", .integer(Int64(clamping: counters.errors)))
            proxies.append(.dictionary(proxy))
        }
        control.set("proxies", .list(proxies))
        for (command, key) in commandKeys {
            control.set("total" + key, .integer(Int64(clamping: stats.commands[command] ?? 0)))
        }
        control.set("totalerrorcount", .integer(Int64(clamping: stats.errorReplies)))

        return ["currentstatistics": .dictionary(current), "totalstatistics": .dictionary(total),
                "controlstatistics": .dictionary(control)]
    }

    /// rtpengine's per-command counter names.
    static let commandKeys: [(NGCommand, String)] = [
        (.ping, "pingcount"), (.offer, "offercount"), (.answer, "answercount"), (.delete, "deletecount"),
        (.query, "querycount"), (.list, "listcount"), (.statistics, "statistics"),
    ]

    /// `%.6f` without Foundation.
    static func sixDecimals(_ value: Double) -> String {
        guard value.isFinite, value >= 0, value < 1e15 else { return "0.000000" }
        let micros = UInt64((value * 1_000_000).rounded())
        let fraction = String(micros % 1_000_000)
        return "\(micros / 1_000_000)." + String(repeating: "0", count: 6 - fraction.count) + fraction
    }
}
