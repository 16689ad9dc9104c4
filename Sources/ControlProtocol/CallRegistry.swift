import RTPWire

/// All calls, their parties, media and timers (ng-protocol §9). Pure: time is passed in, and the only
/// side effects are calls into the `MediaPlane` given at init (bind, plan, release). Single-threaded:
/// the engine serialises every request and tick.
///
/// Legs: each party (monologue) owns one stream per m= line — the relay ports *that party* sends to
/// and is sent from. So the SDP of an offer from A goes to B carrying the ports of B's leg, and the
/// answer going back to A carries A's leg. A packet from A arrives on A's stream and leaves through
/// the sink, B's stream, towards B's address.
public final class CallRegistry {
    public let mediaPlane: any MediaPlane
    public var configuration: CallRegistryConfiguration
    /// Where the relay's SRTP master keys come from (a CSPRNG).
    public let keySource: any SRTPKeySource
    public private(set) var counters = RegistryCounters()

    private var calls: [String: Call] = [:]
    private var nextGroup: UInt64 = 1
    private var nextMonologue: UInt64 = 1
    /// Calls that ended outside `tick` (immediate deletes, failures), reported by the next `tick`.
    private var endedSinceTick: [CallEndEvent] = []
    /// Told about every call that ends, with a snapshot taken while its counters still exist (call records).
    public var endObserver: (any CallEndObserver)?

    public init(mediaPlane: any MediaPlane, configuration: CallRegistryConfiguration = CallRegistryConfiguration(),
                keySource: any SRTPKeySource = URandomKeySource()) {
        self.mediaPlane = mediaPlane
        self.configuration = configuration
        self.keySource = keySource
    }

    // MARK: Reading

    /// Number of calls held (including those waiting for a delayed delete).
    public var currentSessions: Int { calls.count }

    /// A snapshot of one call.
    public func call(_ callID: String) -> Call? { calls[callID] }

    /// Call-ids, oldest first.
    public func callIDs(limit: Int = .max) -> [String] {
        calls.values.sorted { ($0.created, $0.group.rawValue) < ($1.created, $1.group.rawValue) }
            .prefix(max(0, limit)).map(\.callID)
    }

    // MARK: Offer / answer

    /// Processes an offer from `request.fromTag`. Returns the recipient's leg streams, to advertise
    /// in the SDP sent to the recipient. A retransmission must be filtered before (reply cache):
    /// a second identical offer is a re-offer and keeps every port.
    public func offer(_ request: OfferAnswer, now: MonotonicInstant) throws(CallRegistryError) -> OfferAnswerResult {
        let created: Bool
        var call: Call
        // The call is taken out of the table while it changes, so its storage stays unique and is changed in place
        // (a copy left in the table made the first write copy the monologues and their media arrays). Only a
        // request that SDES negotiation may refuse after the call began changing keeps the original to restore.
        var original: Call?
        if let existing = calls.removeValue(forKey: request.callID) {
            if CallRegistry.mayBeRefusedMidway(request, isOffer: true) { original = existing }
            call = existing
            created = false
        } else {
            if let limit = configuration.maxSessions, calls.count >= limit {
                counters.rejectedSessions &+= 1
                throw .sessionLimit
            }
            call = Call(callID: request.callID, group: MediaGroupID(rawValue: nextGroup), created: now)
            nextGroup &+= 1
            created = true
        }

        let sender = partyForTag(request.fromTag, in: &call, now: now)
        let recipient = offerRecipient(of: sender, request: request, in: &call, now: now)
        if request.viaBranch != nil { call.forked = true }
        if let label = request.label { call.modify(sender) { $0.label = label } }

        do throws(CallRegistryError) {
            try negotiate(request, sender: sender, recipient: recipient, in: &call, now: now, isNew: created, isOffer: true)
        } catch {
            // A new call was never in the table: a refused one simply does not appear.
            if !created { restore(original ?? call, after: error) }
            throw error
        }
        let streams = (call.monologues[recipient]?.medias ?? []).prefix(request.medias.count).map(\.stream)
        calls[request.callID] = call
        if created { counters.totalSessions &+= 1 }
        return OfferAnswerResult(callID: request.callID, sender: sender, recipient: recipient,
                                 streams: Array(streams), createdCall: created)
    }

