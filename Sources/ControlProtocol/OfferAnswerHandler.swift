import RTPWire

/// `offer` and `answer`: checks the mandatory keys in rtpengine's order, analyses the SDP into the
/// registry's terms, lets the registry bind ports and plan streams, and rewrites the SDP with the
/// recipient's leg (ng-protocol §3, §4, §6, §8).
struct OfferAnswerHandler {
    let registry: CallRegistry
    let configuration: EngineConfiguration

    func offer(_ request: NGRequest, now: MonotonicInstant) throws(NGError) -> BencodeDictionary {
        let (callID, fromTag, session) = try validate(request, isOffer: true)
        let options = rewriteOptions(request)
        if options.loopProtect, session.carriesLoopProtection(instanceID: configuration.instanceID) {
            // Our own SDP came back through the SBC: hand it back untouched and bind nothing.
            return reply(sdp: session.serialized())
        }

        var medias: [PartyMedia] = []
        var egress: [RTCPMuxOutput] = []
        for media in session.media {
            let decision = RTCPMuxPolicy.decide(options: request.rtcpMux, sdpHasMux: media.offersRTCPMux, isOffer: true)
            medias.append(partyMedia(media, session: session, request: request, rtcpMux: decision.ingressMux))
            egress.append(decision.egress)
        }
        var signal = signal(request, callID: callID, fromTag: fromTag, medias: medias)
        signal.recipientRTCPMuxOnly = request.rtcpMux.contains("require")
        let result: OfferAnswerResult
        do throws(CallRegistryError) {
            result = try registry.offer(signal, now: now)
        } catch {
            throw OfferAnswerHandler.ngError(error)
        }
        // Codec negotiation (§8.3) only when the request asks for it: otherwise the codecs pass as they came.
        let codecs = negotiateOffer(session, request: request, result: result)
        return try rewrite(session, result: result, egress: egress, request: request, options: options,
                           isOffer: true, codecs: codecs, now: now)
    }

    func answer(_ request: NGRequest, now: MonotonicInstant) throws(NGError) -> BencodeDictionary {
        let (callID, fromTag, session) = try validate(request, isOffer: false)
        let options = rewriteOptions(request)
        if options.loopProtect, session.carriesLoopProtection(instanceID: configuration.instanceID) {
            return reply(sdp: session.serialized())
        }
        let medias = session.media.map {
            partyMedia($0, session: session, request: request, rtcpMux: $0.offersRTCPMux)
        }
        let result: OfferAnswerResult
        do throws(CallRegistryError) {
            result = try registry.answer(signal(request, callID: callID, fromTag: fromTag, medias: medias), now: now)
        } catch {
            throw OfferAnswerHandler.ngError(error)
        }
        // rtcp-mux towards the offerer: accepted only if it was taken from the offerer at offer time
        // (RFC 5761 §5.1.1: never answer mux that was not offered).
        let call = registry.call(callID)
        let offerer = call?.monologues[result.recipient]
        let answerer = call?.monologues[result.sender]
        var egress: [RTCPMuxOutput] = []
        for (i, media) in session.media.enumerated() {
            let offererMux = (offerer?.medias.indices.contains(i) ?? false) ? offerer?.medias[i].declared?.rtcpMux ?? false : false
            let required = (answerer?.medias.indices.contains(i) ?? false) ? answerer?.medias[i].stream?.rtcpMux ?? false : false
            egress.append(RTCPMuxPolicy.decide(options: request.rtcpMux, sdpHasMux: media.offersRTCPMux, isOffer: false,
                                               offererMuxAccepted: offererMux, egressWasRequired: required).egress)
        }
        let codecs = negotiateAnswer(session, result: result)
        return try rewrite(session, result: result, egress: egress, request: request, options: options,
                           isOffer: false, codecs: codecs, now: now)
    }

