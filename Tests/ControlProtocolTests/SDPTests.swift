import Testing
import RTPWire
@testable import ControlProtocol

@Suite("SDP parse and serialize")
struct SDPTests {
    static let wellFormedFixtures = [
        "ngdoc-4.1-offer.sdp", "ngdoc-4.1-reply.sdp", "webrtc-chrome-offer.sdp", "phone-ipv6-offer.sdp",
        "rfc4566-full-session.sdp", "rtpengine-10.5-offer41-reply.sdp", "rtpengine-10.5-phone6-reply.sdp",
        "rtpengine-10.5-webrtc-reply.sdp",
    ]

    @Test("serialize(parse(x)) == x for well-formed CRLF fixtures, unknown lines included", arguments: wellFormedFixtures)
    func roundTripIsIdentity(name: String) throws {
        let text = try SDPFixture.text(name)
        let session = try SDPSession(parsing: text)
        #expect(session.serialized() == text)
    }

    @Test func rtpProfilesAreRecognisedInAnyCaseAndOthersAreNot() {
        for proto in ["RTP/AVP", "rtp/avp", "RTP/SAVPF", "UDP/TLS/RTP/SAVPF", "udp/tls/rtp/savp", "RRTP/AVP", "RtP/"] {
            #expect(SDPMedia.isRTPProfile(proto), "\(proto)")
        }
        for proto in ["udptl", "TCP/MSRP", "RTP", "RTPAVP", "RT/P", "", "UDP/BFCP", "RTP\u{0130}/", "R/TP/"] {
            #expect(!SDPMedia.isRTPProfile(proto), "\(proto)")
        }
    }

    @Test func bareLFInputParsesLikeCRLFAndIsWrittenWithCRLF() throws {
        let crlf = try SDPFixture.text("webrtc-chrome-offer.sdp")
        let lf = crlf.replacingOccurrences(of: "\r\n", with: "\n")
        #expect(!lf.contains("\r"))
        let session = try SDPSession(parsing: lf)
        #expect(session == (try SDPSession(parsing: crlf)))
        #expect(session.serialized() == crlf)
    }