    /// Processes an answer: `request.fromTag` is the offerer, `request.toTag` the answerer whose SDP
    /// this is. Returns the offerer's leg streams, to advertise in the SDP sent back to the offerer.
    public func answer(_ request: OfferAnswer, now: MonotonicInstant) throws(CallRegistryError) -> OfferAnswerResult {
        guard calls[request.callID] != nil else { throw .unknownCallID }
        // Out of the table while it changes, as in `offer`.
        var call = calls.removeValue(forKey: request.callID)!
        var request = request
        if call.tags[request.fromTag] == nil, let toTag = request.toTag, call.tags[toTag] != nil {
            // Tags the wrong way round (a client that does not swap them for an answer in an ACK):
            // the known tag is the offerer's, and the unknown one is the answerer naming itself.
            request.toTag = request.fromTag
            request.fromTag = toTag
        }
        guard let offerer = call.tags[request.fromTag] else {
            calls[request.callID] = call
            throw .unknownTag
        }
        let original = CallRegistry.mayBeRefusedMidway(request, isOffer: false) ? call : nil
        let answerer: MonologueID
        do throws(CallRegistryError) {
            // Throws before it changes anything.
            answerer = try answeringParty(for: offerer, request: request, in: &call, now: now)
        } catch {
            calls[request.callID] = call
            throw error
        }
        if let label = request.label { call.modify(answerer) { $0.label = label } }
        call.answered = true

        do throws(CallRegistryError) {
            try negotiate(request, sender: answerer, recipient: offerer, in: &call, now: now, isNew: false, isOffer: false)
        } catch {
            restore(original ?? call, after: error)
            throw error
        }
        let streams = (call.monologues[offerer]?.medias ?? []).prefix(request.medias.count).map(\.stream)
        calls[request.callID] = call
        return OfferAnswerResult(callID: request.callID, sender: answerer, recipient: offerer,
                                 streams: Array(streams), createdCall: false)
    }

    /// Whether SDES negotiation may refuse `request` after `negotiate` began changing the call (the only refusal
    /// that must leave the call as it was; a media-plane failure destroys the call instead). Only SDES profiles
    /// negotiate crypto: the sender's, and for an offer the profile presented to the recipient.
    private static func mayBeRefusedMidway(_ request: OfferAnswer, isOffer: Bool) -> Bool {
        if isOffer, let profile = request.recipientTransportProtocol, SDESNegotiation.isSDES(profile) { return true }
        return request.medias.contains { SDESNegotiation.isSDES($0.transportProtocol) }
    }

    /// After `negotiate` failed on a call taken out of the table: a refusal puts the original back (the untouched
    /// copy kept when `mayBeRefusedMidway` said so); a media-plane failure has destroyed the call (and released its
    /// ports), so nothing goes back.
    private func restore(_ original: Call, after error: CallRegistryError) {
        switch error {
        case .outOfPorts, .mediaPlane: return
        default: calls[original.callID] = original
        }
    }

    /// The party with `tag`, created if the call has none.
    private func partyForTag(_ tag: String, in call: inout Call, now: MonotonicInstant) -> MonologueID {
        if let id = call.tags[tag] { return id }
        let id = newMonologue(tag: tag, viaBranch: nil, in: &call, now: now)
        return id
    }

    private func newMonologue(tag: String?, viaBranch: String?, in call: inout Call, now: MonotonicInstant) -> MonologueID {
        let id = MonologueID(rawValue: nextMonologue)
        nextMonologue &+= 1
        call.monologues[id] = Monologue(id: id, tag: tag, viaBranch: viaBranch, created: now)
        if let tag { call.tags[tag] = id }
        if let viaBranch { call.branches[viaBranch] = id }
        return id
    }

