/// What one leg of a media actually carries after the answer: the codec (with this leg's payload
/// type and fmtp), its packetisation time, and its telephone-event format if DTMF crosses it.
public struct CodecLeg: Sendable, Hashable {
    public var codec: CodecFormat
    /// Milliseconds of audio per packet on this leg (a=ptime, the `ptime` option, else 20).
    public var ptime: Int
    /// RFC 4733 telephone-event on this leg, at this leg's clock; nil when DTMF does not cross.
    public var dtmf: CodecFormat?
    /// Encoder bitrate asked for by a `transcode` spec (`opus/48000/2/32000`); nil for the default.
    public var bitrate: Int?

    public init(codec: CodecFormat, ptime: Int, dtmf: CodecFormat? = nil, bitrate: Int? = nil) {
        self.codec = codec
        self.ptime = ptime
        self.dtmf = dtmf
        self.bitrate = bitrate
    }
}

/// The negotiated codecs of one media between an offerer and an answerer, as the media plane
/// needs them: both legs and whether the relay must decode and re-encode between them.
public struct CodecPlan: Sendable, Hashable {
    public var offerer: CodecLeg
    public var answerer: CodecLeg
    /// The two legs chose different codecs: audio is decoded and re-encoded (userspace only).
    public var transcode: Bool

    public init(offerer: CodecLeg, answerer: CodecLeg, transcode: Bool) {
        self.offerer = offerer
        self.answerer = answerer
        self.transcode = transcode
    }

    /// Same codec but different ptime: frames must be regrouped (no decoding for G.711; the
    /// transcoder still handles it).
    public var repacketize: Bool { offerer.ptime != answerer.ptime }

    /// DTMF crosses and its clock or payload type differs between the legs (8 kHz ↔ 48 kHz events
    /// need their timestamps and durations rescaled).
    public var mapsDTMF: Bool {
        guard let a = offerer.dtmf, let b = answerer.dtmf else { return false }
        return a.clockRate != b.clockRate || a.payloadType != b.payloadType
    }
}
