/// The codecs the relay's transcoder (Sources/Transcode) can decode and encode, as SDP formats.
/// Negotiation only adds, or transcodes to, these; anything else (G722, AMR-WB…) can still pass
/// through untouched when both sides chose it.
public enum TranscodableCodecs {
    /// One entry: the rtpmap encoding, the static payload type if RFC 3551 gives one, and the fmtp
    /// the relay writes when it offers the codec itself.
    struct Entry {
        var name: String
        var clockRate: Int
        var channels: Int
        var staticType: UInt8?
        var fmtp: String?
    }

    static let entries: [Entry] = [
        Entry(name: "PCMU", clockRate: 8000, channels: 1, staticType: 0),
        Entry(name: "PCMA", clockRate: 8000, channels: 1, staticType: 8),
        // bcg729 is used without Annex B (no VAD/CNG), so the relay says so (RFC 4856 default is yes).
        Entry(name: "G729", clockRate: 8000, channels: 1, staticType: 18, fmtp: "annexb=no"),
        // RFC 7587: always 48000/2 in SDP whatever the actual audio bandwidth.
        Entry(name: "opus", clockRate: 48000, channels: 2),
    ]

    /// telephone-event clocks the transcoder can map between (RFC 4733 events rescaled 8 ↔ 48 kHz).
    static let dtmfClockRates: Set<Int> = [8000, 48000]

    /// Whether the transcoder handles `format` (telephone-event at a supported clock counts).
    public static func canTranscode(_ format: CodecFormat) -> Bool {
        if format.isDTMF { return dtmfClockRates.contains(format.clockRate) }
        return entries.contains { entry in
            format.name?.lowercased() == entry.name.lowercased() && format.clockRate == entry.clockRate
                && format.channels == entry.channels
        }
    }

    /// The format the relay offers for a `transcode` spec (without payload type yet), nil when the
    /// transcoder does not know the codec or the spec's clock/channels contradict it.
    static func entry(for spec: CodecSpec) -> Entry? {
        guard case .named(let name) = spec.kind else { return nil }
        return entries.first { entry in
            entry.name.lowercased() == name.lowercased()
                && (spec.clockRate ?? entry.clockRate) == entry.clockRate
                && (spec.channels ?? entry.channels) == entry.channels
        }
    }
}