    /// §9.2: the known to-tag's party; else the untagged party of this via-branch (created per
    /// branch when forking); else, for a re-offer without to-tag, the sender's current peer.
    private func offerRecipient(of sender: MonologueID, request: OfferAnswer, in call: inout Call,
                                now: MonotonicInstant) -> MonologueID {
        if let toTag = request.toTag, let id = call.tags[toTag], id != sender { return id }
        if let via = request.viaBranch {
            if let id = call.branches[via], id != sender {
                if let toTag = request.toTag, call.monologues[id]?.tag == nil { bind(tag: toTag, to: id, in: &call) }
                return id
            }
            let id = newMonologue(tag: nil, viaBranch: via, in: &call, now: now)
            if let toTag = request.toTag, call.tags[toTag] == nil { bind(tag: toTag, to: id, in: &call) }
            return id
        }
        if let toTag = request.toTag {
            // Unknown to-tag (late offer in a 200 OK: the "to" party is the original caller).
            if let id = untaggedPeer(of: sender, in: call) {
                bind(tag: toTag, to: id, in: &call)
                return id
            }
            return newMonologue(tag: toTag, viaBranch: nil, in: &call, now: now)
        }
        if let peer = call.monologues[sender]?.activePeer, call.monologues[peer] != nil { return peer }
        if let id = untaggedPeer(of: sender, in: call) { return id }
        return newMonologue(tag: nil, viaBranch: nil, in: &call, now: now)
    }

    /// §9.2: the to-tag's party; else the untagged party of the via-branch or the newest untagged
    /// peer, now named; else (every peer already named: forking) a new branch when the offer was
    /// forked or flag `new branch` says so, otherwise an alias of the party already answering.
    private func answeringParty(for offerer: MonologueID, request: OfferAnswer, in call: inout Call,
                                now: MonotonicInstant) throws(CallRegistryError) -> MonologueID {
        guard let toTag = request.toTag else { throw .unknownTag }
        if let id = call.tags[toTag] {
            guard id != offerer else { throw .unknownTag }
            return id
        }
        if let via = request.viaBranch, let id = call.branches[via], id != offerer, call.monologues[id]?.tag == nil {
            bind(tag: toTag, to: id, in: &call)
            return id
        }
        if let id = untaggedPeer(of: offerer, in: call) {
            bind(tag: toTag, to: id, in: &call)
            return id
        }
        let peers = call.monologues[offerer]?.peers ?? []
        if !peers.isEmpty, !(request.newBranch || call.forked),
           let existing = call.monologues[offerer]?.activePeer ?? peers.max() {
            call.tags[toTag] = existing
            call.modify(existing) { $0.aliases.append(toTag) }
            return existing
        }
        return newMonologue(tag: toTag, viaBranch: nil, in: &call, now: now)
    }

    private func untaggedPeer(of id: MonologueID, in call: Call) -> MonologueID? {
        (call.monologues[id]?.peers ?? []).filter { call.monologues[$0]?.tag == nil }.max()
    }

    private func bind(tag: String, to id: MonologueID, in call: inout Call) {
        call.modify(id) { $0.tag = tag }
        call.tags[tag] = id
    }

