import Foundation
import Testing

/// Kamailio's rtpengine module with `RTP/SAVP` driving rtprelayd: Alice plain RTP, Bob SDES-SRTP. Bob is an SRTP
/// phone (SRTPSession): he decrypts with the key the relay put into his INVITE and encrypts with his own.
@Suite("Kamailio with RTP/SAVP on one side")
struct KamailioSRTPCallTests {
    @Test func plainAliceAndSRTPBobTalkThroughKamailioAndRtprelayd() throws {
        let relay = try RelayProcess(.rtprelayd)
        let alice = try SIPPhone(user: "alice")
        let bob = try SIPPhone(user: "bob")
        let kamailio = try KamailioProcess(ngPort: relay.ngPort, uasPort: bob.sip.port,
                                           flags: "replace-origin replace-session-connection RTP/SAVP")
        let proxy = kamailio.sipPort
        let callID = "kam-srtp-\(UInt64.random(in: 0...UInt64.max))@127.0.0.1"
        func failureContext() -> String {
            "kamailio log:\n\(kamailio.process.standardError.suffix(2000))\nrelay log:\n\(relay.log.suffix(2000))"
        }

        try alice.send(alice.invite(bob, callID: callID), to: proxy)

        let received = try #require(bob.receive { $0.method == "INVITE" }, "Bob got no INVITE. \(failureContext())")
        let offerSDP = received.message.body
        #expect(offerSDP.contains("RTP/SAVP"), "\(offerSDP)")
        let relayToBob = try #require(TestSRTP.crypto(in: offerSDP), "no \(TestSRTP.suite) in \(offerSDP)")
        let relayPortForBob = try #require(SDPSummary(offerSDP).audioPort)

        let bobKey = (0..<30).map { UInt8(truncatingIfNeeded: $0 &* 53 &+ 17) }
        let bobSDP = "v=0\r\no=- 2002 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio \(bob.rtp.port) RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"
            + "a=crypto:\(relayToBob.tag) \(TestSRTP.suite) inline:\(Data(bobKey).base64EncodedString())\r\n"
        try bob.send(bob.response(200, "OK", to: received.message, body: bobSDP), to: received.from.port)
        let ok = try #require(alice.receive { $0.statusCode == 200 && $0.cseqMethod == "INVITE" }, "Alice got no 200 OK. \(failureContext())")
        // No key goes to the plain side. (Its m= line says RTP/SAVP: the harness passes the same flags on the reply,
        // so transport-protocol applies to the answer too; rtpengine 10.5 does the same with this configuration.)
        #expect(!ok.message.body.contains("a=crypto"), "\(ok.message.body)")
        let relayPortForAlice = try #require(SDPSummary(ok.message.body).audioPort)

        let route: [(String, String)] = ok.message.values("Record-Route").reversed().map { ("Route", $0) }
        let bobContact = (ok.message.value("Contact") ?? "").strippingAngleBrackets
        let to = ok.message.value("To") ?? ""
        try alice.send(KamailioCallTests.inDialog("ACK", cseq: 1, from: alice, to: to, target: bobContact, route: route,
                                                  callID: callID), to: proxy)
        #expect(bob.receive { $0.method == "ACK" } != nil, "Bob got no ACK. \(failureContext())")

        let bobDecrypts = try TestSRTP(keyAndSalt: relayToBob.key, inbound: true)
        let bobEncrypts = try TestSRTP(keyAndSalt: bobKey, inbound: false)
        var atBob = 0, atAlice = 0
        for sequence in UInt16(1)...10 {
            let fromAlice = TestRTP.packet(sequence: sequence, ssrc: 0xA11CE, marker: 0xAA)
            try alice.rtp.send(fromAlice, to: "127.0.0.1", port: relayPortForAlice)
            if let wire = bob.rtp.receive(timeout: 1)?.bytes {
                #expect(wire.count == fromAlice.count + 10)
                #expect(wire[12..<fromAlice.count] != fromAlice[12...])   // the payload is encrypted on Bob's leg
                let decrypted = bobDecrypts.unprotect(wire)
                #expect(decrypted == fromAlice)
                if decrypted == fromAlice { atBob += 1 }
            }
            let fromBob = TestRTP.packet(sequence: sequence, ssrc: 0xB0B, marker: 0xBB)
            try bob.rtp.send(try #require(bobEncrypts.protect(fromBob)), to: "127.0.0.1", port: relayPortForBob)
            if let plain = alice.rtp.receive(timeout: 1)?.bytes {
                #expect(plain == fromBob)
                if plain == fromBob { atAlice += 1 }
            }
            TestClock.sleep(0.02)
        }
        #expect(atBob == 10, "Alice→Bob SRTP: \(atBob)/10. \(failureContext())")
        #expect(atAlice == 10, "Bob→Alice: \(atAlice)/10. \(failureContext())")
    }
}
