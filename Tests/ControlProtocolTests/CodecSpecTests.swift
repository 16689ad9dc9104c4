import Testing
@testable import ControlProtocol

/// ng `codec` specs (§8.3) parsed and matched against the formats of real SDPs.
@Suite struct CodecSpecTests {
    /// ng-protocol §8.3's test-suite offer: 111 opus, 9 G722, 0 PCMU, 8 PCMA (static, no rtpmap), 110/101 DTMF.
    func formats83() throws -> [CodecFormat] {
        let session = try SDPSession(parsing: SDPFixture.text("codec-8.3-offer.sdp"))
        return CodecFormat.formats(of: session.media[0])
    }

    @Test func specsParseNameClockChannelsBitrateAndFmtp() throws {
        let pcma = try #require(CodecSpec(parsing: "PCMA"))
        #expect(pcma.kind == .named("PCMA") && pcma.clockRate == nil && pcma.channels == nil)
        let opus = try #require(CodecSpec(parsing: "opus/48000/2"))
        #expect(opus.kind == .named("opus") && opus.clockRate == 48000 && opus.channels == 2 && opus.bitrate == nil)
        let opusRate = try #require(CodecSpec(parsing: "opus/48000/2/32000"))
        #expect(opusRate.bitrate == 32000)
        let amr = try #require(CodecSpec(parsing: "AMR-WB/16000/1/23850"))
        #expect(amr.kind == .named("AMR-WB") && amr.clockRate == 16000 && amr.channels == 1 && amr.bitrate == 23850)
        let ilbc = try #require(CodecSpec(parsing: "iLBC/8000/1///mode=30"))
        #expect(ilbc.kind == .named("iLBC") && ilbc.bitrate == nil && ilbc.fmtp == "mode=30")
        #expect(CodecSpec(parsing: "all")?.isAll == true)
        #expect(CodecSpec(parsing: "full")?.isAll == true)
        #expect(CodecSpec(parsing: "ALL")?.isAll == true)
        #expect(CodecSpec(parsing: "101")?.kind == .payloadType(101))
    }

    @Test func malformedSpecsAreRefusedWithoutTrapping() {
        for text in ["", "/8000", "opus/x", "opus/48000/two", "300", "opus/99999999999999999999",
                     String(repeating: "A", count: 200), "all/8000"] {
            let spec = CodecSpec(parsing: text)
            // `all/8000` is a named codec "all" with a clock, not the wildcard.
            if text == "all/8000" { #expect(spec?.isAll == false) } else { #expect(spec == nil, "\(text)") }
        }
        #expect(CodecSpec.list(["PCMA", "opus/x", "all"]).count == 2)
    }

    @Test func namesMatchCaseInsensitivelyWithClockAndChannels() throws {
        let formats = try formats83()
        #expect(formats.map(\.payloadType) == [111, 9, 0, 8, 110, 101])
        func matched(_ spec: String) throws -> [UInt8] {
            let spec = try #require(CodecSpec(parsing: spec))
            return formats.filter(spec.matches).map(\.payloadType)
        }
        #expect(try matched("opus") == [111])
        #expect(try matched("OPUS/48000") == [111])
        #expect(try matched("opus/48000/2") == [111])
        #expect(try matched("opus/48000/1") == [])
        #expect(try matched("opus/16000") == [])
        // Static types without a=rtpmap match through RFC 3551's table.
        #expect(try matched("PCMA") == [8])
        #expect(try matched("pcmu/8000") == [0])
        #expect(try matched("G722") == [9])
        #expect(try matched("telephone-event") == [110, 101])
        #expect(try matched("telephone-event/8000") == [101])
        #expect(try matched("8") == [8])
        #expect(try matched("all") == [111, 9, 0, 8, 110, 101])
        #expect(try matched("AMR-WB") == [])
    }

    @Test func formatsKeepTheirLinesAndHostileRtpmapsDoNotTrap() throws {
        let formats = try formats83()
        #expect(formats[0].fmtp == ["useinbandfec=1"] && formats[0].displayName == "opus/48000/2")
        #expect(formats[3].encoding == "PCMA/8000" && formats[3].displayName == "PCMA/8000")
        #expect(formats[5].isDTMF && formats[5].clockRate == 8000 && formats[5].fmtp == ["0-15"])
        let hostile = try SDPSession(parsing: "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n"
            + "m=audio 4000 RTP/AVP 96 97 98\r\na=rtpmap:96 x/99999999999999999999/-1\r\na=rtpmap:97 /\r\n")
        let parsed = CodecFormat.formats(of: hostile.media[0])
        #expect(parsed.map(\.clockRate) == [0, 0, 0])
        #expect(parsed[1].name == nil && parsed[2].encoding == nil)
        #expect(CodecSpec(parsing: "all")!.matches(parsed[2]))
        #expect(!CodecSpec(parsing: "x")!.matches(parsed[2]))
    }

    @Test func transcodableCodecsAreTheEnginesOnly() {
        #expect(TranscodableCodecs.canTranscode(CodecFormat(payloadType: 0, encoding: "PCMU/8000")))
        #expect(TranscodableCodecs.canTranscode(CodecFormat(payloadType: 96, encoding: "opus/48000/2")))
        #expect(TranscodableCodecs.canTranscode(CodecFormat(payloadType: 18, encoding: "G729/8000")))
        #expect(TranscodableCodecs.canTranscode(CodecFormat(payloadType: 101, encoding: "telephone-event/48000")))
        #expect(!TranscodableCodecs.canTranscode(CodecFormat(payloadType: 101, encoding: "telephone-event/16000")))
        #expect(!TranscodableCodecs.canTranscode(CodecFormat(payloadType: 9, encoding: "G722/8000")))
        #expect(!TranscodableCodecs.canTranscode(CodecFormat(payloadType: 96, encoding: "opus/48000")))
    }
}
