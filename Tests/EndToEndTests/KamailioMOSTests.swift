#if canImport(Glibc)
import Glibc
#endif
import RTPWire
import Testing

/// Kamailio's rtpengine module fills its `mos_*` pseudo-variables from the relay's `delete` reply after BYE: a call
/// with RTP and RTCP (SR with report blocks, so both legs' round trips exist) both ways through the relay, the
/// script logs the variables with xlog, and the test checks them against Kamailio's documented reading of the stats
/// tree (tags → medias → streams[0] SSRC → SSRC dict → average/lowest/highest MOS), taken from a `query` of the
/// same call just before the BYE.
@Suite("Kamailio mos_* pseudo-variables after BYE")
struct KamailioMOSTests {
    static let marker = "MOSREPORT"

    /// The variables of one call as xlog printed them.
    static func script() -> KamailioProcess.Extras {
        let names = ["min", "max", "average"]
        var modparams: [String] = []
        for name in names {
            modparams.append("modparam(\"rtpengine\", \"mos_\(name)_pv\", \"$avp(mos_\(name))\")")
            for figure in ["packetloss", "jitter", "roundtrip"] {
                modparams.append("modparam(\"rtpengine\", \"mos_\(name)_\(figure)_pv\", \"$avp(mos_\(name)_\(figure))\")")
            }
        }
        modparams += [
            "modparam(\"rtpengine\", \"mos_min_at_pv\", \"$avp(mos_min_at)\")",
            "modparam(\"rtpengine\", \"mos_average_samples_pv\", \"$avp(mos_average_samples)\")",
            // The label is a format string: a literal names the party directly.
            "modparam(\"rtpengine\", \"mos_A_label_pv\", \"caller\")",
            "modparam(\"rtpengine\", \"mos_average_A_pv\", \"$avp(mos_average_A)\")",
            "modparam(\"rtpengine\", \"mos_B_label_pv\", \"callee\")",
            "modparam(\"rtpengine\", \"mos_average_B_pv\", \"$avp(mos_average_B)\")",
        ]
        var fields = names.flatMap { name in
            ["mos_\(name)"] + ["packetloss", "jitter", "roundtrip"].map { "mos_\(name)_\($0)" }
        }
        fields += ["mos_min_at", "mos_average_samples", "mos_average_A", "mos_average_B"]
        let line = fields.map { "\($0)=$avp(\($0))" }.joined(separator: " ")
        return KamailioProcess.Extras(modparams: modparams, inviteFlags: "label=caller", replyFlags: "label=callee",
                                      afterBye: "xlog(\"L_NOTICE\", \"\(marker) \(line) END\\n\");")
    }

