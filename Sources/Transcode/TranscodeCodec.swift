import RTPWire

/// The codec on one side of a transcoding pipeline. A closed set, so the per-packet call is a switch
/// over concrete types rather than a protocol existential (style.md, hot path).
///
/// One instance may serve both directions of one call, decoding what that side sends and encoding what
/// it receives: encoder and decoder states are independent, and both directions run on the call's worker.
public enum TranscodeCodec {
    case g711(G711Codec)
    case g729(G729Codec)
    case opus(OpusCodec)

    /// The encodings the transcoder handles.
    public enum Kind: String, CaseIterable, Sendable {
        case pcmu = "PCMU"
        case pcma = "PCMA"
        case g729 = "G729"
        case opus = "opus"

        /// Recognises a negotiated codec by its SDP encoding name and clock rate.
        public init(_ descriptor: CodecDescriptor) throws(TranscodeError) {
            let name = descriptor.encodingName.lowercased()
            switch (name, descriptor.clockRate) {
            case ("pcmu", 8000): self = .pcmu
            case ("pcma", 8000): self = .pcma
            case ("g729", 8000), ("g729a", 8000): self = .g729
            case ("opus", 48000): self = .opus
            default: throw .unsupportedCodec("\(descriptor.encodingName)/\(descriptor.clockRate)")
            }
        }

        /// 8 kHz audio: a pipeline touching one runs at 8 kHz, and Opus with it (architecture.md).
        public var isNarrowband: Bool { self != .opus }

        /// The descriptor with this kind's usual payload type (Opus on 96).
        public func descriptor(ptime: Int = 20) -> CodecDescriptor {
            switch self {
            case .pcmu: .pcmu(ptime: ptime)
            case .pcma: .pcma(ptime: ptime)
            case .g729: .g729(ptime: ptime)
            case .opus: .opus(ptime: ptime)
            }
        }
    }

    /// Tuning that is not negotiated in SDP.
    public struct Options: Sendable, Hashable {
        /// libopus encoder complexity 0...10; 5 costs about half of 10 (architecture.md).
        public var opusComplexity: Int
        public init(opusComplexity: Int = 5) { self.opusComplexity = opusComplexity }
    }

    /// Creates the codec state for `descriptor` with PCM at `pcmRate` (8000, or 48000 for Opus on both sides).
    public init(_ descriptor: CodecDescriptor, pcmRate: Int, options: Options = Options()) throws(TranscodeError) {
        do {
            switch try Kind(descriptor) {
            case .pcmu: self = .g711(try G711Codec(law: .uLaw))
            case .pcma: self = .g711(try G711Codec(law: .aLaw))
            case .g729:
                // RFC 4856: Annex B is allowed unless fmtp says annexb=no; we only send SID/no-transmit
                // frames when it is announced explicitly, so a peer that cannot take them never sees them.
                let annexB = descriptor.fmtpValue("annexb")?.lowercased() == "yes"
                // 10 ms: loss is concealed one G.729 frame at a time.
                self = .g729(try G729Codec(annexB: annexB, frameDuration: 10))
            case .opus:
                var bitrate: Int? = nil
                if let text = descriptor.fmtpValue("maxaveragebitrate"), let value = Int(text) {
                    bitrate = min(510_000, max(6000, value))
                }
                let fec = descriptor.fmtpValue("useinbandfec") == "1"
                self = .opus(try OpusCodec(.init(sampleRate: pcmRate, frameDuration: 20, complexity: options.opusComplexity,
                                                 bitrate: bitrate, fec: fec)))
            }
        } catch let error as TranscodeError {
            throw error
        } catch let error as AudioCodecError {
            throw .codec(error)
        } catch {
            throw .unsupportedCodec(descriptor.encodingName)
        }
    }

    /// See `AudioCodec.decode`: an empty payload conceals one frame.
    @inline(__always)
    func decode(_ payload: UnsafeRawBufferPointer, into pcm: UnsafeMutableBufferPointer<Int16>) throws(AudioCodecError) -> Int {
        switch self {
        case .g711(let c): try c.decode(payload, into: pcm)
        case .g729(let c): try c.decode(payload, into: pcm)
        case .opus(let c): try c.decode(payload, into: pcm)
        }
    }

    /// Encodes one output packet; `opusFrameSamples` splits an Opus packet into frames of that length.
    @inline(__always)
    func encode(_ pcm: UnsafeBufferPointer<Int16>, into out: UnsafeMutableRawBufferPointer, opusFrameSamples: Int) throws(AudioCodecError) -> Int {
        switch self {
        case .g711(let c): try c.encode(pcm, into: out)
        case .g729(let c): try c.encode(pcm, into: out)
        case .opus(let c): try c.encode(pcm, framesOf: opusFrameSamples, into: out)
        }
    }

    /// A new source started: drop decoder history where the library allows it (libopus; bcg729 has no reset).
    func resetDecoder() {
        if case .opus(let c) = self { c.resetDecoder() }
    }

    /// PCM rate of this codec instance.
    var sampleRate: Int {
        switch self {
        case .g711(let c): c.sampleRate
        case .g729(let c): c.sampleRate
        case .opus(let c): c.sampleRate
        }
    }

    /// Bytes of library state behind this instance, where the library reports it (libopus does; bcg729
    /// and the stateless G.711 report 0).
    public var libraryStateBytes: Int {
        switch self {
        case .opus: OpusCodec.monoStateBytes.encoder + OpusCodec.monoStateBytes.decoder
        case .g711, .g729: 0
        }
    }
}
