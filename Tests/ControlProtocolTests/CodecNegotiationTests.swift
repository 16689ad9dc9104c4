import Testing
import RTPWire
@testable import ControlProtocol

/// Codec negotiation through the engine with real SDPs and ng datagrams, compared with rtpengine
/// 10.5's replies to the same requests (Fixtures/rtpengine-10.5-codec-*.sdp, commands in each file).
/// Ports, c= and the session level differ by design (SDPRewriter), so the comparison is the m=
/// payload list and every media attribute except `a=rtcp` (a port).
@Suite struct CodecNegotiationTests {
    typealias Harness = NGEngineTests.Harness

    /// m= payload list and media attribute lines (without `a=rtcp`) of the first media.
    func codecLines(_ sdp: String) throws -> [String] {
        let media = try #require(try SDPSession(parsing: sdp).media.first)
        return [media.formats.joined(separator: " ")] + media.attributes.filter { $0.name != "rtcp" }.map(\.text)
    }

    func reply(_ dict: BencodeDictionary) throws -> String {
        #expect(dict["result"]?.stringValue == "ok", "\(dict)")
        return try #require(dict["sdp"]?.stringValue)
    }

    func codec(_ ops: [String: [String]]) -> BencodeDictionary {
        var dict = BencodeDictionary()
        for (op, specs) in ops.sorted(by: { $0.key < $1.key }) { dict.set(op, .list(specs.map { .text($0) })) }
        return ["codec": .dictionary(dict)]
    }

    func offer(_ h: Harness, _ fixture: String, _ extra: BencodeDictionary) throws -> String {
        try reply(try h.offer(from: "tagA", sdp: SDPFixture.text(fixture), extra: extra))
    }

    func answer(_ h: Harness, _ fixture: String) throws -> String {
        try reply(try h.answer(from: "tagA", to: "tagB", sdp: SDPFixture.text(fixture)))
    }

    func expectSame(_ ours: String, as reference: String) throws {
        let mine = try codecLines(ours), theirs = try codecLines(SDPFixture.text(reference))
        #expect(mine == theirs, "ours \(mine) rtpengine \(theirs)")
    }

    func media(_ h: Harness, tag: String) throws -> CallMedia {
        try #require(h.engine.registry.call("call-1")?.monologue(tag: tag)?.medias.first)
    }

    // MARK: Offers against rtpengine 10.5

