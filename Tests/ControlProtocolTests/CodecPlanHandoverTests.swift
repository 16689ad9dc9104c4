import Testing
import RTPWire
@testable import ControlProtocol

/// The negotiated codec plan reaches the media plane: each leg's stream plan says what it re-encodes into, a
/// plain call carries no transcoding, a re-offer keeps the running plan until its answer, and a call that stops
/// transcoding goes back to plain relaying.
@Suite struct CodecPlanHandoverTests {
    typealias Harness = NGEngineTests.Harness
    let helpers = CodecNegotiationTests()

    func stream(_ h: Harness, tag: String) throws -> MediaStreamID {
        try #require(try helpers.media(h, tag: tag).stream?.id)
    }

    @Test func pcmuToOpusAnswerHandsBothLegsTheirTranscoding() throws {
        let h = Harness()
        _ = try helpers.offer(h, "codec-pcmu-dtmf-offer.sdp", helpers.codec(["transcode": ["opus"], "mask": ["all"]]))
        // Before the answer nothing is known to transcode.
        #expect(h.plane.plans.values.allSatisfy { $0.transcode == nil })
        _ = try helpers.answer(h, "codec-opus-answer.sdp")
        let a = try #require(h.plane.plans[try stream(h, tag: "tagA")]?.transcode)
        let b = try #require(h.plane.plans[try stream(h, tag: "tagB")]?.transcode)
        #expect(a.input.isEncoding("PCMU") && a.input.payloadType == 0 && a.input.clockRate == 8000 && a.input.ptime == 20)
        #expect(a.output.isEncoding("opus") && a.output.payloadType == 96 && a.output.clockRate == 48000 && a.output.channels == 2)
        #expect(b.input == a.output && b.output == a.input)
        #expect(a.inputEvents == nil && a.outputEvents == nil)
    }

    @Test func dtmfFormatsOfBothLegsAreHandedOver() throws {
        let h = Harness()
        _ = try helpers.offer(h, "codec-pcmu-dtmf-offer.sdp",
                              helpers.codec(["transcode": ["opus", "telephone-event"], "mask": ["all"]]))
        _ = try helpers.answer(h, "codec-opus-answer.sdp")
        let a = try #require(h.plane.plans[try stream(h, tag: "tagA")]?.transcode)
        #expect(a.inputEvents?.payloadType == 101 && a.inputEvents?.clockRate == 8000)
        #expect(a.outputEvents?.payloadType == 97 && a.outputEvents?.clockRate == 48000)
    }

    @Test func g729FmtpAndPtimeChangeReachTheMediaPlane() throws {
        let h = Harness()
        _ = try helpers.offer(h, "codec-multi-offer.sdp", helpers.codec(["accept": ["PCMA"]]))
        _ = try helpers.answer(h, "codec-g729-answer.sdp")
        let a = try #require(h.plane.plans[try stream(h, tag: "tagA")]?.transcode)
        #expect(a.input.isEncoding("PCMA") && a.output.isEncoding("G729") && a.output.fmtpValue("annexb") == "no")

        let p = Harness()
        _ = try helpers.reply(try p.offer(from: "tagA", sdp: SDPFixture.text("codec-multi-offer.sdp"), extra: ["ptime": 30]))
        _ = try helpers.answer(p, "codec-pcmu-answer.sdp")
        let r = try #require(p.plane.plans[try stream(p, tag: "tagA")]?.transcode)
        #expect(r.input.isEncoding("PCMU") && r.output.isEncoding("PCMU") && r.input.ptime == 20 && r.output.ptime == 30)
    }

    @Test func aCallWithoutCodecWorkStaysPlain() throws {
        let h = Harness()
        _ = try helpers.offer(h, "codec-pcmu-dtmf-offer.sdp", helpers.codec(["transcode": ["opus"]]))
        _ = try helpers.answer(h, "codec-pcmu-answer.sdp")   // the callee picks PCMU: nothing to do
        #expect(!h.plane.plans.isEmpty && h.plane.plans.values.allSatisfy { $0.transcode == nil })
        let plain = Harness()
        _ = try helpers.reply(try plain.offer(from: "tagA", sdp: SDPFixture.text("codec-pcmu-dtmf-offer.sdp")))
        _ = try helpers.answer(plain, "codec-pcmu-answer.sdp")
        #expect(plain.plane.plans.values.allSatisfy { $0.transcode == nil })
    }

    @Test func reOfferKeepsThePipelineUntilItsAnswerAndPlainAnswerEndsTranscoding() throws {
        let h = Harness()
        let options = helpers.codec(["transcode": ["opus"], "mask": ["all"]])
        _ = try helpers.offer(h, "codec-pcmu-dtmf-offer.sdp", options)
        _ = try helpers.answer(h, "codec-opus-answer.sdp")
        let a = try stream(h, tag: "tagA")
        let running = try #require(h.plane.plans[a]?.transcode)
        // Same re-offer and answer: the plan handed over never loses its transcoding on the way.
        let before = h.plane.planUpdates.count
        _ = try helpers.offer(h, "codec-pcmu-dtmf-offer.sdp", options)
        _ = try helpers.answer(h, "codec-opus-answer.sdp")
        #expect(h.plane.planUpdates.dropFirst(before).filter { $0.0 == a }.allSatisfy { $0.1.transcode == running })
        // A re-offer without codec options, answered with PCMU: plain relaying again.
        _ = try helpers.reply(try h.offer(from: "tagA", sdp: SDPFixture.text("codec-pcmu-dtmf-offer.sdp")))
        _ = try helpers.answer(h, "codec-pcmu-answer.sdp")
        #expect(h.plane.plans[a]?.transcode == nil)
        #expect(h.plane.plans[try stream(h, tag: "tagB")]?.transcode == nil)
    }
}
