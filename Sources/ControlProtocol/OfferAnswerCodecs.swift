/// The codec-negotiation hook of `offer`/`answer`: runs CodecNegotiation per m= line, keeps its
/// result on the call, and says what codec list each rewritten m= line carries (nil: the sender's,
/// untouched — so an offer without `codec`/`ptime` options comes out exactly as before).
extension OfferAnswerHandler {
    func negotiateOffer(_ session: SDPSession, request: NGRequest, result: OfferAnswerResult) -> [SDPCodecOutput?] {
        let active = !request.codec.isEmpty || request.ptime != nil
        return session.media.enumerated().map { i, media in
            // A ptime outside what any packetiser does (RFC 3551 frames are ≤ a few hundred ms) is ignored.
            let ptime = request.ptime.flatMap { (1...1000).contains($0) ? $0 : nil }
            guard active, media.isRTP, !media.isRejected, !media.payloadTypes.isEmpty else {
                registry.recordCodecOffer(callID: result.callID, offerer: result.sender, recipient: result.recipient,
                                          media: i, offer: nil)
                return nil
            }
            let offer = CodecNegotiation.offer(CodecFormat.formats(of: media), options: request.codec,
                                               ptime: ptime, offererPtime: media.ptime)
            registry.recordCodecOffer(callID: result.callID, offerer: result.sender, recipient: result.recipient,
                                      media: i, offer: offer)
            guard offer.changed || ptime != nil else { return nil }
            return SDPCodecOutput(formats: offer.sent, ptime: ptime)
        }
    }

    func negotiateAnswer(_ session: SDPSession, result: OfferAnswerResult) -> [SDPCodecOutput?] {
        let offerer = registry.call(result.callID)?.monologues[result.recipient]
        return session.media.enumerated().map { i, media in
            let offer = (offerer?.medias.indices.contains(i) ?? false) ? offerer?.medias[i].codecOffer : nil
            guard let offer, media.isRTP, !media.isRejected,
                  let (formats, plan) = CodecNegotiation.answer(offer, answerer: CodecFormat.formats(of: media),
                                                                answererPtime: media.ptime)
            else {
                registry.recordCodecPlan(callID: result.callID, offerer: result.recipient, answerer: result.sender,
                                         media: i, plan: nil)
                return nil
            }
            registry.recordCodecPlan(callID: result.callID, offerer: result.recipient, answerer: result.sender,
                                     media: i, plan: plan)
            // The offerer hears its own ptime back when the relay re-encodes or repacketises for it (as 10.5).
            let ptime = offer.ptime != nil || plan.transcode ? offer.offererPtime : nil
            let untouched = !plan.transcode && !offer.changed && offer.ptime == nil
                && formats.map(\.payloadType) == CodecFormat.formats(of: media).map(\.payloadType)
            return untouched ? nil : SDPCodecOutput(formats: formats, ptime: ptime)
        }
    }
}