    /// §8.3's test-suite example. Upstream's build adds AMR-WB as 96 and telephone-event/16000 as 97
    /// (`111 9 96 8 97 110 101`); the relay cannot transcode AMR-WB, so, like the Debian build of
    /// rtpengine 10.5 (which cannot either), it drops it: `111 9 8 110 101`, PCMA back in place.
    @Test func section83ExampleMatchesRtpengineWithoutTheUntranscodableAMRWB() throws {
        let h = Harness()
        let sdp = try offer(h, "codec-8.3-offer.sdp", codec([
            "strip": ["PCMU"], "mask": ["PCMA"], "offer": ["opus", "G722"],
            "transcode": ["AMR-WB", "PCMA", "telephone-event"]]))
        try expectSame(sdp, as: "rtpengine-10.5-codec-8.3-reply.sdp")
        #expect(sdp.contains("m=audio 30000 RTP/AVP 111 9 8 110 101\r\nc=IN IP4 203.0.113.5\r\n"))
        #expect(sdp.contains("a=rtpmap:111 opus/48000/2\r\na=fmtp:111 useinbandfec=1\r\na=rtpmap:9 G722/8000\r\n"
            + "a=rtpmap:8 PCMA/8000\r\na=rtpmap:110 telephone-event/48000\r\na=rtpmap:101 telephone-event/8000\r\n"
            + "a=fmtp:101 0-15\r\n"))
        #expect(!sdp.contains("AMR-WB") && !sdp.contains("PCMU"))
    }

    @Test func stripAllExceptKeepsOnlyTheException() throws {
        let sdp = try offer(Harness(), "codec-multi-offer.sdp", codec(["strip": ["all"], "except": ["PCMA"]]))
        try expectSame(sdp, as: "rtpengine-10.5-codec-strip-all-except-reply.sdp")
        #expect(sdp.contains("RTP/AVP 8\r\n"))
    }

    @Test func offerReordersAfterStripAllAndIsInertAlone() throws {
        let reordered = try offer(Harness(), "codec-multi-offer.sdp", codec(["strip": ["all"], "offer": ["PCMA", "PCMU"]]))
        try expectSame(reordered, as: "rtpengine-10.5-codec-strip-all-offer-reply.sdp")
        #expect(reordered.contains("RTP/AVP 8 0\r\n"))
        let alone = try offer(Harness(), "codec-multi-offer.sdp", codec(["offer": ["PCMA", "PCMU"]]))
        try expectSame(alone, as: "rtpengine-10.5-codec-offer-only-reply.sdp")
    }

    @Test func transcodeAddsStaticG729WithAnnexBOffAndOpusWithDTMFAt48k() throws {
        let h = Harness()
        let sdp = try offer(h, "codec-pcma-dtmf-offer.sdp", codec(["transcode": ["G729", "opus/48000/2/32000"]]))
        try expectSame(sdp, as: "rtpengine-10.5-codec-g729-opus-reply.sdp")
        let offered = try #require(try media(h, tag: "tagA").codecOffer)
        #expect(offered.added == [18, 96, 97])
        #expect(offered.bitrates == [96: 32000])
    }

    @Test func newDynamicTypesAvoidTheOfferersOwn() {
        let original = [CodecFormat(payloadType: 96, encoding: "AMR/8000"),
                        CodecFormat(payloadType: 97, encoding: "telephone-event/8000"),
                        CodecFormat(payloadType: 98, encoding: "iLBC/8000"),
                        CodecFormat(payloadType: 0, encoding: "PCMU/8000")]
        let offer = CodecNegotiation.offer(original, options: NGCodecOptions(transcode: ["opus", "PCMU", "PCMA"]),
                                           ptime: nil, offererPtime: nil)
        #expect(offer.sent.map(\.payloadType) == [96, 98, 0, 99, 8, 100, 97])
        #expect(offer.sent.map(\.displayName) == ["AMR/8000", "iLBC/8000", "PCMU/8000", "opus/48000/2", "PCMA/8000",
                                                  "telephone-event/48000", "telephone-event/8000"])
    }

    @Test func aStrippedCodecAskedForAgainComesBackWithItsOwnType() throws {
        let session = try SDPSession(parsing: SDPFixture.text("codec-multi-offer.sdp"))
        let offer = CodecNegotiation.offer(CodecFormat.formats(of: session.media[0]),
                                           options: NGCodecOptions(strip: ["PCMA"], transcode: ["PCMA"]),
                                           ptime: nil, offererPtime: 20)
        // Same set as offered, so the offerer's order stands (as for `mask` + `transcode` of one codec).
        #expect(offer.sent.map(\.payloadType) == [0, 8, 18, 9, 101])
        // Stripped means unusable on the offerer's leg: a callee choosing PCMA is transcoded to PCMU.
        let pcma = CodecFormat(payloadType: 8, encoding: "PCMA/8000")
        let answered = try #require(CodecNegotiation.answer(offer, answerer: [pcma], answererPtime: nil))
        #expect(answered.plan.transcode && answered.plan.offerer.codec.payloadType == 0)
        #expect(answered.formats.map(\.payloadType) == [0])
    }

    @Test func answererMayRenumberTheAddedCodec() throws {
        let session = try SDPSession(parsing: SDPFixture.text("codec-pcmu-dtmf-offer.sdp"))
        let offer = CodecNegotiation.offer(CodecFormat.formats(of: session.media[0]),
                                           options: NGCodecOptions(transcode: ["opus/48000/2/24000"], mask: ["PCMU"]),
                                           ptime: nil, offererPtime: nil)
        #expect(offer.sent.map(\.payloadType) == [96, 97])
        let answer = [CodecFormat(payloadType: 111, encoding: "OPUS/48000/2"),
                      CodecFormat(payloadType: 110, encoding: "telephone-event/48000")]
        let result = try #require(CodecNegotiation.answer(offer, answerer: answer, answererPtime: 40))
        #expect(result.plan.answerer.codec.payloadType == 111 && result.plan.answerer.dtmf?.payloadType == 110)
        #expect(result.plan.answerer.ptime == 40 && result.plan.offerer.ptime == 20 && result.plan.repacketize)
        // The bitrate belongs to the added type (96), not the number the answerer used.
        #expect(offer.bitrates == [96: 24000] && result.plan.answerer.bitrate == nil)
        #expect(result.formats.map(\.payloadType) == [0, 101])
    }

    @Test func answerWithNothingUsableFallsBackToPassThrough() throws {
        let session = try SDPSession(parsing: SDPFixture.text("codec-pcmu-dtmf-offer.sdp"))
        let offer = CodecNegotiation.offer(CodecFormat.formats(of: session.media[0]),
                                           options: NGCodecOptions(transcode: ["opus"]), ptime: nil, offererPtime: nil)
        #expect(CodecNegotiation.answer(offer, answerer: [], answererPtime: nil) == nil)
        #expect(CodecNegotiation.answer(offer, answerer: [CodecFormat(payloadType: 101, encoding: "telephone-event/8000")],
                                        answererPtime: nil) == nil)
        // G722 is neither the caller's nor transcodable: nothing to plan.
        #expect(CodecNegotiation.answer(offer, answerer: [CodecFormat(payloadType: 9, encoding: "G722/8000")],
                                        answererPtime: nil) == nil)
    }

    /// Garbage in the codec dictionary and an absurd ptime: the offer still succeeds, unchanged.
    @Test func hostileCodecOptionsAreIgnoredNotFatal() throws {
        let h = Harness()
        let input = try SDPFixture.text("codec-multi-offer.sdp")
        let plain = try reply(try Harness().offer(from: "tagA", sdp: input))
        let extra: BencodeDictionary = [
            "codec": .dictionary(["transcode": ["", "opus/x", "300", "/", "AMR-WB/16000/1/99999999999999"],
                                  "strip": "not-a-list", "mask": ["9999"], "bogus": ["PCMA"]]),
            "ptime": -5]
        let out = try reply(try h.offer(from: "tagA", sdp: input, extra: extra))
        #expect(try codecLines(out) == (try codecLines(plain)))
        let big = try reply(try Harness().offer(from: "tagA", sdp: input, extra: ["ptime": 1_000_000_000_000]))
        #expect(try codecLines(big) == (try codecLines(plain)))
    }

    @Test func strippingEverythingLeavesTheOfferAlone() throws {
        let h = Harness()
        let input = try SDPFixture.text("codec-multi-offer.sdp")
        let stripped = try offer(h, "codec-multi-offer.sdp", codec(["strip": ["all"]]))
        #expect(try codecLines(stripped) == (try codecLines(reply(try Harness().offer(from: "tagA", sdp: input)))))
    }

    // MARK: Offer and answer

    /// PCMU-only phone, `transcode: [opus], mask: [all]`: B sees only opus; `all` masks the DTMF too
    /// (rtpengine 10.5), so none is offered; B answers opus → A keeps PCMU, the relay transcodes.
    @Test func pcmuCallerTranscodedToOpusCallee() throws {
        let h = Harness()
        let out = try offer(h, "codec-pcmu-dtmf-offer.sdp", codec(["transcode": ["opus"], "mask": ["all"]]))
        try expectSame(out, as: "rtpengine-10.5-codec-opus-mask-all-reply.sdp")
        #expect(out.contains("m=audio 30000 RTP/AVP 96\r\n") && out.contains("\r\na=rtpmap:96 opus/48000/2\r\na=sendrecv\r\n"))
        let back = try answer(h, "codec-opus-answer.sdp")
        try expectSame(back, as: "rtpengine-10.5-codec-opus-mask-all-answer-reply.sdp")
        #expect(back.contains("RTP/AVP 0\r\n") && back.contains("\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n"))

        let plan = try #require(try media(h, tag: "tagA").codecPlan)
        #expect(plan.transcode)
        #expect(plan.offerer.codec.displayName == "PCMU/8000" && plan.offerer.codec.payloadType == 0)
        #expect(plan.answerer.codec.displayName == "opus/48000/2" && plan.answerer.codec.payloadType == 96)
        #expect(plan.offerer.dtmf == nil && plan.answerer.dtmf == nil)
        #expect(plan.offerer.ptime == 20 && plan.answerer.ptime == 20 && !plan.repacketize)
        #expect(try media(h, tag: "tagB").codecPlan == plan)
        #expect(try media(h, tag: "tagB").codecLeg == plan.answerer)
    }

    /// Same call with `transcode: [telephone-event]`: DTMF crosses, 101 at 8 kHz ↔ 97 at 48 kHz.
    @Test func dtmfIsMappedBetweenClocksWhenAsked() throws {
        let h = Harness()
        let out = try offer(h, "codec-pcmu-dtmf-offer.sdp",
                            codec(["transcode": ["opus", "telephone-event"], "mask": ["all"]]))
        try expectSame(out, as: "rtpengine-10.5-codec-opus-dtmf-reply.sdp")
        let back = try answer(h, "codec-opus-answer.sdp")
        try expectSame(back, as: "rtpengine-10.5-codec-opus-dtmf-answer-reply.sdp")
        let plan = try #require(try media(h, tag: "tagA").codecPlan)
        #expect(plan.transcode && plan.mapsDTMF)
        #expect(plan.offerer.dtmf?.payloadType == 101 && plan.offerer.dtmf?.clockRate == 8000)
        #expect(plan.answerer.dtmf?.payloadType == 97 && plan.answerer.dtmf?.clockRate == 48000)
    }

    /// `transcode: [opus]` without masking: the callee picks PCMU, which the caller has → no transcoding.
    @Test func addedCodecNotChosenMeansNoTranscoding() throws {
        let h = Harness()
        let out = try offer(h, "codec-pcmu-dtmf-offer.sdp", codec(["transcode": ["opus"]]))
        try expectSame(out, as: "rtpengine-10.5-codec-opus-added-reply.sdp")
        let back = try answer(h, "codec-pcmu-answer.sdp")
        try expectSame(back, as: "rtpengine-10.5-codec-opus-added-answer-reply.sdp")
        let plan = try #require(try media(h, tag: "tagA").codecPlan)
        #expect(!plan.transcode && plan.offerer.codec.isSameCodec(as: plan.answerer.codec))
        #expect(plan.offerer.dtmf?.payloadType == 101 && plan.answerer.dtmf?.payloadType == 101)
    }

    /// `accept: [PCMA]`: the offer goes on unchanged; the callee picks G729; the caller is answered
    /// PCMA (its accepted codec), at its own ptime.
    @Test func acceptAnswersTheAcceptedCodecAndTranscodes() throws {
        let h = Harness()
        let out = try offer(h, "codec-multi-offer.sdp", codec(["accept": ["PCMA"]]))
        try expectSame(out, as: "rtpengine-10.5-codec-accept-reply.sdp")
        let back = try answer(h, "codec-g729-answer.sdp")
        try expectSame(back, as: "rtpengine-10.5-codec-accept-answer-reply.sdp")
        let plan = try #require(try media(h, tag: "tagA").codecPlan)
        #expect(plan.transcode && plan.offerer.codec.displayName == "PCMA/8000" && plan.answerer.codec.displayName == "G729/8000")
        #expect(plan.answerer.codec.fmtp == ["annexb=no"])
    }

    /// `consume: [PCMA]`: PCMA is taken out of the offer, and the caller's leg runs PCMA although the
    /// callee picked PCMU, which the caller also had.
    @Test func consumeEngagesTheTranscoderOnTheConsumedCodec() throws {
        let h = Harness()
        let out = try offer(h, "codec-multi-offer.sdp", codec(["consume": ["PCMA"]]))
        try expectSame(out, as: "rtpengine-10.5-codec-consume-reply.sdp")
        let back = try answer(h, "codec-pcmu-answer.sdp")
        try expectSame(back, as: "rtpengine-10.5-codec-consume-answer-reply.sdp")
        let plan = try #require(try media(h, tag: "tagA").codecPlan)
        #expect(plan.transcode && plan.offerer.codec.payloadType == 8 && plan.answerer.codec.payloadType == 0)
    }

    @Test func ptimeGoesToTheRecipientAndIntoThePlan() throws {
        let h = Harness()
        let out = try reply(try h.offer(from: "tagA", sdp: SDPFixture.text("codec-multi-offer.sdp"), extra: ["ptime": 30]))
        try expectSame(out, as: "rtpengine-10.5-codec-ptime30-reply.sdp")
        #expect(out.hasSuffix("a=ptime:30\r\n"))
        let back = try answer(h, "codec-pcmu-answer.sdp")
        try expectSame(back, as: "rtpengine-10.5-codec-ptime30-answer-reply.sdp")
        let plan = try #require(try media(h, tag: "tagA").codecPlan)
        #expect(!plan.transcode && plan.repacketize)
        #expect(plan.offerer.ptime == 20 && plan.answerer.ptime == 30)
    }

    /// No options and no common codec: nothing is negotiated, the answer passes through as before.
    @Test func withoutOptionsNoOverlapPassesThrough() throws {
        let h = Harness()
        _ = try reply(try h.offer(from: "tagA", sdp: SDPFixture.text("codec-pcmu-dtmf-offer.sdp")))
        let back = try answer(h, "codec-g729-answer.sdp")
        #expect(back.contains("RTP/AVP 18 101\r\n") && back.contains("a=rtpmap:18 G729/8000\r\na=fmtp:18 annexb=no\r\n"))
        #expect(try media(h, tag: "tagA").codecOffer == nil)
        #expect(try media(h, tag: "tagA").codecPlan == nil)
        // A re-offer with options, then one without: the second forgets the negotiation.
        _ = try offer(h, "codec-pcmu-dtmf-offer.sdp", codec(["transcode": ["opus"]]))
        #expect(try media(h, tag: "tagA").codecOffer != nil)
        _ = try reply(try h.offer(from: "tagA", sdp: SDPFixture.text("codec-pcmu-dtmf-offer.sdp")))
        #expect(try media(h, tag: "tagA").codecOffer == nil)
    }

    // MARK: Through ng datagrams, with the stats tree

    /// The opus case as Kamailio sends it: `codec-…` flag spellings in `flags`, real bencode, then
    /// `query`: each tag's media shows its own codec and the `transcoding` flag.
    @Test func ngFlagsDriveTranscodingAndTheStatsTreeShowsIt() throws {
        let h = Harness()
        let offerReply = try h.offer(from: "tagA", sdp: SDPFixture.text("codec-pcmu-dtmf-offer.sdp"),
                                     flags: ["codec-transcode-opus", "codec-mask-all", "transcode-telephone-event"])
        #expect(try reply(offerReply).contains("RTP/AVP 96 97\r\n"))
        let back = try answer(h, "codec-opus-answer.sdp")
        #expect(back.contains("RTP/AVP 0 101\r\n"))

        let stats = try h.query()
        let tags = try #require(stats["tags"]?.dictValue)
        func media(_ tag: String) throws -> BencodeDictionary {
            let party = try #require(tags[tag]?.dictValue)
            return try #require(party["medias"]?.listValue?.first?.dictValue)
        }
        let a = try media("tagA"), b = try media("tagB")
        #expect(a["codec"]?.stringValue == "PCMU/8000")
        #expect(b["codec"]?.stringValue == "opus/48000/2")
        #expect(a["flags"]?.listValue?.contains(.text("transcoding")) == true)
        #expect(b["flags"]?.listValue?.contains(.text("transcoding")) == true)
    }

    @Test func passThroughCallHasNoTranscodingFlag() throws {
        let h = Harness()
        _ = try offer(h, "codec-pcmu-dtmf-offer.sdp", codec(["transcode": ["opus"]]))
        _ = try answer(h, "codec-pcmu-answer.sdp")
        let tags = try #require(try h.query()["tags"]?.dictValue)
        let medias = try #require(tags["tagA"]?.dictValue?["medias"]?.listValue?.first?.dictValue)
        #expect(medias["codec"]?.stringValue == "PCMU/8000")
        #expect(medias["flags"]?.listValue?.contains(.text("transcoding")) == false)
    }
}