    /// The common part of offer and answer: link the two parties, record what the sender declared,
    /// bind missing ports on both legs, and hand both legs their plans.
    private func negotiate(_ request: OfferAnswer, sender: MonologueID, recipient: MonologueID, in call: inout Call,
                           now: MonotonicInstant, isNew: Bool, isOffer: Bool) throws(CallRegistryError) {
        call.lastSignal = now
        // Re-associating the tags cancels a pending delete (CANCEL/BYE races, serial forking).
        call.deletion = nil
        // The latest signal decides where each side's media goes (forking: the last answer wins).
        call.modify(sender) {
            $0.deletion = nil
            $0.peers.insert(recipient)
            $0.activePeer = recipient
        }
        call.modify(recipient) {
            $0.deletion = nil
            $0.peers.insert(sender)
            $0.activePeer = sender
        }
        // An offer sets both legs' policy; an answer can add protection (strict source…) or name a
        // learning mode but not silently drop what the offer asked for: Kamailio scripts often pass
        // the flags to rtpengine_offer only.
        for party in [sender, recipient] {
            guard let current = call.monologues[party]?.policy else { continue }
            let policy = isOffer ? request.policy : StreamPolicy(
                learning: request.policy.learning ?? current.learning,
                strictSource: current.strictSource || request.policy.strictSource,
                mediaHandover: current.mediaHandover || request.policy.mediaHandover,
                asymmetric: current.asymmetric || request.policy.asymmetric)
            call.modify(party) { $0.policy = policy }
        }

        let senderFamily = request.medias.lazy.compactMap(\.remoteRTP).first?.family ?? .ipv4
        choosePlacement(of: sender, interface: request.senderInterface, family: senderFamily, in: &call)
        choosePlacement(of: recipient, interface: request.recipientInterface,
                        family: request.recipientFamily ?? senderFamily, in: &call)

        let count = request.medias.count
        resizeMedias(of: sender, to: count, like: request.medias, in: &call)
        resizeMedias(of: recipient, to: count, like: request.medias, in: &call)
        for (i, media) in request.medias.enumerated() {
            call.modify(sender) {
                $0.medias[i].declared = media
                $0.medias[i].type = media.type
                $0.medias[i].transportProtocol = media.transportProtocol
            }
            call.modify(recipient) { $0.medias[i].type = media.type }
            // The profile presented to the recipient: the requested one, else (offers) the sender's.
            // A requested RTP profile does not apply to non-RTP media (T.38 `udptl`, `TCP/MSRP`).
            let requested = SDPMedia.isRTPProfile(media.transportProtocol) ? request.recipientTransportProtocol : nil
            if let profile = requested ?? (isOffer ? media.transportProtocol : nil) {
                call.modify(recipient) { $0.medias[i].transportProtocol = profile }
            }
        }

        // Before any port is bound: a refused crypto negotiation leaves the call as it was.
        try negotiateSDES(request, sender: sender, recipient: recipient, in: &call, isOffer: isOffer)

        do throws(MediaPlaneError) {
            for (i, media) in request.medias.enumerated() {
                if media.rejected {
                    // Port 0 from the sender disables the m= line on both legs.
                    releaseStream(of: sender, media: i, in: &call)
                    releaseStream(of: recipient, media: i, in: &call)
                    continue
                }
                // The recipient's leg first: on a fresh relay the first offer then advertises the
                // first port of the range, as rtpengine's replies do.
                try ensureStream(of: recipient, media: i, rtcpMuxOnly: request.recipientRTCPMuxOnly, in: &call)
                try ensureStream(of: sender, media: i, rtcpMuxOnly: false, in: &call)
            }
        } catch {
            // §3: the call is destroyed, so no port of it leaks.
            let failed = call
            calls[failed.callID] = nil
            let captured = isNew ? nil : endObserver?.capture(failed, now: now)
            release(failed)
            if isNew {
                counters.failedSessions &+= 1
            } else {
                let event = record(end: failed, reason: .failed, now: now)
                if let captured { endObserver?.callEnded(captured, event: event) }
            }
            throw error == .outOfPorts ? .outOfPorts : .mediaPlane(error)
        }

        applyPlans(of: sender, force: true, in: &call)
        applyPlans(of: recipient, force: true, in: &call)
        for peer in (call.monologues[sender]?.peers ?? []).union(call.monologues[recipient]?.peers ?? [])
        where peer != sender && peer != recipient {
            applyPlans(of: peer, force: false, in: &call)
        }
    }

