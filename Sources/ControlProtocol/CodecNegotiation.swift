/// Codec negotiation driven by the ng `codec` options (§8.3) and `ptime` (§6). Pure: SDP formats
/// in, formats and a `CodecPlan` out. Behaviour follows rtpengine 10.5 (fixtures in
/// Tests/ControlProtocolTests/Fixtures/README.md), limited to what the transcoder can do:
///
/// Offer, in this order: `ignore` removes a codec as if never offered; `strip` removes it from the
/// offer and from use; `mask`/`consume` remove it from the offer but keep it usable on the
/// offerer's leg; with `all` as strip/mask, `except` keeps codecs in the offerer's order and
/// `offer` keeps them in the listed order; `transcode` puts a masked codec back in place or adds a
/// codec the transcoder knows (static type if free, else a dynamic type from 96 up) — one it does
/// not know (AMR-WB, iLBC…) is dropped, as the Debian build of rtpengine 10.5 does. A
/// telephone-event whose clock no voice codec of the offer has is dropped, and one is added per
/// clock of an added codec when the offerer's DTMF survives (or `transcode: telephone-event`).
/// Removing every codec leaves the offer unchanged.
///
/// Answer: the answerer's first voice codec is its leg's codec. The offerer's leg takes a
/// `consume`d codec if any, else an `accept`ed one unless the answerer's choice is itself
/// accepted, else the same codec if the offerer has it (no transcoding), else the offerer's first
/// codec the transcoder knows. The answer sent back lists only the offerer's own formats.
public enum CodecNegotiation {
    /// The offer: what to send on and what to remember. `ptime` is the ng option.
    public static func offer(_ original: [CodecFormat], options: NGCodecOptions, ptime: Int?,
                             offererPtime: Int?) -> CodecOffer {
        let ignore = CodecSpec.list(options.ignore)
        let strip = CodecSpec.list(options.strip)
        let mask = CodecSpec.list(options.mask) + CodecSpec.list(options.consume)
        let ordered = CodecSpec.list(options.offer)
        let except = CodecSpec.list(options.except)
        let transcode = CodecSpec.list(options.transcode)

        let formats = original.filter { !CodecSpec.any(ignore, matches: $0) }
        let exempt = { (f: CodecFormat) in CodecSpec.any(ordered, matches: f) || CodecSpec.any(except, matches: f) }
        let stripAll = strip.contains(where: \.isAll)
        let maskAll = mask.contains(where: \.isAll)
        let stripped = { (f: CodecFormat) in
            CodecSpec.any(strip.filter { !$0.isAll }, matches: f) || (stripAll && !exempt(f))
        }
        let masked = { (f: CodecFormat) in
            CodecSpec.any(mask.filter { !$0.isAll }, matches: f) || (maskAll && !exempt(f))
        }
        // rtpengine 10.5: `mask: [PCMA], transcode: [PCMA]` keeps PCMA where it was.
        var kept = formats.filter { !stripped($0) && (!masked($0) || CodecSpec.any(transcode, matches: $0)) }
        let reordered = (stripAll || maskAll) && !ordered.isEmpty
        if reordered {
            var first: [CodecFormat] = []
            for spec in ordered { first += kept.filter { spec.matches($0) && !first.contains($0) } }
            kept = first + kept.filter { !first.contains($0) }
        }
        var usable = formats.filter { !stripped($0) }
        if !usable.contains(where: { !$0.isDTMF }) { usable = formats }

        var used = Set(original.map(\.payloadType))
        func nextType(preferring preferred: UInt8?) -> UInt8? {
            if let preferred, used.insert(preferred).inserted { return preferred }
            for type in UInt8(96)...127 where used.insert(type).inserted { return type }
            return nil
        }
        var added: [CodecFormat] = []
        var bitrates: [UInt8: Int] = [:]
        var wantsDTMF = false
        for spec in transcode {
            if case .named(let name) = spec.kind, name.lowercased() == "telephone-event" {
                wantsDTMF = true
                continue
            }
            guard let entry = TranscodableCodecs.entry(for: spec) else { continue }
            let probe = CodecFormat(payloadType: 0, encoding: encoding(entry.name, entry.clockRate, entry.channels))
            if (kept + added).contains(where: { $0.isSameCodec(as: probe) }) { continue }
            if let own = original.first(where: { $0.isSameCodec(as: probe) }) {
                // Stripped or ignored, then asked for: it comes back with the offerer's own type and fmtp.
                added.append(own)
                if let bitrate = spec.bitrate { bitrates[own.payloadType] = bitrate }
                continue
            }
            guard let type = nextType(preferring: entry.staticType) else { break }
            var format = probe
            format.payloadType = type
            format.fmtp = (spec.fmtp ?? entry.fmtp).map { [$0] } ?? []
            if let bitrate = spec.bitrate { bitrates[type] = bitrate }
            added.append(format)
        }

        var keptVoice = kept.filter { !$0.isDTMF }
        var keptDTMF = kept.filter(\.isDTMF)
        if keptVoice.isEmpty && added.isEmpty {
            // Nothing would be left: rtpengine sends the offer on unchanged rather than an empty m=.
            keptVoice = formats.filter { !$0.isDTMF }
            keptDTMF = formats.filter(\.isDTMF)
            usable = formats
        }
        let voice = keptVoice + added
        let hadDTMF = !keptDTMF.isEmpty || wantsDTMF
        // RFC 4733 §2.1: an event stream runs at its voice codec's clock; one with no such codec is useless.
        keptDTMF = keptDTMF.filter { event in voice.contains { $0.clockRate == event.clockRate } }
        var addedDTMF: [CodecFormat] = []
        if hadDTMF {
            let clocks = (wantsDTMF ? voice : added).map(\.clockRate)
            var seen = Set(keptDTMF.map(\.clockRate))
            for clock in clocks where TranscodableCodecs.dtmfClockRates.contains(clock) && seen.insert(clock).inserted {
                guard let type = nextType(preferring: nil) else { break }
                addedDTMF.append(CodecFormat(payloadType: type, encoding: "telephone-event/\(clock)", fmtp: ["0-15"]))
            }
        }
        let sent = keptVoice + added + addedDTMF + keptDTMF
        // Options that remove and add nothing (`accept`, `consume` of an absent codec) keep the m= line as it was.
        let changed = reordered || Set(sent.map(\.payloadType)) != Set(original.map(\.payloadType))
        return CodecOffer(usable: usable, sent: changed ? sent : original,
                          added: Set((added + addedDTMF).map(\.payloadType)), bitrates: bitrates,
                          consume: CodecSpec.list(options.consume), accept: CodecSpec.list(options.accept),
                          ptime: ptime, offererPtime: offererPtime, changed: changed)
    }

