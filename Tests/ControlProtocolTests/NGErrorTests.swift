import Testing
@testable import ControlProtocol

@Suite struct NGErrorTests {
    @Test func everyReasonIsTheExactRtpengineText() {
        let expected: [(NGError, String)] = [
            (.unknownCallID, "Unknown call-id"),
            (.ranOutOfPorts, "Ran out of ports"),
            (.parallelSessionLimit, "Parallel session limit reached"),
            (.noCallID, "No call-id in message"),
            (.noFromTag, "No from-tag in message"),
            (.noToTag, "No to-tag in message"),
            (.noSDP, "No SDP body in message"),
            (.sdpParse, "Failed to parse SDP"),
            (.sdpIncomplete, "Incomplete SDP specification"),
            (.sdpRewrite, "Error rewriting SDP"),
            (.unrecognizedCommand, "Unrecognized command"),
            (.noCommand, "Dictionary contains no key \"command\""),
            (.bencodeDecode, "Could not decode bencode dictionary"),
            (.noPayload, "Invalid data (no payload)"),
            (.invalidFormat, "Invalid NG data format"),
            (.invalidLimit, "invalid limit, must be >= 0"),
            (.other("CPU usage limit exceeded"), "CPU usage limit exceeded"),
        ]
        for (error, text) in expected { #expect(error.reason == text) }
    }

    @Test func unknownCallIDReplyMatchesSection41ByteForByte() throws {
        let wire = try FixtureLoader.exchange("error.unknowncallid.reply")
        for supports in [false, true] {
            let reply = NGError.unknownCallID.replyDictionary(supportsLoadLimit: supports)
            #expect(NGReplyEncoder.encode(cookie: Array("3_846930886_46".utf8), reply: reply, format: .bencode) == wire)
        }
    }

    @Test func sessionLimitWithLoadLimitSupportIsALoadLimitResult() throws {
        let wire = try FixtureLoader.exchange("loadlimit.reply")
        let reply = NGError.parallelSessionLimit.replyDictionary(supportsLoadLimit: true)
        #expect(NGReplyEncoder.encode(cookie: Array("3_846930886_47".utf8), reply: reply, format: .bencode) == wire)
    }

    @Test func sessionLimitWithoutLoadLimitSupportIsAnError() {
        // OpenSIPS never sends `supports`; it fails over on this exact error-reason.
        let reply = NGError.parallelSessionLimit.replyDictionary(supportsLoadLimit: false)
        #expect(Bencode.encode(.dictionary(reply))
            == Array("d6:result5:error12:error-reason30:Parallel session limit reachede".utf8))
    }

    @Test func otherErrorsNeverBecomeLoadLimit() {
        let reply = NGError.ranOutOfPorts.replyDictionary(supportsLoadLimit: true)
        #expect(reply["result"] == "error")
        #expect(reply["error-reason"] == "Ran out of ports")
        #expect(reply.count == 2)
    }

    @Test func successRepliesOfSection41EncodeByteForByte() throws {
        var pong = BencodeDictionary()
        pong.set("result", "pong")
        #expect(NGReplyEncoder.encode(cookie: Array("7_1804289383_12".utf8), reply: pong, format: .bencode)
            == (try FixtureLoader.exchange("ping.reply")))
        var warn = BencodeDictionary()
        warn.set("result", "ok")
        warn.set("warning", .text("Call-ID not found or tags didn't match"))
        #expect(NGReplyEncoder.encode(cookie: Array("3_846930886_45".utf8), reply: warn, format: .bencode)
            == (try FixtureLoader.exchange("delete.unknown.reply")))
        var list = BencodeDictionary()
        list.set("calls", ["a84b4c76e66710", "f81d4fae-7dec"])
        list.set("result", "ok")
        #expect(NGReplyEncoder.encode(cookie: Array("9_1_1".utf8), reply: list, format: .bencode)
            == (try FixtureLoader.exchange("list.reply")))
    }
}
