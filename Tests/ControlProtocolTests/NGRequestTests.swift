import Testing
import RTPWire
@testable import ControlProtocol

@Suite struct NGRequestTests {
    func request(_ dict: BencodeDictionary) throws -> NGRequest { try NGRequest(dictionary: dict) }

    func fixtureRequest(_ name: String) throws -> NGRequest {
        let message = try #require(NGDatagram.split(try FixtureLoader.exchange(name)))
        return try NGRequest(dictionary: try message.decodeDictionary())
    }

    @Test func kamailioOfferOfSection41ParsesIntoTypedFields() throws {
        let r = try fixtureRequest("offer.request")
        #expect(r.command == .offer)
        #expect(r.callID == "a84b4c76e66710")
        #expect(r.fromTag == "1928301774")
        #expect(r.toTag == nil)
        #expect(r.viaBranch == "z9hG4bK776asdhds")
        #expect(r.sdp?.utf8.count == 163)
        #expect(r.sdpBytes?.count == 163)
        #expect(r.sdp?.hasPrefix("v=0\r\no=- 1001 1 IN IP4 192.0.2.10\r\n") == true)
        #expect(r.flags == ["trust address", "strict source"])
        #expect(r.replace == ["origin", "session connection"])
        #expect(r.ice == "remove")
        #expect(r.transportProtocol == "RTP/AVP")
        #expect(r.receivedFrom == "192.0.2.10")
        #expect(r.supportsLoadLimit)
        #expect(r.sipMessageType == "sip_request")
        #expect(r.codec.isEmpty)
        #expect(r.warnings.isEmpty)
    }

    @Test func otherSection41RequestsParse() throws {
        let ping = try fixtureRequest("ping.request")
        #expect(ping.command == .ping)
        #expect(!ping.supportsLoadLimit)
        let delete = try fixtureRequest("delete.request")
        #expect(delete.command == .delete)
        #expect(delete.deleteDelay == 0)
        #expect(delete.fromTag == "1928301774")
        let list = try fixtureRequest("list.request")
        #expect(list.command == .list)
        #expect(list.limit == 2)
        let query = try fixtureRequest("query.request")
        #expect(query.command == .query)
        #expect(query.callID == "a84b4c76e66710")
    }

    @Test func commandsWeDoNotImplementAreUnrecognized() throws {
        #expect(throws: NGError.unrecognizedCommand) { try fixtureRequest("blockdtmf.request") }
        #expect(throws: NGError.unrecognizedCommand) { try fixtureRequest("playmedia.request") }
        // Command names are case-sensitive.
        #expect(throws: NGError.unrecognizedCommand) { try request(["command": "Ping"]) }
        #expect(throws: NGError.noCommand) { try request(["call-id": "x"]) }
        #expect(throws: NGError.noCommand) { try request(["command": .integer(1)]) }
    }

    @Test func realRtpengineNgClientOfferParses() throws {
        let message = try #require(NGDatagram.split(try FixtureLoader.bytes("rtpengine-ng-client-offer.bin")))
        let r = try NGRequest(dictionary: try message.decodeDictionary())
        #expect(r.command == .offer)
        #expect(r.callID == "x")
        #expect(r.fromTag == "y")
        #expect(r.flags == ["trust address", "strict source"])
        #expect(r.replace == ["origin"])
        #expect(r.ice == "remove")
        #expect(r.rtcpMux == ["demux"])
        #expect(r.codec == NGCodecOptions(strip: ["PCMU"], transcode: ["opus"]))
        #expect(r.deleteDelay == 5)
        #expect(r.transportProtocol == "RTP/SAVP") // sent as `transport protocol`, with a space
        #expect(r.supportsLoadLimit)
        #expect(r.sdp?.hasSuffix("a=sendrecv\r\n") == true)
        #expect(r.warnings.isEmpty)
    }

