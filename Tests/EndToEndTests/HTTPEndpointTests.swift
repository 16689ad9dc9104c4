#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The daemon's HTTP side against a real relay: Prometheus text that parses and moves with real RTP, the JSON API,
/// the event stream, 404s, and the listener's life with the process.
@Suite("HTTP: metrics, API, events")
struct HTTPEndpointTests {
    static func metrics(_ relay: RelayProcess) throws -> PrometheusText {
        let response = try HTTPTestClient.get(port: try #require(relay.httpPort), "/metrics")
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
        return try PrometheusText(parsing: response.body)
    }

    static func json(_ relay: RelayProcess, _ path: String) throws -> (Int, Any?) {
        let response = try HTTPTestClient.get(port: try #require(relay.httpPort), path)
        return (response.status, try? JSONSerialization.jsonObject(with: Data(response.body.utf8)))
    }

    @Test("/metrics parses as Prometheus text, every family documented in the README, and counters move with a call")
    func metricsMoveWithRealCall() throws {
        let relay = try RelayProcess(.rtprelayd)
        let before = try Self.metrics(relay)
        // Every family the daemon exports is in the README's Metrics table, with its type.
        let readme = try String(contentsOfFile: Self.readmePath(), encoding: .utf8)
        for (name, type) in before.types {
            #expect(readme.contains("| `\(name)` | \(type) |"), "README Metrics table lacks \(name) (\(type))")
            #expect(before.help[name]?.isEmpty == false, "\(name) has no HELP line")
        }
        // The codec-pair and error families appear with their first series (see transcodedCallAndErrors).
        #expect(before.types.count == 10)
        #expect(before.value("rtprelayd_sessions") == 0)
        #expect(before.value("rtprelayd_packets_total", ["protocol": "rtp", "direction": "in"]) == 0)

        let call = try RelayedCall(relay: relay, callID: "metrics-\(UInt32.random(in: 0...UInt32.max))")
        let sent = try call.exchange(count: 60)
        // The workers fold quality once a second: wait past it and send once more so a MOS sample exists.
        TestClock.sleep(1.1)
        try call.exchange(count: 1)
        // A malformed datagram on a call's port is a counted drop.
        try call.phoneA.send([0x00, 0x01], to: "127.0.0.1", port: call.towardsB)
        TestClock.sleep(0.1)

        let during = try Self.metrics(relay)
        let rtpIn = try #require(during.value("rtprelayd_packets_total", ["protocol": "rtp", "direction": "in"]))
        let rtpOut = try #require(during.value("rtprelayd_packets_total", ["protocol": "rtp", "direction": "out"]))
        #expect(rtpIn == Double(sent.fromA + sent.fromB + 2))
        #expect(rtpOut == rtpIn)
        #expect(during.value("rtprelayd_bytes_total", ["protocol": "rtp", "direction": "in"]) == rtpIn * 172)
        #expect(during.value("rtprelayd_dropped_packets_total", ["reason": "malformed"]) == 1)
        #expect(during.value("rtprelayd_sessions") == 1)
        #expect(during.value("rtprelayd_sessions_created_total") == 1)
        #expect(during.value("rtprelayd_ng_requests_total", ["command": "offer"]) == 1)
        #expect(during.value("rtprelayd_ng_requests_total", ["command": "answer"]) == 1)
        #expect((during.value("rtprelayd_ports_in_use") ?? 0) >= 4)

        let deleted = try call.delete()
        #expect(deleted["result"]?.text == "ok")
        // delete-delay 0: the call goes at the next once-a-second tick. Its ports return once its worker closed the
        // sockets, which it does on its command timer (RelayConfiguration.commandDelay), a few ms after the delete.
        var after = try Self.metrics(relay)
        let deadline = TestClock.now() + 5
        while after.value("rtprelayd_sessions") != 0 || after.value("rtprelayd_call_mos_count") != 1
            || after.value("rtprelayd_ports_in_use") != 0, TestClock.now() < deadline {
            TestClock.sleep(0.2)
            after = try Self.metrics(relay)
        }
        #expect(after.value("rtprelayd_sessions") == 0)
        #expect(after.value("rtprelayd_sessions_ended_total", ["reason": "deleted"]) == 1)
        #expect(after.value("rtprelayd_ng_requests_total", ["command": "delete"]) == 1)
        #expect(after.value("rtprelayd_ports_in_use") == 0)
        // Counters keep what released streams relayed.
        #expect(after.value("rtprelayd_packets_total", ["protocol": "rtp", "direction": "in"]) == rtpIn)
        // A clean loopback call: one ended call in the MOS histogram, in the top bucket range (above 4).
        #expect(after.value("rtprelayd_call_mos_count") == 1)
        #expect(after.value("rtprelayd_call_mos_bucket", ["le": "4.0"]) == 0)
        #expect(after.value("rtprelayd_call_mos_bucket", ["le": "+Inf"]) == 1)
        #expect((after.value("rtprelayd_call_mos_sum") ?? 0) > 4)
    }

    @Test("a transcoded call is counted under its codec pair; an ng error under its reason")
    func transcodedCallAndErrors() throws {
        let relay = try RelayProcess(.rtprelayd)
        // A speaks PCMU only; B is offered PCMA only and answers it: the relay transcodes PCMU ⇄ PCMA.
        let call = try RelayedCall(relay: relay, callID: "xcode-\(UInt32.random(in: 0...UInt32.max))",
                                   offerOptions: [("codec", .dictionary([(key: "transcode", value: .list([.string("PCMA")])),
                                                                         (key: "mask", value: .list([.string("PCMU")]))]))],
                                   payloadTypesA: [0], payloadTypesB: [8])
        try call.exchange(count: 10)
        let unknown = try relay.client().command("query", [("call-id", .string("no-such-call"))])
        let reason = try #require(unknown["error-reason"]?.text)
        // The transcoded count is sampled once a second.
        TestClock.sleep(1.2)
        let metrics = try Self.metrics(relay)
        #expect(metrics.value("rtprelayd_transcoded_sessions", ["codecs": "PCMU/8000>PCMA/8000"]) == 1, "\(metrics.samples.filter { $0.name.contains("transcoded") })")
        #expect(metrics.value("rtprelayd_transcoded_sessions_total", ["codecs": "PCMU/8000>PCMA/8000"]) == 1)
        #expect(metrics.value("rtprelayd_ng_errors_total", ["reason": reason]) == 1)
        #expect(metrics.value("rtprelayd_ng_requests_total", ["command": "query"]) == 1)
        let readme = try String(contentsOfFile: Self.readmePath(), encoding: .utf8)
        for (name, type) in metrics.types {
            #expect(readme.contains("| `\(name)` | \(type) |"), "README Metrics table lacks \(name) (\(type))")
        }
        #expect(metrics.types.count == 13)
        let (_, listed) = try Self.json(relay, "/api/calls/\(call.callID)")
        let parties = try #require((listed as? [String: Any])?["parties"] as? [[String: Any]])
        let medias = parties.compactMap { ($0["medias"] as? [[String: Any]])?.first }
        #expect(medias.map { $0["codec"] as? String } == ["PCMU/8000", "PCMA/8000"])
        #expect(medias.allSatisfy { $0["transcoding"] as? Bool == true })
    }

    @Test("/api/calls and /api/calls/{id} show the call with parties, addresses, codec and per-direction figures")
    func apiShowsTheCall() throws {
        let relay = try RelayProcess(.rtprelayd)
        let callID = "api-\(UInt32.random(in: 0...UInt32.max))"
        let call = try RelayedCall(relay: relay, callID: callID)
        try call.exchange(count: 40, lossEvery: 10)
        TestClock.sleep(1.1)
        try call.exchange(count: 1)

        let (status, listed) = try Self.json(relay, "/api/calls")
        #expect(status == 200)
        let calls = try #require(listed as? [[String: Any]])
        #expect(calls.count == 1)
        #expect(calls.first?["call_id"] as? String == callID)

        let (oneStatus, one) = try Self.json(relay, "/api/calls/\(callID)")
        #expect(oneStatus == 200)
        let snapshot = try #require(one as? [String: Any])
        let parties = try #require(snapshot["parties"] as? [[String: Any]])
        #expect(parties.map { $0["tag"] as? String } == ["caller", "callee"])
        let callerMedia = try #require((parties[0]["medias"] as? [[String: Any]])?.first)
        #expect(callerMedia["codec"] as? String == "PCMU/8000")
        // A's leg: the relay port A sends to (the one B's answer announced to A), and A's latched address.
        let local = try #require(callerMedia["local"] as? [String: Any])
        #expect(local["address"] as? String == "127.0.0.1" && local["port"] as? Int == Int(call.towardsB))
        let remote = try #require(callerMedia["remote"] as? [String: Any])
        #expect(remote["port"] as? Int == Int(call.phoneA.port))
        // 41 sequence numbers, every 10th skipped on A's side: 37 sent, 4 lost as the relay counts it.
        #expect((callerMedia["rtp_in"] as? [String: Any])?["packets"] as? Int == 37)
        let quality = try #require(callerMedia["quality"] as? [String: Any])
        #expect(quality["lost"] as? Int == 3 || quality["lost"] as? Int == 4, "\(quality)")
        #expect(quality["jitter_milliseconds"] is NSNumber)
        let observed = try #require(quality["relay_observed_mos"] as? [String: Any])
        #expect(observed["source"] as? String == "observed")
        let latest = try #require(observed["latest"] as? Double)
        #expect((1.0...4.5).contains(latest))
        #expect((callerMedia["rtp_out"] as? [String: Any])?["packets"] as? Int == 41)

        let (totalsStatus, totals) = try Self.json(relay, "/api/totals")
        #expect(totalsStatus == 200)
        let figures = try #require(totals as? [String: Any])
        #expect(figures["sessions"] as? Int == 1)
        #expect((figures["traffic"] as? [String: Any]).flatMap { $0["rtp_in"] as? [String: Any] }?["packets"] as? Int == 37 + 41)
    }

    @Test("/events yields one JSON snapshot at once and then one a second, with the live call")
    func eventsStream() throws {
        let relay = try RelayProcess(.rtprelayd)
        let call = try RelayedCall(relay: relay, callID: "events-\(UInt32.random(in: 0...UInt32.max))")
        try call.exchange(count: 5)
        let client = try HTTPTestClient(port: try #require(relay.httpPort))
        try client.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        let (status, headers) = try client.readHead()
        #expect(status == 200)
        #expect(headers["content-type"] == "text/event-stream")
        let started = TestClock.now()
        let events = try client.readEvents(count: 3, timeout: 6)
        #expect(events.count == 3)
        // The first comes at once, the next at the monitor's next tick, the third a second after that.
        #expect(TestClock.now() - started >= 0.9, "three events took under 0.9 s: not one a second")
        for event in events {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(event.utf8)) as? [String: Any])
            #expect((object["totals"] as? [String: Any])?["sessions"] as? Int == 1)
            let calls = try #require(object["calls"] as? [[String: Any]])
            #expect(calls.first?["call_id"] as? String == call.callID)
        }
    }

    @Test("unknown paths and unknown calls answer 404")
    func badPaths() throws {
        let relay = try RelayProcess(.rtprelayd)
        let port = try #require(relay.httpPort)
        for path in ["/nope", "/api", "/api/calls/no-such-call", "/metrics/extra", "/index.html"] {
            #expect(try HTTPTestClient.get(port: port, path).status == 404, "\(path)")
        }
        // The relay still serves after them.
        #expect(try HTTPTestClient.get(port: port, "/metrics").status == 200)
    }

    @Test("SIGTERM closes the HTTP port, with an event stream open, and the daemon exits 0")
    func portReleasedOnSIGTERM() throws {
        let relay = try RelayProcess(.rtprelayd)
        let port = try #require(relay.httpPort)
        let stream = try HTTPTestClient(port: port)
        try stream.send("GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        _ = try stream.readHead()
        #expect(try stream.readEvents(count: 1, timeout: 3).count == 1)
        #expect(HTTPTestClient.isListening(port: port))
        let status = relay.process.stop(signal: SIGTERM, timeout: 10)
        #expect(status == 0, "\(relay.log.suffix(2000))")
        #expect(!HTTPTestClient.isListening(port: port))
        #expect(relay.log.contains("rtprelayd stopped"))
    }

    @Test("--listen-http from the config file; off turns it off; a port in use is a start-up error")
    func listenSettings() throws {
        let directory = try TemporaryDirectory("http-config")
        let media = try LoopbackPorts.freeMediaRange(count: 20)
        let ngPort = try LoopbackPorts.freeUDPPort()
        let httpPort = try HTTPTestClient.freePort()
        let path = try directory.write("rtprelayd.conf", """
            [rtprelayd]
            interface = 127.0.0.1
            listen-ng = 127.0.0.1:\(ngPort)
            listen-http = 127.0.0.1:\(httpPort)
            port-min = \(media.lowerBound)
            port-max = \(media.upperBound)

            """)
        let process = try ChildProcess.spawn(try BuiltProducts.rtprelayd(), ["--config-file=\(path)"],
                                             directory: directory.path, name: "rtprelayd")
        defer { process.stop() }
        let deadline = TestClock.now() + 10
        while !HTTPTestClient.isListening(port: httpPort), TestClock.now() < deadline, process.isRunning { TestClock.sleep(0.05) }
        #expect(try HTTPTestClient.get(port: httpPort, "/api/totals").status == 200)

        // A second daemon wanting the same HTTP port fails at start, in one line.
        let stderr = try DaemonStartupTests.failingStart([
            "--config-file=\(path)", "--listen-ng=127.0.0.1:\(try LoopbackPorts.freeUDPPort())",
            "--port-min=\(media.lowerBound)", "--port-max=\(media.upperBound)",
        ])
        #expect(DaemonStartupTests.errorLine(stderr)?.contains("cannot listen for HTTP on 127.0.0.1:\(httpPort)") == true, "\(stderr)")

        // The flag beats the file: off.
        #expect(process.stop() == 0)
        let off = try ChildProcess.spawn(try BuiltProducts.rtprelayd(), ["--config-file=\(path)", "--listen-http=off"],
                                         directory: directory.path, name: "rtprelayd-off")
        defer { off.stop() }
        let client = try NGClient(port: ngPort)
        var answered = false
        while !answered, TestClock.now() < deadline + 10, off.isRunning { answered = (try? client.ping()) == true }
        #expect(answered)
        #expect(!HTTPTestClient.isListening(port: httpPort))
        #expect(off.standardError.contains("listen_http=off"))
    }

    /// README.md at the package root, found from this source file's path.
    static func readmePath(file: String = #filePath) -> String {
        var parts = file.split(separator: "/", omittingEmptySubsequences: false)
        while let last = parts.last, last != "Tests" { parts.removeLast() }
        parts.removeLast()
        return parts.joined(separator: "/") + "/README.md"
    }
}
