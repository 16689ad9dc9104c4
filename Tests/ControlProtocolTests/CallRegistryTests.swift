import Testing
import RTPWire
@testable import ControlProtocol

/// Drives the registry directly with analysed medias and a virtual clock; the fake media plane shows
/// which ports went where and what each stream was told.
@Suite struct CallRegistryTests {
    let aAddress = Endpoint(address: "192.0.2.10", port: 40000)
    let bAddress = Endpoint(address: "198.51.100.7", port: 50000)

    func audio(_ rtp: Endpoint?, rejected: Bool = false) -> PartyMedia {
        PartyMedia(type: "audio", transportProtocol: "RTP/AVP", remoteRTP: rtp,
                   remoteRTCP: rtp.map { Endpoint(address: $0.address, port: $0.port &+ 1) },
                   payloadTypes: [8, 0, 101], rejected: rejected)
    }

    func t(_ seconds: Double) -> MonotonicInstant { .seconds(1000 + seconds) }

    func make(_ configuration: CallRegistryConfiguration = CallRegistryConfiguration(),
              plane: FakeMediaPlane = FakeMediaPlane()) -> (CallRegistry, FakeMediaPlane) {
        (CallRegistry(mediaPlane: plane, configuration: configuration), plane)
    }

    func offerAB(_ registry: CallRegistry, now: Double = 0, via: String? = nil,
                 toTag: String? = nil, from: String = "A", media: Endpoint? = nil) throws -> OfferAnswerResult {
        try registry.offer(OfferAnswer(callID: "c1", fromTag: from, toTag: toTag, viaBranch: via,
                                       medias: [audio(media ?? aAddress)]), now: t(now))
    }

    func answerB(_ registry: CallRegistry, tag: String = "B", now: Double = 1, via: String? = nil,
                 newBranch: Bool = false, media: Endpoint? = nil) throws -> OfferAnswerResult {
        try registry.answer(OfferAnswer(callID: "c1", fromTag: "A", toTag: tag, viaBranch: via,
                                        medias: [audio(media ?? bAddress)], newBranch: newBranch), now: t(now))
    }

    @Test func offerGivesTheCalleeLegAndAnswerGivesTheCallerLeg() throws {
        let (registry, plane) = make()
        let offer = try offerAB(registry)
        #expect(offer.createdCall)
        let call = try #require(registry.call("c1"))
        let a = try #require(call.monologue(tag: "A"))
        let b = try #require(call.monologues[offer.recipient])
        #expect(b.tag == nil)
        let aStream = try #require(a.medias[0].stream)
        let bStream = try #require(b.medias[0].stream)
        // The SDP going to B carries B's leg, not A's.
        #expect(offer.streams == [bStream])
        #expect(aStream.rtpPort != bStream.rtpPort)
        #expect(plane.portsInUse == 4)
        // A's stream forwards into B's stream and knows A's SDP address.
        let aPlan = try #require(plane.plans[aStream.id])
        #expect(aPlan.sink == bStream.id)
        #expect(aPlan.remoteRTP == aAddress)
        #expect(aPlan.remoteRTCP == Endpoint(address: "192.0.2.10", port: 40001))
        #expect(aPlan.payloadTypes == [8, 0, 101])
        let bPlanBefore = try #require(plane.plans[bStream.id])
        #expect(bPlanBefore.sink == aStream.id)
        #expect(bPlanBefore.remoteRTP == nil)

        let answer = try answerB(registry)
        #expect(answer.streams == [aStream])
        #expect(answer.recipient == a.id && answer.sender == b.id)
        #expect(registry.call("c1")?.monologue(tag: "B")?.id == b.id)
        let bPlan = try #require(plane.plans[bStream.id])
        #expect(bPlan.sink == aStream.id)
        #expect(bPlan.remoteRTP == bAddress)
        #expect(plane.plans[aStream.id]?.sink == bStream.id)
        #expect(plane.allocations == 2)

        #expect(registry.delete(callID: "c1", selector: .call, delay: 0, now: t(2)) == .deleted(callEnded: true))
        #expect(registry.call("c1") == nil)
        #expect(plane.portsInUse == 0)
        #expect(registry.tick(now: t(3)).map(\.reason) == [.deleted])
        #expect(registry.counters.totalSessions == 1 && registry.counters.deletedSessions == 1)
    }