    /// §3 in rtpengine's order: SDP, call-id, from-tag, (answer) to-tag, then the SDP must parse.
    private func validate(_ request: NGRequest, isOffer: Bool) throws(NGError) -> (String, String, SDPSession) {
        guard let sdp = request.sdpBytes ?? request.sdp.map({ Array($0.utf8) }), !sdp.isEmpty else { throw .noSDP }
        guard let callID = request.callID, !callID.isEmpty else { throw .noCallID }
        guard let fromTag = request.fromTag, !fromTag.isEmpty else { throw .noFromTag }
        if !isOffer {
            guard let toTag = request.toTag, !toTag.isEmpty else { throw .noToTag }
        }
        do throws(SDPError) {
            return (callID, fromTag, try SDPSession(parsingBytes: sdp))
        } catch {
            throw error.ngErrorReason == NGError.sdpIncomplete.reason ? .sdpIncomplete : .sdpParse
        }
    }

    /// One m= line in the registry's terms. The address the party receives on is the SDP's, unless
    /// `media address` overrides it or flag `SIP source address` says to use `received-from` (§8.5).
    private func partyMedia(_ media: SDPMedia, session: SDPSession, request: NGRequest, rtcpMux: Bool) -> PartyMedia {
        let direction = media.direction(session: session)
        let firstType = media.payloadTypes.first
        var crypto: [SDESCrypto] = []
        var refused: [SDESCryptoError] = []
        for attribute in media.attributes where attribute.name == "crypto" {
            do throws(SDESCryptoError) {
                crypto.append(try SDESCrypto.usable(parsing: Substring(attribute.value ?? "")))
            } catch {
                refused.append(error)
            }
        }
        return PartyMedia(
            type: media.type,
            transportProtocol: media.proto,
            remoteRTP: overridden(media.remoteRTP(session: session), request: request),
            remoteRTCP: overridden(media.remoteRTCP(session: session), request: request),
            rtcpMux: rtcpMux,
            payloadTypes: media.payloadTypes,
            sends: direction.sends,
            receives: direction.receives,
            codec: firstType.flatMap { media.rtpmaps[$0] },
            rejected: media.isRejected,
            crypto: crypto,
            refusedCrypto: refused)
    }

    private func overridden(_ endpoint: Endpoint?, request: NGRequest) -> Endpoint? {
        guard var endpoint else { return nil }
        if let address = request.mediaAddress, !address.isEmpty {
            endpoint.address = address
        } else if request.flags.contains("sip source address"), let source = request.receivedFrom, !source.isEmpty {
            endpoint.address = source
        }
        return endpoint
    }

    private func signal(_ request: NGRequest, callID: String, fromTag: String, medias: [PartyMedia]) -> OfferAnswer {
        let flags = request.flags
        let policy = StreamPolicy(learning: request.endpointLearning, strictSource: flags.contains("strict source"),
                                  mediaHandover: flags.contains("media handover"), asymmetric: flags.contains("asymmetric"))
        // `direction` names logical interfaces; names the media plane does not have (e.g. the legacy
        // `internal`/`external`) fall back to the default interface instead of failing the call.
        let known = Set(registry.mediaPlane.interfaces.map(\.name))
        let interfaces = request.direction.map { known.contains($0) ? $0 : nil }
        let profile = request.transportProtocol.flatMap { $0.lowercased() == "accept" ? nil : $0 }
        var ignored: [String] = []
        return OfferAnswer(
            callID: callID, fromTag: fromTag, toTag: request.toTag.flatMap { $0.isEmpty ? nil : $0 },
            viaBranch: request.viaBranch.flatMap { $0.isEmpty ? nil : $0 }, medias: medias, policy: policy,
            newBranch: flags.contains("new branch"),
            senderInterface: interfaces.first ?? nil,
            recipientInterface: interfaces.count > 1 ? interfaces[1] : nil,
            recipientFamily: request.addressFamily,
            recipientTransportProtocol: profile,
            label: request.label ?? request.setLabel,
            sdes: SDESOptions(entries: request.sdes, flags: request.flags, warnings: &ignored))
    }

