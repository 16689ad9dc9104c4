#if canImport(Glibc)
import Glibc
#endif
import Testing

/// rtprelayd as a process: the ng port being taken, configuration from a file, and a clean stop.
@Suite("rtprelayd process lifecycle")
struct DaemonLifecycleTests {
    @Test("an ng port already in use stops start-up with one line and a non-zero exit")
    func ngPortInUse() throws {
        let squatter = try UDPSocket(address: "127.0.0.1", port: 0)
        let media = try LoopbackPorts.freeMediaRange(count: 20)
        let stderr = try DaemonStartupTests.failingStart([
            "--listen-ng=127.0.0.1:\(squatter.port)", "--interface=127.0.0.1",
            "--port-min=\(media.lowerBound)", "--port-max=\(media.upperBound)",
        ])
        let line = try #require(DaemonStartupTests.errorLine(stderr), "expected one error line, got: \(stderr)")
        #expect(line == "rtprelayd: error: cannot listen for ng on 127.0.0.1:\(squatter.port): Address already in use")
        #expect(BoundPorts.udp(in: media).isEmpty, "media ports left bound after a failed start")
    }

    @Test("SIGTERM with calls up: exit 0, every media port free again")
    func sigtermReleasesPorts() throws {
        let relay = try RelayProcess(.rtprelayd)
        let client = try relay.client()
        var relayPorts: [UInt16] = []
        for index in 0..<3 {
            let callID = "term-\(index)-\(UInt32.random(in: 0...UInt32.max))"
            let offer = try client.command("offer", [("call-id", .string(callID)), ("from-tag", .string("a\(index)")),
                                                     ("sdp", .string(SampleSDP.audio(port: 8000 + UInt16(index) * 2)))])
            let answer = try client.command("answer", [("call-id", .string(callID)), ("from-tag", .string("a\(index)")),
                                                       ("to-tag", .string("b\(index)")),
                                                       ("sdp", .string(SampleSDP.audio(port: 9000 + UInt16(index) * 2)))])
            for reply in [offer, answer] {
                #expect(reply["result"]?.text == "ok", "\(reply)")
                if let port = SDPSummary(reply["sdp"]?.text ?? "").audioPort { relayPorts.append(port) }
            }
        }
        #expect(relayPorts.count == 6)
        #expect(!BoundPorts.udp(in: relay.mediaPorts).isEmpty)

        #expect(relay.process.stop(signal: SIGTERM, timeout: 10) == 0, "log: \(relay.log.suffix(2000))")
        #expect(BoundPorts.udp(in: relay.mediaPorts).isEmpty)
        for port in relayPorts {
            #expect(throws: Never.self, "relay port \(port) still taken") {
                _ = try UDPSocket(address: "127.0.0.1", port: port)
                _ = try UDPSocket(address: "127.0.0.1", port: port + 1)
            }
        }
        #expect(relay.log.contains("rtprelayd stopped"))
    }

    @Test("SIGINT stops it cleanly too")
    func sigintStops() throws {
        let relay = try RelayProcess(.rtprelayd)
        #expect(relay.process.stop(signal: SIGINT, timeout: 10) == 0)
    }

    @Test("a config file sets listen-ng and the port range; flags override it")
    func configFile() throws {
        let directory = try TemporaryDirectory("configfile")
        let fileRange = try LoopbackPorts.freeMediaRange(count: 20)
        let ngPort = try LoopbackPorts.freeUDPPort()
        let path = try directory.write("rtprelayd.conf", """
            # rtpengine-style file; other sections and unknown keys are ignored
            [rtpengine]
            listen-ng = 127.0.0.1:1
            [rtprelayd]
            interface = 127.0.0.1
            listen-ng = 127.0.0.1:\(ngPort)
            port-min = \(fileRange.lowerBound)
            port-max = \(fileRange.upperBound)
            delete-delay = 0
            table = -1
            listen-http = off

            """)
        let process = try ChildProcess.spawn(try BuiltProducts.rtprelayd(), ["--config-file=\(path)", "--log-level=7"],
                                             directory: directory.path, name: "rtprelayd")
        defer { process.stop() }
        let client = try NGClient(port: ngPort)
        var answered = false
        let deadline = TestClock.now() + 10
        while !answered, TestClock.now() < deadline, process.isRunning {
            answered = (try? client.ping()) == true
        }
        #expect(answered, "no pong on the config file's listen-ng: \(process.standardError.suffix(2000))")
        let offer = try client.command("offer", [("call-id", .string("cfg-1")), ("from-tag", .string("x")),
                                                 ("sdp", .string(SampleSDP.audio(port: 5004)))])
        let offered = SDPSummary(offer["sdp"]?.text ?? "")
        let port = try #require(offered.audioPort, "\(offer)")
        #expect(fileRange.contains(port))
        #expect(process.standardError.contains("config file key ignored"))

        // A flag beats the file: same file, a different range on the command line.
        let flagRange = try LoopbackPorts.freeMediaRange(count: 20)
        let ngPort2 = try LoopbackPorts.freeUDPPort()
        let second = try ChildProcess.spawn(try BuiltProducts.rtprelayd(), [
            "--config-file=\(path)", "--listen-ng=127.0.0.1:\(ngPort2)",
            "--port-min=\(flagRange.lowerBound)", "--port-max=\(flagRange.upperBound)",
        ], directory: directory.path, name: "rtprelayd2")
        defer { second.stop() }
        let client2 = try NGClient(port: ngPort2)
        answered = false
        while !answered, TestClock.now() < deadline + 10, second.isRunning {
            answered = (try? client2.ping()) == true
        }
        #expect(answered)
        let offer2 = try client2.command("offer", [("call-id", .string("cfg-2")), ("from-tag", .string("x")),
                                                   ("sdp", .string(SampleSDP.audio(port: 5006)))])
        let offered2 = SDPSummary(offer2["sdp"]?.text ?? "")
        let port2 = try #require(offered2.audioPort, "\(offer2)")
        #expect(flagRange.contains(port2))
    }
}