    @Test func streamPolicyAndLearningReachThePlans() throws {
        let (registry, plane) = make(CallRegistryConfiguration(defaultLearning: .delayed, learningWindow: 5))
        let policy = StreamPolicy(strictSource: true, mediaHandover: false, asymmetric: false)
        let result = try registry.offer(OfferAnswer(callID: "c1", fromTag: "A", medias: [audio(aAddress)],
                                                    policy: policy), now: t(0))
        let bStream = try #require(result.streams[0])
        let plan = try #require(plane.plans[bStream.id])
        #expect(plan.strictSource && plan.learning == .delayed && plan.learningWindow == 5)
        _ = try registry.answer(OfferAnswer(callID: "c1", fromTag: "A", toTag: "B", medias: [audio(bAddress)],
                                            policy: StreamPolicy(learning: .off, asymmetric: true)), now: t(1))
        // The answer adds to the offer's policy; it cannot silently drop strict source.
        let after = try #require(plane.plans[bStream.id])
        #expect(after.learning == .off && after.asymmetric && after.strictSource)
        // A re-offer sets the policy afresh.
        _ = try registry.offer(OfferAnswer(callID: "c1", fromTag: "A", toTag: "B", medias: [audio(aAddress)]), now: t(2))
        let reOffered = try #require(plane.plans[bStream.id])
        #expect(reOffered.learning == .delayed && !reOffered.asymmetric && !reOffered.strictSource)
        registry.shutdown(now: t(3))
        #expect(plane.portsInUse == 0)
    }

    @Test func forkingWithViaBranchesGivesEachBranchItsOwnPortsAndLastAnswerWins() throws {
        let (registry, plane) = make()
        let first = try offerAB(registry, via: "V1")
        let second = try offerAB(registry, now: 0.1, via: "V2")
        #expect(first.recipient != second.recipient)
        #expect(first.streams != second.streams)
        #expect(plane.allocations == 3)  // A's leg once, one leg per branch

        let b1 = try answerB(registry, tag: "B1", via: "V1")
        let b2 = try answerB(registry, tag: "B2", now: 2, via: "V2")
        #expect(b1.sender == first.recipient && b2.sender == second.recipient)
        #expect(b1.streams == b2.streams)  // both answers go to A with A's leg
        let aStream = try #require(b1.streams[0])
        #expect(plane.plans[aStream.id]?.sink == second.streams[0]?.id)

        // The BYE from B1's branch leaves A and B2 talking.
        #expect(registry.delete(callID: "c1", selector: .party(tag: "B1"), delay: 0, now: t(3)) == .deleted(callEnded: false))
        #expect(plane.portsInUse == 4)
        #expect(registry.call("c1")?.monologue(tag: "B1") == nil)
        #expect(registry.call("c1")?.monologue(tag: "B2") != nil)
        #expect(registry.delete(callID: "c1", selector: .party(tag: "A"), delay: 0, now: t(4)) == .deleted(callEnded: true))
        #expect(plane.portsInUse == 0)
    }

    @Test func secondToTagWithoutBranchIsAnAliasWithoutNewPorts() throws {
        let (registry, plane) = make()
        let offer = try offerAB(registry)
        _ = try answerB(registry, tag: "B1")
        let again = try answerB(registry, tag: "B2", now: 2)
        #expect(again.sender == offer.recipient)
        #expect(plane.allocations == 2)
        let call = try #require(registry.call("c1"))
        #expect(call.monologue(tag: "B2")?.id == call.monologue(tag: "B1")?.id)
        #expect(call.monologues[offer.recipient]?.aliases == ["B2"])
        registry.delete(callID: "c1", selector: .party(tag: "B2"), delay: 0, now: t(3))
        #expect(registry.call("c1") == nil)
        #expect(plane.portsInUse == 0)
    }

