import Testing
import RTPWire
@testable import ControlProtocol

@Suite("SDP rewriting")
struct SDPRewriterTests {
    static func stream(_ address: String, _ rtp: UInt16, _ rtcp: UInt16? = nil, id: UInt64 = 1) -> AllocatedStream {
        AllocatedStream(id: MediaStreamID(rawValue: id), interface: "default", localAddress: address,
                        advertisedAddress: address, rtpPort: rtp, rtcpPort: rtcp ?? rtp + 1)
    }

    static func rewrite(_ text: String, plans: [SDPMediaPlan], options: SDPRewriteOptions = SDPRewriteOptions()) throws -> String {
        try SDPRewriter.rewrite(SDPSession(parsing: text), media: plans, options: options).serialized()
    }

    @Test func ngDocSection41OfferGivesExactlyTheDocumentedReply() throws {
        let offer = try SDPSession(parsing: SDPFixture.text("ngdoc-4.1-offer.sdp"))
        let mux = RTCPMuxPolicy.decide(options: [], offerHasMux: offer.media[0].offersRTCPMux, isOffer: true)
        #expect(mux.ingressMux == false && mux.egress == .none)
        let plan = SDPMediaPlan(local: Self.stream("203.0.113.5", 30000, 30001), rtcpMux: mux.egress,
                                transportProtocol: "RTP/AVP")
        let reply = try SDPRewriter.rewrite(offer, media: [plan],
                                            options: SDPRewriteOptions(replaceOrigin: true, ice: .remove)).serialized()
        let expected = try SDPFixture.text("ngdoc-4.1-reply.sdp")
        #expect(reply == expected)
        #expect(reply.utf8.count == 235)  // `sdp235:` in the documented bencode
    }

