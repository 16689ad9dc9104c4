import Testing
import RTPWire
@testable import ControlProtocol

/// Drives the engine with real ng datagrams (bencode bytes, including the §4.1 Kamailio exchanges)
/// and checks the decoded replies and what the fake media plane was asked to do.
@Suite struct NGEngineTests {
    static let wallStart: UInt64 = 1_767_225_600_000_000  // 2026-01-01T00:00:00Z in µs
    static let kamailio = Endpoint(address: "127.0.0.1", port: 5060)
    let aAddress = Endpoint(address: "192.0.2.10", port: 40000)
    let bAddress = Endpoint(address: "198.51.100.7", port: 50000)

    // MARK: Harness

    final class Harness {
        let plane: FakeMediaPlane
        let engine: NGEngine
        var cookieSerial = 0

        init(plane: FakeMediaPlane = FakeMediaPlane(), configuration: EngineConfiguration = EngineConfiguration(instanceID: "relay-1")) {
            self.plane = plane
            self.engine = NGEngine(mediaPlane: plane, configuration: configuration)
        }

        func at(_ seconds: Double) -> MonotonicInstant { .seconds(500 + seconds) }
        func wall(_ seconds: Double) -> UInt64 { NGEngineTests.wallStart + UInt64(seconds * 1_000_000) }

        /// Sends raw bytes; returns the raw reply.
        func raw(_ datagram: [UInt8], at seconds: Double = 0) -> [UInt8]? {
            engine.handle(datagram: datagram, from: NGEngineTests.kamailio, now: at(seconds), wallClockMicros: wall(seconds))
        }

        /// Sends one request dictionary under a fresh cookie; returns the decoded reply dictionary.
        func send(_ request: BencodeDictionary, at seconds: Double = 0) throws -> BencodeDictionary {
            cookieSerial += 1
            let cookie = "t_\(cookieSerial)"
            let reply = try #require(raw(NGEngineTests.datagram(cookie, request), at: seconds))
            return try NGEngineTests.decode(reply, cookie: cookie)
        }

        func offer(callID: String = "call-1", from: String = "A", to: String? = nil, via: String? = nil,
                   sdp: String, flags: [String] = [], extra: BencodeDictionary = [:], at seconds: Double = 0) throws -> BencodeDictionary {
            var request: BencodeDictionary = ["command": "offer", "call-id": .text(callID), "from-tag": .text(from),
                                              "sdp": .text(sdp)]
            if let to { request.set("to-tag", .text(to)) }
            if let via { request.set("via-branch", .text(via)) }
            if !flags.isEmpty { request.set("flags", .list(flags.map { .text($0) })) }
            for entry in extra.entries { request.append(entry.key, entry.value) }
            return try send(request, at: seconds)
        }

        func answer(callID: String = "call-1", from: String = "A", to: String = "B", via: String? = nil,
                    sdp: String, flags: [String] = [], at seconds: Double = 1) throws -> BencodeDictionary {
            var request: BencodeDictionary = ["command": "answer", "call-id": .text(callID), "from-tag": .text(from),
                                              "to-tag": .text(to), "sdp": .text(sdp)]
            if let via { request.set("via-branch", .text(via)) }
            if !flags.isEmpty { request.set("flags", .list(flags.map { .text($0) })) }
            return try send(request, at: seconds)
        }

        func delete(callID: String = "call-1", from: String? = nil, to: String? = nil, via: String? = nil,
                    delay: Int64? = 0, flags: [String] = [], at seconds: Double = 2) throws -> BencodeDictionary {
            var request: BencodeDictionary = ["command": "delete", "call-id": .text(callID)]
            if let from { request.set("from-tag", .text(from)) }
            if let to { request.set("to-tag", .text(to)) }
            if let via { request.set("via-branch", .text(via)) }
            if let delay { request.set("delete delay", .integer(delay)) }
            if !flags.isEmpty { request.set("flags", .list(flags.map { .text($0) })) }
            return try send(request, at: seconds)
        }

        func query(callID: String = "call-1", from: String? = nil, at seconds: Double = 2) throws -> BencodeDictionary {
            var request: BencodeDictionary = ["command": "query", "call-id": .text(callID)]
            if let from { request.set("from-tag", .text(from)) }
            return try send(request, at: seconds)
        }
    }

    static func datagram(_ cookie: String, _ dict: BencodeDictionary) -> [UInt8] {
        var bytes = Array(cookie.utf8) + [UInt8(ascii: " ")]
        Bencode.encode(dict, into: &bytes)
        return bytes
    }

    static func decode(_ reply: [UInt8], cookie: String) throws -> BencodeDictionary {
        let prefix = Array(cookie.utf8) + [UInt8(ascii: " ")]
        #expect(Array(reply.prefix(prefix.count)) == prefix)
        return try #require(try Bencode.decode(reply.dropFirst(prefix.count)).dictValue)
    }

    func sdp(_ endpoint: Endpoint, extra: String = "") -> String {
        "v=0\r\no=- 1001 1 IN IP4 \(endpoint.address)\r\ns=-\r\nc=IN IP4 \(endpoint.address)\r\nt=0 0\r\n"
            + "m=audio \(endpoint.port) RTP/AVP 8 0 101\r\na=rtpmap:101 telephone-event/8000\r\n" + extra
    }