    @Test func secondToTagWithNewBranchFlagGetsItsOwnParty() throws {
        let (registry, plane) = make()
        let offer = try offerAB(registry)
        _ = try answerB(registry, tag: "B1")
        let branch = try answerB(registry, tag: "B2", now: 2, newBranch: true)
        #expect(branch.sender != offer.recipient)
        #expect(plane.allocations == 3)
        let aStream = try #require(branch.streams[0])
        let b2Stream = try #require(registry.call("c1")?.monologues[branch.sender]?.medias[0].stream)
        #expect(plane.plans[aStream.id]?.sink == b2Stream.id)
        #expect(plane.plans[b2Stream.id]?.remoteRTP == bAddress)
        registry.delete(callID: "c1", selector: .call, delay: 0, now: t(3))
        #expect(plane.portsInUse == 0)
    }

    @Test func reInviteKeepsPortsAndUpdatesTheRemote() throws {
        let (registry, plane) = make()
        let offer = try offerAB(registry)
        let answer = try answerB(registry)
        let moved = Endpoint(address: "192.0.2.99", port: 41000)
        let reOffer = try offerAB(registry, now: 10, toTag: "B", media: moved)
        #expect(reOffer.streams == offer.streams)
        #expect(!reOffer.createdCall)
        #expect(plane.allocations == 2)
        let aStream = try #require(answer.streams[0])
        #expect(plane.plans[aStream.id]?.remoteRTP == moved)

        // A re-INVITE from the callee: its SDP goes to A, so it carries A's leg.
        let fromCallee = try registry.offer(OfferAnswer(callID: "c1", fromTag: "B", toTag: "A",
                                                        medias: [audio(bAddress)]), now: t(20))
        #expect(fromCallee.streams == answer.streams)
        #expect(plane.allocations == 2)
        registry.delete(callID: "c1", selector: .party(tag: "A"), delay: 0, now: t(30))
        #expect(plane.portsInUse == 0)
    }

    @Test func deleteByCalleeTagEndsATwoPartyCall() throws {
        let (registry, plane) = make()
        _ = try offerAB(registry)
        _ = try answerB(registry)
        #expect(registry.canDelete(callID: "c1", selector: .party(tag: "B")))
        #expect(!registry.canDelete(callID: "c1", selector: .party(tag: "nobody")))
        #expect(registry.delete(callID: "c1", selector: .party(tag: "nobody"), delay: 0, now: t(2)) == .notFound)
        #expect(registry.delete(callID: "other", selector: .call, delay: 0, now: t(2)) == .notFound)
        #expect(plane.portsInUse == 4)
        #expect(registry.delete(callID: "c1", selector: .party(tag: "B"), delay: 0, now: t(2)) == .deleted(callEnded: true))
        #expect(registry.call("c1") == nil)
        #expect(plane.portsInUse == 0)
    }