    /// SDES per m= line (SDESNegotiation): the sender's leg is answered (offer) or its answer accepted;
    /// the recipient of an offer gets the relay's own lines if its profile is RTP/SAVP(F).
    private func negotiateSDES(_ request: OfferAnswer, sender: MonologueID, recipient: MonologueID,
                               in call: inout Call, isOffer: Bool) throws(CallRegistryError) {
        for (i, media) in request.medias.enumerated() {
            counters.droppedCryptoLines &+= UInt64(media.refusedCrypto.count)
            guard let current = call.monologues[sender]?.medias[i].sdes else { continue }
            if media.rejected {
                call.modify(sender) { $0.medias[i].sdes = SDESLegState() }
                call.modify(recipient) { $0.medias[i].sdes = SDESLegState() }
                continue
            }
            let senderUsesSDES = SDESNegotiation.isSDES(media.transportProtocol)
            if !senderUsesSDES {
                call.modify(sender) { $0.medias[i].sdes = SDESLegState() }
            } else if isOffer {
                let sdes = try SDESNegotiation.answer(
                    offerer: media, current: current, options: request.sdes, source: keySource)
                call.modify(sender) { $0.medias[i].sdes = sdes }
            } else {
                let sdes = try SDESNegotiation.accept(answer: media, current: current)
                call.modify(sender) { $0.medias[i].sdes = sdes }
            }
            guard isOffer, let target = call.monologues[recipient]?.medias[i] else { continue }
            if SDESNegotiation.isSDES(target.transportProtocol) {
                let sdes = try SDESNegotiation.offer(
                    to: target.sdes, offererSuites: senderUsesSDES ? media.crypto.map(\.suite) : nil,
                    options: request.sdes, source: keySource)
                call.modify(recipient) { $0.medias[i].sdes = sdes }
            } else {
                call.modify(recipient) { $0.medias[i].sdes.offered = [] }
            }
        }
    }

    /// Interface and family are chosen once, when the party's first port is bound.
    private func choosePlacement(of id: MonologueID, interface: String?, family: AddressFamily, in call: inout Call) {
        guard let party = call.monologues[id], party.family == nil else { return }
        var family = family
        let interfaces = mediaPlane.interfaces
        if let interface, let named = interfaces.first(where: { $0.name == interface }) {
            family = named.family
        } else if !interfaces.isEmpty, !interfaces.contains(where: { $0.family == family }) {
            // No interface of the wanted family: fall back to what exists rather than fail the call.
            family = interfaces[0].family
        }
        call.modify(id) {
            $0.interface = interface
            $0.family = family
        }
    }

    private func resizeMedias(of id: MonologueID, to count: Int, like medias: [PartyMedia], in call: inout Call) {
        guard let existing = call.monologues[id]?.medias.count else { return }
        if existing > count {
            for i in count..<existing { releaseStream(of: id, media: i, in: &call) }
            call.modify(id) { $0.medias.removeLast(existing - count) }
        } else if existing < count {
            for i in existing..<count {
                let media = CallMedia(index: i + 1, type: medias[i].type, transportProtocol: medias[i].transportProtocol)
                call.modify(id) { $0.medias.append(media) }
            }
        }
    }

    private func ensureStream(of id: MonologueID, media i: Int, rtcpMuxOnly: Bool,
                              in call: inout Call) throws(MediaPlaneError) {
        guard let party = call.monologues[id], party.medias[i].stream == nil else { return }
        let request = StreamAllocationRequest(group: call.group, interface: party.interface,
                                              family: party.family ?? .ipv4, rtcpMux: rtcpMuxOnly)
        let stream = try mediaPlane.allocate(request)
        // Stored before the next allocation, so a later failure releases it with the call.
        call.modify(id) { $0.medias[i].stream = stream }
    }

    private func releaseStream(of id: MonologueID, media i: Int, in call: inout Call) {
        guard let stream = call.monologues[id]?.medias[i].stream else { return }
        mediaPlane.release(stream.id)
        call.modify(id) {
            $0.medias[i].stream = nil
            $0.medias[i].plan = nil
            $0.medias[i].sdes = SDESLegState()
        }
    }