    private func rewriteOptions(_ request: NGRequest) -> SDPRewriteOptions {
        let replace = request.replace
        return SDPRewriteOptions(
            replaceOrigin: replace.contains("origin") || replace.contains("origin full"),
            replaceSessionName: replace.contains("session name"),
            replaceUsername: replace.contains("username"),
            replaceSDPVersion: replace.contains("sdp version") || replace.contains("origin full"),
            forceIncrementSDPVersion: replace.contains("force increment sdp ver"),
            ice: request.ice.flatMap { ICEMode(rawValue: $0.replacingSpaces(with: "-")) } ?? .defaultMode,
            originalSendrecv: request.flags.contains("original sendrecv"),
            noRTCPAttribute: request.flags.contains("no rtcp attribute"),
            fullRTCPAttribute: request.flags.contains("full rtcp attribute"),
            loopProtect: request.flags.contains("loop protect"),
            instanceID: configuration.instanceID)
    }

    private func rewrite(_ session: SDPSession, result: OfferAnswerResult, egress: [RTCPMuxOutput],
                         request: NGRequest, options: SDPRewriteOptions, isOffer: Bool,
                         codecs: [SDPCodecOutput?] = [], now: MonotonicInstant) throws(NGError) -> BencodeDictionary {
        var options = options
        let recipient = registry.call(result.callID)?.monologues[result.recipient]
        options.previousOrigin = recipient?.sentOrigin.flatMap { try? SDPOrigin(parsing: Substring($0)) }
        options.previousSessionName = recipient?.sentSessionName
        let profile = request.transportProtocol.flatMap { $0.lowercased() == "accept" ? nil : $0 }
        let plans = zip(result.streams, egress).enumerated().map { i, pair in
            let media = (recipient?.medias.indices.contains(i) ?? false) ? recipient?.medias[i] : nil
            // An answer goes back with the offerer's own profile (RTP/AVP offerer, RTP/SAVP answerer).
            let section = session.media[i]
            guard section.isRTP else { return SDPMediaPlan(local: pair.0, rtcpMux: pair.1) }
            let proto = isOffer ? profile : (profile ?? media?.transportProtocol)
            var crypto: [SDESCrypto] = []
            if let media, SDESNegotiation.isSDES(proto ?? section.proto) {
                // Offer: every line the relay offers; answer: the one line it accepted from the offerer.
                crypto = isOffer ? media.sdes.offered : (media.sdes.local.map { [$0] } ?? [])
            }
            return SDPMediaPlan(local: pair.0, rtcpMux: pair.1, transportProtocol: proto, crypto: crypto,
                                codecs: codecs.indices.contains(i) ? codecs[i] : nil)
        }
        let output: SDPSession
        do throws(SDPError) {
            output = try SDPRewriter.rewrite(session, media: plans, options: options)
        } catch {
            // Nothing usable goes back, so a call this request created must not keep its ports.
            if result.createdCall { registry.delete(callID: result.callID, selector: .call, delay: 0, now: now) }
            throw .sdpRewrite
        }
        registry.recordSentSDP(callID: result.callID, to: result.recipient, origin: output.origin.text,
                               sessionName: output.sessionName)
        return reply(sdp: output.serialized())
    }

    private func reply(sdp: String) -> BencodeDictionary {
        ["sdp": .text(sdp), "result": "ok"]
    }

    /// The one place mapping registry failures to ng errors.
    static func ngError(_ error: CallRegistryError) -> NGError {
        switch error {
        case .unknownCallID: return .unknownCallID
        // An answer naming no party of the call: for the SBC the dialogue is as unknown as the call.
        case .unknownTag: return .unknownCallID
        case .sessionLimit: return .parallelSessionLimit
        // A bind failure means no ports here either: the SBC should try the next relay.
        case .outOfPorts, .mediaPlane(.socketFailure): return .ranOutOfPorts
        case .mediaPlane(.noSuchInterface(let name)): return .other("No such interface: \(name)")
        case .mediaPlane(.outOfPorts): return .ranOutOfPorts
        case .noUsableCrypto: return .other("No usable SDES crypto suite (a=crypto) in RTP/SAVP media")
        case .cryptoNotOffered: return .other("SDES answer a=crypto does not match an offered crypto suite")
        case .keyGeneration: return .other("Failed to generate SRTP keys")
        }
    }
}

private extension String {
    /// `force relay` → `force-relay` (NGRequest canonicalises ICE values with spaces).
    func replacingSpaces(with separator: Character) -> String {
        String(map { $0 == " " ? separator : $0 })
    }
}
