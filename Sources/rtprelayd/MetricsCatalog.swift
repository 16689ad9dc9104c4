/// Every series `/metrics` exports, with its Prometheus type and help text: one place, so the exposition gets
/// `# HELP` lines and the README's Metrics table can be checked against it.
enum MetricsCatalog {
    struct Family: Sendable {
        let name: String
        let type: String
        let help: String
    }

    static let sessions = Family(name: "rtprelayd_sessions", type: "gauge", help: "Calls held now.")
    static let sessionsCreated = Family(name: "rtprelayd_sessions_created_total", type: "counter",
                                        help: "Calls created since start.")
    static let sessionsEnded = Family(name: "rtprelayd_sessions_ended_total", type: "counter",
                                      help: "Calls ended since start, by reason (deleted, timeout, silent_timeout, offer_timeout, failed, shutdown).")
    static let sessionsRejected = Family(name: "rtprelayd_sessions_rejected_total", type: "counter",
                                         help: "New calls refused by --max-sessions.")
    static let transcoded = Family(name: "rtprelayd_transcoded_sessions", type: "gauge",
                                   help: "Calls transcoding now, by codec pair (offerer>answerer).")
    static let transcodedTotal = Family(name: "rtprelayd_transcoded_sessions_total", type: "counter",
                                        help: "Calls seen transcoding since start, by codec pair (offerer>answerer).")
    static let packets = Family(name: "rtprelayd_packets_total", type: "counter",
                                help: "Packets received from (in) and sent to (out) endpoints, by protocol (rtp, rtcp).")
    static let bytes = Family(name: "rtprelayd_bytes_total", type: "counter",
                              help: "Bytes received from (in) and sent to (out) endpoints, by protocol (rtp, rtcp).")
    static let dropped = Family(name: "rtprelayd_dropped_packets_total", type: "counter",
                                help: "Packets dropped, by reason (foreign_source, malformed, no_destination, srtp_auth, srtp_replay).")
    static let callMOS = Family(name: "rtprelayd_call_mos", type: "histogram",
                                help: "MOS of ended calls (the worst direction's average).")
    static let portsInUse = Family(name: "rtprelayd_ports_in_use", type: "gauge", help: "Local media ports bound now.")
    static let ngRequests = Family(name: "rtprelayd_ng_requests_total", type: "counter",
                                   help: "ng requests by command (including failed ones).")
    static let ngErrors = Family(name: "rtprelayd_ng_errors_total", type: "counter",
                                 help: "ng error replies by error-reason.")

    static let all = [sessions, sessionsCreated, sessionsEnded, sessionsRejected, transcoded, transcodedTotal,
                      packets, bytes, dropped, callMOS, portsInUse, ngRequests, ngErrors]

    /// MOS histogram upper bounds (1…4.5 by 0.5; above 4.5 falls in +Inf).
    static let mosBuckets: [Double] = [1, 1.5, 2, 2.5, 3, 3.5, 4, 4.5]

    /// Puts each family's `# HELP` line before its `# TYPE` line (the metrics factory registers no help text).
    static func addingHelp(to exposition: String) -> String {
        let help = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0.help) })
        var out = ""
        out.reserveCapacity(exposition.utf8.count + all.count * 100)
        for line in exposition.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE ") {
                let name = line.dropFirst(7).prefix { $0 != " " }
                if let text = help[String(name)] { out += "# HELP \(name) \(text)\n" }
            }
            out += line
            out += "\n"
        }
        // split keeps a trailing empty piece for the final newline; drop the extra one added for it.
        if out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }
}