    /// Computes each stream's plan (sink: the active peer's stream of the same m= line; remote: what
    /// this party declared) and hands it over. `force` re-sends unchanged plans, which re-arms
    /// learning after a signal; otherwise only changed plans are sent.
    private func applyPlans(of id: MonologueID, force: Bool, in call: inout Call) {
        guard let party = call.monologues[id] else { return }
        let peer = party.activePeer.flatMap { call.monologues[$0] }
        for (i, media) in party.medias.enumerated() {
            guard let stream = media.stream else { continue }
            let declared = media.declared
            let sink = (peer?.medias.indices.contains(i) ?? false) ? peer?.medias[i].stream?.id : nil
            let plan = StreamPlan(
                sink: sink,
                remoteRTP: declared?.remoteRTP,
                remoteRTCP: declared?.remoteRTCP,
                // A single-port leg (rtcp-mux `require`) carries RTCP on the RTP port whatever the SDP said.
                rtcpMux: (declared?.rtcpMux ?? false) || stream.rtcpMux,
                learning: party.policy.learning ?? configuration.defaultLearning,
                learningWindow: configuration.learningWindow,
                strictSource: party.policy.strictSource,
                mediaHandover: party.policy.mediaHandover,
                asymmetric: party.policy.asymmetric,
                payloadTypes: declared?.payloadTypes ?? [],
                receiveEnabled: declared?.sends ?? true,
                inboundSRTP: media.sdes.isActive ? media.sdes.remote?.keying : nil,
                outboundSRTP: media.sdes.isActive ? media.sdes.local?.keying : nil,
                clockRate: Self.clockRate(of: declared?.codec),
                transcode: media.transcode)
            if force || media.plan != plan {
                mediaPlane.update(stream.id, plan: plan)
                call.modify(id) { $0.medias[i].plan = plan }
            }
        }
    }

    /// The RTP clock of a party's first codec (`PCMA/8000`, `opus/48000/2`), for the media plane's jitter and MOS;
    /// 8000 when unknown (rtpengine's assumption too).
    static func clockRate(of codec: String?) -> Int {
        guard let codec else { return 8000 }
        let parts = codec.split(separator: "/")
        guard parts.count >= 2, let rate = Int(parts[1]), rate > 0, rate <= 1_000_000 else { return 8000 }
        return rate
    }

    /// Remembers the `o=`/`s=` of the SDP just sent to `party`.
    public func recordSentSDP(callID: String, to party: MonologueID, origin: String, sessionName: String) {
        guard let index = calls.index(forKey: callID) else { return }
        calls.values[index].modify(party) {
            $0.sentOrigin = origin
            $0.sentSessionName = sessionName
        }
    }

    // MARK: Codec negotiation (CodecNegotiation: the handler negotiates, the registry keeps the result)

    /// Remembers what was offered for media `i` of `offerer`; a new offer forgets the previous plan
    /// on both sides until its answer.
    public func recordCodecOffer(callID: String, offerer: MonologueID, recipient: MonologueID, media i: Int,
                                 offer: CodecOffer?) {
        // Out of the table while it changes (see `offer`).
        guard var call = calls.removeValue(forKey: callID) else { return }
        for party in [offerer, recipient] where call.monologues[party]?.medias.indices.contains(i) == true {
            call.modify(party) {
                $0.medias[i].codecPlan = nil
                $0.medias[i].codecLeg = nil
            }
        }
        if call.monologues[offerer]?.medias.indices.contains(i) == true {
            call.modify(offerer) { $0.medias[i].codecOffer = offer }
        }
        calls[callID] = call
    }