    /// The (address, port) the rewritten SDP tells its recipient to send to.
    func advertised(_ reply: BencodeDictionary) throws -> Endpoint {
        let text = try #require(reply["sdp"]?.stringValue)
        let session = try SDPSession(parsing: text)
        let media = try #require(session.media.first)
        let connection = try #require(media.effectiveConnection(session: session))
        return Endpoint(address: connection.address, port: media.port)
    }

    func result(_ reply: BencodeDictionary) -> String? { reply["result"]?.stringValue }
    func errorReason(_ reply: BencodeDictionary) -> String? { reply["error-reason"]?.stringValue }

    // MARK: §4.1 exchanges

    @Test func pingIsAnsweredPongByteForByte() throws {
        let h = Harness()
        #expect(h.raw(try FixtureLoader.exchange("ping.request")) == (try FixtureLoader.exchange("ping.reply")))
    }

    @Test func kamailioOfferFromTheDocGetsTheCalleeLegAndTheCallerPlan() throws {
        let h = Harness()
        let request = try FixtureLoader.exchange("offer.request")
        let reply = try #require(h.raw(request))
        let dict = try Self.decode(reply, cookie: "3_846930886_41")
        #expect(result(dict) == "ok")
        let sdpText = try #require(dict["sdp"]?.stringValue)
        // The SDP goes to the callee: it carries the callee leg, the first ports of the fresh range.
        #expect(try advertised(dict) == Endpoint(address: "203.0.113.5", port: 30000))
        #expect(sdpText.contains("a=rtcp:30001\r\n"))
        #expect(sdpText.contains("o=- 1001 1 IN IP4 203.0.113.5\r\n"))  // replace: origin
        #expect(!sdpText.contains("192.0.2.10"))
        // rtpengine's own reply to this request (§4.1), byte for byte.
        #expect(reply == (try FixtureLoader.exchange("offer.reply")))

        let call = try #require(h.engine.registry.call("a84b4c76e66710"))
        let caller = try #require(call.monologue(tag: "1928301774"))
        let callerStream = try #require(caller.medias[0].stream)
        let calleeStream = try #require(h.plane.stream(onPort: 30000))
        #expect(callerStream.rtpPort == 30002)
        let plan = try #require(h.plane.plans[callerStream.id])
        #expect(plan.sink == calleeStream.id)
        #expect(plan.remoteRTP == aAddress)
        #expect(plan.strictSource)
        #expect(plan.payloadTypes == [8, 0, 101])
        #expect(h.plane.plans[calleeStream.id]?.sink == callerStream.id)
        #expect(call.branches["z9hG4bK776asdhds"] != nil)

        #expect(h.raw(try FixtureLoader.exchange("delete.request")).map { try? Self.decode($0, cookie: "3_846930886_44")["result"] } == .some(.some("ok")))
        #expect(h.plane.portsInUse == 0)
    }

    @Test func listMatchesTheDocExchange() throws {
        let h = Harness()
        _ = try h.offer(callID: "a84b4c76e66710", sdp: sdp(aAddress), at: 0)
        _ = try h.offer(callID: "f81d4fae-7dec", sdp: sdp(aAddress), at: 1)
        _ = try h.offer(callID: "third", sdp: sdp(aAddress), at: 2)
        #expect(h.raw(try FixtureLoader.exchange("list.request"), at: 3) == (try FixtureLoader.exchange("list.reply")))
        let all = try h.send(["command": "list"], at: 3)
        #expect(all["calls"]?.listValue?.count == 3)
        let negative = try h.send(["command": "list", "limit": .integer(-1)], at: 3)
        #expect(errorReason(negative) == "invalid limit, must be >= 0")
        h.engine.shutdown()
        #expect(h.plane.portsInUse == 0)
    }

    @Test func deleteOfAnUnknownCallIsAWarningByteForByteAndAnErrorWhenFatal() throws {
        let h = Harness()
        let request = Self.datagram("3_846930886_45", ["command": "delete", "call-id": "nope", "from-tag": "x"])
        #expect(h.raw(request) == (try FixtureLoader.exchange("delete.unknown.reply")))
        let fatal = try h.delete(callID: "nope", from: "x", flags: ["fatal"])
        #expect(result(fatal) == "error")
        #expect(errorReason(fatal) == "Call-ID not found or tags didn't match")
        #expect(h.engine.statistics.deleteWarnings == 1)
    }

    @Test func answerAndQueryForAnUnknownCallIDAreRefused() throws {
        let h = Harness()
        let answer = Self.datagram("3_846930886_46", ["command": "answer", "call-id": "nope", "from-tag": "A",
                                                      "to-tag": "B", "sdp": .text(sdp(bAddress))])
        #expect(h.raw(answer) == (try FixtureLoader.exchange("error.unknowncallid.reply")))
        #expect(errorReason(try h.query(callID: "nope")) == "Unknown call-id")
        #expect(h.plane.allocations == 0)
        #expect(h.engine.statistics.errors["Unknown call-id"] == 2)
    }