    @Test func realRtpengineNgClientJSONOfferParsesTheSame() throws {
        let message = try #require(NGDatagram.split(try FixtureLoader.bytes("rtpengine-ng-client-offer-json.bin")))
        let r = try NGRequest(dictionary: try message.decodeDictionary())
        #expect(r.command == .offer)
        #expect(r.flags == ["trust address"])
        #expect(r.replace == ["origin"])
        #expect(r.ice == "remove")
        #expect(r.rtcpMux == ["demux"])
        #expect(r.codec.strip == ["PCMU"])
        #expect(r.deleteDelay == 5)
        #expect(r.sdp?.utf8.count == 160)
    }

    @Test func keySpellingsAreOneKey() throws {
        for key in ["delete delay", "delete-delay", "delete_delay", "Delete-Delay", "DELETE_DELAY"] {
            var d = BencodeDictionary()
            d.set("command", "delete")
            d.set(key, "5")
            #expect(try request(d).deleteDelay == 5, "\(key)")
        }
        let r = try request(["command": "offer", "Call-ID": "c", "FROM_TAG": "f", "to tag": "t",
                             "address family": "ip6", "Transport_Protocol": "RTP/SAVPF", "media-address": "10.0.0.1"])
        #expect(r.callID == "c")
        #expect(r.fromTag == "f")
        #expect(r.toTag == "t")
        #expect(r.addressFamily == .ipv6)
        #expect(r.transportProtocol == "RTP/SAVPF")
        #expect(r.mediaAddress == "10.0.0.1")
    }