    /// `key=value` pairs of the xlog line.
    static func reported(in log: String) -> [String: String]? {
        guard let line = log.split(separator: "\n").last(where: { $0.contains(marker + " ") }) else { return nil }
        var values: [String: String] = [:]
        for pair in line.split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            if parts.count == 2 { values[String(parts[0])] = String(parts[1]) }
        }
        return values
    }

    static func integer(_ value: TestBencode?) -> Int64? {
        if case .integer(let v)? = value { return v }
        return nil
    }

    /// One MOS dict of an SSRC entry as Kamailio decodes it.
    struct Figures {
        var mos: Int64, loss: Int64, jitter: Int64, roundTrip: Int64, samples: Int64, at: Int64
        init?(_ dict: TestBencode?) {
            guard let dict, case .dictionary = dict, let mos = KamailioMOSTests.integer(dict["MOS"]) else { return nil }
            self.mos = mos
            loss = KamailioMOSTests.integer(dict["packet loss"]) ?? -1
            jitter = KamailioMOSTests.integer(dict["jitter"]) ?? -1
            roundTrip = KamailioMOSTests.integer(dict["round-trip time"]) ?? -1
            samples = KamailioMOSTests.integer(dict["samples"]) ?? -1
            at = KamailioMOSTests.integer(dict["reported at"]) ?? -1
        }
    }

    /// Kamailio's `x.y` spelling of MOS ×10.
    static func decimal(_ tenths: Int64) -> String { "\(tenths / 10).\(abs(tenths % 10))" }

    @Test("After BYE Kamailio's mos_min/max/average (and A/B by label) hold the relay's RTCP MOS of the call")
    func mosPseudoVariablesAfterBye() throws {
        let relay = try RelayProcess(.rtprelayd)
        let alice = try SIPPhone(user: "alice", rtcp: true)
        let bob = try SIPPhone(user: "bob", rtcp: true)
        let kamailio = try KamailioProcess(ngPort: relay.ngPort, uasPort: bob.sip.port, extras: Self.script())
        let proxy = kamailio.sipPort
        let callID = "kam-mos-\(UInt64.random(in: 0...UInt64.max))@127.0.0.1"
        func failureContext() -> String {
            "kamailio log:\n\(kamailio.process.standardError.suffix(4000))\nrelay log:\n\(relay.log.suffix(3000))"
        }

        try alice.send(alice.invite(bob, callID: callID), to: proxy)
        let invite = try #require(bob.receive { $0.method == "INVITE" }, "Bob got no INVITE. \(failureContext())")
        let towardsBob = try #require(SDPSummary(invite.message.body).audioPort)
        try bob.send(bob.response(200, "OK", to: invite.message, body: bob.sdp(sessionID: 2002)), to: invite.from.port)
        let ok = try #require(alice.receive { $0.statusCode == 200 && $0.cseqMethod == "INVITE" }, "no 200 OK. \(failureContext())")
        let towardsAlice = try #require(SDPSummary(ok.message.body).audioPort)
        let route: [(String, String)] = ok.message.values("Record-Route").reversed().map { ("Route", $0) }
        let bobContact = (ok.message.value("Contact") ?? "").strippingAngleBrackets
        let to = ok.message.value("To") ?? ""
        try alice.send(KamailioCallTests.inDialog("ACK", cseq: 1, from: alice, to: to, target: bobContact, route: route, callID: callID), to: proxy)
        #expect(bob.receive { $0.method == "ACK" } != nil, "Bob got no ACK. \(failureContext())")

        // 4.6 s of 20 ms PCMU both ways; each phone sends an SR every second, with a report block about the other's
        // latest SR (LSR/DLSR as RFC 3550 §6.4.1) once it has received one through the relay.
        var phones = [RTCPPhone(phone: alice, ssrc: 0xA11CE, peerSSRC: 0xB0B, relayPort: towardsAlice, firstReport: 0.3),
                      RTCPPhone(phone: bob, ssrc: 0xB0B, peerSSRC: 0xA11CE, relayPort: towardsBob, firstReport: 0.5)]
        let start = TestClock.now()
        var slot = 0
        while TestClock.now() - start < 4.6 {
            for i in phones.indices { try phones[i].tick(sequence: UInt16(slot + 1), elapsed: TestClock.now() - start) }
            slot += 1
            let next = start + Double(slot) * 0.02
            repeat {
                for i in phones.indices { phones[i].drain() }
            } while TestClock.now() < next
        }
        for i in phones.indices { phones[i].drain() }
        #expect(phones[0].rtpReceived > 150 && phones[1].rtpReceived > 150, "RTP did not flow both ways. \(failureContext())")
        #expect(phones[0].senderReportsReceived >= 3 && phones[1].senderReportsReceived >= 3,
                "SRs did not cross the relay. \(failureContext())")
        TestClock.sleep(0.3)

        // What the delete reply will carry: media has stopped, so the figures no longer change.
        let tree = try relay.client().command("query", [("call-id", .string(callID))])
        guard case .dictionary(let entries)? = tree["SSRC"] else {
            Issue.record("query has no SSRC dict: \(tree). \(failureContext())")
            return
        }
        let created = Self.integer(tree["created"]) ?? 0
        var averages: [Figures] = [], lowest: [Figures] = [], highest: [Figures] = []
        for entry in entries.map(\.value) {
            #expect(entry["MOS source"]?.text == "RTCP-reported", "\(entry)")
            if let f = Figures(entry["average MOS"]) { averages.append(f) }
            if let f = Figures(entry["lowest MOS"]) { lowest.append(f) }
            if let f = Figures(entry["highest MOS"]) { highest.append(f) }
        }
        #expect(averages.count == 2, "both parties' SSRCs should have an RTCP MOS: \(tree)")
        let minimum = try #require(lowest.min { $0.mos < $1.mos })
        let maximum = try #require(highest.max { $0.mos < $1.mos })
        let n = Int64(averages.count)
        let averageMOS = averages.map(\.mos).reduce(0, +) / n

        try alice.send(KamailioCallTests.inDialog("BYE", cseq: 2, from: alice, to: to, target: bobContact, route: route, callID: callID), to: proxy)
        let bye = try #require(bob.receive { $0.method == "BYE" }, "Bob got no BYE. \(failureContext())")
        try bob.send(bob.response(200, "OK", to: bye.message), to: bye.from.port)
        _ = alice.receive { $0.statusCode == 200 && $0.cseqMethod == "BYE" }

        let values = try #require(Self.reported(in: kamailio.process.standardError), "no \(Self.marker) line. \(failureContext())")
        // Clean G.711 on loopback: no loss, no jitter, sub-millisecond round trips → 4.3 with the G.107 formula.
        for key in ["mos_min", "mos_max", "mos_average", "mos_average_A", "mos_average_B"] {
            let mos = try #require(values[key].flatMap(Double.init), "\(key) not set: \(values). \(failureContext())")
            #expect((4.0...4.5).contains(mos), "\(key) = \(mos)")
        }
        // Exactly what the module computes from the tree.
        #expect(values["mos_min"] == Self.decimal(minimum.mos))
        #expect(values["mos_max"] == Self.decimal(maximum.mos))
        #expect(values["mos_average"] == Self.decimal(averageMOS))
        #expect(values["mos_average_packetloss"] == String(averages.map(\.loss).reduce(0, +) / n))
        #expect(values["mos_average_jitter"] == String(averages.map(\.jitter).reduce(0, +) / n))
        #expect(values["mos_average_roundtrip"] == String(averages.map(\.roundTrip).reduce(0, +) / n))
        #expect(values["mos_average_samples"] == String(averages.map(\.samples).reduce(0, +) / n))
        #expect(values["mos_min_packetloss"] == String(minimum.loss))
        #expect(values["mos_min_roundtrip"] == String(minimum.roundTrip))
        #expect(values["mos_max_jitter"] == String(maximum.jitter))
        let at = minimum.at - created
        #expect(values["mos_min_at"] == "\(at / 60):\(at % 60 < 10 ? "0" : "")\(at % 60)")
        // Round trips exist on both legs (the end-to-end one is their sum), and several samples were taken.
        let roundTrip = try #require(values["mos_average_roundtrip"].flatMap(Int.init))
        #expect(roundTrip > 0 && roundTrip < 50_000, "average round trip \(roundTrip) µs")
        #expect((values["mos_average_samples"].flatMap(Int.init) ?? 0) >= 2)
        #expect(values["mos_average_packetloss"] == "0")
        // A (label caller) reads Alice's SSRC entry, B (callee) Bob's.
        let aliceEntry = try #require(tree["SSRC"]?[String(0xA11CE)])
        let bobEntry = try #require(tree["SSRC"]?[String(0xB0B)])
        #expect(values["mos_average_A"] == Figures(aliceEntry["average MOS"]).map { Self.decimal($0.mos) })
        #expect(values["mos_average_B"] == Figures(bobEntry["average MOS"]).map { Self.decimal($0.mos) })
    }
}