    // MARK: Calls

    @Test func offerAnswerDeleteWiresBothLegsAndEndsWithNoPorts() throws {
        let h = Harness()
        let offer = try h.offer(sdp: sdp(aAddress))
        #expect(result(offer) == "ok")
        let toB = try advertised(offer)
        let answer = try h.answer(sdp: sdp(bAddress))
        #expect(result(answer) == "ok")
        let toA = try advertised(answer)
        #expect(toA.address == "203.0.113.5" && toB.address == "203.0.113.5")
        #expect(toA.port != toB.port)
        #expect(h.plane.allocations == 2 && h.plane.portsInUse == 4)

        // Media from A arrives on A's leg (the port in the answer) and leaves through B's leg to B.
        let aLeg = try #require(h.plane.stream(onPort: toA.port))
        let bLeg = try #require(h.plane.stream(onPort: toB.port))
        #expect(h.plane.plans[aLeg.id]?.sink == bLeg.id)
        #expect(h.plane.plans[aLeg.id]?.remoteRTP == aAddress)
        #expect(h.plane.plans[bLeg.id]?.sink == aLeg.id)
        #expect(h.plane.plans[bLeg.id]?.remoteRTP == bAddress)
        #expect(h.plane.plans[aLeg.id]?.learning == .heuristic)

        let deleted = try h.delete(from: "A")
        #expect(result(deleted) == "ok")
        #expect(deleted["tags"]?.dictValue?["A"] != nil && deleted["tags"]?.dictValue?["B"] != nil)
        #expect(h.plane.portsInUse == 0)
        #expect(errorReason(try h.query()) == "Unknown call-id")
        #expect(h.engine.tick(now: h.at(3)).map(\.reason) == [.deleted])
    }

    @Test func queryRendersTheStatsTreeFromCountersAndSignalling() throws {
        let h = Harness()
        let offer = try h.offer(sdp: sdp(aAddress), flags: ["strict-source"], extra: ["label": "caller"], at: 0.25)
        let answer = try h.answer(sdp: sdp(bAddress), at: 1)
        let aLeg = try #require(h.plane.stream(onPort: try advertised(answer).port))
        let bLeg = try #require(h.plane.stream(onPort: try advertised(offer).port))
        let latched = Endpoint(address: "198.18.0.9", port: 40002)
        h.plane.setCounters(aLeg.id) {
            $0.rtpIn = PacketCounters(packets: 100, bytes: 17200, errors: 1)
            $0.rtpOut = PacketCounters(packets: 98, bytes: 16856)
            $0.rtcpIn = PacketCounters(packets: 3, bytes: 240)
            $0.lastPacket = h.at(9)
            $0.latchedRTP = latched
            $0.firstSSRC = 0x1234_5678
        }
        h.plane.setCounters(bLeg.id) { $0.rtpIn = PacketCounters(packets: 50, bytes: 8600) }

        let tree = try h.query(at: 10)
        #expect(result(tree) == "ok")
        #expect(tree["created"]?.intValue == Int64(Self.wallStart / 1_000_000))
        #expect(tree["created_us"]?.intValue == 250_000)
        #expect(tree["last signal"]?.intValue == Int64(Self.wallStart / 1_000_000) + 1)
        let tags = try #require(tree["tags"]?.dictValue)
        #expect(tags.keys == ["A", "B"])
        let a = try #require(tags["A"]?.dictValue)
        #expect(a["tag"]?.stringValue == "A")
        #expect(a["label"]?.stringValue == "caller")
        let media = try #require(a["medias"]?.listValue?.first?.dictValue)
        #expect(media["index"]?.intValue == 1)
        #expect(media["type"]?.stringValue == "audio")
        #expect(media["protocol"]?.stringValue == "RTP/AVP")
        #expect(media["codec"]?.stringValue == "PCMA/8000")
        #expect(media["flags"]?.listValue?.compactMap(\.stringValue) == ["initialized", "send", "recv"])
        let streams = try #require(media["streams"]?.listValue)
        #expect(streams.count == 2)
        let rtp = try #require(streams[0].dictValue)
        #expect(rtp["local port"]?.intValue == Int64(aLeg.rtpPort))
        #expect(rtp["local address"]?.stringValue == "203.0.113.5")
        #expect(rtp["family"]?.stringValue == "IPv4")
        #expect(rtp["endpoint"]?.dictValue?["address"]?.stringValue == "198.18.0.9")
        #expect(rtp["endpoint"]?.dictValue?["port"]?.intValue == 40002)
        #expect(rtp["advertised endpoint"]?.dictValue?["address"]?.stringValue == "192.0.2.10")
        #expect(rtp["advertised endpoint"]?.dictValue?["port"]?.intValue == 40000)
        #expect(rtp["last packet"]?.intValue == Int64(Self.wallStart / 1_000_000) + 9)
        #expect(rtp["SSRC"]?.intValue == 0x1234_5678)
        #expect(rtp["flags"]?.listValue?.compactMap(\.stringValue) == ["RTP", "filled", "confirmed", "strict source address"])
        #expect(rtp["stats"]?.dictValue?["packets"]?.intValue == 100)
        #expect(rtp["stats"]?.dictValue?["errors"]?.intValue == 1)
        #expect(rtp["stats_out"]?.dictValue?["bytes"]?.intValue == 16856)
        let rtcp = try #require(streams[1].dictValue)
        #expect(rtcp["local port"]?.intValue == Int64(aLeg.rtcpPort))
        #expect(rtcp["flags"]?.listValue?.first?.stringValue == "RTCP")
        #expect(rtcp["stats"]?.dictValue?["packets"]?.intValue == 3)
        let totals = try #require(tree["totals"]?.dictValue)
        #expect(totals["RTP"]?.dictValue?["packets"]?.intValue == 150)
        #expect(totals["RTP"]?.dictValue?["bytes"]?.intValue == 25800)
        #expect(totals["RTCP"]?.dictValue?["packets"]?.intValue == 3)
        // No RTCP-derived blocks without a stats extension: absent, not invented.
        #expect(tree["SSRC"] == nil && media["ingress SSRCs"] == nil)

        // `fast` deletes without the tree.
        let fast = try h.delete(from: "A", flags: ["fast"], at: 11)
        #expect(fast.keys == ["result"])
        #expect(h.plane.portsInUse == 0)
    }

