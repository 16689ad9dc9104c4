import Foundation
import Testing

/// Hostile and broken ng datagrams over real UDP (ng-protocol.md §1.1, §3): each gets the exact
/// error reply rtpengine gives (or no reply where rtpengine sends none), and the relay keeps serving.
@Suite("ng bad input over UDP")
struct BadInputTests {
    static func error(_ reason: String) -> TestBencode {
        .dictionary([("result", .string("error")), ("error-reason", .string(reason))])
    }

    /// Sends `datagram` and returns the reply split into cookie and decoded dict.
    static func exchange(_ client: NGClient, _ datagram: String) throws -> (cookie: String, reply: TestBencode)? {
        try exchange(client, Array(datagram.utf8))
    }

    static func exchange(_ client: NGClient, _ datagram: [UInt8]) throws -> (cookie: String, reply: TestBencode)? {
        try client.sendRaw(datagram)
        guard let reply = client.receiveReply(timeout: 1) else { return nil }
        return (reply.cookie, try TestBencode.decode(reply.payload))
    }

    // Also run against rtpengine itself: that keeps the expected strings honest.
    @Test("malformed datagrams get rtpengine's exact error replies, and the relay still answers ping",
          arguments: [RelayKind.rtprelayd, RelayKind.rtpengine])
    func malformedDatagrams(kind: RelayKind) throws {
        let relay = try RelayProcess(kind)
        let client = try relay.client()

        let cases: [(datagram: String, cookie: String, reply: TestBencode)] = [
            ("hello world", "hello", Self.error("Invalid NG data format")),
            ("c1 d7:command4:pi", "c1", Self.error("Could not decode bencode dictionary")),
            ("c2 ", "c2", Self.error("Invalid data (no payload)")),
            ("c4 le", "c4", Self.error("Invalid NG data format")),
            ("c5 d3:foo3:bare", "c5", Self.error("Dictionary contains no key \"command\"")),
            ("c6 d7:command3:fooe", "c6", Self.error("Unrecognized command")),
            ("c7 " + String(decoding: TestBencode.dictionary([
                ("command", .string("answer")), ("call-id", .string("no-such-1")), ("from-tag", .string("a")),
                ("to-tag", .string("b")), ("sdp", .string(SampleSDP.audio(port: 6000))),
            ]).encoded(), as: UTF8.self), "c7", Self.error("Unknown call-id")),
            ("c8 d7:command6:delete7:call-id9:no-such-28:from-tag1:ae", "c8",
             .dictionary([("result", .string("ok")), ("warning", .string("Call-ID not found or tags didn't match"))])),
        ]
        for item in cases {
            let got = try #require(try Self.exchange(client, item.datagram), "no reply to \(item.datagram.debugDescription)")
            #expect(got.cookie == item.cookie, "for \(item.datagram.debugDescription)")
            #expect(got.reply == item.reply, "for \(item.datagram.debugDescription)")
        }
        #expect(try client.ping())
    }

    @Test("a datagram without a cookie separator, or with an empty cookie, gets no reply",
          arguments: [RelayKind.rtprelayd])
    func noCookieNoReply(kind: RelayKind) throws {
        let relay = try RelayProcess(kind)
        let client = try relay.client()
        #expect(try Self.exchange(client, "nospaceatall") == nil)
        #expect(try Self.exchange(client, " d7:command4:pinge") == nil)
        #expect(try Self.exchange(client, [UInt8]()) == nil)
        #expect(try client.ping())
    }

    @Test("a JSON request gets a JSON reply", arguments: [RelayKind.rtprelayd])
    func jsonRequest(kind: RelayKind) throws {
        let relay = try RelayProcess(kind)
        let client = try relay.client()
        try client.sendRaw(Array("j1 {\"command\":\"ping\"}".utf8))
        let reply = try #require(client.receiveReply(timeout: 2))
        #expect(reply.cookie == "j1")
        let object = try JSONSerialization.jsonObject(with: Data(reply.payload)) as? [String: Any]
        #expect(object?["result"] as? String == "pong", "reply: \(String(decoding: reply.payload, as: UTF8.self))")
    }

    @Test("a 65 000-byte ng request is read whole and answered", arguments: [RelayKind.rtprelayd])
    func largeDatagram(kind: RelayKind) throws {
        let relay = try RelayProcess(kind)
        let client = try relay.client()
        let padding = String(repeating: "x", count: 65_000)
        let got = try #require(try Self.exchange(client, "big1 d7:command4:ping3:pad65000:\(padding)e"))
        #expect(got.cookie == "big1")
        #expect(got.reply == .dictionary([("result", .string("pong"))]))
        // Random binary of the same size: an error reply, not a crash.
        var noise = Array("big2 ".utf8)
        noise += (0..<65_000).map { _ in UInt8.random(in: 0...255) }
        noise[5] = UInt8(ascii: "d")
        let garbled = try #require(try Self.exchange(client, noise))
        #expect(garbled.cookie == "big2")
        #expect(garbled.reply["result"]?.text == "error")
        #expect(try client.ping())
    }

    @Test("1000 retransmissions of one offer cookie: one call, one set of ports, identical replies",
          arguments: [RelayKind.rtprelayd])
    func retransmittedOfferFlood(kind: RelayKind) throws {
        let relay = try RelayProcess(kind)
        let client = try relay.client()
        #expect(BoundPorts.udp(in: relay.mediaPorts).isEmpty)

        let callID = "flood-\(UInt32.random(in: 0...UInt32.max))"
        let offer = TestBencode.dictionary([
            ("command", .string("offer")), ("call-id", .string(callID)), ("from-tag", .string("floodA")),
            ("sdp", .string(SampleSDP.audio(port: 7000))),
        ])
        let datagram = Array("flood_1 ".utf8) + offer.encoded()
        try client.sendRaw(datagram)
        let first = try client.awaitReply(cookie: "flood_1")
        #expect(first["result"]?.text == "ok")
        let portsAfterFirst = BoundPorts.udp(in: relay.mediaPorts)
        #expect(!portsAfterFirst.isEmpty)

        for _ in 0..<999 { try client.sendRaw(datagram) }
        var replies = 0
        var differing = 0
        while let reply = client.receiveReply(timeout: 1) {
            #expect(reply.cookie == "flood_1")
            replies += 1
            if (try? TestBencode.decode(reply.payload)) != first { differing += 1 }
        }
        #expect(replies > 0)
        #expect(differing == 0, "\(differing) of \(replies) replies differ from the first")
        #expect(BoundPorts.udp(in: relay.mediaPorts) == portsAfterFirst)
        #expect(try client.listCalls() == [callID])
        #expect(try client.ping())
    }
}