    @Test func flagSpellingsAreOneFlag() throws {
        let r = try request(["command": "offer",
                             "flags": ["trust-address", "Strict_Source", "SIP-source-address", "port latching",
                                       "media-handover", "no-rtcp-attribute", "loop-protect", "original-sendrecv"]])
        #expect(r.flags == ["trust address", "strict source", "sip source address", "port latching",
                            "media handover", "no rtcp attribute", "loop protect", "original sendrecv"])
        #expect(r.warnings.isEmpty)
    }

    @Test func listKeysAcceptOneCommaSeparatedString() throws {
        let r = try request(["command": "offer", "flags": "trust-address, strict-source,asymmetric",
                             "replace": "origin,session-connection", "rtcp-mux": "demux", "direction": "pub,priv",
                             "SDES": "off", "supports": "load limit", "received-from": "IP4,192.0.2.1"])
        #expect(r.flags == ["trust address", "strict source", "asymmetric"])
        #expect(r.replace == ["origin", "session connection"])
        #expect(r.rtcpMux == ["demux"])
        #expect(r.direction == ["pub", "priv"])
        #expect(r.sdes == ["off"])
        #expect(r.supportsLoadLimit)
        #expect(r.receivedFrom == "192.0.2.1")
    }

    @Test func integersMayArriveAsStrings() throws {
        let r = try request(["command": "list", "limit": "3", "ptime": "20", "delete-delay": .integer(7)])
        #expect(r.limit == 3)
        #expect(r.ptime == 20)
        #expect(r.deleteDelay == 7)
        let bad = try request(["command": "list", "limit": "three"])
        #expect(bad.limit == nil)
        #expect(!bad.warnings.isEmpty)
    }

    @Test func codecDictionaryAndCodecFlags() throws {
        var codec = BencodeDictionary()
        codec.set("strip", ["PCMU"])
        codec.set("mask", "PCMA")
        codec.set("offer", ["opus", "G722"])
        codec.set("transcode", ["AMR-WB", "PCMA", "telephone-event"])
        let r = try request(["command": "offer", "codec": .dictionary(codec),
                             "flags": ["codec-strip-AMR-WB", "codec-transcode-opus/48000/2", "transcode-G729",
                                       "codec-except-PCMA", "always-transcode", "codec_ignore_G722"]])
        #expect(r.codec.strip == ["PCMU", "AMR-WB"])
        #expect(r.codec.mask == ["PCMA"])
        #expect(r.codec.offer == ["opus", "G722"])
        #expect(r.codec.transcode == ["AMR-WB", "PCMA", "telephone-event", "opus/48000/2", "G729"])
        #expect(r.codec.except == ["PCMA"])
        #expect(r.codec.ignore == ["G722"])
        #expect(r.codec.accept == ["all"])
        #expect(r.flags == ["always transcode"])
    }

    @Test func prefixedFlagsCarryValues() throws {
        let r = try request(["command": "offer",
                             "flags": ["replace-origin", "replace-session-connection", "SDES-off",
                                       "SDES-no-AES_CM_128_HMAC_SHA1_32", "rtcp-mux-demux", "RTP/SAVP",
                                       "endpoint-learning-immediate"]])
        #expect(r.replace == ["origin", "session connection"])
        #expect(r.sdes == ["off", "no-AES_CM_128_HMAC_SHA1_32"])
        #expect(r.rtcpMux == ["demux"])
        #expect(r.transportProtocol == "RTP/SAVP")
        #expect(r.endpointLearning == .immediate)
        #expect(r.flags.isEmpty)
    }

    @Test func rtppFlagsStringParsesIntoTheSameFields() throws {
        let flags = "trust-address replace-origin ICE=remove codec=[transcode=[PCMA PCMU] strip=[EVS]] "
            + "via-branch=z9 rtcp-mux-demux SDES-off RTP/AVP direction=a direction=b delete-delay=5 codec-strip=G722 "
            + "received-from=192.0.2.7 address-family=IP6 label=caller endpoint-learning=heuristic to-tag"
        let r = try request(["command": "offer", "call-id": "c", "from-tag": "f", "rtpp-flags": .text(flags)])
        #expect(r.flags == ["trust address", "to tag"])
        #expect(r.replace == ["origin"])
        #expect(r.ice == "remove")
        #expect(r.codec.transcode == ["PCMA", "PCMU"])
        #expect(r.codec.strip == ["EVS", "G722"])
        #expect(r.viaBranch == "z9")
        #expect(r.rtcpMux == ["demux"])
        #expect(r.sdes == ["off"])
        #expect(r.transportProtocol == "RTP/AVP")
        #expect(r.direction == ["a", "b"])
        #expect(r.deleteDelay == 5)
        #expect(r.receivedFrom == "192.0.2.7")
        #expect(r.addressFamily == .ipv6)
        #expect(r.label == "caller")
        #expect(r.endpointLearning == .heuristic)
        #expect(r.callID == "c")
        #expect(r.warnings.isEmpty, "\(r.warnings)")
    }

    @Test func rtppFlagsBuildsKamailioModuleSideKeys() {
        let (d, warnings) = RTPPFlags.dictionary(from: "replace-origin replace-session-connection received-from=2001:db8::1 SRTP AVPF codec-mask=PCMA transcode=opus TOS=184 ICE=force internal external")
        #expect(warnings.isEmpty)
        #expect(d["replace"] == ["origin", "session-connection"])
        #expect(d["received-from"] == ["IP6", "2001:db8::1"])
        #expect(d["transport-protocol"] == "RTP/SAVPF")
        #expect(d["codec"]?.dictValue?["mask"] == ["PCMA"])
        #expect(d["codec"]?.dictValue?["transcode"] == ["opus"])
        #expect(d["TOS"] == .integer(184))
        #expect(d["ICE"] == "force")
        #expect(d["direction"] == ["internal", "external"])
        #expect(RTPPFlags.dictionary(from: "DTLS SRTP AVPF").dictionary["transport-protocol"] == "UDP/TLS/RTP/SAVPF")
        #expect(RTPPFlags.dictionary(from: "RTP AVP").dictionary["transport-protocol"] == "RTP/AVP")
        // Words apply in order: a later word changes one bit of an earlier profile.
        #expect(RTPPFlags.dictionary(from: "RTP/SAVP AVPF").dictionary["transport-protocol"] == "RTP/SAVPF")
        #expect(RTPPFlags.dictionary(from: "SRTP RTP").dictionary["transport-protocol"] == "RTP/AVP")
        #expect(RTPPFlags.dictionary(from: "trust-address").dictionary["transport-protocol"] == nil)
    }

    @Test func rtppFlagsOverrideTagsAndCallIDButNotDictionaryScalars() throws {
        let r = try request(["command": "offer", "call-id": "sip", "from-tag": "f", "ICE": "force",
                             "rtpp-flags": "call-id=override ICE=remove"])
        #expect(r.callID == "override")
        #expect(r.ice == "force")
        let directional = try request(["command": "offer", "from-tag": "f", "rtpp-flags": "from-tag=g"])
        #expect(directional.fromTag == "g")
        #expect(directional.flags == ["directional"])
    }

    @Test func hostileRtppFlagsNeverTrap() throws {
        let deep = String(repeating: "codec=[", count: 10_000) + String(repeating: "]", count: 5_000)
        let r = try request(["command": "offer", "rtpp-flags": .text(deep)])
        #expect(!r.warnings.isEmpty)
        _ = RTPPFlags.dictionary(from: String(repeating: "[", count: 100_000))
        _ = RTPPFlags.dictionary(from: String(repeating: "]", count: 1_000) + "=")
        var rng = SeededRandom(seed: 7)
        let alphabet = Array("ab=[] -_RTP/AVPcodec=transcode".utf8)
        for _ in 0..<5_000 {
            let n = Int.random(in: 0...40, using: &rng)
            let s = String(decoding: (0..<n).map { _ in alphabet.randomElement(using: &rng)! }, as: UTF8.self)
            _ = try request(["command": "offer", "rtpp-flags": .text(s), "flags": .text(s)])
        }
    }

    @Test func unknownKeysAndFlagsAreWarningsNotErrors() throws {
        let r = try request(["command": "offer", "frobnicate": "yes", "flags": ["teleport", "trust address"],
                             "metadata": "m", "TOS": .integer(184), "ICE": .integer(5)])
        #expect(r.flags == ["teleport", "trust address"])
        #expect(r.warnings.contains("unknown key 'frobnicate'"))
        #expect(r.warnings.contains("unknown flag 'teleport'"))
        #expect(r.warnings.count == 2)
        #expect(r.options["tos"] == .integer(184))
        #expect(r.options["metadata"] == "m")
    }

    @Test func duplicateKeysFirstWins() throws {
        var d = BencodeDictionary()
        d.append(Array("command".utf8), "offer")
        d.append(Array("call-id".utf8), "first")
        d.append(Array("call id".utf8), "second")
        d.append(Array("command".utf8), "delete")
        let r = try request(d)
        #expect(r.command == .offer)
        #expect(r.callID == "first")
    }

    @Test func mutatedRealRequestsNeverTrap() throws {
        var rng = SeededRandom(seed: 0xC0FFEE)
        let seeds = [try FixtureLoader.exchange("offer.request"), try FixtureLoader.bytes("rtpengine-ng-client-offer.bin")]
            .map(FixtureLoader.payload)
        var parsed = 0
        for _ in 0..<20_000 {
            var input = seeds.randomElement(using: &rng)!
            for _ in 0..<Int.random(in: 1...4, using: &rng) where !input.isEmpty {
                let i = Int.random(in: 0..<input.count, using: &rng)
                if Bool.random(using: &rng) { input[i] = UInt8.random(in: 0...255, using: &rng) } else { input.remove(at: i) }
            }
            guard let value = try? Bencode.decode(input) else { continue }
            do {
                _ = try NGRequest(value: value)
                parsed += 1
            } catch {
                #expect([NGError.noCommand, .unrecognizedCommand, .bencodeDecode].contains(error))
            }
        }
        #expect(parsed > 1_000)
    }
}
