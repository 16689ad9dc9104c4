import Foundation
import Testing

/// `--call-records`: the real daemon writes one JSON line per ended call (delete, media timeout) with the call's
/// final figures, to a file (appended) or to stdout.
@Suite("call records written by the daemon")
struct CallRecordsEndToEndTests {
    /// An answered call between two loopback phones; returns the phones and the relay ports they send to.
    static func call(_ client: NGClient, _ callID: String) throws -> (a: UDPSocket, b: UDPSocket, towardsA: UInt16, towardsB: UInt16) {
        let a = try UDPSocket(), b = try UDPSocket()
        let offer = try client.command("offer", [("call-id", .string(callID)), ("from-tag", .string("caller")),
                                                 ("sdp", .string(SampleSDP.audio(port: a.port)))])
        let answer = try client.command("answer", [("call-id", .string(callID)), ("from-tag", .string("caller")),
                                                   ("to-tag", .string("callee")), ("sdp", .string(SampleSDP.audio(port: b.port)))])
        let offered = SDPSummary(offer["sdp"]?.text ?? ""), answered = SDPSummary(answer["sdp"]?.text ?? "")
        let towardsB = try #require(offered.audioPort)
        let towardsA = try #require(answered.audioPort)
        return (a, b, towardsA, towardsB)
    }

    /// `count` packets each way, 20 ms apart (past one second, so the relay publishes a quality sample).
    static func talk(_ c: (a: UDPSocket, b: UDPSocket, towardsA: UInt16, towardsB: UInt16), count: Int) throws {
        for seq in 1...count {
            try c.a.send(TestRTP.packet(sequence: UInt16(seq), ssrc: 0xA, marker: 1), to: "127.0.0.1", port: c.towardsA)
            try c.b.send(TestRTP.packet(sequence: UInt16(seq), ssrc: 0xB, marker: 2), to: "127.0.0.1", port: c.towardsB)
            #expect(c.b.receive(timeout: 1) != nil && c.a.receive(timeout: 1) != nil)
            TestClock.sleep(0.02)
        }
    }

    /// The JSON lines of `path` once there are `count`, within `timeout` seconds.
    static func lines(_ path: String, count: Int, timeout: Double) -> [[String: Any]] {
        let deadline = TestClock.now() + timeout
        while true {
            let lines = ChildProcess.read(path).split(separator: "\n")
            if lines.count >= count || TestClock.now() > deadline {
                return lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            }
            TestClock.sleep(0.05)
        }
    }

    @Test("a deleted call and a timed-out call each leave one JSON line with their figures")
    func deleteAndTimeoutAreRecorded() throws {
        let directory = try TemporaryDirectory("records")
        let path = "\(directory.path)/calls.jsonl"
        // The file exists already: records are appended, never truncate it.
        _ = try directory.write("calls.jsonl", "{\"earlier\":true}\n")
        let relay = try RelayProcess(.rtprelayd, extraArguments: ["--call-records=\(path)", "--timeout=2"])
        let client = try relay.client()
        let callID = "record-\(UInt32.random(in: 0...UInt32.max))"
        let c = try Self.call(client, callID)
        try Self.talk(c, count: 60)
        TestClock.sleep(0.2)
        let deleted = try client.command("delete", [("call-id", .string(callID)), ("from-tag", .string("caller"))])
        #expect(deleted["result"]?.text == "ok")

        let records = Self.lines(path, count: 2, timeout: 5)
        #expect(records.count == 2, "file: \(ChildProcess.read(path))\nrelay log: \(relay.log.suffix(2000))")
        #expect(records.first?["earlier"] as? Bool == true)
        let record = try #require(records.last)
        #expect(record["call_id"] as? String == callID)
        #expect(record["tags"] as? [String] == ["caller", "callee"])
        #expect(record["end_reason"] as? String == "delete")
        let duration = try #require(record["duration_s"] as? Double)
        #expect(duration > 1 && duration < 30)
        let start = try #require((record["start_unix_ms"] as? NSNumber)?.int64Value)
        let end = try #require((record["end_unix_ms"] as? NSNumber)?.int64Value)
        #expect(abs(Double(end - start) / 1000 - duration) < 0.01)
        #expect(abs(Double(end) / 1000 - Date().timeIntervalSince1970) < 30)
        #expect((record["start"] as? String)?.hasSuffix("Z") == true)
        let legs = try #require(record["legs"] as? [[String: Any]])
        #expect(legs.count == 2)
        for (leg, phone) in zip(legs, [c.a, c.b]) {
            let media = try #require((leg["medias"] as? [[String: Any]])?.first)
            #expect(media["codec"] as? String == "PCMU/8000")
            #expect((media["remote"] as? [String: Any])?["port"] as? Int == Int(phone.port))
            let rtp = try #require(media["rtp"] as? [String: [String: Int]])
            #expect(rtp["in"]?["packets"] == 60, "\(rtp)")
            #expect(rtp["in"]?["bytes"] == 60 * 172)
            #expect(rtp["out"]?["packets"] == 60, "\(rtp)")
            let quality = try #require(media["quality"] as? [String: Any], "\(media)")
            #expect(quality["lost"] as? Int == 0)
            // Quality figures are the worker's latest publication (about a second after the first packet), not
            // counted at the end: how many packets it had seen by then depends on the pacing on a loaded machine.
            #expect((1...60).contains(quality["expected"] as? Int ?? 0), "\(quality)")
            let mos = try #require(quality["mos"] as? [String: Any], "\(quality)")
            #expect(mos["source"] as? String == "observed")
            let average = try #require(mos["avg"] as? Double)
            #expect((4.0...4.5).contains(average))
            #expect((mos["min"] as? Double ?? 0) <= average && average <= (mos["max"] as? Double ?? 0))
        }

        // No media at all: the media timeout (2 s) ends it, and that is recorded too.
        let silentID = "record-silent-\(UInt32.random(in: 0...UInt32.max))"
        _ = try Self.call(client, silentID)
        let after = Self.lines(path, count: 3, timeout: 8)
        let timedOut = try #require(after.count == 3 ? after.last : nil, "no timeout record: \(ChildProcess.read(path))")
        #expect(timedOut["call_id"] as? String == silentID)
        #expect(timedOut["end_reason"] as? String == "timeout")
        let silentMedia = (timedOut["legs"] as? [[String: Any]])?.first?["medias"] as? [[String: Any]]
        #expect((silentMedia?.first?["rtp"] as? [String: [String: Int]])?["in"]?["packets"] == 0)
        #expect(silentMedia?.first?["quality"] is NSNull)
    }

    @Test("call-records set in the config file; '-' writes the lines to standard output")
    func recordsToStandardOutput() throws {
        let directory = try TemporaryDirectory("records-config")
        let config = try directory.write("rtprelayd.conf", "[rtprelayd]\ncall-records = -\n")
        let relay = try RelayProcess(.rtprelayd, extraArguments: ["--config-file=\(config)"])
        let client = try relay.client()
        let callID = "record-stdout-\(UInt32.random(in: 0...UInt32.max))"
        _ = try Self.call(client, callID)
        _ = try client.command("delete", [("call-id", .string(callID))])
        let deadline = TestClock.now() + 5
        while !relay.process.standardOutput.contains(callID), TestClock.now() < deadline { TestClock.sleep(0.05) }
        let line = try #require(relay.process.standardOutput.split(separator: "\n").first { $0.contains(callID) })
        let record = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        #expect(record["end_reason"] as? String == "delete")
        #expect(record["tags"] as? [String] == ["caller", "callee"])
    }
}
