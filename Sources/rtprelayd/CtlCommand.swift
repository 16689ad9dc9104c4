import ArgumentParser
import ControlProtocol
#if canImport(Glibc)
import Glibc
#endif

/// `rtprelayd ctl`: looks at and steers a running daemon over its own ng port (loopback by default), with the
/// commands any ng client has: `list` + `query` for calls, `statistics` for totals, `delete` to terminate.
struct CtlCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ctl",
        abstract: "Inspect and control a running rtprelayd over its ng port.",
        subcommands: [List.self, Show.self, Totals.self, Terminate.self])

    struct Options: ParsableArguments {
        @Option(help: ArgumentHelp("The daemon's ng address IP:PORT.", valueName: "address"))
        var server = "127.0.0.1:22222"

        @Option(help: "Seconds to wait for a reply.")
        var timeout: Double = 2

        @Flag(help: "Print the daemon's replies as JSON instead of a table.")
        var json = false

        func client() throws(CtlError) -> NGControlClient {
            guard timeout > 0, timeout.isFinite else { throw .badServer("--timeout must be a positive number of seconds") }
            return try NGControlClient(server: server, timeout: timeout)
        }
    }

    static func print(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
    }

    static func json(_ value: BencodeValue) -> String { String(decoding: NGJSON.encode(value), as: UTF8.self) }

    static func nowSeconds() -> Int64 { Int64(time(nil)) }

    /// `result: ok` or the daemon's error as a CtlError.
    static func checked(_ reply: BencodeDictionary, callID: String? = nil) throws(CtlError) -> BencodeDictionary {
        switch reply["result"]?.stringValue {
        case "ok", "pong": return reply
        case "error":
            let reason = reply["error-reason"]?.stringValue ?? "error"
            if let callID, reason == NGError.unknownCallID.reason { throw .unknownCall(callID) }
            throw .failed("rtprelayd answered: \(reason)")
        default:
            throw .badReply("result \(reply["result"]?.stringValue ?? "missing")")
        }
    }

    /// The stats tree of one call (nil when it ended between `list` and `query`).
    static func query(_ client: NGControlClient, _ callID: String) throws(CtlError) -> BencodeDictionary? {
        let reply = try client.request(["command": "query", "call-id": .text(callID)])
        do {
            return try checked(reply, callID: callID)
        } catch .unknownCall {
            return nil
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Calls with their parties, codecs and live MOS.")
        @OptionGroup var options: Options
        @Option(help: "At most this many calls (oldest first).") var limit = 1000

        func run() throws {
            let client = try options.client()
            let listed = try CtlCommand.checked(try client.request(["command": "list", "limit": .integer(Int64(max(0, limit)))]))
            let callIDs = (listed["calls"]?.listValue ?? []).compactMap(\.stringValue)
            var trees: [(String, BencodeDictionary)] = []
            for callID in callIDs {
                if let tree = try CtlCommand.query(client, callID) { trees.append((callID, tree)) }
            }
            if options.json {
                let calls: [BencodeValue] = trees.map { callID, tree in
                    var entry: BencodeDictionary = ["call-id": .text(callID)]
                    for (key, value) in tree.entries where key != Array("result".utf8) { entry.append(key, value) }
                    return .dictionary(entry)
                }
                CtlCommand.print(CtlCommand.json(.dictionary(["calls": .list(calls)])))
                return
            }
            guard !trees.isEmpty else {
                CtlCommand.print("no calls")
                return
            }
            let now = CtlCommand.nowSeconds()
            let rows = trees.flatMap { CallView(callID: $0.0, tree: $0.1).tableRows(nowSeconds: now) }
            CtlCommand.print(TextTable.render(header: CallView.tableHeader, rows: rows))
            CtlCommand.print("\(trees.count) call\(trees.count == 1 ? "" : "s")")
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One call in detail.")
        @OptionGroup var options: Options
        @Argument(help: "The call's Call-ID.") var callID: String

        func run() throws {
            let client = try options.client()
            guard let tree = try CtlCommand.query(client, callID) else { throw CtlError.unknownCall(callID) }
            if options.json {
                CtlCommand.print(CtlCommand.json(.dictionary(tree)))
            } else {
                CtlCommand.print(CallView(callID: callID, tree: tree).details(nowSeconds: CtlCommand.nowSeconds()))
            }
        }
    }

    struct Totals: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Session and request totals since start.")
        @OptionGroup var options: Options

        func run() throws {
            let client = try options.client()
            let reply = try CtlCommand.checked(try client.request(["command": "statistics"]))
            let statistics = reply["statistics"]?.dictValue ?? BencodeDictionary()
            if options.json {
                CtlCommand.print(CtlCommand.json(.dictionary(statistics)))
                return
            }
            CtlCommand.print(TotalsView(statistics).text)
        }
    }

    struct Terminate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "End a call now (ng delete of the whole call).")
        @OptionGroup var options: Options
        @Argument(help: "The call's Call-ID.") var callID: String

        func run() throws {
            let client = try options.client()
            // Whole call (no from-tag), no delete delay; `fatal` turns "not found" into an error reply.
            let reply = try client.request(["command": "delete", "call-id": .text(callID), "delete delay": 0,
                                            "flags": ["fatal"]])
            if reply["result"]?.stringValue == "error",
               reply["error-reason"]?.stringValue == "Call-ID not found or tags didn't match" {
                throw CtlError.unknownCall(callID)
            }
            let tree = try CtlCommand.checked(reply, callID: callID)
            if options.json {
                CtlCommand.print(CtlCommand.json(.dictionary(tree)))
            } else {
                CtlCommand.print("terminated \(callID)")
            }
        }
    }
}

/// The `statistics` reply (rtpengine's `list jsonstats` keys) as lines of text.
struct TotalsView {
    let statistics: BencodeDictionary

    init(_ statistics: BencodeDictionary) { self.statistics = statistics }

    var text: String {
        let current = statistics["currentstatistics"]?.dictValue ?? BencodeDictionary()
        let total = statistics["totalstatistics"]?.dictValue ?? BencodeDictionary()
        let control = statistics["controlstatistics"]?.dictValue ?? BencodeDictionary()
        func number(_ dict: BencodeDictionary, _ key: String) -> String {
            dict[key]?.intValue.map(String.init) ?? dict[key]?.stringValue ?? "-"
        }
        let requests = StatisticsKeys.commands.map { "\($0.0) \(number(control, "total" + $0.1))" }.joined(separator: ", ")
        return [
            "current sessions: \(number(current, "sessionstotal"))",
            "managed sessions: \(number(total, "managedsessions"))",
            "ended by delete: \(number(total, "regularterminatedsessions"))",
            "ended by timeout: \(number(total, "timeoutsessions")) (silent \(number(total, "silenttimeoutsessions")), offer \(number(total, "offertimeoutsessions")))",
            "rejected sessions: \(number(total, "rejectedsessions"))",
            "average call duration: \(number(total, "avgcallduration")) s",
            "total call duration: \(number(total, "totalcallsduration")) s",
            "ng requests: \(requests)",
            "ng errors: \(number(control, "totalerrorcount"))",
        ].joined(separator: "\n")
    }
}

/// rtpengine's per-command counter names in `controlstatistics`, as the daemon writes them.
enum StatisticsKeys {
    static let commands: [(String, String)] = [
        ("ping", "pingcount"), ("offer", "offercount"), ("answer", "answercount"), ("delete", "deletecount"),
        ("query", "querycount"), ("list", "listcount"), ("statistics", "statistics"),
    ]
}