    @Test func deleteOfOneBranchKeepsTheOthers() throws {
        let (registry, plane) = make()
        let v1 = try offerAB(registry, via: "V1")
        let v2 = try offerAB(registry, via: "V2")
        #expect(registry.delete(callID: "c1", selector: .branch(fromTag: "A", viaBranch: "V1"), delay: 0, now: t(1))
                == .deleted(callEnded: false))
        let call = try #require(registry.call("c1"))
        #expect(call.monologues[v1.recipient] == nil)
        #expect(call.monologues[v2.recipient] != nil)
        #expect(plane.portsInUse == 4)
        let aStream = try #require(call.monologue(tag: "A")?.medias[0].stream)
        #expect(plane.plans[aStream.id]?.sink == v2.streams[0]?.id)
        // Serial forking: the next branch is answered normally.
        _ = try answerB(registry, tag: "B2", now: 2, via: "V2")
        #expect(registry.call("c1")?.monologue(tag: "B2")?.id == v2.recipient)
        registry.delete(callID: "c1", selector: .call, delay: 0, now: t(3))
        #expect(plane.portsInUse == 0)
    }

    @Test func dialogueDeleteFallsBackToFromTagWhenUnanswered() throws {
        let (registry, plane) = make()
        _ = try offerAB(registry)
        #expect(registry.delete(callID: "c1", selector: .dialogue(fromTag: "A", toTag: "B"), delay: 0, now: t(1))
                == .deleted(callEnded: true))
        #expect(plane.portsInUse == 0)
    }

    @Test func delayedDeleteIsCancelledByANewOffer() throws {
        let (registry, plane) = make()
        _ = try offerAB(registry)
        _ = try answerB(registry)
        #expect(registry.delete(callID: "c1", selector: .party(tag: "A"), delay: 30, now: t(2)) == .scheduled(at: t(32)))
        #expect(registry.tick(now: t(12)).isEmpty)
        #expect(plane.portsInUse == 4)
        _ = try offerAB(registry, now: 13, toTag: "B")
        #expect(registry.tick(now: t(40)).isEmpty)
        #expect(registry.call("c1") != nil)
        // Whole-call delay is cancelled the same way.
        registry.delete(callID: "c1", selector: .call, delay: 30, now: t(41))
        _ = try answerB(registry, now: 42)
        #expect(registry.tick(now: t(80)).isEmpty)
        #expect(registry.call("c1") != nil)
        registry.delete(callID: "c1", selector: .call, delay: 0, now: t(81))
        #expect(plane.portsInUse == 0)
    }

    @Test func delayedDeleteExpiresOnTick() throws {
        let (registry, plane) = make()
        _ = try offerAB(registry)
        _ = try answerB(registry)
        registry.delete(callID: "c1", selector: .party(tag: "B"), delay: 30, now: t(2))
        #expect(registry.tick(now: t(31.9)).isEmpty)
        #expect(plane.portsInUse == 4)
        let events = registry.tick(now: t(32))
        #expect(events == [CallEndEvent(callID: "c1", reason: .deleted, at: t(32), duration: 32)])
        #expect(registry.call("c1") == nil)
        #expect(plane.portsInUse == 0)
    }

    @Test func mediaTimeoutFollowsTheLastPacket() throws {
        let (registry, plane) = make(CallRegistryConfiguration(mediaTimeout: 60))
        _ = try offerAB(registry)
        let answer = try answerB(registry)
        let aStream = try #require(answer.streams[0])
        plane.setCounters(aStream.id) { $0.lastPacket = t(50) }
        #expect(registry.tick(now: t(61)).isEmpty)
        #expect(registry.tick(now: t(109.9)).isEmpty)
        let events = registry.tick(now: t(110))
        #expect(events.map(\.reason) == [.mediaTimeout])
        #expect(registry.counters.mediaTimeouts == 1)
        #expect(plane.portsInUse == 0)
    }

    @Test func answeredCallWithNoPacketAtAllTimesOut() throws {
        let (registry, plane) = make(CallRegistryConfiguration(mediaTimeout: 60))
        _ = try offerAB(registry)
        _ = try answerB(registry, now: 1)
        #expect(registry.tick(now: t(60.9)).isEmpty)
        #expect(registry.tick(now: t(61)).map(\.reason) == [.mediaTimeout])
        #expect(plane.portsInUse == 0)
    }

    @Test func callOnHoldBothWaysUsesTheSilentTimeout() throws {
        let (registry, plane) = make(CallRegistryConfiguration(mediaTimeout: 60, silentTimeout: 600))
        _ = try offerAB(registry)
        _ = try answerB(registry, now: 1)
        var inactive = audio(aAddress)
        inactive.sends = false
        inactive.receives = false
        _ = try registry.offer(OfferAnswer(callID: "c1", fromTag: "A", toTag: "B", medias: [inactive]), now: t(2))
        var bInactive = audio(bAddress)
        bInactive.sends = false
        bInactive.receives = false
        _ = try registry.answer(OfferAnswer(callID: "c1", fromTag: "A", toTag: "B", medias: [bInactive]), now: t(3))
        #expect(registry.tick(now: t(300)).isEmpty)
        #expect(registry.tick(now: t(603)).map(\.reason) == [.silentTimeout])
        #expect(registry.counters.silentTimeouts == 1)
        #expect(plane.portsInUse == 0)
    }

    @Test func oneWayMediaStillUsesTheMediaTimeout() throws {
        let (registry, plane) = make(CallRegistryConfiguration(mediaTimeout: 60, silentTimeout: 600))
        _ = try offerAB(registry)
        var recvOnly = audio(bAddress)
        recvOnly.sends = false
        _ = try registry.answer(OfferAnswer(callID: "c1", fromTag: "A", toTag: "B", medias: [recvOnly]), now: t(1))
        #expect(registry.tick(now: t(61)).map(\.reason) == [.mediaTimeout])
        #expect(plane.portsInUse == 0)
    }

    @Test func unansweredCallEndsAtTheOfferTimeoutNotTheMediaTimeout() throws {
        let (registry, plane) = make(CallRegistryConfiguration(mediaTimeout: 60, offerTimeout: 3600))
        _ = try offerAB(registry)
        #expect(registry.tick(now: t(120)).isEmpty)
        #expect(registry.tick(now: t(3599)).isEmpty)
        #expect(registry.tick(now: t(3600)).map(\.reason) == [.offerTimeout])
        #expect(registry.counters.offerTimeouts == 1)
        #expect(plane.portsInUse == 0)
    }

    @Test func outOfPortsDestroysTheNewCallWithoutLeaks() throws {
        let plane = FakeMediaPlane()
        plane.failAfterStreams = 1
        let (registry, _) = make(plane: plane)
        #expect(throws: CallRegistryError.outOfPorts) { try offerAB(registry) }
        #expect(registry.call("c1") == nil)
        #expect(plane.portsInUse == 0)
        #expect(plane.allocations == 1 && plane.releases.count == 1)
        #expect(registry.counters.failedSessions == 1 && registry.counters.totalSessions == 0)
    }

    @Test func outOfPortsOnAReOfferDestroysTheCall() throws {
        let plane = FakeMediaPlane()
        let (registry, _) = make(plane: plane)
        _ = try offerAB(registry)
        _ = try answerB(registry)
        plane.failAfterStreams = 2
        #expect(throws: CallRegistryError.outOfPorts) {
            try registry.offer(OfferAnswer(callID: "c1", fromTag: "A", toTag: "B",
                                           medias: [audio(aAddress), audio(aAddress)]), now: t(5))
        }
        #expect(registry.call("c1") == nil)
        #expect(plane.portsInUse == 0)
        #expect(registry.tick(now: t(6)).map(\.reason) == [.failed])
    }

    @Test func realPortExhaustionInTheFakeRangeIsReportedToo() throws {
        let plane = FakeMediaPlane(pairCount: 3)
        let (registry, _) = make(plane: plane)
        _ = try registry.offer(OfferAnswer(callID: "x", fromTag: "A", medias: [audio(aAddress)]), now: t(0))
        #expect(throws: CallRegistryError.outOfPorts) {
            try registry.offer(OfferAnswer(callID: "y", fromTag: "A", medias: [audio(aAddress)]), now: t(0))
        }
        #expect(plane.portsInUse == 4)
        #expect(registry.callIDs() == ["x"])
        registry.shutdown(now: t(1))
        #expect(plane.portsInUse == 0)
    }

    @Test func maxSessionsRefusesNewCallsButNotReOffers() throws {
        let (registry, plane) = make(CallRegistryConfiguration(maxSessions: 1))
        _ = try offerAB(registry)
        #expect(throws: CallRegistryError.sessionLimit) {
            try registry.offer(OfferAnswer(callID: "c2", fromTag: "X", medias: [audio(aAddress)]), now: t(1))
        }
        #expect(plane.allocations == 2)
        _ = try offerAB(registry, now: 2)
        #expect(registry.counters.rejectedSessions == 1)
        registry.delete(callID: "c1", selector: .call, delay: 0, now: t(3))
        _ = try registry.offer(OfferAnswer(callID: "c2", fromTag: "X", medias: [audio(aAddress)]), now: t(4))
        registry.shutdown(now: t(5))
        #expect(plane.portsInUse == 0)
    }

    @Test func answerForAnUnknownCallOrTagIsRefused() throws {
        let (registry, plane) = make()
        #expect(throws: CallRegistryError.unknownCallID) { try answerB(registry) }
        _ = try offerAB(registry)
        #expect(throws: CallRegistryError.unknownTag) {
            try registry.answer(OfferAnswer(callID: "c1", fromTag: "Z", toTag: "B", medias: [audio(bAddress)]), now: t(1))
        }
        #expect(plane.allocations == 2)
        registry.shutdown(now: t(2))
        #expect(plane.portsInUse == 0)
    }

    @Test func rejectedMediaBindsNoPorts() throws {
        let (registry, plane) = make()
        let offer = try registry.offer(OfferAnswer(callID: "c1", fromTag: "A",
                                                   medias: [audio(aAddress), audio(nil, rejected: true)]), now: t(0))
        #expect(offer.streams.count == 2)
        #expect(offer.streams[0] != nil && offer.streams[1] == nil)
        #expect(plane.portsInUse == 4)
        // The answerer rejecting the first media releases it on both legs.
        let answer = try registry.answer(OfferAnswer(callID: "c1", fromTag: "A", toTag: "B",
                                                     medias: [audio(nil, rejected: true), audio(nil, rejected: true)]),
                                         now: t(1))
        #expect(answer.streams == [nil, nil])
        #expect(plane.portsInUse == 0)
        registry.shutdown(now: t(2))
    }

    @Test func ipv6OfferBindsTheCallerLegOnIPv6AndAddressFamilyPicksTheCalleeLeg() throws {
        let plane = FakeMediaPlane(interfaces: [MediaInterface(name: "v4", localAddress: "203.0.113.5"),
                                                MediaInterface(name: "v6", localAddress: "2001:db8::5")])
        let (registry, _) = make(plane: plane)
        let offer = try registry.offer(OfferAnswer(callID: "c1", fromTag: "A",
                                                   medias: [audio(Endpoint(address: "2001:db8::10", port: 4000))],
                                                   recipientFamily: .ipv4), now: t(0))
        #expect(offer.streams[0]?.localAddress == "203.0.113.5")
        let a = try #require(registry.call("c1")?.monologue(tag: "A")?.medias[0].stream)
        #expect(a.localAddress == "2001:db8::5")
        registry.shutdown(now: t(1))
        #expect(plane.portsInUse == 0)
    }

    @Test func listIsOldestFirstAndLimited() throws {
        let (registry, plane) = make()
        for (i, id) in ["c1", "c2", "c3"].enumerated() {
            _ = try registry.offer(OfferAnswer(callID: id, fromTag: "A", medias: [audio(aAddress)]), now: t(Double(i)))
        }
        #expect(registry.callIDs() == ["c1", "c2", "c3"])
        #expect(registry.callIDs(limit: 2) == ["c1", "c2"])
        #expect(registry.callIDs(limit: 0) == [])
        let events = registry.shutdown(now: t(5))
        #expect(events.count == 3 && events.allSatisfy { $0.reason == .shutdown })
        #expect(plane.portsInUse == 0)
    }
}