    @Test func forkingWithTwoToTagsKeepsTheSurvivingBranch() throws {
        let h = Harness()
        let first = try advertised(try h.offer(via: "V1", sdp: sdp(aAddress)))
        let second = try advertised(try h.offer(via: "V2", sdp: sdp(aAddress), at: 0.1))
        #expect(first.port != second.port)
        let toA1 = try advertised(try h.answer(to: "B1", via: "V1", sdp: sdp(bAddress)))
        let b2Address = Endpoint(address: "198.51.100.8", port: 52000)
        let toA2 = try advertised(try h.answer(to: "B2", via: "V2", sdp: sdp(b2Address), at: 1.5))
        #expect(toA1 == toA2)
        #expect(h.plane.allocations == 3)
        let aLeg = try #require(h.plane.stream(onPort: toA1.port))
        let b2Leg = try #require(h.plane.stream(onPort: second.port))
        #expect(h.plane.plans[aLeg.id]?.sink == b2Leg.id)
        #expect(h.plane.plans[b2Leg.id]?.remoteRTP == b2Address)

        #expect(result(try h.delete(from: "B1")) == "ok")
        #expect(h.plane.portsInUse == 4)
        let tags = try #require(try h.query()["tags"]?.dictValue)
        #expect(tags.keys == ["A", "B2"])
        #expect(result(try h.delete(from: "A", at: 3)) == "ok")
        #expect(h.plane.portsInUse == 0)
    }

    @Test func reInviteKeepsPortsAndMovesTheRemote() throws {
        let h = Harness()
        let toB = try advertised(try h.offer(sdp: sdp(aAddress)))
        let toA = try advertised(try h.answer(sdp: sdp(bAddress)))
        let moved = Endpoint(address: "192.0.2.77", port: 41000)
        let again = try advertised(try h.offer(to: "B", sdp: sdp(moved), at: 20))
        #expect(again == toB)
        #expect(h.plane.allocations == 2)
        let aLeg = try #require(h.plane.stream(onPort: toA.port))
        #expect(h.plane.plans[aLeg.id]?.remoteRTP == moved)
        // A re-INVITE from the callee (from-tag B, to-tag A): its SDP goes to A with A's leg.
        let fromCallee = try advertised(try h.offer(from: "B", to: "A", sdp: sdp(bAddress), at: 30))
        #expect(fromCallee == toA)
        #expect(h.plane.allocations == 2)
        _ = try h.delete(at: 40)
        #expect(h.plane.portsInUse == 0)
    }

    @Test func earlyMediaAnswerThenFinalAnswerKeepTheSamePorts() throws {
        let h = Harness()
        let toB = try advertised(try h.offer(sdp: sdp(aAddress)))
        let first = try advertised(try h.answer(sdp: sdp(bAddress), at: 1))   // 183 Session Progress
        let moved = Endpoint(address: "198.51.100.7", port: 50010)
        let final = try advertised(try h.answer(sdp: sdp(moved), at: 5))       // 200 OK, new port
        #expect(first == final)
        #expect(h.plane.allocations == 2)
        let bLeg = try #require(h.plane.stream(onPort: toB.port))
        #expect(h.plane.plans[bLeg.id]?.remoteRTP == moved)
        _ = try h.delete(at: 6)
        #expect(h.plane.portsInUse == 0)
    }