    /// The answer: the formats to send back to the offerer and the plan. Nil when the answer names
    /// no codec the relay can map (the caller then passes the answer through as without options).
    public static func answer(_ offer: CodecOffer, answerer formats: [CodecFormat],
                              answererPtime: Int?) -> (formats: [CodecFormat], plan: CodecPlan)? {
        let offered = { (f: CodecFormat) in
            offer.sent.contains { $0.isSameCodec(as: f) || ($0.name == nil && $0.payloadType == f.payloadType) }
        }
        guard let chosen = formats.first(where: { !$0.isDTMF && offered($0) }) ?? formats.first(where: { !$0.isDTMF })
        else { return nil }
        let voice = offer.usable.filter { !$0.isDTMF }
        let direct = voice.first { $0.isSameCodec(as: chosen) || ($0.name == nil && chosen.name == nil && $0.payloadType == chosen.payloadType) }
        let transcodable = { (f: CodecFormat) in TranscodableCodecs.canTranscode(f) && TranscodableCodecs.canTranscode(chosen) }

        var mine: CodecFormat?
        let consumed = voice.filter { CodecSpec.any(offer.consume, matches: $0) }
        let accepted = voice.filter { CodecSpec.any(offer.accept, matches: $0) }
        if !consumed.isEmpty {
            mine = consumed.first { $0.isSameCodec(as: chosen) } ?? consumed.first(where: transcodable)
        } else if !accepted.isEmpty, !(direct.map { CodecSpec.any(offer.accept, matches: $0) } ?? false) {
            mine = accepted.first(where: transcodable)
        }
        mine = mine ?? direct ?? voice.first(where: transcodable)
        guard let mine else { return nil }
        let transcode = !mine.isSameCodec(as: chosen) && !(mine.name == nil && mine.payloadType == chosen.payloadType)

        let theirDTMF = formats.first { $0.isDTMF && $0.clockRate == chosen.clockRate && offered($0) }
        let myDTMF = theirDTMF == nil ? nil : offer.usable.first { $0.isDTMF && $0.clockRate == mine.clockRate }
        let plan = CodecPlan(
            offerer: CodecLeg(codec: mine, ptime: offer.offererPtime ?? 20, dtmf: myDTMF),
            answerer: CodecLeg(codec: chosen, ptime: offer.ptime ?? answererPtime ?? 20, dtmf: theirDTMF,
                               bitrate: offer.added.contains(chosen.payloadType) ? offer.bitrates[chosen.payloadType] : nil),
            transcode: transcode)

        var back: [CodecFormat] = []
        if transcode {
            back = [mine] + (myDTMF.map { [$0] } ?? [])
        } else {
            // Pass-through: the answerer's list in the offerer's payload types, minus what the relay added.
            for format in formats {
                let match = offer.usable.first { $0.isSameCodec(as: format) } ??
                    offer.usable.first { $0.name == nil && format.name == nil && $0.payloadType == format.payloadType }
                guard let match, !back.contains(where: { $0.payloadType == match.payloadType }) else { continue }
                if format.isDTMF && !voiceClockMatches(format, in: back + [mine]) { continue }
                var answered = format
                answered.payloadType = match.payloadType
                back.append(answered)
            }
        }
        return (back, plan)
    }

    private static func voiceClockMatches(_ event: CodecFormat, in formats: [CodecFormat]) -> Bool {
        formats.contains { !$0.isDTMF && $0.clockRate == event.clockRate }
    }

    private static func encoding(_ name: String, _ clock: Int, _ channels: Int) -> String {
        channels == 1 ? "\(name)/\(clock)" : "\(name)/\(clock)/\(channels)"
    }
}
