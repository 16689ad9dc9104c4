import Testing

/// A whole SIP call through Kamailio's rtpengine module: the test is both phones, Kamailio is the
/// proxy, the relay under test rewrites the SDP and carries the RTP.
@Suite("Kamailio rtpengine module drives the relay")
struct KamailioCallTests {
    @Test("A whole call through Kamailio: SDP rewritten to relay ports both ways, RTP relayed both ways, no call left after BYE",
          arguments: [RelayKind.rtprelayd])
    func callThroughKamailio(kind: RelayKind) throws {
        let relay = try RelayProcess(kind)
        let alice = try SIPPhone(user: "alice")
        let bob = try SIPPhone(user: "bob")
        let kamailio = try KamailioProcess(ngPort: relay.ngPort, uasPort: bob.sip.port)
        let proxy = kamailio.sipPort
        let callID = "kam-\(UInt64.random(in: 0...UInt64.max))@127.0.0.1"
        func failureContext() -> String {
            "kamailio log:\n\(kamailio.process.standardError.suffix(3000))\nrelay log:\n\(relay.log.suffix(3000))"
        }

        // Alice → Kamailio → Bob: INVITE with SDP.
        try alice.send(alice.invite(bob, callID: callID), to: proxy)

        let received = try #require(bob.receive { $0.method == "INVITE" }, "Bob got no INVITE. \(failureContext())")
        let offered = SDPSummary(received.message.body)
        #expect(offered.connectionAddress == "127.0.0.1")
        let relayPortForBob = try #require(offered.audioPort)
        #expect(relay.mediaPorts.contains(relayPortForBob), "INVITE SDP port \(relayPortForBob) is not a relay port")
        #expect(relayPortForBob != alice.rtp.port)

        // Bob answers 200 OK with SDP; Kamailio passes it back to Alice.
        try bob.send(bob.response(200, "OK", to: received.message, body: bob.sdp(sessionID: 2002)), to: received.from.port)
        let ok = try #require(alice.receive { $0.statusCode == 200 && $0.cseqMethod == "INVITE" }, "Alice got no 200 OK. \(failureContext())")
        let answered = SDPSummary(ok.message.body)
        #expect(answered.connectionAddress == "127.0.0.1")
        let relayPortForAlice = try #require(answered.audioPort)
        #expect(relay.mediaPorts.contains(relayPortForAlice), "200 OK SDP port \(relayPortForAlice) is not a relay port")
        #expect(relayPortForAlice != bob.rtp.port)
        #expect(relayPortForAlice != relayPortForBob)

        // ACK along the recorded route.
        let route: [(String, String)] = ok.message.values("Record-Route").reversed().map { ("Route", $0) }
        let bobContact = (ok.message.value("Contact") ?? "").strippingAngleBrackets
        let to = ok.message.value("To") ?? ""
        try alice.send(Self.inDialog("ACK", cseq: 1, from: alice, to: to, target: bobContact, route: route, callID: callID), to: proxy)
        #expect(bob.receive { $0.method == "ACK" } != nil, "Bob got no ACK. \(failureContext())")

        // Media both ways through the relay: each side sends to the port its peer's SDP announced.
        for sequence in UInt16(1)...5 {
            try alice.rtp.send(TestRTP.packet(sequence: sequence, ssrc: 0xA11CE, marker: 0xAA), to: "127.0.0.1", port: relayPortForAlice)
            try bob.rtp.send(TestRTP.packet(sequence: sequence, ssrc: 0xB0B, marker: 0xBB), to: "127.0.0.1", port: relayPortForBob)
            TestClock.sleep(0.02)
        }
        var atBob: [UInt16] = []
        while let datagram = bob.rtp.receive(timeout: 1) {
            #expect(datagram.port == relayPortForBob, "Bob's RTP came from \(datagram.port), not the relay port in his SDP")
            #expect(datagram.bytes.count == 172 && datagram.bytes[12] == 0xAA)
            atBob.append(UInt16(datagram.bytes[2]) << 8 | UInt16(datagram.bytes[3]))
        }
        var atAlice: [UInt16] = []
        while let datagram = alice.rtp.receive(timeout: 0.5) {
            #expect(datagram.port == relayPortForAlice, "Alice's RTP came from \(datagram.port), not the relay port in her SDP")
            #expect(datagram.bytes.count == 172 && datagram.bytes[12] == 0xBB)
            atAlice.append(UInt16(datagram.bytes[2]) << 8 | UInt16(datagram.bytes[3]))
        }
        #expect(atBob == [1, 2, 3, 4, 5], "Alice→Bob RTP arrived as \(atBob). \(failureContext())")
        #expect(atAlice == [1, 2, 3, 4, 5], "Bob→Alice RTP arrived as \(atAlice). \(failureContext())")

        // BYE: Kamailio deletes the call on the relay before passing it on.
        try alice.send(Self.inDialog("BYE", cseq: 2, from: alice, to: to, target: bobContact, route: route, callID: callID), to: proxy)
        let bye = try #require(bob.receive { $0.method == "BYE" }, "Bob got no BYE. \(failureContext())")
        try bob.send(bob.response(200, "OK", to: bye.message), to: bye.from.port)
        #expect(alice.receive { $0.statusCode == 200 && $0.cseqMethod == "BYE" } != nil, "Alice got no 200 OK to BYE")

        let client = try relay.client()
        #expect(try !client.listCalls().contains(callID))
        let query = try client.command("query", [("call-id", .string(callID))])
        #expect(query == .dictionary([("result", .string("error")), ("error-reason", .string("Unknown call-id"))]))
    }
}

extension KamailioCallTests {
    /// An in-dialog request from Alice along the recorded route (RFC 3261 §12.2.1.1).
    static func inDialog(_ method: String, cseq: Int, from alice: SIPPhone, to: String, target: String,
                         route: [(String, String)], callID: String) -> SIPMessage {
        var headers: [(String, String)] = [
            ("Via", "SIP/2.0/UDP 127.0.0.1:\(alice.sip.port);branch=\(SIPPhone.branch());rport"),
            ("Max-Forwards", "70"),
        ]
        headers += route
        headers += [
            ("From", "<sip:alice@127.0.0.1>;tag=\(alice.tag)"),
            ("To", to),
            ("Call-ID", callID),
            ("CSeq", "\(cseq) \(method)"),
        ]
        return SIPMessage(startLine: "\(method) \(target) SIP/2.0", headers: headers)
    }
}

extension String {
    var strippingAngleBrackets: String {
        var slice = Substring(self)
        while slice.first == "<" { slice.removeFirst() }
        while slice.last == ">" { slice.removeLast() }
        return String(slice)
    }
}