    @Test func lateOfferInThe200OKAndAnswerInTheACK() throws {
        let h = Harness()
        // INVITE without SDP: the 200 OK from B carries the offer, so Kamailio swaps the tags (§5.3).
        let toA = try advertised(try h.offer(from: "B", to: "A", sdp: sdp(bAddress)))
        let toB = try advertised(try h.answer(from: "B", to: "A", sdp: sdp(aAddress)))
        #expect(toA.port != toB.port)
        let call = try #require(h.engine.registry.call("call-1"))
        let aLeg = try #require(call.monologue(tag: "A")?.medias[0].stream)
        let bLeg = try #require(call.monologue(tag: "B")?.medias[0].stream)
        #expect(aLeg.rtpPort == toA.port && bLeg.rtpPort == toB.port)
        #expect(h.plane.plans[aLeg.id]?.remoteRTP == aAddress)
        #expect(h.plane.plans[bLeg.id]?.remoteRTP == bAddress)
        #expect(h.plane.plans[aLeg.id]?.sink == bLeg.id)
        _ = try h.delete(from: "A", at: 3)
        #expect(h.plane.portsInUse == 0)
    }

    @Test func deleteWithToTagFlagEndsOnlyThatDialogue() throws {
        let h = Harness()
        _ = try h.offer(via: "V1", sdp: sdp(aAddress))
        _ = try h.offer(via: "V2", sdp: sdp(aAddress))
        _ = try h.answer(to: "B1", via: "V1", sdp: sdp(bAddress))
        _ = try h.answer(to: "B2", via: "V2", sdp: sdp(bAddress), at: 1.5)
        // Without the flag the to-tag is ignored and the from-tag's party (the caller) goes, so all.
        #expect(result(try h.delete(from: "A", to: "B1", flags: ["to-tag"])) == "ok")
        let tags = try #require(try h.query()["tags"]?.dictValue)
        #expect(tags.keys == ["A", "B2"])
        #expect(h.plane.portsInUse == 4)
        #expect(result(try h.delete(from: "A", to: "B2", at: 3)) == "ok")
        #expect(h.plane.portsInUse == 0)
    }

    @Test func byeFromTheCalleeDeletesByItsTag() throws {
        let h = Harness()
        _ = try h.offer(sdp: sdp(aAddress))
        _ = try h.answer(sdp: sdp(bAddress))
        let reply = try h.delete(from: "B")
        #expect(result(reply) == "ok" && reply["warning"] == nil)
        #expect(h.plane.portsInUse == 0)
        #expect(h.engine.registry.call("call-1") == nil)
    }

    @Test func deleteOfOneBranchLeavesTheOtherBranch() throws {
        let h = Harness()
        let first = try advertised(try h.offer(via: "V1", sdp: sdp(aAddress)))
        let second = try advertised(try h.offer(via: "V2", sdp: sdp(aAddress)))
        #expect(result(try h.delete(from: "A", via: "V1")) == "ok")
        #expect(h.plane.stream(onPort: first.port) == nil)
        #expect(h.plane.stream(onPort: second.port) != nil)
        #expect(h.plane.portsInUse == 4)
        #expect(result(try h.answer(to: "B2", via: "V2", sdp: sdp(bAddress))) == "ok")
        _ = try h.delete()
        #expect(h.plane.portsInUse == 0)
    }

    @Test func deleteDelayIsCancelledByANewOffer() throws {
        let h = Harness()  // default delete delay: 30 s
        _ = try h.offer(sdp: sdp(aAddress))
        _ = try h.answer(sdp: sdp(bAddress))
        #expect(result(try h.delete(from: "A", delay: nil, at: 2)) == "ok")
        #expect(h.plane.portsInUse == 4)
        #expect(result(try h.query(at: 3)) == "ok")
        _ = try h.offer(to: "B", sdp: sdp(aAddress), at: 10)
        #expect(h.engine.tick(now: h.at(40)).isEmpty)
        #expect(h.plane.portsInUse == 4)
        h.engine.shutdown()
        #expect(h.plane.portsInUse == 0)
    }

    @Test func deleteDelayExpiresOnTick() throws {
        let h = Harness()
        _ = try h.offer(sdp: sdp(aAddress))
        _ = try h.answer(sdp: sdp(bAddress))
        _ = try h.delete(from: "B", delay: 5, at: 2)
        #expect(h.engine.tick(now: h.at(6.9)).isEmpty)
        #expect(h.plane.portsInUse == 4)
        let ended = h.engine.tick(now: h.at(7))
        #expect(ended.map(\.callID) == ["call-1"] && ended.map(\.reason) == [.deleted])
        #expect(h.plane.portsInUse == 0)
    }

    @Test func mediaTimeoutEndsTheCallOnTick() throws {
        let h = Harness(configuration: EngineConfiguration(mediaTimeout: 60, instanceID: "relay-1"))
        _ = try h.offer(sdp: sdp(aAddress))
        let toA = try advertised(try h.answer(sdp: sdp(bAddress)))
        let aLeg = try #require(h.plane.stream(onPort: toA.port))
        h.plane.setCounters(aLeg.id) { $0.lastPacket = h.at(30) }
        #expect(h.engine.tick(now: h.at(89)).isEmpty)
        #expect(h.engine.tick(now: h.at(90)).map(\.reason) == [.mediaTimeout])
        #expect(h.plane.portsInUse == 0)
        #expect(errorReason(try h.query(at: 91)) == "Unknown call-id")
        let stats = try h.send(["command": "statistics"], at: 92)
        #expect(stats["statistics"]?.dictValue?["totalstatistics"]?.dictValue?["timeoutsessions"]?.intValue == 1)
    }