extension DaemonLifecycleTests {
    @Test("ng over IPv6: --listen-ng=[::1]:PORT answers from ::1")
    func ipv6Listener() throws {
        let directory = try TemporaryDirectory("ipv6")
        let media = try LoopbackPorts.freeMediaRange(count: 20)
        let port = try UDPSocket(address: "::1", port: 0).port  // released at once, for the daemon to take
        let process = try ChildProcess.spawn(try BuiltProducts.rtprelayd(), [
            "--listen-ng=[::1]:\(port)", "--interface=127.0.0.1", "--listen-http=off",
            "--port-min=\(media.lowerBound)", "--port-max=\(media.upperBound)",
        ], directory: directory.path, name: "rtprelayd")
        defer { process.stop() }
        let client = try NGClient(host: "::1", port: port)
        var answered = false
        let deadline = TestClock.now() + 10
        while !answered, TestClock.now() < deadline, process.isRunning {
            answered = (try? client.ping()) == true
        }
        #expect(answered, "\(process.standardError.suffix(2000))")
    }
}

extension DaemonLifecycleTests {
    /// Offers one call; true if `list` then shows it.
    static func offerOneCall(_ client: NGClient, callID: String) throws -> Bool {
        let offer = try client.command("offer", [("call-id", .string(callID)), ("from-tag", .string("caller")),
                                                 ("sdp", .string(SampleSDP.audio(port: 5010)))])
        #expect(offer["result"]?.text == "ok", "\(offer)")
        return try client.listCalls().contains(callID)
    }

    /// Polls until `condition` holds or `timeout` passes.
    static func eventually(timeout: Double, _ condition: () throws -> Bool) rethrows -> Bool {
        let deadline = TestClock.now() + timeout
        while TestClock.now() < deadline {
            if try condition() { return true }
            TestClock.sleep(0.1)
        }
        return try condition()
    }

    @Test("the once-a-second tick runs the engine's timers: an unanswered offer ends after --offer-timeout and frees its ports")
    func offerTimeoutFiresFromTheDaemonTick() throws {
        let relay = try RelayProcess(.rtprelayd, extraArguments: ["--offer-timeout=1"])
        let client = try relay.client()
        let callID = "offer-timeout-\(UInt32.random(in: 0...UInt32.max))"
        #expect(try Self.offerOneCall(client, callID: callID), "call not listed after its offer")
        #expect(!BoundPorts.udp(in: relay.mediaPorts).isEmpty)
        // Timeout 1 s, ticks every 1 s: gone within about 2 s; allow for a loaded machine.
        #expect(try Self.eventually(timeout: 6) { try !client.listCalls().contains(callID) }, "call still listed")
        #expect(Self.eventually(timeout: 2) { BoundPorts.udp(in: relay.mediaPorts).isEmpty }, "ports still bound")
        #expect(relay.log.contains("reason=offerTimeout"), "no call-end log line: \(relay.log.suffix(1500))")
    }

    @Test("an answered call without media ends after --timeout")
    func mediaTimeoutFiresFromTheDaemonTick() throws {
        let relay = try RelayProcess(.rtprelayd, extraArguments: ["--timeout=1"])
        let client = try relay.client()
        let callID = "media-timeout-\(UInt32.random(in: 0...UInt32.max))"
        #expect(try Self.offerOneCall(client, callID: callID))
        let answer = try client.command("answer", [("call-id", .string(callID)), ("from-tag", .string("caller")),
                                                   ("to-tag", .string("callee")), ("sdp", .string(SampleSDP.audio(port: 5020)))])
        #expect(answer["result"]?.text == "ok", "\(answer)")
        #expect(try Self.eventually(timeout: 6) { try !client.listCalls().contains(callID) }, "call still listed")
        #expect(Self.eventually(timeout: 2) { BoundPorts.udp(in: relay.mediaPorts).isEmpty }, "ports still bound")
        #expect(relay.log.contains("reason=mediaTimeout"), "no call-end log line: \(relay.log.suffix(1500))")
    }

    @Test("calls ended in one tick each get one whole call-end log line (the tick writes them in batches)")
    func callEndLinesOfOneTickStayWhole() throws {
        let relay = try RelayProcess(.rtprelayd)
        let client = try relay.client()
        let prefix = "tick-batch-\(UInt32.random(in: 0...UInt32.max))-"
        // 60 lines of ~130 bytes: more than one PIPE_BUF-sized batch.
        let count = 60
        for i in 0..<count {
            let callID = "\(prefix)\(i)"
            #expect(try Self.offerOneCall(client, callID: callID))
            let delete = try client.command("delete", [("call-id", .string(callID)), ("from-tag", .string("caller"))])
            #expect(delete["result"]?.text == "ok", "\(delete)")
        }
        let ended = { relay.log.split(separator: "\n").filter { $0.contains("msg=\"call ended\"") && $0.contains(prefix) } }
        #expect(Self.eventually(timeout: 5) { ended().count == count }, "\(relay.log.suffix(3000))")
        for line in ended() {
            #expect(line.hasPrefix("20") && line.contains("level=info") && line.hasSuffix("reason=deleted"), "\(line)")
            #expect(line.components(separatedBy: "msg=").count == 2, "two lines run together: \(line)")
        }
        let ids = Set(ended().compactMap { line in line.split(separator: " ").first { $0.hasPrefix("call_id=") } })
        #expect(ids.count == count)
    }
}
