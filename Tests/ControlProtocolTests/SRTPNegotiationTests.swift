import Testing
import RTPWire
@testable import ControlProtocol

/// RTP↔SRTP bridging with SDES through the whole engine (real ng datagrams, the fake media plane):
/// what each SDP says, and which keys each leg's StreamPlan carries to the media plane.
@Suite struct SRTPNegotiationTests {
    typealias Harness = NGEngineTests.Harness
    let aAddress = Endpoint(address: "192.0.2.10", port: 40000)
    let bAddress = Endpoint(address: "198.51.100.7", port: 50000)
    static let savp: BencodeDictionary = ["transport-protocol": "RTP/SAVP"]
    static let avp: BencodeDictionary = ["transport-protocol": "RTP/AVP"]

    // Peer keys, fixed so the tests can compare: base64 of 30 bytes (AES-CM-128) and 28 bytes (GCM-128).
    static let keyA128 = "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
    static let keyA128b = "QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5"
    static let keyA128c = "cmVsYXktdGVzdC1rZXktbnVtYmVyLXRocmVlISEh"
    static let keyBGCM128 = "Fmd7+K3FvDHCo9gRyBy0V2uz4q/Ow7EydRl8ww"

    func sdp(_ endpoint: Endpoint, proto: String = "RTP/AVP", version: Int = 1, extra: [String] = []) -> String {
        var text = "v=0\r\no=- 1001 \(version) IN IP4 \(endpoint.address)\r\ns=-\r\nc=IN IP4 \(endpoint.address)\r\nt=0 0\r\n"
            + "m=audio \(endpoint.port) \(proto) 8 0\r\n"
        for line in extra { text += line + "\r\n" }
        return text + "a=sendrecv\r\n"
    }

    func media(_ reply: BencodeDictionary) throws -> SDPMedia {
        let text = try #require(reply["sdp"]?.stringValue, "no sdp in \(reply)")
        return try #require(try SDPSession(parsing: text).media.first)
    }

    func cryptoLines(_ media: SDPMedia) throws -> [SDESCrypto] {
        try media.attributes.filter { $0.name == "crypto" }.map { try SDESCrypto(parsing: Substring($0.value ?? "")) }
    }

    func plan(_ h: Harness, tag: String, callID: String = "call-1") throws -> StreamPlan {
        let call = try #require(h.engine.registry.call(callID))
        let stream = try #require(call.monologue(tag: tag)?.medias.first?.stream)
        return try #require(h.plane.plans[stream.id])
    }

    func crypto(_ line: String) throws -> SDESCrypto { try SDESCrypto(parsing: Substring(line)) }

    // MARK: RTP offerer → SRTP recipient

