import CBcg729

/// G.729 (with optional Annex B silence suppression) behind `AudioCodec`, over bcg729.
///
/// RTP payload (RFC 3551 §4.5.6): zero or more 10-byte speech frames, optionally followed by one
/// 2-byte SID (comfort noise) frame; each frame is 10 ms at 8 kHz. The decoder accepts any length:
/// a tail that is neither empty nor a 2-byte SID is treated as one erased frame, and an empty payload
/// (loss) conceals a whole packet.
///
/// Not thread-safe: an instance belongs to the worker that owns the call. It is `@unchecked Sendable`
/// only so the control plane can create it at negotiation time and hand it to that worker.
public final class G729Codec: AudioCodec, @unchecked Sendable {
    /// Samples in one G.729 frame (10 ms at 8 kHz).
    public static let frameSamples = 80
    /// Bytes in one speech frame.
    public static let speechFrameBytes = 10
    /// Bytes in one Annex B SID frame.
    public static let sidFrameBytes = 2

    public var clockRate: Int { 8000 }
    public var sampleRate: Int { 8000 }
    /// Packet duration in ms (a multiple of 10): the amount concealed for a lost packet.
    public let frameDuration: Int
    public let annexB: Bool

    private let encoder: OpaquePointer
    private let decoder: OpaquePointer

    public init(annexB: Bool = false, frameDuration: Int = 20) throws(AudioCodecError) {
        guard frameDuration > 0, frameDuration <= 200, frameDuration % 10 == 0 else {
            throw .unsupportedParameter("G.729 frame duration \(frameDuration) ms")
        }
        guard let enc = initBcg729EncoderChannel(annexB ? 1 : 0) else { throw .library(code: -1) }
        guard let dec = initBcg729DecoderChannel() else {
            closeBcg729EncoderChannel(enc)
            throw .library(code: -1)
        }
        encoder = enc
        decoder = dec
        self.annexB = annexB
        self.frameDuration = frameDuration
    }

    deinit {
        closeBcg729EncoderChannel(encoder)
        closeBcg729DecoderChannel(decoder)
    }

    public func decode(_ payload: UnsafeRawBufferPointer, into pcm: UnsafeMutableBufferPointer<Int16>) throws(AudioCodecError) -> Int {
        let frameSamples = Self.frameSamples
        guard let base = pcm.baseAddress else { throw .outputTooSmall(needed: samplesPerFrame, available: 0) }
        guard let bytes = payload.baseAddress?.assumingMemoryBound(to: UInt8.self), !payload.isEmpty else {
            let frames = frameDuration / 10
            guard pcm.count >= frames * frameSamples else {
                throw .outputTooSmall(needed: frames * frameSamples, available: pcm.count)
            }
            for f in 0..<frames { eraseFrame(into: base + f * frameSamples) }
            return frames * frameSamples
        }
        let speechFrames = payload.count / Self.speechFrameBytes
        let tail = payload.count % Self.speechFrameBytes
        let frames = speechFrames + (tail == 0 ? 0 : 1)
        guard pcm.count >= frames * frameSamples else {
            throw .outputTooSmall(needed: frames * frameSamples, available: pcm.count)
        }
        for f in 0..<speechFrames {
            bcg729Decoder(decoder, bytes + f * Self.speechFrameBytes, UInt8(Self.speechFrameBytes), 0, 0, 0,
                          base + f * frameSamples)
        }
        if tail == Self.sidFrameBytes {
            bcg729Decoder(decoder, bytes + speechFrames * Self.speechFrameBytes, UInt8(Self.sidFrameBytes), 0, 1, 0,
                          base + speechFrames * frameSamples)
        } else if tail != 0 {
            // A truncated or padded frame: its bits cannot be trusted, so conceal instead.
            eraseFrame(into: base + speechFrames * frameSamples)
        }
        return frames * frameSamples
    }

    private func eraseFrame(into out: UnsafeMutablePointer<Int16>) {
        // With the erasure flag set bcg729 ignores the bits; it is still given a full frame to read.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.speechFrameBytes) { zeros in
            zeros.initialize(repeating: 0)
            bcg729Decoder(decoder, zeros.baseAddress, UInt8(Self.speechFrameBytes), 1, 0, 0, out)
        }
    }

    /// Encodes a whole number of 10 ms frames. With Annex B a frame may produce nothing (not
    /// transmitted) or a 2-byte SID. RFC 3551 allows a SID only as a packet's last frame, so a SID
    /// followed by speech in the same packet is dropped: the speech frame supersedes it.
    public func encode(_ pcm: UnsafeBufferPointer<Int16>, into out: UnsafeMutableRawBufferPointer) throws(AudioCodecError) -> Int {
        let frameSamples = Self.frameSamples
        guard !pcm.isEmpty, pcm.count % frameSamples == 0, let src = pcm.baseAddress else {
            throw .invalidFrameSize(samples: pcm.count)
        }
        let frames = pcm.count / frameSamples
        guard out.count >= frames * Self.speechFrameBytes else {
            throw .outputTooSmall(needed: frames * Self.speechFrameBytes, available: out.count)
        }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.speechFrameBytes) { frame in
            var written = 0
            var endsWithSID = false
            for f in 0..<frames {
                var length: UInt8 = 0
                bcg729Encoder(encoder, src + f * frameSamples, frame.baseAddress, &length)
                let n = Int(length)
                guard n == Self.speechFrameBytes || n == Self.sidFrameBytes else { continue }
                if endsWithSID { written -= Self.sidFrameBytes }
                // n <= 10 and at most one 10-byte slot per frame is used, so this stays inside `out`.
                out.baseAddress!.advanced(by: written).copyMemory(from: frame.baseAddress!, byteCount: n)
                written += n
                endsWithSID = n == Self.sidFrameBytes
            }
            return written
        }
    }
}