    @Test func section8ExampleWithoutReplaceOriginKeepsTheSendersOrigin() throws {
        let input = "v=0\r\no=- 1545997027 1 IN IP4 198.51.100.1\r\ns=tester\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\n" +
            "m=audio 2000 RTP/AVP 0\r\na=sendrecv\r\n"
        let output = try Self.rewrite(input, plans: [SDPMediaPlan(local: Self.stream("203.0.113.1", 30012))],
                                      options: SDPRewriteOptions(ice: .remove))
        #expect(output == "v=0\r\no=- 1545997027 1 IN IP4 198.51.100.1\r\ns=tester\r\nt=0 0\r\n" +
            "m=audio 30012 RTP/AVP 0\r\nc=IN IP4 203.0.113.1\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\na=rtcp:30013\r\n")
    }

    @Test func holdRejectionAndSessionLinesFollowSection8() throws {
        let input = try SDPFixture.text("rfc4566-full-session.sdp")
        let plans = [SDPMediaPlan(local: Self.stream("203.0.113.5", 30000)), SDPMediaPlan(local: nil),
                     SDPMediaPlan(local: Self.stream("203.0.113.5", 30002, id: 2))]
        let output = try Self.rewrite(input, plans: plans)
        let expected = [
            "v=0", "o=alice 2890844526 2890844527 IN IP4 192.0.2.20", "s=Talk",
            "i=A seminar", "u=http://www.example.com/seminars/sdp.pdf", "e=alice@example.com (Alice)",
            "p=+1 617 555-6011", "b=CT:128", "t=0 0", "a=tool:libfoo 1.2",
            "m=audio 30000 RTP/AVP 0 3 4 9 18 13 1 2 19 10 11 34", "i=voice", "c=IN IP4 0.0.0.0", "b=AS:64",
            "a=x-custom",
            "a=rtpmap:0 PCMU/8000", "a=rtpmap:3 GSM/8000", "a=rtpmap:4 G723/8000", "a=rtpmap:9 G722/8000",
            "a=rtpmap:18 G729/8000", "a=rtpmap:13 CN/8000", "a=rtpmap:10 L16/44100/2", "a=rtpmap:11 L16/44100",
            "a=rtpmap:34 H263/90000",
            // Session recvonly + session c=0.0.0.0 (hold): the sender neither sends nor receives.
            "a=inactive", "a=rtcp:30001",
            "m=video 0 RTP/AVP 31", "c=IN IP4 0.0.0.0",
            "m=audio 30002 RTP/AVP 8", "c=IN IP4 203.0.113.5", "a=rtpmap:8 PCMA/8000", "a=inactive", "a=rtcp:30003",
        ].map { $0 + "\r\n" }.joined()
        #expect(output == expected)
    }

    /// Same output as rtpengine 10.5 for this hold offer (`rtpengine-ng-client offer --sdp-file=hold.sdp`,
    /// checked once by hand), except that 10.5 keeps the zero address as the session c=.
    @Test func holdWithZeroAddressStaysZeroAndBecomesSendonly() throws {
        let input = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\n" +
            "m=audio 4000 RTP/AVP 0\r\na=sendrecv\r\nm=audio 4002 RTP/AVP 0\r\nc=IN IP4 192.0.2.1\r\na=recvonly\r\n"
        let output = try Self.rewrite(input, plans: [SDPMediaPlan(local: Self.stream("203.0.113.5", 30000)),
                                                     SDPMediaPlan(local: Self.stream("203.0.113.5", 30002, id: 2))])
        #expect(output == "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n" +
            "m=audio 30000 RTP/AVP 0\r\nc=IN IP4 0.0.0.0\r\na=rtpmap:0 PCMU/8000\r\na=sendonly\r\na=rtcp:30001\r\n" +
            "m=audio 30002 RTP/AVP 0\r\nc=IN IP4 203.0.113.5\r\na=rtpmap:0 PCMU/8000\r\na=recvonly\r\na=rtcp:30003\r\n")
        let toV6 = try SDPSession(parsing: Self.rewrite(input, plans: [SDPMediaPlan(local: Self.stream("2001:db8::5", 30000)),
                                                                       SDPMediaPlan(local: nil)]))
        #expect(toV6.media[0].connection?.text == "IN IP6 ::")
    }

    @Test func originalSendrecvKeepsDirectionAttributesWhereTheyWere() throws {
        let input = try SDPFixture.text("rfc4566-full-session.sdp")
        let plans = [SDPMediaPlan(local: Self.stream("203.0.113.5", 30000)), SDPMediaPlan(local: nil),
                     SDPMediaPlan(local: Self.stream("203.0.113.5", 30002, id: 2))]
        let output = try SDPSession(parsing: Self.rewrite(input, plans: plans,
                                                          options: SDPRewriteOptions(originalSendrecv: true)))
        #expect(output.attributes.map(\.name) == ["recvonly", "tool"])
        #expect(output.media[0].declaredDirection == nil)
        #expect(output.media[2].attributes.map(\.name) == ["inactive", "rtpmap", "rtcp"])
    }

    @Test func iceIsStrippedEverywhereAndBundleDropped() throws {
        var text = try SDPFixture.text("webrtc-chrome-offer.sdp")
        text = text.replacingOccurrences(of: "a=group:BUNDLE 0 1\r\n", with: "a=group:BUNDLE 0 1\r\na=ice-lite\r\n")
        text += "a=end-of-candidates\r\na=remote-candidates:1 198.51.100.1 5000\r\n"
        for mode in [ICEMode.remove, .defaultMode, .force, .forceRelay, .optional] {
            let plans = [SDPMediaPlan(local: Self.stream("203.0.113.5", 30000), rtcpMux: .offer),
                         SDPMediaPlan(local: Self.stream("203.0.113.5", 30002, id: 2), rtcpMux: .offer)]
            let output = try SDPSession(parsing: Self.rewrite(text, plans: plans, options: SDPRewriteOptions(ice: mode)))
            let all = output.attributes + output.media.flatMap(\.attributes)
            #expect(!all.contains { SDPMedia.iceAttributeNames.contains($0.name) }, "\(mode)")
            #expect(output.attribute("group") == nil)
            #expect(output.attributes.map(\.name) == ["extmap-allow-mixed", "msid-semantic"])
            #expect(output.media.allSatisfy { !$0.hasICE })
        }
    }

    @Test func rtcpAttributeAndMuxPerPlan() throws {
        let input = try SDPFixture.text("ngdoc-4.1-offer.sdp")
        func lines(_ plan: SDPMediaPlan, _ options: SDPRewriteOptions = SDPRewriteOptions()) throws -> [String] {
            try SDPSession(parsing: Self.rewrite(input, plans: [plan], options: options)).media[0].attributes
                .filter { $0.name == "rtcp" || $0.name == "rtcp-mux" }.map(\.text)
        }
        let local = Self.stream("203.0.113.5", 30000, 30001)
        #expect(try lines(SDPMediaPlan(local: local, rtcpMux: .none)) == ["rtcp:30001"])
        #expect(try lines(SDPMediaPlan(local: local, rtcpMux: .offer)) == ["rtcp:30001", "rtcp-mux"])
        let muxed = Self.stream("203.0.113.5", 30000, 30000)
        #expect(try lines(SDPMediaPlan(local: muxed, rtcpMux: .required)) == ["rtcp:30000", "rtcp-mux"])
        #expect(try lines(SDPMediaPlan(local: muxed, rtcpMux: .accepted)) == ["rtcp:30000", "rtcp-mux"])
        #expect(try lines(SDPMediaPlan(local: local), SDPRewriteOptions(noRTCPAttribute: true)) == [])
        #expect(try lines(SDPMediaPlan(local: local), SDPRewriteOptions(fullRTCPAttribute: true))
            == ["rtcp:30001 IN IP4 203.0.113.5"])
        let v6 = Self.stream("2001:db8::5", 30000, 30001)
        #expect(try lines(SDPMediaPlan(local: v6), SDPRewriteOptions(fullRTCPAttribute: true))
            == ["rtcp:30001 IN IP6 2001:db8::5"])
    }

    @Test func addressFamilyFollowsTheLocalStream() throws {
        let v4Offer = try SDPFixture.text("ngdoc-4.1-offer.sdp")
        let toV6 = try SDPSession(parsing: Self.rewrite(v4Offer, plans: [SDPMediaPlan(local: Self.stream("2001:db8::5", 30000))],
                                                        options: SDPRewriteOptions(replaceOrigin: true)))
        #expect(toV6.origin.addressType == "IP6" && toV6.origin.address == "2001:db8::5")
        #expect(toV6.media[0].connection == SDPConnection(addressType: .ipv6, address: "2001:db8::5"))
        let v6Offer = try SDPFixture.text("phone-ipv6-offer.sdp")
        let toV4 = try SDPSession(parsing: Self.rewrite(v6Offer, plans: [SDPMediaPlan(local: Self.stream("203.0.113.5", 30000))],
                                                        options: SDPRewriteOptions(replaceOrigin: true)))
        #expect(toV4.origin.text == "Yealink 1804289383 1804289384 IN IP4 203.0.113.5")
        #expect(toV4.connection == nil && toV4.media[0].connection?.text == "IN IP4 203.0.113.5")
        // Without replace origin the sender's o= stays as it was, family included.
        let kept = try SDPSession(parsing: Self.rewrite(v6Offer, plans: [SDPMediaPlan(local: Self.stream("203.0.113.5", 30000))]))
        #expect(kept.origin.text == "Yealink 1804289383 1804289384 IN IP6 2001:db8::10")
        // A rejected-only SDP from a v6 sender gets a v6 zero address.
        let rejected = try SDPSession(parsing: Self.rewrite(v6Offer, plans: [SDPMediaPlan(local: nil)]))
        #expect(rejected.media[0].connection?.text == "IN IP6 ::" && rejected.media[0].port == 0)
        #expect(rejected.media[0].attributes.isEmpty)
    }

    @Test func transportProtocolOverrideAndPlanCount() throws {
        let input = try SDPSession(parsing: SDPFixture.text("ngdoc-4.1-offer.sdp"))
        let output = try SDPRewriter.rewrite(input, media: [SDPMediaPlan(local: Self.stream("203.0.113.5", 30000),
                                                                         transportProtocol: "RTP/AVPF")],
                                             options: SDPRewriteOptions())
        #expect(output.media[0].mediaLineText == "audio 30000 RTP/AVPF 8 0 101")
        #expect(throws: SDPError.mediaPlanMismatch) {
            _ = try SDPRewriter.rewrite(input, media: [], options: SDPRewriteOptions())
        }
    }

    @Test func originStaysStableWithPreviousOriginAndVersionCanBeBumped() throws {
        let input = try SDPSession(parsing: SDPFixture.text("ngdoc-4.1-offer.sdp"))
        let previous = SDPOrigin(username: "relay", sessionID: "1001", sessionVersion: "7", addressType: "IP4",
                                 address: "203.0.113.9")
        let plans = [SDPMediaPlan(local: Self.stream("203.0.113.5", 30000))]
        let stable = try SDPRewriter.rewrite(input, media: plans, options: SDPRewriteOptions(
            replaceOrigin: true, replaceSessionName: true, replaceUsername: true, replaceSDPVersion: true,
            previousOrigin: previous, previousSessionName: "first"))
        #expect(stable.origin.text == "relay 1001 7 IN IP4 203.0.113.9")
        #expect(stable.sessionName == "first")
        let bumped = try SDPRewriter.rewrite(input, media: plans, options: SDPRewriteOptions(
            forceIncrementSDPVersion: true, previousOrigin: previous))
        #expect(bumped.origin.sessionVersion == "8")
        #expect(bumped.origin.username == "-" && bumped.origin.address == "192.0.2.10")
        // First SDP to a party (no previous origin): the sender's values stay.
        let first = try SDPRewriter.rewrite(input, media: plans, options: SDPRewriteOptions(
            replaceSessionName: true, replaceUsername: true, forceIncrementSDPVersion: true))
        #expect(first.origin.text == "- 1001 2 IN IP4 192.0.2.10" && first.sessionName == "-")
    }

    /// rtpengine 10.5 does the same: its own `loop protect` output offered back to it came out byte-identical.
    @Test func loopProtectMarksOnceAndReturnsOurOwnSDPUntouched() throws {
        let input = try SDPSession(parsing: SDPFixture.text("ngdoc-4.1-offer.sdp"))
        let options = SDPRewriteOptions(loopProtect: true, instanceID: "8f5d9e6b5a5f")
        let first = try SDPRewriter.rewrite(input, media: [SDPMediaPlan(local: Self.stream("203.0.113.5", 30000))],
                                            options: options)
        #expect(first.attributes == [SDPAttribute(name: "rtpengine", value: "8f5d9e6b5a5f")])
        let looped = try SDPSession(parsing: first.serialized())
        let second = try SDPRewriter.rewrite(looped, media: [SDPMediaPlan(local: Self.stream("203.0.113.5", 31000))],
                                             options: options)
        #expect(second == looped)
        // Another relay's mark is kept and ours is added.
        let other = try SDPRewriter.rewrite(looped, media: [SDPMediaPlan(local: Self.stream("203.0.113.5", 31000))],
                                            options: SDPRewriteOptions(loopProtect: true, instanceID: "other"))
        #expect(other.attributes.map(\.text) == ["rtpengine:8f5d9e6b5a5f", "rtpengine:other"])
        #expect(other.media[0].port == 31000)
    }

    @Test func codecAttributesForUnlistedPayloadTypesAreDroppedAndDuplicatesOnce() throws {
        let input = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" +
            "m=audio 4000 RTP/AVP 96 0 96 120\r\na=rtcp-fb:* nack\r\na=rtpmap:97 AMR/8000\r\na=fmtp:97 octet-align=1\r\n" +
            "a=rtcp-fb:96 nack\r\na=fmtp:96 mode-set=2\r\na=rtpmap:96 AMR-WB/16000\r\na=maxptime:60\r\n"
        let output = try SDPSession(parsing: Self.rewrite(input, plans: [SDPMediaPlan(local: Self.stream("203.0.113.5", 30000))]))
        #expect(output.media[0].attributes.map(\.text) == [
            "rtcp-fb:* nack", "maxptime:60", "rtpmap:96 AMR-WB/16000", "fmtp:96 mode-set=2", "rtcp-fb:96 nack",
            "rtpmap:0 PCMU/8000", "sendrecv", "rtcp:30001",
        ])
    }

    @Test func nonRTPMediaKeepsItsAttributesAndGetsNoRTCP() throws {
        let input = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" +
            "m=image 4000 udptl t38\r\na=T38FaxVersion:0\r\na=T38FaxRateManagement:transferredTCF\r\n"
        let output = try Self.rewrite(input, plans: [SDPMediaPlan(local: Self.stream("203.0.113.5", 30000), rtcpMux: .offer)])
        #expect(output.hasSuffix("m=image 30000 udptl t38\r\nc=IN IP4 203.0.113.5\r\na=T38FaxVersion:0\r\n" +
            "a=T38FaxRateManagement:transferredTCF\r\na=sendrecv\r\n"))
    }

    /// Our output next to rtpengine 10.5's for the same offer (fixtures captured from the real daemon;
    /// its ports are read from its own output and given to our rewriter, which normalises them away).
    /// Compared: o=, s=, session attributes, m= lines and every media attribute, except the SRTP/DTLS
    /// lines rtpengine generates because it terminates SRTP (we pass the sender's through).
    @Test("same o=, s=, m= and attributes as rtpengine 10.5", arguments: [
        ("ngdoc-4.1-offer.sdp", "rtpengine-10.5-offer41-reply.sdp", [String]()),
        ("phone-ipv6-offer.sdp", "rtpengine-10.5-phone6-reply.sdp", []),
        ("webrtc-chrome-offer.sdp", "rtpengine-10.5-webrtc-reply.sdp", ["demux"]),
    ])
    func matchesRtpengine(offerName: String, referenceName: String, muxOptions: [String]) throws {
        let offer = try SDPSession(parsing: SDPFixture.text(offerName))
        let reference = try SDPSession(parsing: SDPFixture.text(referenceName))
        var plans: [SDPMediaPlan] = []
        for (index, (section, theirs)) in zip(offer.media, reference.media).enumerated() {
            let rtcpPort = try #require(theirs.rtcpAttribute?.port)
            let mux = RTCPMuxPolicy.decide(options: muxOptions, offerHasMux: section.offersRTCPMux, isOffer: true)
            plans.append(SDPMediaPlan(local: Self.stream("127.0.0.1", theirs.port, rtcpPort, id: UInt64(index)),
                                      rtcpMux: mux.egress))
        }
        let ours = try SDPSession(parsing: SDPRewriter.rewrite(offer, media: plans, options: SDPRewriteOptions(
            replaceOrigin: true, ice: .remove)).serialized())
        let srtp: Set<String> = ["crypto", "fingerprint", "setup", "tls-id"]
        #expect(ours.origin == reference.origin)
        #expect(ours.sessionName == reference.sessionName)
        #expect(ours.attributes == reference.attributes)
        #expect(ours.media.count == reference.media.count)
        for (mine, theirs) in zip(ours.media, reference.media) {
            #expect(mine.mediaLineText == theirs.mediaLineText)
            #expect(mine.attributes.filter { !srtp.contains($0.name) } == theirs.attributes.filter { !srtp.contains($0.name) })
            // rtpengine 10.5 keeps a session c=; we print it per media (§8). Same address either way.
            #expect(mine.effectiveConnection(session: ours) == theirs.effectiveConnection(session: reference))
        }
    }

    @Test func rewritingFuzzedButAcceptedSDPNeverTrapsAndStaysParseable() throws {
        var rng = SeededRandom(seed: 0xAB5D_0001)
        let seeds = try SDPTests.wellFormedFixtures.map { Array(try SDPFixture.text($0).utf8) }
        var rewritten = 0
        for round in 0..<10_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<(1 + Int(rng.next() % 6)) where !bytes.isEmpty {
                let position = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: position)
                default: bytes.insert(Array(" :/=0\r\n".utf8)[Int(rng.next() % 7)], at: position)
                }
            }
            guard let session = try? SDPSession(parsing: String(decoding: bytes, as: UTF8.self)) else { continue }
            let plans = session.media.indices.map { index in
                index % 3 == 2 ? SDPMediaPlan(local: nil)
                    : SDPMediaPlan(local: Self.stream(index % 2 == 0 ? "203.0.113.5" : "2001:db8::5", UInt16(30000 + 2 * index)),
                                   rtcpMux: index % 2 == 0 ? .offer : .required)
            }
            let output = try SDPRewriter.rewrite(session, media: plans, options: SDPRewriteOptions(
                replaceOrigin: true, fullRTCPAttribute: round % 2 == 0, loopProtect: true, instanceID: "x"))
            let reparsed = try SDPSession(parsing: output.serialized())
            #expect(reparsed == output, "round \(round)")
            rewritten += 1
        }
        #expect(rewritten > 1000)
    }

    /// The codec hook (SDPMediaPlan.codecs): the negotiated list replaces the sender's payload types
    /// and their lines, other attributes stay, and the given ptime replaces the sender's.
    @Test func negotiatedCodecsReplaceTheSendersListAndPtime() throws {
        let input = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
            + "m=audio 4000 RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\n"
            + "a=x-keep\r\na=ptime:20\r\na=sendrecv\r\n"
        let codecs = SDPCodecOutput(formats: [CodecFormat(payloadType: 96, encoding: "opus/48000/2", fmtp: ["useinbandfec=1"]),
                                              CodecFormat(payloadType: 97, encoding: "telephone-event/48000", fmtp: ["0-15"])],
                                    ptime: 40)
        let output = try Self.rewrite(input, plans: [SDPMediaPlan(local: Self.stream("203.0.113.5", 30000), codecs: codecs)])
        #expect(output.hasSuffix("m=audio 30000 RTP/AVP 96 97\r\nc=IN IP4 203.0.113.5\r\na=x-keep\r\n"
            + "a=rtpmap:96 opus/48000/2\r\na=fmtp:96 useinbandfec=1\r\na=rtpmap:97 telephone-event/48000\r\n"
            + "a=fmtp:97 0-15\r\na=sendrecv\r\na=rtcp:30001\r\na=ptime:40\r\n"))
        // Without a ptime in the output the sender's stays.
        let kept = try Self.rewrite(input, plans: [SDPMediaPlan(local: Self.stream("203.0.113.5", 30000),
                                                                codecs: SDPCodecOutput(formats: [CodecFormat(payloadType: 8, encoding: "PCMA/8000")]))])
        #expect(kept.contains("RTP/AVP 8\r\n") && kept.hasSuffix("a=rtpmap:8 PCMA/8000\r\na=sendrecv\r\na=rtcp:30001\r\na=ptime:20\r\n"))
    }
}