    /// Stores the plan of media `i` on both parties, each with its own leg (nil clears it).
    public func recordCodecPlan(callID: String, offerer: MonologueID, answerer: MonologueID, media i: Int,
                                plan: CodecPlan?) {
        guard var call = calls.removeValue(forKey: callID) else { return }
        if call.monologues[offerer]?.medias.indices.contains(i) == true {
            call.modify(offerer) {
                $0.medias[i].codecPlan = plan
                $0.medias[i].codecLeg = plan?.offerer
            }
        }
        if call.monologues[answerer]?.medias.indices.contains(i) == true {
            call.modify(answerer) {
                $0.medias[i].codecPlan = plan
                $0.medias[i].codecLeg = plan?.answerer
            }
        }
        // The media plane learns the outcome now: the answer's own plans went out before negotiation ran.
        for party in [offerer, answerer] where call.monologues[party]?.medias.indices.contains(i) == true {
            let leg = call.monologues[party]?.medias[i].codecLeg
            let transcode = leg.flatMap { plan?.streamTranscode(receivingFrom: $0) }
            call.modify(party) { $0.medias[i].transcode = transcode }
        }
        applyPlans(of: offerer, force: false, in: &call)
        applyPlans(of: answerer, force: false, in: &call)
        calls[callID] = call
    }

    // MARK: Delete

    /// Whether `delete` would find something (so the engine can render final stats first).
    public func canDelete(callID: String, selector: DeleteSelector) -> Bool {
        guard let call = calls[callID] else { return false }
        return target(of: selector, in: call) != nil
    }

    /// §9.4. `delay` 0 (or less) deletes now; otherwise the target is marked and `tick` destroys it.
    @discardableResult
    public func delete(callID: String, selector: DeleteSelector, delay: Double, now: MonotonicInstant) -> DeleteOutcome {
        guard var call = calls[callID], let target = target(of: selector, in: call) else { return .notFound }
        if delay > 0 {
            let at = now.adding(seconds: delay)
            switch target {
            case .call: call.deletion = at
            case .party(let id, let cascade): call.modify(id) { $0.deletion = PendingDeletion(at: at, cascade: cascade) }
            }
            calls[callID] = call
            return .scheduled(at: at)
        }
        switch target {
        case .call:
            end(callID, reason: .deleted, now: now)
            return .deleted(callEnded: true)
        case .party(let id, let cascade):
            // Taken before `remove` releases the ports: if the call ends, its record needs the counters.
            let captured = endObserver?.capture(call, now: now)
            remove(id, cascade: cascade, in: &call)
            if call.monologues.isEmpty {
                calls[callID] = call
                end(callID, reason: .deleted, now: now, captured: captured)
                return .deleted(callEnded: true)
            }
            calls[callID] = call
            return .deleted(callEnded: false)
        }
    }

    private enum DeleteTarget { case call, party(MonologueID, cascade: Bool) }

    private func target(of selector: DeleteSelector, in call: Call) -> DeleteTarget? {
        switch selector {
        case .call:
            return .call
        case .party(let tag):
            return call.tags[tag].map { .party($0, cascade: true) }
        case .branch(let fromTag, let via):
            if let id = call.branches[via], call.monologues[id] != nil, call.tags[fromTag] != id {
                return .party(id, cascade: false)
            }
            // No such branch (the delete names another transaction's branch, e.g. a BYE): the party.
            return call.tags[fromTag].map { .party($0, cascade: true) }
        case .dialogue(let fromTag, let toTag):
            if let id = call.tags[toTag] { return .party(id, cascade: true) }
            return call.tags[fromTag].map { .party($0, cascade: true) }
        }
    }

    /// Removes one party: releases its ports, unlinks it, re-points its peers; with `cascade`, the
    /// peers left with no counterpart go too (in a two-party call: the whole call).
    private func remove(_ id: MonologueID, cascade: Bool, in call: inout Call) {
        guard let party = call.monologues[id] else { return }
        for stream in party.streams { mediaPlane.release(stream.id) }
        call.monologues[id] = nil
        call.tags = call.tags.filter { $0.value != id }
        call.branches = call.branches.filter { $0.value != id }
        var orphans: [MonologueID] = []
        for peerID in party.peers.sorted() where call.monologues[peerID] != nil {
            call.modify(peerID) { $0.peers.remove(id) }
            if call.monologues[peerID]?.activePeer == id {
                let next = call.monologues[peerID]?.peers.max()
                call.modify(peerID) { $0.activePeer = next }
            }
            if call.monologues[peerID]?.peers.isEmpty == true { orphans.append(peerID) }
        }
        if cascade {
            for orphan in orphans { remove(orphan, cascade: true, in: &call) }
        }
        for peerID in party.peers.sorted() where call.monologues[peerID] != nil {
            applyPlans(of: peerID, force: false, in: &call)
        }
    }