    @Test func ngDocOfferFieldsAreParsed() throws {
        let session = try SDPSession(parsing: SDPFixture.text("ngdoc-4.1-offer.sdp"))
        #expect(session.version == 0)
        #expect(session.origin == SDPOrigin(username: "-", sessionID: "1001", sessionVersion: "1",
                                            addressType: "IP4", address: "192.0.2.10"))
        #expect(session.sessionName == "-")
        #expect(session.connection == SDPConnection(addressType: .ipv4, address: "192.0.2.10"))
        #expect(session.timing == [SDPTiming(value: "0 0")])
        #expect(session.media.count == 1)
        let audio = session.media[0]
        #expect(audio.type == "audio" && audio.port == 40000 && audio.proto == "RTP/AVP")
        #expect(audio.formats == ["8", "0", "101"])
        #expect(audio.payloadTypes == [8, 0, 101])
        #expect(audio.rtpmaps == [8: "PCMA/8000", 0: "PCMU/8000", 101: "telephone-event/8000"])
        #expect(audio.ptime == 20)
        #expect(audio.remoteRTP(session: session) == Endpoint(address: "192.0.2.10", port: 40000))
        #expect(audio.remoteRTCP(session: session) == Endpoint(address: "192.0.2.10", port: 40001))
        #expect(audio.direction(session: session) == .sendrecv)
        #expect(!audio.offersRTCPMux && !audio.hasICE && !audio.isRejected)
    }

    @Test func webRTCOfferAnalysis() throws {
        let session = try SDPSession(parsing: SDPFixture.text("webrtc-chrome-offer.sdp"))
        #expect(session.connection == nil)
        #expect(session.attribute("group")?.value == "BUNDLE 0 1")
        #expect(session.attribute("msid-semantic")?.value == " WMS 6a6e5fdb-3c2f-4f6b-9d7d-7b8a5c1f2e3d")
        #expect(session.media.map(\.type) == ["audio", "video"])
        let audio = session.media[0], video = session.media[1]
        #expect(audio.proto == "UDP/TLS/RTP/SAVPF")
        #expect(audio.payloadTypes == [111, 63, 9, 0, 8, 13, 110, 126])
        #expect(audio.rtpmaps[111] == "opus/48000/2" && audio.rtpmaps[126] == "telephone-event/8000")
        #expect(audio.hasICE && video.hasICE)
        #expect(audio.offersRTCPMux && video.offersRTCPMux)
        // rtcp-mux: RTCP goes to the RTP endpoint, a=rtcp:9 IN IP4 0.0.0.0 notwithstanding.
        #expect(audio.remoteRTP(session: session) == Endpoint(address: "198.51.100.23", port: 54312))
        #expect(audio.remoteRTCP(session: session) == Endpoint(address: "198.51.100.23", port: 54312))
        #expect(audio.rtcpAttribute?.port == 9 && audio.rtcpAttribute?.address == "0.0.0.0")
        #expect(video.payloadTypes == [96, 97, 102, 103])
        #expect(video.attributes.filter { $0.name == "rtcp-fb" && $0.payloadType == 96 }.count == 5)
        #expect(video.direction == .sendrecv)
        #expect(audio.attributes.filter { $0.name == "candidate" }.count == 3)
    }

    @Test func ipv6PhoneOfferUsesStaticRTPMapsAndPortPlusOneForRTCP() throws {
        let session = try SDPSession(parsing: SDPFixture.text("phone-ipv6-offer.sdp"))
        #expect(session.origin.addressType == "IP6")
        #expect(session.connection == SDPConnection(addressType: .ipv6, address: "2001:db8::10"))
        #expect(session.otherSessionLines == [SDPLine(type: "b", value: "AS:84")])
        let audio = session.media[0]
        #expect(audio.rtpmaps == [9: "G722/8000", 0: "PCMU/8000", 8: "PCMA/8000", 18: "G729/8000",
                                  101: "telephone-event/8000"])
        #expect(audio.remoteRTP(session: session) == Endpoint(address: "2001:db8::10", port: 11780))
        #expect(audio.remoteRTCP(session: session) == Endpoint(address: "2001:db8::10", port: 11781))
        #expect(audio.remoteRTP(session: session)?.family == .ipv6)
        #expect(audio.ptime == 20)
        #expect(audio.attribute("x-vendor-private")?.value == "keepalive=15")
    }

    @Test func holdRejectionAndMediaLevelConnection() throws {
        let session = try SDPSession(parsing: SDPFixture.text("rfc4566-full-session.sdp"))
        #expect(session.timing == [SDPTiming(value: "2873397496 2873404696", repeats: ["7d 1h 0 25h"])])
        #expect(session.otherSessionLines.map(\.type) == ["i", "u", "e", "p", "b", "z", "k"])
        let held = session.media[0], rejected = session.media[1], own = session.media[2]
        // Session c=0.0.0.0 is RFC 2543 hold; the session says recvonly, so the author neither sends nor receives.
        #expect(held.remoteRTP(session: session) == nil)
        #expect(held.remoteRTCP(session: session) == nil)
        #expect(held.direction(session: session) == .inactive)
        #expect(held.direction == .sendrecv)  // the section alone says nothing
        #expect(held.otherLines == [SDPLine(type: "i", value: "voice"), SDPLine(type: "b", value: "AS:64"),
                                    SDPLine(type: "k", value: "clear:abc")])
        #expect(held.rtcpAttribute?.port == 53020 && held.rtcpAttribute?.address == "192.0.2.21")
        // Static types without rtpmap get RFC 3551's; unassigned 1, 2, 19 get none.
        #expect(held.rtpmaps[10] == "L16/44100/2" && held.rtpmaps[11] == "L16/44100" && held.rtpmaps[34] == "H263/90000")
        #expect(held.rtpmaps[1] == nil && held.rtpmaps[19] == nil)
        #expect(rejected.isRejected && rejected.remoteRTP(session: session) == nil)
        #expect(own.remoteRTP(session: session) == Endpoint(address: "192.0.2.22", port: 49180))
        #expect(own.direction(session: session) == .inactive)
    }

    @Test func longFormRTCPAttributeGivesTheRTCPAddress() throws {
        let text = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nc=IN IP4 192.0.2.1\r\nt=0 0\r\n" +
            "m=audio 5004 RTP/AVP 0\r\na=rtcp:6000 IN IP4 192.0.2.99\r\n" +
            "m=audio 6004 RTP/AVP 0\r\na=rtcp:7001\r\n" +
            "m=audio 65535 RTP/AVP 0\r\nc=IN IP4 192.0.2.7\r\na=sendonly\r\n"
        let session = try SDPSession(parsing: text)
        #expect(session.media[0].remoteRTCP(session: session) == Endpoint(address: "192.0.2.99", port: 6000))
        #expect(session.media[1].remoteRTCP(session: session) == Endpoint(address: "192.0.2.1", port: 7001))
        // RTP on 65535 has no port + 1: no RTCP endpoint rather than a wrapped one.
        #expect(session.media[2].remoteRTP(session: session) == Endpoint(address: "192.0.2.7", port: 65535))
        #expect(session.media[2].remoteRTCP(session: session) == nil)
        #expect(session.media[2].direction == .sendonly)
    }

    @Test func zeroAddressesInEitherFamilyMeanHold() throws {
        for zero in ["IP4 0.0.0.0", "IP6 ::", "IP6 0:0:0:0:0:0:0:0", "IP6 ::0"] {
            let session = try SDPSession(parsing: "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nt=0 0\nm=audio 4000 RTP/AVP 0\nc=IN \(zero)\n")
            #expect(session.media[0].direction == .sendonly, "\(zero)")
            #expect(session.media[0].remoteRTP(session: session) == nil, "\(zero)")
        }
    }

    @Test func validAndInvalidConnectionAddresses() throws {
        let valid = ["IP4 192.0.2.1", "IP4 233.252.0.1/127", "IP4 233.252.0.1/127/3", "IP6 ::1", "IP6 2001:db8::10",
                     "IP6 1:2:3:4:5:6:7:8", "IP6 ::ffff:192.0.2.1", "IP6 fe80::1:2:3:4:5:6", "IP6 2001:db8::", "IP6 FF15::101/3"]
        for connection in valid {
            #expect(throws: Never.self, "\(connection)") {
                _ = try SDPSession(parsing: "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN \(connection)\nt=0 0\n")
            }
        }
        let invalid = ["IP4 garbage", "IP4 1.2.3.256", "IP4 1.2.3", "IP4 1.2.3.4.5", "IP4 1..2.3", "IP5 1.2.3.4",
                       "IP4", "IP6 1::2::3", "IP6 12345::", "IP6 :1:2", "IP6 g::1", "IP6 1:2:3:4:5:6:7:8:9",
                       "IP6 1:2:3:4:5:6:7", "IP6 :::", "IP4 192.0.2.1/", "IP4 192.0.2.1/1/2/3", "IP4 192.0.2.1/x",
                       "IP4 192.0.2.1 extra", "IP4 host.example.com", "IP6 ::ffff:1.2.3", "IP4 -1.2.3.4"]
        for connection in invalid {
            #expect(throws: SDPError.badConnection(4), "\(connection)") {
                _ = try SDPSession(parsing: "v=0\no=- 1 1 IN IP4 192.0.2.1\ns=-\nc=IN \(connection)\nt=0 0\n")
            }
        }
    }

    static let header = "v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nt=0 0\r\n"

    static let hostileCases: [(String, SDPError)] = {
        var cases: [(String, SDPError)] = []
        cases.append(("", .missingVersion))
        cases.append(("\r\n\r\n", .missingVersion))
        cases.append(("o=- 1 1 IN IP4 1.2.3.4\r\nv=0\r\n", .missingVersion))
        cases.append(("\u{1}\u{2}\u{FF}garbage", .missingVersion))
        cases.append(("v=x\r\n", .badVersion))
        cases.append(("v=99999999999\r\n", .badVersion))
        cases.append(("v=0\r\ns=-\r\nt=0 0\r\n", .missingOrigin))
        cases.append(("v=0\r\no=- 1 IN IP4 1.2.3.4\r\n", .badOrigin))
        cases.append(("v=0\r\nv=0\r\n", .badLine(2)))
        cases.append(("v=0\r\no=- 1 1 IN IP4 192.0.2.1\r\ns=-\r\nr=7d\r\n", .badLine(4)))
        cases.append((header + "m=audio 99999 RTP/AVP 0\r\n", .badMediaLine(5)))
        cases.append((header + "m=audio -1 RTP/AVP 0\r\n", .badMediaLine(5)))
        cases.append((header + "m=audio 4000/0 RTP/AVP 0\r\n", .badMediaLine(5)))
        cases.append((header + "m=audio 4000/x RTP/AVP 0\r\n", .badMediaLine(5)))
        cases.append((header + "m=audio 4000\r\n", .badMediaLine(5)))
        cases.append((header + "m=audio 0x10 RTP/AVP 0\r\n", .badMediaLine(5)))
        cases.append((header + "m=audio 4000 RTP/AVP 0\r\nc=IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\n", .badConnection(7)))
        cases.append((header + "m=audio 4000 RTP/AVP 0\r\no=- 1 1 IN IP4 1.2.3.4\r\n", .badLine(6)))
        cases.append((header + "this is not sdp\r\n", .badLine(5)))
        cases.append((header + "=x\r\n", .badLine(5)))
        cases.append((header + "1=x\r\n", .badLine(5)))
        return cases
    }()

    @Test func hostileInputsFailWithTheMatchingError() {
        for (input, expected) in SDPTests.hostileCases {
            #expect(throws: expected, "\(input.debugDescription)") { _ = try SDPSession(parsing: input) }
        }
    }

    @Test func sizeLineAndMediaBoundsAreEnforced() {
        let megabyte = SDPSession.header1MB
        #expect(throws: SDPError.tooLarge) { _ = try SDPSession(parsing: megabyte) }
        let tenThousandMedia = SDPTests.header + String(repeating: "m=audio 1 RTP/AVP 0\r\n", count: 10_000)
        #expect(throws: SDPError.tooLarge) { _ = try SDPSession(parsing: tenThousandMedia) }
        let sixtyFiveMedia = SDPTests.header + String(repeating: "m=audio 1 RTP/AVP 0\r\n", count: 65)
        #expect(throws: SDPError.tooManyMedia) { _ = try SDPSession(parsing: sixtyFiveMedia) }
        let sixtyFourMedia = SDPTests.header + String(repeating: "m=audio 1 RTP/AVP 0\r\n", count: 64)
        #expect(throws: Never.self) { _ = try SDPSession(parsing: sixtyFourMedia) }
        let manyLines = SDPTests.header + String(repeating: "a=x\r\n", count: 1997)
        #expect(throws: SDPError.tooManyLines) { _ = try SDPSession(parsing: manyLines) }
        let justEnough = SDPTests.header + String(repeating: "a=x\r\n", count: 1996)
        #expect((try? SDPSession(parsing: justEnough))?.attributes.count == 1996)
    }

    @Test func bytesAndStringEntryPointsAgree() throws {
        let text = try SDPFixture.text("phone-ipv6-offer.sdp")
        #expect(try SDPSession(parsingBytes: Array(text.utf8)) == SDPSession(parsing: text))
        // Invalid UTF-8 inside a value does not break the line structure.
        var bytes = Array(SDPTests.header.utf8)
        bytes += Array("a=x-".utf8) + [0xFF, 0xFE] + Array("\r\nm=audio 4000 RTP/AVP 0\r\n".utf8)
        let session = try SDPSession(parsingBytes: bytes)
        #expect(session.attributes == [SDPAttribute(name: "x-\u{FFFD}\u{FFFD}")])
        #expect(session.media.count == 1)
        #expect(throws: SDPError.tooLarge) { _ = try SDPSession(parsingBytes: [UInt8](repeating: 0x61, count: 70_000)) }
    }

    @Test func ngErrorReasonsMatchRtpengine() {
        #expect(SDPError.badMediaLine(3).ngErrorReason == "Failed to parse SDP")
        #expect(SDPError.missingVersion.ngErrorReason == "Incomplete SDP specification")
    }

    @Test func fuzzedInputsNeverTrapAndReparseToTheSameModel() throws {
        var rng = SeededRandom(seed: 0x5D9_2026)
        let seeds = try SDPTests.wellFormedFixtures.map { Array(try SDPFixture.text($0).utf8) }
        let alphabet = Array("v=om csatbrkz0123456789:/. -\r\nINIP4IP6RTP/AVPaudiortcp-muxrtpmap".utf8)
        var accepted = 0
        for round in 0..<12_000 {
            var bytes = seeds[round % seeds.count]
            let edits = 1 + Int(rng.next() % 8)
            for _ in 0..<edits {
                let position = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 6 {
                case 0 where !bytes.isEmpty: bytes[position] = UInt8(truncatingIfNeeded: rng.next())
                case 1 where !bytes.isEmpty: bytes[position] = alphabet[Int(rng.next() % UInt64(alphabet.count))]
                case 2: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: position)
                case 3 where !bytes.isEmpty: bytes.removeSubrange(position..<min(bytes.count, position + Int(rng.next() % 40)))
                case 4: bytes = Array(bytes.prefix(position))
                default:
                    let chunkStart = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count))
                    let chunk = bytes[chunkStart..<min(bytes.count, chunkStart + Int(rng.next() % 200))]
                    bytes.insert(contentsOf: chunk, at: position)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let session = try SDPSession(parsing: text)
                accepted += 1
                // Whatever we accept, we must write in a form we accept again as the same model.
                let again = try SDPSession(parsing: session.serialized())
                #expect(again == session, "round \(round)")
            } catch {
                // An SDPError is the expected outcome for most mutations; a trap would end the test run.
            }
        }
        // The mutations must exercise both paths, or the test proves nothing.
        #expect(accepted > 1000 && accepted < 11_000)
    }
}

extension SDPSession {
    /// 1 MiB of plausible lines.
    static var header1MB: String { SDPTests.header + String(repeating: "a=padding-attribute-xxxxxxxxxxxxxx\r\n", count: 1 << 15) }
}