    @Test func unansweredOfferTimesOut() throws {
        let h = Harness(configuration: EngineConfiguration(offerTimeout: 3600, instanceID: "relay-1"))
        _ = try h.offer(sdp: sdp(aAddress))
        #expect(h.engine.tick(now: h.at(600)).isEmpty)
        #expect(h.engine.tick(now: h.at(3600)).map(\.reason) == [.offerTimeout])
        #expect(h.plane.portsInUse == 0)
    }

    @Test func retransmittedOfferGetsIdenticalBytesAndNoNewPorts() throws {
        let h = Harness()
        let request = Self.datagram("retx_1", ["command": "offer", "call-id": "c", "from-tag": "A",
                                               "sdp": .text(sdp(aAddress))])
        let first = try #require(h.raw(request))
        for i in 1...10 {
            #expect(h.raw(request, at: Double(i) * 0.5) == first)
        }
        #expect(h.plane.allocations == 2)
        #expect(h.engine.statistics.cachedReplies == 10)
        #expect(h.engine.statistics.commands[.offer] == 1)
        h.engine.shutdown()
        #expect(h.plane.portsInUse == 0)
    }

    @Test func outOfPortsAnswersTheFailOverTextAndHoldsNothing() throws {
        let plane = FakeMediaPlane()
        plane.failAfterStreams = 1
        let h = Harness(plane: plane)
        let reply = try h.offer(sdp: sdp(aAddress))
        #expect(result(reply) == "error")
        #expect(errorReason(reply) == "Ran out of ports")
        #expect(reply.keys == ["result", "error-reason"])
        #expect(plane.portsInUse == 0)
        #expect(h.engine.registry.call("call-1") == nil)
    }

    @Test func maxSessionsAnswersBothReplyShapes() throws {
        let h = Harness(configuration: EngineConfiguration(maxSessions: 1, instanceID: "relay-1"))
        _ = try h.offer(callID: "first", sdp: sdp(aAddress))
        let plain = try h.offer(callID: "second", sdp: sdp(aAddress))
        #expect(result(plain) == "error")
        #expect(errorReason(plain) == "Parallel session limit reached")
        let loadLimit = Self.datagram("3_846930886_47", ["supports": ["load limit"], "command": "offer",
                                                         "call-id": "third", "from-tag": "A", "sdp": .text(sdp(aAddress))])
        #expect(h.raw(loadLimit) == (try FixtureLoader.exchange("loadlimit.reply")))
        #expect(h.plane.allocations == 2)
        // A re-offer of the existing call is not a new session.
        #expect(result(try h.offer(callID: "first", sdp: sdp(aAddress), at: 1)) == "ok")
        h.engine.shutdown()
        #expect(h.plane.portsInUse == 0)
    }

