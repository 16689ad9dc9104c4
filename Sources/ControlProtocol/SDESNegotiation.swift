import RTPWire

/// SDES offer/answer (RFC 4568 §7) for one leg, as pure functions of what the party said and the
/// leg's current keys. The relay terminates SRTP on every SDES leg: towards an SDES offerer it is the
/// answerer, towards the recipient of an offer it is the offerer, always with its own keys.
///
/// Key stability: the relay's key for a suite is kept across re-offers (so a re-INVITE does not
/// re-key the direction the relay sends in) and replaced only when the suite changes. A peer's new
/// key in a re-INVITE replaces its inbound key.
enum SDESNegotiation {
    /// Profiles that carry SDES keys. DTLS profiles (`UDP/TLS/RTP/SAVP(F)`) key by handshake instead.
    static func isSDES(_ profile: String) -> Bool {
        let upper = profile.uppercased()
        return upper == "RTP/SAVP" || upper == "RTP/SAVPF"
    }

    /// The relay answers an SDES offerer: picks the first offered line it honours (with `prefer`, the
    /// first by the relay's own ranking) and answers it with the same tag, suite and symmetric session
    /// parameters and the relay's own key.
    static func answer(offerer media: PartyMedia, current: SDESLegState, options: SDESOptions,
                       source: any SRTPKeySource) throws(CallRegistryError) -> SDESLegState {
        let candidates = media.crypto.filter { options.allows($0.suite) }
        let chosen: SDESCrypto?
        if options.prefer {
            let ranking = options.ranking
            chosen = candidates.min { (ranking.firstIndex(of: $0.suite) ?? .max) < (ranking.firstIndex(of: $1.suite) ?? .max) }
        } else {
            chosen = candidates.first
        }
        guard let chosen else { throw .noUsableCrypto }
        var local: SDESCrypto
        if let kept = current.local, kept.suite == chosen.suite {
            local = kept
        } else {
            do throws(SDESCryptoError) {
                local = try SDESCrypto.generate(tag: chosen.tag, suite: chosen.suite, source: source)
            } catch {
                throw .keyGeneration(error)
            }
        }
        local.tag = chosen.tag
        local.sessionParameters = chosen.symmetricParameters
        local.lifetime = nil
        local.padded = options.pad
        // Lines offered to this party earlier stay on record so a later offer reuses their keys.
        var state = current
        state.remote = chosen
        state.local = local
        return state
    }

    /// The relay's lines towards the recipient of an offer: tags 1…N over the suites to offer, each with
    /// the key the relay already uses or offered for that suite, else a fresh one. The leg's current
    /// keys stay in force until the recipient answers.
    static func offer(to current: SDESLegState, offererSuites: [SRTPCryptoSuite]?, options: SDESOptions,
                      source: any SRTPKeySource) throws(CallRegistryError) -> SDESLegState {
        var state = current
        state.offered = []
        for (index, suite) in options.suitesToOffer(offererSuites: offererSuites).enumerated() {
            let tag = UInt32(index + 1)
            var line: SDESCrypto
            if let kept = current.local, kept.suite == suite {
                line = kept
            } else if let kept = current.offered.first(where: { $0.suite == suite }) {
                line = kept
            } else {
                do throws(SDESCryptoError) {
                    line = try SDESCrypto.generate(tag: tag, suite: suite, source: source)
                } catch {
                    throw .keyGeneration(error)
                }
            }
            line.tag = tag
            line.sessionParameters = options.offeredParameters
            line.lifetime = options.offeredLifetime
            line.padded = options.pad
            state.offered.append(line)
        }
        return state
    }

    /// A party answers the relay's SDES offer: its first honourable line must name a tag the relay
    /// offered, with the same suite; that offered line becomes the relay's key towards it.
    static func accept(answer media: PartyMedia, current: SDESLegState) throws(CallRegistryError) -> SDESLegState {
        guard let answered = media.crypto.first else {
            if current.offered.isEmpty, media.refusedCrypto.isEmpty {
                // Nothing offered, nothing answered (`SDES off`): the leg stays unkeyed.
                return SDESLegState()
            }
            throw media.refusedCrypto.isEmpty ? .noUsableCrypto : .cryptoNotOffered
        }
        guard let ours = current.offered.first(where: { $0.tag == answered.tag && $0.suite == answered.suite }) else {
            throw .cryptoNotOffered
        }
        var local = ours
        // The declarative parameters the answer carries apply to both directions (RFC 4568 §6.3.2–6.3.4).
        local.sessionParameters = answered.symmetricParameters
        var state = current
        state.remote = answered
        state.local = local
        return state
    }
}