    @Test func plainOfferWithSAVPTransportOffersTheRelaysOwnKeysAndKeysTheAnsweringLeg() throws {
        let h = Harness()
        let offer = try h.offer(sdp: sdp(aAddress), extra: Self.savp)
        #expect(offer["result"]?.stringValue == "ok")
        let toB = try media(offer)
        #expect(toB.proto == "RTP/SAVP")
        let offered = try cryptoLines(toB)
        #expect(offered.map(\.tag) == [1, 2, 3, 4, 5, 6])
        #expect(offered.map(\.suite) == [.aeadAES256GCM, .aeadAES128GCM, .aes256CMHmacSHA1_80, .aes256CMHmacSHA1_32,
                                         .aes128CMHmacSHA1_80, .aes128CMHmacSHA1_32])
        #expect(Set(offered.map(\.masterKey)).count == 6)
        #expect(offered.allSatisfy { $0.keying.hasValidLengths && !$0.padded && $0.sessionParameters.isEmpty })
        // Nothing is keyed before B has chosen.
        #expect(try plan(h, tag: "A").inboundSRTP == nil)

        let bKey = try crypto("2 AEAD_AES_128_GCM inline:\(Self.keyBGCM128)")
        let answer = try h.answer(sdp: sdp(bAddress, proto: "RTP/SAVP", extra: ["a=crypto:" + bKey.attributeValue]))
        #expect(answer["result"]?.stringValue == "ok")
        let toA = try media(answer)
        #expect(toA.proto == "RTP/AVP")
        #expect(!toA.has("crypto"))

        let bPlan = try plan(h, tag: "B")
        #expect(bPlan.inboundSRTP == bKey.keying)
        #expect(bPlan.outboundSRTP == offered[1].keying)
        #expect(bPlan.remoteRTP == bAddress)
        let aPlan = try plan(h, tag: "A")
        #expect(aPlan.inboundSRTP == nil && aPlan.outboundSRTP == nil)
        #expect(aPlan.sink == h.engine.registry.call("call-1")?.monologue(tag: "B")?.medias[0].stream?.id)

        // Stats: the SRTP leg names its suite; the plain leg does not.
        let query = try h.query()
        let tags = try #require(query["tags"]?.dictValue)
        let bMedia = try #require(tags["B"]?.dictValue?["medias"]?.listValue?.first?.dictValue)
        #expect(bMedia["flags"]?.listValue?.contains(.text("SDES")) == true)
        let bStreams = try #require(bMedia["streams"]?.listValue)
        #expect(bStreams.allSatisfy { $0.dictValue?["crypto suite"]?.stringValue == "AEAD_AES_128_GCM" })
        let aMedia = try #require(tags["A"]?.dictValue?["medias"]?.listValue?.first?.dictValue)
        #expect(aMedia["streams"]?.listValue?.first?.dictValue?["crypto suite"] == nil)
    }

    /// Line format and position against rtpengine 10.5's offer for the same request.
    @Test func offeredLinesLookLikeRtpengines() throws {
        let reference = try SDPSession(parsing: SDPFixture.text("rtpengine-10.5-sdes-offer-reply.sdp")).media[0]
        let h = Harness()
        let offer = try h.offer(sdp: "v=0\r\no=- 1545997027 1 IN IP4 198.51.100.1\r\ns=tester\r\nc=IN IP4 198.51.100.1\r\n"
                                + "t=0 0\r\nm=audio 2000 RTP/AVP 0 8\r\na=sendrecv\r\n", extra: Self.savp)
        let ours = try media(offer)
        #expect(ours.mediaLineText.replacingPort() == reference.mediaLineText.replacingPort())
        // Same attribute sequence, crypto lines after a=rtcp; rtpengine has six more suites.
        let names = { (m: SDPMedia) in m.attributes.map(\.name) }
        #expect(names(ours) == ["rtpmap", "rtpmap", "sendrecv", "rtcp"] + Array(repeating: "crypto", count: 6))
        #expect(names(reference) == ["rtpmap", "rtpmap", "sendrecv", "rtcp"] + Array(repeating: "crypto", count: 12))
        let theirs = reference.attributes.filter { $0.name == "crypto" }.compactMap(\.value)
            .map { $0.split(separator: " ").map(String.init) }
            .filter { SRTPCryptoSuite(rawValue: $0[1]) != nil }
        let mine = ours.attributes.filter { $0.name == "crypto" }.compactMap(\.value).map { $0.split(separator: " ").map(String.init) }
        #expect(mine.map { $0[1] } == theirs.map { $0[1] })
        // Same shape of key text (no `=` padding, same length per suite), different keys.
        #expect(mine.map { $0[2].count } == theirs.map { $0[2].count })
        #expect(mine.map { $0[2] } != theirs.map { $0[2] })
        #expect(mine.allSatisfy { $0.count == 3 && $0[2].hasPrefix("inline:") && !$0[2].contains("=") })
    }

    @Test func sdesOptionsShapeTheOffer() throws {
        let h = Harness()
        let padded = try h.offer(callID: "c1", sdp: sdp(aAddress), extra: [
            "transport-protocol": "RTP/SAVP", "SDES": ["no-AEAD_AES_256_GCM", "no-NULL_HMAC_SHA1_80", "pad", "lifetime"]])
        let lines = try cryptoLines(try media(padded))
        #expect(lines.map(\.suite) == [.aeadAES128GCM, .aes256CMHmacSHA1_80, .aes256CMHmacSHA1_32, .aes128CMHmacSHA1_80,
                                       .aes128CMHmacSHA1_32])
        #expect(lines.map(\.tag) == [1, 2, 3, 4, 5])
        let text = try #require(padded["sdp"]?.stringValue)
        #expect(text.contains("a=crypto:1 AEAD_AES_128_GCM inline:") && text.contains("==|2^31\r\n"))
        // 30-byte keys need no padding; every other length shows it.
        #expect(lines.allSatisfy { ($0.padded || $0.suite.masterLength % 3 == 0) && $0.lifetime == .powerOfTwo(31) })
        #expect(lines.filter(\.padded).count == 3)

        let only = try h.offer(callID: "c2", sdp: sdp(aAddress), flags: ["SDES-only-AES_CM_128_HMAC_SHA1_80",
                                                                         "SDES-only-AEAD_AES_128_GCM"], extra: Self.savp)
        #expect(try cryptoLines(try media(only)).map(\.suite) == [.aeadAES128GCM, .aes128CMHmacSHA1_80])

        let ordered = try h.offer(callID: "c3", sdp: sdp(aAddress), extra: [
            "transport-protocol": "RTP/SAVP", "SDES": ["order:AES_CM_128_HMAC_SHA1_32,AES_CM_128_HMAC_SHA1_80", "unencrypted_srtcp"]])
        let orderedLines = try cryptoLines(try media(ordered))
        #expect(orderedLines.map(\.suite).prefix(3) == [.aes128CMHmacSHA1_32, .aes128CMHmacSHA1_80, .aeadAES256GCM])
        #expect(orderedLines.allSatisfy { $0.sessionParameters == [.unencryptedSRTCP] })

        let off = try h.offer(callID: "c4", sdp: sdp(aAddress), extra: ["transport-protocol": "RTP/SAVP", "SDES": ["off"]])
        #expect(try media(off).proto == "RTP/SAVP")
        #expect(!(try media(off)).has("crypto"))
    }

    @Test func noNewOffersOnlyTheOfferersSuitesAndPreferPicksByTheRelaysRanking() throws {
        let h = Harness()
        let lines = ["a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:\(Self.keyA128)",
                     "a=crypto:2 AEAD_AES_128_GCM inline:\(Self.keyBGCM128)"]
        let plain = try h.offer(callID: "c1", sdp: sdp(aAddress, proto: "RTP/SAVP", extra: lines),
                                extra: ["SDES": ["nonew"]])
        // Fresh keys for the offerer's two suites only, in the relay's order.
        let offered = try cryptoLines(try media(plain))
        #expect(offered.map(\.suite) == [.aeadAES128GCM, .aes128CMHmacSHA1_32])
        #expect(!offered.contains { $0.masterKey == (try? crypto("1 AES_CM_128_HMAC_SHA1_32 inline:\(Self.keyA128)"))?.masterKey })
        // Without `prefer` the offerer's first line wins; with it, the relay's stronger GCM suite.
        #expect(try plan(h, tag: "A", callID: "c1").inboundSRTP?.suite == .aes128CMHmacSHA1_32)
        _ = try h.offer(callID: "c2", sdp: sdp(aAddress, proto: "RTP/SAVP", extra: lines), extra: ["SDES": "prefer"])
        #expect(try plan(h, tag: "A", callID: "c2").inboundSRTP?.suite == .aeadAES128GCM)
        // `order:` as one comma-separated ng string.
        let ordered = try h.offer(callID: "c3", sdp: sdp(aAddress), extra: [
            "transport-protocol": "RTP/SAVP", "SDES": "order:AES_CM_128_HMAC_SHA1_32,AES_256_CM_HMAC_SHA1_32"])
        #expect(try cryptoLines(try media(ordered)).map(\.suite).prefix(2) == [.aes128CMHmacSHA1_32, .aes256CMHmacSHA1_32])
    }

    @Test func nonRTPMediaGetNeitherTheSRTPProfileNorKeys() throws {
        let h = Harness()
        let text = sdp(aAddress) + "m=image 40002 udptl t38\r\na=T38FaxVersion:0\r\n"
        let offer = try h.offer(sdp: text, extra: Self.savp)
        let session = try SDPSession(parsing: try #require(offer["sdp"]?.stringValue))
        #expect(session.media.map(\.proto) == ["RTP/SAVP", "udptl"])
        #expect(session.media[0].has("crypto") && !session.media[1].has("crypto"))
        let call = try #require(h.engine.registry.call("call-1"))
        #expect(call.monologues.values.allSatisfy { $0.medias.count < 2 || $0.medias[1].sdes == SDESLegState() })
    }

    // MARK: SRTP offerer → RTP recipient

    @Test func srtpOffererIsAnsweredWithOneLineOfItsTagAndTheRelaysKey() throws {
        let h = Harness()
        // First line carries an MKI (refused), so the relay takes the second: tag 2, 32-bit tag suite.
        let mki = "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4"
        let aKey = try crypto("2 AES_CM_128_HMAC_SHA1_32 inline:\(Self.keyA128) UNENCRYPTED_SRTCP")
        let offer = try h.offer(sdp: sdp(aAddress, proto: "RTP/SAVP", extra: [mki, "a=crypto:" + aKey.attributeValue,
                                                                             "a=crypto:3 FOO_BAR inline:xyz"]),
                                extra: Self.avp)
        let toB = try media(offer)
        #expect(toB.proto == "RTP/AVP")
        #expect(!toB.has("crypto"))
        #expect(h.engine.registry.counters.droppedCryptoLines == 2)
        // A's leg is keyed from the offer on: A's key inbound, the relay's own key outbound.
        let aPlan = try plan(h, tag: "A")
        #expect(aPlan.inboundSRTP == aKey.keying)
        let ours = try #require(aPlan.outboundSRTP)
        #expect(ours.suite == .aes128CMHmacSHA1_32 && ours.hasValidLengths)
        #expect(ours.masterKey != aKey.masterKey)
        #expect(ours.unencryptedSRTCP && aPlan.inboundSRTP?.unencryptedSRTCP == true)

        let answer = try h.answer(sdp: sdp(bAddress))
        let toA = try media(answer)
        #expect(toA.proto == "RTP/SAVP")
        let answered = try cryptoLines(toA)
        #expect(answered.count == 1)
        #expect(answered.first?.tag == 2)
        #expect(answered.first?.keying == ours)
        #expect(answered.first?.sessionParameters == [.unencryptedSRTCP])
        let bPlan = try plan(h, tag: "B")
        #expect(bPlan.inboundSRTP == nil && bPlan.outboundSRTP == nil)
        #expect(try plan(h, tag: "A").outboundSRTP == ours)
    }

    /// The same exchange as rtpengine 10.5's `sdes2`: one a=crypto between a=rtcp and a=ptime. 10.5
    /// accepts the MKI line (tag 1); the relay refuses MKI and answers tag 2.
    @Test func answerTowardsTheSRTPOffererIsShapedLikeRtpengines() throws {
        let reference = try SDPSession(parsing: SDPFixture.text("rtpengine-10.5-sdes-answer-to-savp-reply.sdp")).media[0]
        let h = Harness()
        _ = try h.offer(sdp: "v=0\r\no=- 3003 1 IN IP4 198.51.100.1\r\ns=-\r\nc=IN IP4 198.51.100.1\r\nt=0 0\r\n"
                        + "m=audio 2000 RTP/SAVP 0 8\r\n"
                        + "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4\r\n"
                        + "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj\r\n"
                        + "a=ptime:20\r\na=sendrecv\r\n", extra: Self.avp)
        let answer = try h.answer(sdp: "v=0\r\no=- 4004 1 IN IP4 198.51.100.7\r\ns=-\r\nc=IN IP4 198.51.100.7\r\nt=0 0\r\n"
                                  + "m=audio 5000 RTP/AVP 0 8\r\na=sendrecv\r\n")
        let ours = try media(answer)
        #expect(ours.mediaLineText.replacingPort() == reference.mediaLineText.replacingPort())
        // 10.5 also carries the offerer's a=ptime:20 into the answer (its codec tracking; the relay
        // writes what the answerer said). Apart from that, the same lines in the same order.
        #expect(ours.attributes.map(\.name) == reference.attributes.map(\.name).filter { $0 != "ptime" })
        #expect(reference.attributes.map(\.name).last == "ptime")
        let theirLine = try crypto(try #require(reference.attribute("crypto")?.value))
        let ourLine = try #require(try cryptoLines(ours).first)
        #expect(theirLine.tag == 1 && theirLine.suite == .aes128CMHmacSHA1_80)
        #expect(ourLine.tag == 2 && ourLine.suite == .aes128CMHmacSHA1_32)
        #expect(ourLine.lifetime == nil && ourLine.mki == nil && theirLine.lifetime == nil && theirLine.mki == nil)
    }

    // MARK: SRTP ↔ SRTP

    @Test func srtpToSRTPKeysEachLegIndependently() throws {
        let h = Harness()
        let aKey = try crypto("1 AES_CM_128_HMAC_SHA1_80 inline:\(Self.keyA128)")
        let offer = try h.offer(sdp: sdp(aAddress, proto: "RTP/SAVP", extra: ["a=crypto:" + aKey.attributeValue]))
        let toB = try media(offer)
        #expect(toB.proto == "RTP/SAVP")
        let offered = try cryptoLines(toB)
        #expect(offered.count == 6)
        // A's key never reaches B: the relay re-encrypts.
        #expect(!offered.contains { $0.masterKey == aKey.masterKey })
        #expect(!(try #require(offer["sdp"]?.stringValue)).contains(Self.keyA128))

        let bKey = try crypto("5 AES_CM_128_HMAC_SHA1_80 inline:\(Self.keyA128b)")
        let answer = try h.answer(sdp: sdp(bAddress, proto: "RTP/SAVP", extra: ["a=crypto:" + bKey.attributeValue]))
        let toA = try media(answer)
        #expect(toA.proto == "RTP/SAVP")
        let answered = try cryptoLines(toA)
        #expect(answered.count == 1 && answered[0].tag == 1 && answered[0].suite == .aes128CMHmacSHA1_80)
        #expect(!(try #require(answer["sdp"]?.stringValue)).contains(Self.keyA128b))

        let aPlan = try plan(h, tag: "A")
        let bPlan = try plan(h, tag: "B")
        #expect(aPlan.inboundSRTP == aKey.keying)
        #expect(aPlan.outboundSRTP == answered[0].keying)
        #expect(bPlan.inboundSRTP == bKey.keying)
        #expect(bPlan.outboundSRTP == offered[4].keying)
        let keys = [aPlan.inboundSRTP, aPlan.outboundSRTP, bPlan.inboundSRTP, bPlan.outboundSRTP].compactMap { $0?.masterKey }
        #expect(Set(keys).count == 4)
    }

    @Test func reInviteWithANewKeyReKeysInboundAndKeepsPortsAndTheRelaysKeys() throws {
        let h = Harness()
        let aKey = try crypto("1 AES_CM_128_HMAC_SHA1_80 inline:\(Self.keyA128)")
        let offer1 = try h.offer(sdp: sdp(aAddress, proto: "RTP/SAVP", extra: ["a=crypto:" + aKey.attributeValue]))
        let offered1 = try cryptoLines(try media(offer1))
        let bKey = try crypto("5 AES_CM_128_HMAC_SHA1_80 inline:\(Self.keyA128b)")
        let answer1 = try h.answer(sdp: sdp(bAddress, proto: "RTP/SAVP", extra: ["a=crypto:" + bKey.attributeValue]))
        let ourKeyForA = try #require(try cryptoLines(try media(answer1)).first)
        let aPlan1 = try plan(h, tag: "A")
        let bPlan1 = try plan(h, tag: "B")
        let allocations = h.plane.allocations

        // Re-INVITE from A with a new key (same suite), then B's 200 OK with a new key of its own.
        let aKey2 = try crypto("1 AES_CM_128_HMAC_SHA1_80 inline:\(Self.keyA128c)")
        let offer2 = try h.offer(to: "B", sdp: sdp(aAddress, proto: "RTP/SAVP", version: 2, extra: ["a=crypto:" + aKey2.attributeValue]),
                                 at: 10)
        #expect(try media(offer2).port == (try media(offer1)).port)
        // The relay's offered keys are stable across the re-offer.
        #expect(try cryptoLines(try media(offer2)) == offered1)
        let aPlan2 = try plan(h, tag: "A")
        #expect(aPlan2.inboundSRTP == aKey2.keying)
        #expect(aPlan2.outboundSRTP == aPlan1.outboundSRTP)
        // B's leg keeps its keys until B answers.
        #expect(try plan(h, tag: "B") == bPlan1)

        let bKey2 = try crypto("5 AES_CM_128_HMAC_SHA1_80 inline:\(Self.keyA128)")
        let answer2 = try h.answer(sdp: sdp(bAddress, proto: "RTP/SAVP", version: 2, extra: ["a=crypto:" + bKey2.attributeValue]),
                                   at: 11)
        #expect(try cryptoLines(try media(answer2)) == [ourKeyForA])
        let bPlan2 = try plan(h, tag: "B")
        #expect(bPlan2.inboundSRTP == bKey2.keying)
        #expect(bPlan2.outboundSRTP == bPlan1.outboundSRTP)
        #expect(h.plane.allocations == allocations)
        #expect(h.engine.registry.currentSessions == 1)

        // A switches suite: the relay's key towards A changes with it; B's leg is untouched.
        let aKey3 = try crypto("4 AEAD_AES_128_GCM inline:\(Self.keyBGCM128)")
        _ = try h.offer(to: "B", sdp: sdp(aAddress, proto: "RTP/SAVP", version: 3, extra: ["a=crypto:" + aKey3.attributeValue]), at: 20)
        let aPlan3 = try plan(h, tag: "A")
        #expect(aPlan3.inboundSRTP == aKey3.keying)
        let newOut = try #require(aPlan3.outboundSRTP)
        #expect(newOut.suite == .aeadAES128GCM && newOut.masterKey != aPlan1.outboundSRTP?.masterKey)
        let answer3 = try h.answer(sdp: sdp(bAddress, proto: "RTP/SAVP", version: 3, extra: ["a=crypto:" + bKey2.attributeValue]),
                                   at: 21)
        #expect(try cryptoLines(try media(answer3)).map(\.tag) == [4])
        #expect(try plan(h, tag: "B").outboundSRTP == bPlan1.outboundSRTP)
    }

    // MARK: Refusals

    @Test func answerWithATagTheRelayDidNotOfferIsRefusedAndTheCallStays() throws {
        let h = Harness()
        _ = try h.offer(sdp: sdp(aAddress), extra: Self.savp)
        // Tag 2 was AEAD_AES_128_GCM; a different suite under it, or tag 9, matches nothing.
        for line in ["a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:\(Self.keyA128)",
                     "a=crypto:9 AEAD_AES_128_GCM inline:\(Self.keyBGCM128)"] {
            let reply = try h.answer(sdp: sdp(bAddress, proto: "RTP/SAVP", extra: [line]))
            #expect(reply["result"]?.stringValue == "error")
            #expect(reply["error-reason"]?.stringValue == "SDES answer a=crypto does not match an offered crypto suite")
        }
        // An SRTP answer without any key at all.
        let bare = try h.answer(sdp: sdp(bAddress, proto: "RTP/SAVP"))
        #expect(bare["error-reason"]?.stringValue == "No usable SDES crypto suite (a=crypto) in RTP/SAVP media")
        #expect(h.engine.registry.currentSessions == 1)
        #expect(try plan(h, tag: "A").outboundSRTP == nil)
        // A proper answer still works afterwards.
        let ok = try h.answer(sdp: sdp(bAddress, proto: "RTP/SAVP", extra: ["a=crypto:2 AEAD_AES_128_GCM inline:\(Self.keyBGCM128)"]))
        #expect(ok["result"]?.stringValue == "ok")
    }

    @Test func srtpOfferWithOnlyUnusableLinesIsRefusedWithoutBindingPorts() throws {
        let h = Harness()
        let reply = try h.offer(sdp: sdp(aAddress, proto: "RTP/SAVP", extra: [
            "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:short",
            "a=crypto:2 F8_128_HMAC_SHA1_80 inline:\(Self.keyA128)",
            "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:\(Self.keyA128);inline:\(Self.keyA128b)",
            "a=crypto:x",
        ]), extra: Self.avp)
        #expect(reply["result"]?.stringValue == "error")
        #expect(reply["error-reason"]?.stringValue == "No usable SDES crypto suite (a=crypto) in RTP/SAVP media")
        #expect(h.plane.portsInUse == 0)
        #expect(h.engine.registry.currentSessions == 0)
        #expect(h.engine.registry.counters.droppedCryptoLines == 4)
    }

    @Test func recipientDecliningSRTPLeavesBothLegsPlain() throws {
        let h = Harness()
        _ = try h.offer(sdp: sdp(aAddress), extra: Self.savp)
        let answer = try h.answer(sdp: sdp(bAddress))
        #expect(answer["result"]?.stringValue == "ok")
        let toA = try media(answer)
        #expect(toA.proto == "RTP/AVP" && !toA.has("crypto"))
        #expect(h.plane.plans.values.allSatisfy { $0.inboundSRTP == nil && $0.outboundSRTP == nil })
        #expect(h.engine.registry.call("call-1")?.monologue(tag: "B")?.medias[0].sdes == SDESLegState())
    }

    @Test func plainCallsCarryNoKeys() throws {
        let h = Harness()
        let offer = try h.offer(sdp: sdp(aAddress))
        #expect(try media(offer).proto == "RTP/AVP" && !(try media(offer)).has("crypto"))
        _ = try h.answer(sdp: sdp(bAddress))
        #expect(h.plane.plans.values.allSatisfy { $0.inboundSRTP == nil && $0.outboundSRTP == nil })
        #expect(h.plane.plans.count == 2)
    }
}

private extension String {
    /// `audio 41000 RTP/SAVP 0 8` → `audio PORT RTP/SAVP 0 8`.
    func replacingPort() -> String {
        var fields = split(separator: " ").map(String.init)
        if fields.count > 1 { fields[1] = "PORT" }
        return fields.joined(separator: " ")
    }
}
