/// Why a transcoding pipeline cannot be built for a codec pair. Raised at negotiation time, never per packet.
public enum TranscodeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// No codec adaptor for this encoding name (or this clock rate / channel count of it).
    case unsupportedCodec(String)
    /// The output side's ptime is not one this codec can packetize.
    case unsupportedPtime(codec: String, milliseconds: Int)
    /// The codec library refused its configuration.
    case codec(AudioCodecError)

    public var description: String {
        switch self {
        case .unsupportedCodec(let name): "no transcoder for codec \(name)"
        case .unsupportedPtime(let codec, let ms): "ptime \(ms) ms not supported for \(codec)"
        case .codec(let error): "codec set-up failed: \(error)"
        }
    }
}