/// A test phone's media side: PCMU every 20 ms, an SR every second (with a report block about the peer's latest SR
/// once one arrived), and the receiving end that notes the peer's SRs for LSR/DLSR.
struct RTCPPhone {
    let phone: SIPPhone
    let ssrc: UInt32
    let peerSSRC: UInt32
    /// The relay port this phone sends RTP to (RTCP goes to the one above).
    let relayPort: UInt16
    var nextReport: Double
    var rtpSent: UInt32 = 0
    var rtpReceived = 0
    var highestSequence: UInt16 = 0
    var senderReportsReceived = 0
    /// Middle 32 bits of the peer's latest SR and when it arrived (monotonic seconds).
    var lastSenderReport: (middle: UInt32, at: Double)?

    init(phone: SIPPhone, ssrc: UInt32, peerSSRC: UInt32, relayPort: UInt16, firstReport: Double) {
        self.phone = phone
        self.ssrc = ssrc
        self.peerSSRC = peerSSRC
        self.relayPort = relayPort
        nextReport = firstReport
    }

    mutating func tick(sequence: UInt16, elapsed: Double) throws {
        try phone.rtp.send(TestRTP.packet(sequence: sequence, ssrc: ssrc, marker: 0x55), to: "127.0.0.1", port: relayPort)
        rtpSent &+= 1
        guard elapsed >= nextReport, let rtcp = phone.rtcp else { return }
        nextReport += 1.0
        var blocks: [RTCPReportBlock] = []
        if let last = lastSenderReport {
            // DLSR in 1/65536 s, rounded down so the relay's RTT is never made smaller than it is.
            let delay = UInt32((TestClock.now() - last.at) * 65_536)
            blocks.append(RTCPReportBlock(ssrc: peerSSRC, extendedHighestSequence: UInt32(highestSequence),
                                          lastSenderReport: last.middle, delaySinceLastSenderReport: delay))
        }
        var wall = timespec()
        clock_gettime(CLOCK_REALTIME, &wall)
        let micros = UInt64(wall.tv_sec) * 1_000_000 + UInt64(wall.tv_nsec) / 1000
        let report = RTCPSenderReport(ssrc: ssrc, ntpTimestamp: NTPTimestamp(unixMicroseconds: micros),
                                      rtpTimestamp: UInt32(sequence) &* 160, packetCount: rtpSent,
                                      octetCount: rtpSent &* 160, reports: blocks)
        var bytes: [UInt8] = []
        report.write(into: &bytes)
        try rtcp.send(bytes, to: "127.0.0.1", port: relayPort + 1)
    }

    /// Reads whatever arrived: RTP counted, the peer's SRs noted.
    mutating func drain() {
        while let datagram = phone.rtp.receive(timeout: 0.001) {
            rtpReceived += 1
            if datagram.bytes.count >= 4 {
                let sequence = UInt16(datagram.bytes[2]) << 8 | UInt16(datagram.bytes[3])
                if sequence &- highestSequence < 0x8000 { highestSequence = sequence }
            }
        }
        while let datagram = phone.rtcp?.receive(timeout: 0.001) {
            guard let report = try? RTCPSenderReport(parsing: datagram.bytes), report.ssrc == peerSSRC else { continue }
            senderReportsReceived += 1
            lastSenderReport = (report.ntpTimestamp.middle32, TestClock.now())
        }
    }
}