    @Test func malformedInputsGetTheExactErrorsAndChangeNothing() throws {
        let h = Harness()
        func reason(_ text: String) throws -> String? {
            let reply = try #require(h.raw(Array(text.utf8)))
            let cookie = String(text.prefix { $0 != " " })
            return try Self.decode(reply, cookie: cookie)["error-reason"]?.stringValue
        }
        #expect(h.raw(Array("no-space-at-all".utf8)) == nil)
        #expect(h.raw(Array(" d7:command4:pinge".utf8)) == nil)
        #expect(try reason("c1 ") == "Invalid data (no payload)")
        #expect(try reason("c2 x") == "Invalid NG data format")
        #expect(try reason("c3 d7:command") == "Could not decode bencode dictionary")
        #expect(try reason("c4 d3:abcl") == "Could not decode bencode dictionary")
        #expect(try reason("c5 de") == "Dictionary contains no key \"command\"")
        #expect(try reason("c6 d7:command3:fooe") == "Unrecognized command")
        // A JSON request is answered in JSON.
        let json = String(decoding: try #require(h.raw(Array("c7 {\"command\": ".utf8))), as: UTF8.self)
        #expect(json.hasPrefix("c7 {") && json.contains("Could not decode bencode dictionary"))

        let good = sdp(aAddress)
        #expect(errorReason(try h.send(["command": "offer", "call-id": "c", "from-tag": "A"])) == "No SDP body in message")
        #expect(errorReason(try h.send(["command": "offer", "from-tag": "A", "sdp": .text(good)])) == "No call-id in message")
        #expect(errorReason(try h.send(["command": "offer", "call-id": "c", "sdp": .text(good)])) == "No from-tag in message")
        #expect(errorReason(try h.send(["command": "answer", "call-id": "c", "from-tag": "A", "sdp": .text(good)]))
                == "No to-tag in message")
        #expect(errorReason(try h.send(["command": "offer", "call-id": "c", "from-tag": "A", "sdp": "v=0\r\nbogus\r\n"]))
                == "Failed to parse SDP")
        #expect(errorReason(try h.send(["command": "query"])) == "No call-id in message")
        #expect(errorReason(try h.send(["command": "delete"])) == "No call-id in message")
        #expect(h.plane.allocations == 0)
        #expect(h.engine.registry.currentSessions == 0)
        #expect(h.engine.statistics.droppedUnframed == 2)
    }

    @Test func loopProtectReturnsOurOwnSDPUntouched() throws {
        let h = Harness()
        let looped = sdp(aAddress, extra: "a=rtpengine:relay-1\r\n")
        let reply = try h.offer(sdp: looped, flags: ["loop-protect"])
        #expect(reply["sdp"]?.stringValue == looped)
        #expect(h.plane.allocations == 0)
        let marked = try h.offer(callID: "call-2", sdp: sdp(aAddress), flags: ["loop-protect"])
        #expect(marked["sdp"]?.stringValue?.contains("a=rtpengine:relay-1\r\n") == true)
        h.engine.shutdown()
        #expect(h.plane.portsInUse == 0)
    }

    @Test func realClientDatagramsInBencodeAndJSONAreServed() throws {
        let h = Harness()
        let bencode = try #require(h.raw(try FixtureLoader.bytes("rtpengine-ng-client-offer.bin")))
        let json = try #require(h.raw(try FixtureLoader.bytes("rtpengine-ng-client-offer-json.bin"), at: 1))
        let space = try #require(json.firstIndex(of: UInt8(ascii: " ")))
        #expect(json[space + 1] == UInt8(ascii: "{"))
        #expect(String(decoding: json, as: UTF8.self).contains("\"result\":\"ok\""))
        let bSpace = try #require(bencode.firstIndex(of: UInt8(ascii: " ")))
        let reply = try #require(try Bencode.decode(bencode[(bSpace + 1)...]).dictValue)
        #expect(reply["result"]?.stringValue == "ok")
        // Both requests name call-id x / from-tag y: the second is a re-offer on the same ports.
        #expect(h.engine.registry.currentSessions == 1)
        #expect(h.plane.allocations == 2)
        h.engine.shutdown()
        #expect(h.plane.portsInUse == 0)
    }

    @Test func rtcpMuxFollowsTheClientAndRequireBindsOnePort() throws {
        let h = Harness()
        let offer = try h.offer(sdp: sdp(aAddress, extra: "a=rtcp-mux\r\n"))
        let toB = try advertised(offer)
        let offered = try #require(offer["sdp"]?.stringValue)
        // Mux passed on with a separate RTCP port as fallback (RFC 5761 §5.1.1).
        #expect(offered.contains("a=rtcp-mux\r\n") && offered.contains("a=rtcp:\(toB.port + 1)\r\n"))
        let answer = try h.answer(sdp: sdp(bAddress, extra: "a=rtcp-mux\r\n"))
        let toA = try advertised(answer)
        #expect(answer["sdp"]?.stringValue?.contains("a=rtcp-mux\r\n") == true)
        let aLeg = try #require(h.plane.stream(onPort: toA.port))
        let bLeg = try #require(h.plane.stream(onPort: toB.port))
        #expect(h.plane.plans[aLeg.id]?.rtcpMux == true)
        #expect(h.plane.plans[bLeg.id]?.rtcpMux == true)

        // An answer without mux is not answered with mux towards the offerer that did not offer it.
        _ = try h.offer(callID: "plain", sdp: sdp(aAddress))
        let plain = try h.answer(callID: "plain", sdp: sdp(bAddress, extra: "a=rtcp-mux\r\n"))
        #expect(plain["sdp"]?.stringValue?.contains("a=rtcp-mux") == false)

        // `require`: the callee leg is one port for RTP and RTCP.
        let required = try h.offer(callID: "webrtc", sdp: sdp(aAddress), extra: ["rtcp-mux": ["require"]])
        let leg = try #require(h.plane.stream(onPort: try advertised(required).port))
        #expect(leg.rtcpMux)
        #expect(h.plane.plans[leg.id]?.rtcpMux == true)
        h.engine.shutdown()
        #expect(h.plane.portsInUse == 0)
    }

    @Test func mediaAddressAndSIPSourceAddressOverrideTheSDPAddress() throws {
        let h = Harness()
        let nat = try h.offer(sdp: sdp(aAddress), flags: ["SIP-source-address"],
                              extra: ["received-from": ["IP4", "198.18.7.7"]])
        #expect(result(nat) == "ok")
        let aLeg = try #require(h.engine.registry.call("call-1")?.monologue(tag: "A")?.medias[0].stream)
        #expect(h.plane.plans[aLeg.id]?.remoteRTP == Endpoint(address: "198.18.7.7", port: 40000))
        #expect(h.plane.plans[aLeg.id]?.remoteRTCP == Endpoint(address: "198.18.7.7", port: 40001))
        // Without the flag, received-from is only informative (trust address is the default).
        _ = try h.offer(callID: "call-2", sdp: sdp(aAddress), extra: ["received-from": ["IP4", "198.18.7.7"]])
        let trusted = try #require(h.engine.registry.call("call-2")?.monologue(tag: "A")?.medias[0].stream)
        #expect(h.plane.plans[trusted.id]?.remoteRTP == aAddress)
        _ = try h.offer(callID: "call-3", sdp: sdp(aAddress), extra: ["media-address": "198.18.9.9"])
        let overridden = try #require(h.engine.registry.call("call-3")?.monologue(tag: "A")?.medias[0].stream)
        #expect(h.plane.plans[overridden.id]?.remoteRTP == Endpoint(address: "198.18.9.9", port: 40000))
        h.engine.shutdown()
        #expect(h.plane.portsInUse == 0)
    }

    @Test func directionAndAddressFamilyPickTheLegsInterfaces() throws {
        let plane = FakeMediaPlane(interfaces: [MediaInterface(name: "pub", localAddress: "203.0.113.5"),
                                                MediaInterface(name: "priv", localAddress: "10.0.0.5"),
                                                MediaInterface(name: "v6", localAddress: "2001:db8::5")])
        let h = Harness(plane: plane)
        let offer = try h.offer(sdp: sdp(aAddress), extra: ["direction": ["pub", "priv"]])
        #expect(try advertised(offer).address == "10.0.0.5")
        let aLeg = try #require(h.engine.registry.call("call-1")?.monologue(tag: "A")?.medias[0].stream)
        #expect(aLeg.localAddress == "203.0.113.5")
        let v6 = try h.offer(callID: "call-2", sdp: sdp(aAddress), extra: ["address family": "IP6"])
        let sdpText = try #require(v6["sdp"]?.stringValue)
        #expect(sdpText.contains("c=IN IP6 2001:db8::5\r\n"))
        // Unknown interface names (legacy `internal`/`external`) fall back instead of failing.
        let legacy = try h.offer(callID: "call-3", sdp: sdp(aAddress), extra: ["direction": ["internal", "external"]])
        #expect(result(legacy) == "ok")
        h.engine.shutdown()
        #expect(plane.portsInUse == 0)
    }

    /// Records what it is asked to decorate and adds one marker key, as the RTCP/MOS module will.
    final class MarkingExtension: StatsTreeExtension {
        var mediaCalls: [(tag: String?, index: Int)] = []
        func decorate(call tree: inout BencodeDictionary, of call: Call) {
            tree.set("SSRC", .dictionary(["parties": .integer(Int64(call.monologues.count))]))
        }
        func decorate(media tree: inout BencodeDictionary, of media: CallMedia, party: Monologue, in call: Call) {
            mediaCalls.append((party.tag, media.index))
            tree.set("ingress SSRCs", .list([]))
        }
    }

    @Test func statsExtensionDecoratesTheCallAndEachMedia() throws {
        let h = Harness()
        let marker = MarkingExtension()
        h.engine.statsExtension = marker
        _ = try h.offer(sdp: sdp(aAddress))
        _ = try h.answer(sdp: sdp(bAddress))
        let tree = try h.query()
        #expect(tree["SSRC"]?.dictValue?["parties"]?.intValue == 2)
        let media = tree["tags"]?.dictValue?["B"]?.dictValue?["medias"]?.listValue?.first?.dictValue
        #expect(media?["ingress SSRCs"] == .list([]))
        #expect(marker.mediaCalls.map(\.tag) == ["A", "B"])
        _ = try h.delete(at: 3)
        #expect(h.plane.portsInUse == 0)
    }

    @Test func deleteDelayGivenAsTextIsHonoured() throws {
        let h = Harness()
        _ = try h.offer(sdp: sdp(aAddress))
        _ = try h.send(["command": "delete", "call-id": "call-1", "from-tag": "A", "delete-delay": "5"], at: 1)
        #expect(h.engine.tick(now: h.at(5.9)).isEmpty)
        #expect(h.engine.tick(now: h.at(6)).map(\.reason) == [.deleted])
        #expect(h.plane.portsInUse == 0)
    }

    @Test func statisticsCountSessionsAndCommands() throws {
        let h = Harness()
        _ = try h.send(["command": "ping"])
        _ = try h.offer(sdp: sdp(aAddress))
        _ = try h.answer(sdp: sdp(bAddress))
        _ = try h.query()
        let reply = try h.send(["command": "statistics"], at: 3)
        #expect(result(reply) == "ok")
        let stats = try #require(reply["statistics"]?.dictValue)
        #expect(stats["currentstatistics"]?.dictValue?["sessionsown"]?.intValue == 1)
        #expect(stats["currentstatistics"]?.dictValue?["sessionstotal"]?.intValue == 1)
        #expect(stats["totalstatistics"]?.dictValue?["managedsessions"]?.intValue == 1)
        let control = try #require(stats["controlstatistics"]?.dictValue)
        #expect(control["totalpingcount"]?.intValue == 1)
        #expect(control["totaloffercount"]?.intValue == 1)
        #expect(control["totalanswercount"]?.intValue == 1)
        #expect(control["totalquerycount"]?.intValue == 1)
        #expect(control["proxies"]?.listValue?.first?.dictValue?["proxy"]?.stringValue == "127.0.0.1")
        _ = try h.delete(at: 4)
        let after = try h.send(["command": "statistics"], at: 5)["statistics"]?.dictValue
        #expect(after?["totalstatistics"]?.dictValue?["regularterminatedsessions"]?.intValue == 1)
        #expect(after?["totalstatistics"]?.dictValue?["avgcallduration"]?.stringValue == "4.000000")
        #expect(h.plane.portsInUse == 0)
    }
}
