/// One audio codec as the transcoder sees it: RTP payload ⇄ mono 16-bit PCM at `sampleRate`.
///
/// The caller owns every buffer: a worker keeps one PCM and one payload scratch buffer and passes
/// them in, so a frame costs no allocation. A codec instance holds per-stream state (predictors,
/// concealment history) and serves exactly one direction of one stream, on one thread at a time.
public protocol AudioCodec {
    /// RTP timestamp rate of the payload format (48000 for Opus whatever its internal rate, RFC 7587).
    var clockRate: Int { get }
    /// Rate of the PCM this instance reads and writes.
    var sampleRate: Int { get }
    /// Nominal frame (packet) duration in milliseconds; concealment produces one such frame.
    var frameDuration: Int { get }
    /// `sampleRate * frameDuration / 1000`.
    var samplesPerFrame: Int { get }

    /// Decodes one RTP payload and returns the number of samples written to `pcm`.
    /// An empty payload means "this packet was lost": the codec writes one frame of concealment.
    /// A corrupt payload is concealed the same way; only a too-small `pcm` is an error.
    func decode(_ payload: UnsafeRawBufferPointer, into pcm: UnsafeMutableBufferPointer<Int16>) throws(AudioCodecError) -> Int

    /// Encodes `pcm` (a whole number of the codec's frames) and returns the payload length in bytes.
    /// Zero bytes is a valid answer for codecs with discontinuous transmission (nothing to send).
    func encode(_ pcm: UnsafeBufferPointer<Int16>, into out: UnsafeMutableRawBufferPointer) throws(AudioCodecError) -> Int
}

extension AudioCodec {
    public var samplesPerFrame: Int { sampleRate * frameDuration / 1000 }
}