    // MARK: Timers

    /// Runs delayed deletes and the media/offer timeouts. Returns every call that ended since the
    /// last tick (including immediate deletes and failed offers), and why.
    public func tick(now: MonotonicInstant) -> [CallEndEvent] {
        for callID in calls.keys.sorted() {
            guard var call = calls[callID] else { continue }
            if let at = call.deletion, at <= now {
                end(callID, reason: .deleted, now: now)
                continue
            }
            let due = call.orderedMonologues.filter { ($0.deletion?.at).map { $0 <= now } ?? false }
            if !due.isEmpty {
                let captured = endObserver?.capture(call, now: now)
                for party in due where call.monologues[party.id] != nil {
                    remove(party.id, cascade: party.deletion?.cascade ?? true, in: &call)
                }
                calls[callID] = call
                if call.monologues.isEmpty {
                    end(callID, reason: .deleted, now: now, captured: captured)
                    continue
                }
            }
            if call.answered {
                let lastActivity = max(call.lastSignal, lastPacket(of: call) ?? call.lastSignal)
                let silent = !expectsMedia(call)
                let limit = silent ? configuration.silentTimeout : configuration.mediaTimeout
                if now.seconds(since: lastActivity) >= limit {
                    end(callID, reason: silent ? .silentTimeout : .mediaTimeout, now: now)
                }
            } else if now.seconds(since: call.lastSignal) >= configuration.offerTimeout {
                end(callID, reason: .offerTimeout, now: now)
            }
        }
        let events = endedSinceTick
        endedSinceTick = []
        return events
    }

    /// Whether any party said it sends on a media that has ports (if not, silence is expected).
    private func expectsMedia(_ call: Call) -> Bool {
        call.monologues.values.contains { party in
            party.medias.contains { $0.stream != nil && ($0.declared?.sends ?? true) }
        }
    }

    /// The latest packet seen on any stream of the call.
    public func lastPacket(of call: Call) -> MonotonicInstant? {
        call.streams.compactMap { mediaPlane.counters($0.id)?.lastPacket }.max()
    }

    /// Ends every call, releasing all ports.
    @discardableResult
    public func shutdown(now: MonotonicInstant) -> [CallEndEvent] {
        for callID in calls.keys.sorted() { end(callID, reason: .shutdown, now: now) }
        let events = endedSinceTick
        endedSinceTick = []
        return events
    }

    /// `captured`: the observer's snapshot taken before some ports of the call were already released.
    private func end(_ callID: String, reason: CallEndReason, now: MonotonicInstant, captured: CallSnapshot? = nil) {
        guard let call = calls.removeValue(forKey: callID) else { return }
        let snapshot = captured ?? endObserver?.capture(call, now: now)
        release(call)
        let event = record(end: call, reason: reason, now: now)
        if let snapshot { endObserver?.callEnded(snapshot, event: event) }
    }

    private func release(_ call: Call) {
        for stream in call.streams { mediaPlane.release(stream.id) }
    }

    @discardableResult
    private func record(end call: Call, reason: CallEndReason, now: MonotonicInstant) -> CallEndEvent {
        switch reason {
        case .deleted: counters.deletedSessions &+= 1
        case .mediaTimeout: counters.mediaTimeouts &+= 1
        case .silentTimeout: counters.silentTimeouts &+= 1
        case .offerTimeout: counters.offerTimeouts &+= 1
        case .failed: counters.failedSessions &+= 1
        case .shutdown: counters.shutdownSessions &+= 1
        }
        let duration = max(0, now.seconds(since: call.created))
        counters.endedCalls &+= 1
        counters.endedCallSeconds += duration
        let event = CallEndEvent(callID: call.callID, reason: reason, at: now, duration: duration)
        endedSinceTick.append(event)
        return event
    }
}
