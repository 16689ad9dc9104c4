#if canImport(Glibc)
import Glibc
#endif
import Testing

/// The relay's quality figures reach the ng `query` reply of the real daemon: RTP through its media plane, then the
/// SSRC entry Kamailio walks, with a relay-observed MOS although nobody sent RTCP; and none with `--no-stats`.
@Suite("quality statistics in query replies")
struct QualityStatsEndToEndTests {
    static func number(_ value: TestBencode?) -> Int64? {
        switch value {
        case .integer(let v)?: return v
        default: return nil
        }
    }

    func packet(seq: UInt16, ssrc: UInt32) -> [UInt8] {
        let ts = UInt32(seq) &* 160
        return [0x80, 0, UInt8(seq >> 8), UInt8(seq & 0xff),
                UInt8(ts >> 24), UInt8(ts >> 16 & 0xff), UInt8(ts >> 8 & 0xff), UInt8(ts & 0xff),
                UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xff), UInt8(ssrc >> 8 & 0xff), UInt8(ssrc & 0xff)]
            + Array(repeating: 0xff, count: 160)
    }

    /// Sets up a call between two loopback phones, has A send `count` packets (skipping seq 10 and 20) and,
    /// after a second, one more so the worker publishes; returns the query reply.
    func callAndQuery(extraArguments: [String]) throws -> TestBencode {
        let relay = try RelayProcess(.rtprelayd, extraArguments: extraArguments)
        let client = try relay.client()
        let phoneA = try UDPSocket(), phoneB = try UDPSocket()
        let callID = "quality-\(UInt32.random(in: 0...UInt32.max))"
        let offer = try client.command("offer", [("call-id", .string(callID)), ("from-tag", .string("caller")),
                                                 ("sdp", .string(SampleSDP.audio(port: phoneA.port)))])
        let answer = try client.command("answer", [("call-id", .string(callID)), ("from-tag", .string("caller")),
                                                   ("to-tag", .string("callee")), ("sdp", .string(SampleSDP.audio(port: phoneB.port)))])
        #expect(offer["result"]?.text == "ok" && answer["result"]?.text == "ok")
        let summary = SDPSummary(answer["sdp"]?.text ?? "")
        let towardsB = try #require(summary.audioPort)
        for seq in UInt16(1)...100 where seq != 10 && seq != 20 {
            try phoneA.send(packet(seq: seq, ssrc: 0x5EED), to: "127.0.0.1", port: towardsB)
            #expect(phoneB.receive(timeout: 2) != nil)
        }
        TestClock.sleep(1.1)
        try phoneA.send(packet(seq: 101, ssrc: 0x5EED), to: "127.0.0.1", port: towardsB)
        #expect(phoneB.receive(timeout: 2) != nil)
        TestClock.sleep(0.1)
        return try client.command("query", [("call-id", .string(callID))])
    }

    @Test("query carries the SSRC entry with relay-measured loss and a relay-observed MOS, no RTCP needed")
    func queryCarriesRelayMeasuredQuality() throws {
        let reply = try callAndQuery(extraArguments: [])
        #expect(reply["result"]?.text == "ok")
        let entry = try #require(reply["SSRC"]?["24301"], "\(reply)")
        #expect(Self.number(entry["SSRC"]) == 0x5EED)
        #expect(Self.number(entry["packets"]) == 99)
        #expect(Self.number(entry["last RTP seq"]) == 101)
        #expect(Self.number(entry["cumulative loss"]) == 2)
        #expect(entry["MOS source"]?.text == "relay-observed")
        let average = try #require(entry["average MOS"])
        #expect((10...45).contains(Self.number(average["MOS"]) ?? 0))
        #expect(Self.number(average["samples"]) == 1)
        // Kamailio's path: tags → medias → ingress SSRCs → SSRC.
        let media = try #require(reply["tags"]?["caller"]?["medias"]?.listValue?.first)
        #expect(Self.number(media["ingress SSRCs"]?.listValue?.first?["SSRC"]) == 0x5EED)
    }

    @Test("with --no-stats the reply has no SSRC figures, and media still flows")
    func noStatsLeavesThemOut() throws {
        let reply = try callAndQuery(extraArguments: ["--no-stats"])
        #expect(reply["result"]?.text == "ok")
        #expect(reply["SSRC"] == nil)
        #expect(Self.number(reply["totals"]?["RTP"]?["packets"]) == 99)
    }
}
