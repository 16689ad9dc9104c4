import Foundation
import Testing

/// `rtprelayd ctl` against a real daemon: list, show, totals, terminate, JSON output, and the errors an operator
/// meets (unknown call, nothing listening, nothing answering).
@Suite("rtprelayd ctl")
struct CtlCommandTests {
    struct Run {
        var status: Int32?
        var output: String
        var errors: String
        var seconds: Double
    }

    static func ctl(_ arguments: [String]) throws -> Run {
        let directory = try TemporaryDirectory("ctl")
        let start = TestClock.now()
        let process = try ChildProcess.spawn(try BuiltProducts.rtprelayd(), ["ctl"] + arguments,
                                             directory: directory.path, name: "ctl")
        let status = process.waitForExit(timeout: 20)
        if status == nil { process.stop(signal: 9) }
        return Run(status: status, output: process.standardOutput, errors: process.standardError,
                   seconds: TestClock.now() - start)
    }

    @Test("list, show, totals and terminate of a live call with MOS; JSON output parses")
    func inspectAndTerminate() throws {
        let relay = try RelayProcess(.rtprelayd)
        let server = "--server=127.0.0.1:\(relay.ngPort)"
        let client = try relay.client()
        let callID = "ctl-\(UInt32.random(in: 0...UInt32.max))"
        let c = try CallRecordsEndToEndTests.call(client, callID)
        try CallRecordsEndToEndTests.talk(c, count: 60)
        TestClock.sleep(0.2)

        let list = try Self.ctl(["list", server])
        #expect(list.status == 0, "\(list.errors)")
        let rows = list.output.split(separator: "\n").map(String.init)
        #expect(rows.first?.hasPrefix("CALL-ID") == true)
        let callerRow = try #require(rows.first { $0.hasPrefix(callID) }, "\(list.output)")
        #expect(callerRow.contains("caller") && callerRow.contains("PCMU/8000") && callerRow.contains("127.0.0.1:\(c.a.port)"))
        #expect(callerRow.contains("60"))
        #expect(callerRow.contains("(observed)"), "\(callerRow)")
        #expect(rows.contains { $0.contains("callee") && $0.contains("127.0.0.1:\(c.b.port)") })
        #expect(rows.last == "1 call")

        let json = try Self.ctl(["list", server, "--json"])
        #expect(json.status == 0)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let calls = try #require(document["calls"] as? [[String: Any]])
        #expect(calls.count == 1 && calls.first?["call-id"] as? String == callID)
        #expect((calls.first?["tags"] as? [String: Any])?.keys.sorted() == ["callee", "caller"])

        let show = try Self.ctl(["show", callID, server])
        #expect(show.status == 0)
        #expect(show.output.contains("call-id: \(callID)"))
        #expect(show.output.contains("codec: PCMU/8000"))
        #expect(show.output.contains("rtp packets in/out: 60/60"))
        let mosLine = try #require(show.output.split(separator: "\n").first { $0.contains("mos: ") })
        let mos = Double(mosLine.split(separator: " ").dropFirst().first ?? "")
        #expect(mos.map { (4.0...4.5).contains($0) } == true, "\(mosLine)")

        let totals = try Self.ctl(["totals", server])
        #expect(totals.status == 0)
        #expect(totals.output.contains("current sessions: 1"))
        #expect(totals.output.contains("managed sessions: 1"))
        #expect(totals.output.contains("offer 1, answer 1"))

        let terminate = try Self.ctl(["terminate", callID, server])
        #expect(terminate.status == 0, "\(terminate.errors)")
        #expect(terminate.output.contains("terminated \(callID)"))
        #expect(try !client.listCalls().contains(callID))
        #expect(try Self.ctl(["list", server]).output.contains("no calls"))

        let again = try Self.ctl(["terminate", callID, server])
        #expect(again.status == 1)
        #expect(again.errors.contains("unknown call '\(callID)'"))
        let unknown = try Self.ctl(["show", "no-such-call", server])
        #expect(unknown.status == 1)
        #expect(unknown.errors.contains("unknown call 'no-such-call'"))
    }

    @Test("a port nobody listens on and a daemon that never answers give clear errors, not a hang")
    func unreachableDaemon() throws {
        let port = try LoopbackPorts.freeUDPPort()
        let refused = try Self.ctl(["list", "--server=127.0.0.1:\(port)"])
        #expect(refused.status == 1)
        #expect(refused.errors.contains("127.0.0.1:\(port)"), "\(refused.errors)")
        #expect(refused.seconds < 5)

        // Something holds the port but never replies: the 2 s default timeout ends the wait.
        let silent = try UDPSocket()
        let mute = try Self.ctl(["totals", "--server=127.0.0.1:\(silent.port)"])
        #expect(mute.status == 1)
        #expect(mute.errors.contains("no reply from 127.0.0.1:\(silent.port) within 2.0 s"), "\(mute.errors)")
        #expect(mute.seconds >= 1.9 && mute.seconds < 10)
        #expect(silent.receive(timeout: 0.1) != nil)

        let bad = try Self.ctl(["list", "--server=nonsense"])
        #expect(bad.status != 0)
    }
}
