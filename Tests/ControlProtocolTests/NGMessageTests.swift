import Testing
@testable import ControlProtocol

@Suite struct NGMessageTests {
    @Test func splitsCookieAndPayloadAtTheFirstSpace() throws {
        let datagram = try FixtureLoader.exchange("offer.request")
        let message = try #require(NGDatagram.split(datagram))
        #expect(message.cookie == Array("3_846930886_41".utf8))
        #expect(message.format == .bencode)
        #expect(message.payload.first == UInt8(ascii: "d"))
        #expect(message.cookie.count + 1 + message.payload.count == datagram.count)
        // Spaces inside the payload (`load limit`, the SDP) do not move the split.
        #expect(try message.decodeDictionary()["command"] == "offer")
    }

    @Test func datagramsWithoutACookieAreDroppedWithoutReply() {
        #expect(NGDatagram.split(Array("d7:command4:pinge".utf8)) == nil)
        #expect(NGDatagram.frame(Array("d7:command4:pinge".utf8)) == .failure(.noSpace))
        #expect(NGDatagram.split(Array(" d7:command4:pinge".utf8)) == nil)
        #expect(NGDatagram.frame(Array(" d7:command4:pinge".utf8)) == .failure(.emptyCookie))
        #expect(NGDatagram.split([]) == nil)
    }

    @Test func cookiesLongerThan128BytesAreDropped() {
        let ok = [UInt8](repeating: UInt8(ascii: "c"), count: 128) + Array(" d7:command4:pinge".utf8)
        #expect(NGDatagram.split(ok)?.cookie.count == 128)
        let long = [UInt8](repeating: UInt8(ascii: "c"), count: 129) + Array(" d7:command4:pinge".utf8)
        #expect(NGDatagram.frame(long) == .failure(.cookieTooLong))
    }

    @Test func payloadFormatErrorsAreAnsweredNotDropped() throws {
        let empty = try #require(NGDatagram.split(Array("abc ".utf8)))
        #expect(empty.payloadError == .noPayload)
        #expect(throws: NGError.noPayload) { try empty.decodeDictionary() }
        let junk = try #require(NGDatagram.split(Array("abc xyz".utf8)))
        #expect(junk.payloadError == .invalidFormat)
        #expect(junk.format == .bencode)
        let reply = NGReplyEncoder.encode(cookie: junk.cookie,
                                          reply: NGError.invalidFormat.replyDictionary(supportsLoadLimit: false),
                                          format: junk.format)
        #expect(reply == Array("abc d6:result5:error12:error-reason22:Invalid NG data formate".utf8))
        let broken = try #require(NGDatagram.split(Array("abc d7:command".utf8)))
        #expect(throws: NGError.bencodeDecode) { try broken.decodeDictionary() }
        let brokenJSON = try #require(NGDatagram.split(Array("abc {\"command\":".utf8)))
        #expect(brokenJSON.format == .json)
        #expect(throws: NGError.bencodeDecode) { try brokenJSON.decodeDictionary() }
    }

    @Test func realClientDatagramsFrameAndDecode() throws {
        let bencode = try #require(NGDatagram.split(try FixtureLoader.bytes("rtpengine-ng-client-offer.bin")))
        #expect(String(decoding: bencode.cookie, as: UTF8.self) == "0.917536594512971")
        #expect(bencode.format == .bencode)
        #expect(try bencode.decodeDictionary()["call-id"] == "x")
        let json = try #require(NGDatagram.split(try FixtureLoader.bytes("rtpengine-ng-client-offer-json.bin")))
        #expect(String(decoding: json.cookie, as: UTF8.self) == "0.456870045120926")
        #expect(json.format == .json)
        #expect(try json.decodeDictionary()["delete-delay"] == .integer(5))
    }

    @Test func jsonRequestsGetJSONReplies() {
        var reply = BencodeDictionary()
        reply.set("result", "pong")
        #expect(NGReplyEncoder.encode(cookie: Array("k1".utf8), reply: reply, format: .json)
            == Array("k1 {\"result\":\"pong\"}".utf8))
    }

    @Test func offerReplyRoundTripsThroughDecodeAndEncode() throws {
        let wire = try FixtureLoader.exchange("offer.reply")
        let message = try #require(NGDatagram.split(wire))
        let dict = try message.decodeDictionary()
        #expect(dict["sdp"]?.bytesValue?.count == 235)
        #expect(NGReplyEncoder.encode(cookie: message.cookie, reply: dict, format: .bencode) == wire)
    }
}
