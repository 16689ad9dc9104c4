import RTPWire

/// From a negotiated `CodecPlan` to what the media plane runs per stream (`StreamTranscode`), so the
/// media plane never sees SDP formats.
extension CodecPlan {
    /// Whether the relay must touch the audio at all: a codec change, a ptime change, or DTMF whose
    /// payload type or clock differs. Otherwise the call is relayed byte for byte (no cost added).
    public var needsMediaWork: Bool { transcode || repacketize || mapsDTMF }

    /// What the stream of the party on `leg` does with what that party sends: re-encode it into the other
    /// leg's format. nil when no media work is needed.
    public func streamTranscode(receivingFrom leg: CodecLeg) -> StreamTranscode? {
        guard needsMediaWork else { return nil }
        let other = leg == offerer ? answerer : offerer
        return StreamTranscode(input: leg.descriptor(encoder: false), output: other.descriptor(encoder: true),
                               inputEvents: leg.dtmf.map { $0.descriptor(ptime: leg.ptime) },
                               outputEvents: other.dtmf.map { $0.descriptor(ptime: other.ptime) })
    }
}

extension CodecLeg {
    /// This leg's codec as the media plane describes it. The encoder side also carries a `transcode`
    /// spec's bitrate (`opus/48000/2/32000`) as `maxaveragebitrate` unless the receiver already asked for one.
    func descriptor(encoder: Bool) -> CodecDescriptor {
        var descriptor = codec.descriptor(ptime: ptime)
        if encoder, let bitrate, descriptor.fmtpValue("maxaveragebitrate") == nil {
            descriptor.fmtp = descriptor.fmtp.isEmpty ? "maxaveragebitrate=\(bitrate)"
                : descriptor.fmtp + ";maxaveragebitrate=\(bitrate)"
        }
        return descriptor
    }
}

extension CodecFormat {
    /// Several `a=fmtp` lines for one type are joined as one parameter list.
    func descriptor(ptime: Int) -> CodecDescriptor {
        CodecDescriptor(encodingName: name ?? "", clockRate: clockRate, channels: channels, payloadType: payloadType,
                        fmtp: fmtp.joined(separator: ";"), ptime: ptime)
    }
}
