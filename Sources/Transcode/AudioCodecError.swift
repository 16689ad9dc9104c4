/// Why a codec call could not produce output. Hostile payloads are never an error (they are
/// concealed); these are configuration and buffer-sizing mistakes of the caller, plus library refusals.
public enum AudioCodecError: Error, Equatable, Sendable {
    /// The PCM or payload buffer passed in cannot hold the result.
    case outputTooSmall(needed: Int, available: Int)
    /// `encode` got a sample count that is not a frame size the codec can encode.
    case invalidFrameSize(samples: Int)
    /// A parameter the codec does not support (rate, complexity, bitrate, frame duration).
    case unsupportedParameter(String)
    /// The C library refused: its own error code (e.g. an `OPUS_*` constant).
    case library(code: Int32)
}
