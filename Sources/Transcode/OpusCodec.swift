import COpus

/// Opus (RFC 6716) behind `AudioCodec`, mono, one encoder and one decoder per instance.
///
/// The internal rate may be 8, 16 or 48 kHz: the Opus bitstream does not depend on the rate the
/// decoder runs at, so a leg bridged to G.711/G.729 runs libopus at 8 kHz and needs no resampler
/// (architecture.md, "Transcoding"). The RTP clock is 48 kHz regardless (RFC 7587 §4.1).
///
/// Not thread-safe: an instance belongs to the worker that owns the call. It is `@unchecked Sendable`
/// only so the control plane can create it at negotiation time and hand it to that worker.
public final class OpusCodec: AudioCodec, @unchecked Sendable {
    public struct Configuration: Sendable, Hashable {
        /// 8000, 16000 or 48000.
        public var sampleRate: Int
        /// Packet duration in ms: 10, 20, 40 or 60 (also the length of one concealed frame).
        public var frameDuration: Int
        /// 0...10; 5 halves encoder cost against 10 with little audible change (architecture.md).
        public var complexity: Int
        /// Target bits per second (500...512000); nil lets libopus choose.
        public var bitrate: Int?
        /// In-band forward error correction: each packet carries a coarse copy of the previous one.
        public var fec: Bool
        /// Loss the encoder plans FEC for; libopus only emits FEC when this is above zero.
        public var expectedLossPercent: Int
        /// Discontinuous transmission: silence becomes 1–2 byte packets the sender may drop.
        public var dtx: Bool

        public init(sampleRate: Int = 48000, frameDuration: Int = 20, complexity: Int = 5, bitrate: Int? = nil,
                    fec: Bool = false, expectedLossPercent: Int = 10, dtx: Bool = false) {
            self.sampleRate = sampleRate
            self.frameDuration = frameDuration
            self.complexity = complexity
            self.bitrate = bitrate
            self.fec = fec
            self.expectedLossPercent = expectedLossPercent
            self.dtx = dtx
        }
    }

    public let configuration: Configuration
    public var clockRate: Int { 48000 }
    public var sampleRate: Int { configuration.sampleRate }
    public var frameDuration: Int { configuration.frameDuration }
    public let samplesPerFrame: Int
    /// Samples (at `sampleRate`) by which decoded audio lags the encoder's input.
    public let lookahead: Int

    private let encoder: OpaquePointer
    private let decoder: OpaquePointer
    /// Longest packet Opus can carry (120 ms), in samples; bounds what one decode may write.
    private let maxPacketSamples: Int
    /// Set up by `enableMultiframePackets`: joins several encoded frames into one packet (RFC 6716 §3.2).
    private var repacketizer: OpaquePointer?
    /// One slot of `maxFrameBytes` per frame of a multi-frame packet, kept until the packet is written.
    private var frameScratch: UnsafeMutablePointer<UInt8>?
    private var multiframeCapacity = 0
    /// Largest Opus frame (RFC 6716 §3.4, R2).
    private static let maxFrameBytes = 1275
    // Every `baseAddress!` below follows a check that the buffer holds at least one sample, and a
    // non-empty buffer pointer always has a base address.

    public init(_ configuration: Configuration = Configuration()) throws(AudioCodecError) {
        let c = configuration
        guard [8000, 16000, 48000].contains(c.sampleRate) else { throw .unsupportedParameter("Opus rate \(c.sampleRate)") }
        guard [10, 20, 40, 60].contains(c.frameDuration) else { throw .unsupportedParameter("Opus frame \(c.frameDuration) ms") }
        guard (0...10).contains(c.complexity) else { throw .unsupportedParameter("Opus complexity \(c.complexity)") }
        if let b = c.bitrate, !(500...512_000).contains(b) { throw .unsupportedParameter("Opus bitrate \(b)") }
        guard (0...100).contains(c.expectedLossPercent) else { throw .unsupportedParameter("Opus loss \(c.expectedLossPercent) %") }

        var err: Int32 = 0
        guard let enc = opus_encoder_create(Int32(c.sampleRate), 1, OPUS_APPLICATION_VOIP, &err), err == OPUS_OK else {
            throw .library(code: err)
        }
        guard let dec = opus_decoder_create(Int32(c.sampleRate), 1, &err), err == OPUS_OK else {
            opus_encoder_destroy(enc)
            throw .library(code: err)
        }
        // From here on deinit frees both, even when a control below fails and init throws.
        encoder = enc
        decoder = dec
        self.configuration = c
        samplesPerFrame = c.sampleRate * c.frameDuration / 1000
        maxPacketSamples = c.sampleRate * 120 / 1000

        var status = rtprelay_opus_set_complexity(enc, Int32(c.complexity))
        if status == OPUS_OK { status = rtprelay_opus_set_signal_voice(enc) }
        if status == OPUS_OK { status = rtprelay_opus_set_bitrate(enc, c.bitrate.map { Int32($0) } ?? OPUS_AUTO) }
        if status == OPUS_OK { status = rtprelay_opus_set_inband_fec(enc, c.fec ? 1 : 0) }
        if status == OPUS_OK { status = rtprelay_opus_set_packet_loss_perc(enc, c.fec ? Int32(c.expectedLossPercent) : 0) }
        if status == OPUS_OK { status = rtprelay_opus_set_dtx(enc, c.dtx ? 1 : 0) }
        var delay: Int32 = 0
        if status == OPUS_OK { status = rtprelay_opus_get_lookahead(enc, &delay) }
        lookahead = Int(delay)
        guard status == OPUS_OK else { throw .library(code: status) }
    }

    deinit {
        opus_encoder_destroy(encoder)
        opus_decoder_destroy(decoder)
        if let repacketizer { opus_repacketizer_destroy(repacketizer) }
        frameScratch?.deallocate()
    }

    /// Decodes one packet of any Opus duration (up to 120 ms). Empty or undecodable payloads give one
    /// frame of libopus packet-loss concealment.
    public func decode(_ payload: UnsafeRawBufferPointer, into pcm: UnsafeMutableBufferPointer<Int16>) throws(AudioCodecError) -> Int {
        guard let bytes = payload.baseAddress?.assumingMemoryBound(to: UInt8.self), payload.count <= 65535 else {
            return try conceal(into: pcm)
        }
        // Ask the TOC byte(s) how long the packet is before decoding, so a too-small buffer is
        // reported as such and not mistaken for a corrupt packet.
        let duration = Int(opus_packet_get_nb_samples(bytes, Int32(payload.count), Int32(sampleRate)))
        guard duration > 0, duration <= maxPacketSamples else { return try conceal(into: pcm) }
        guard pcm.count >= duration else { throw .outputTooSmall(needed: duration, available: pcm.count) }
        let written = opus_decode(decoder, bytes, Int32(payload.count), pcm.baseAddress!, Int32(duration), 0)
        guard written > 0 else { return try conceal(into: pcm) }
        return Int(written)
    }

    /// After a lost packet, rebuilds it from the FEC data in the packet that followed (`next`).
    /// Falls back to plain concealment when `next` carries no usable FEC.
    public func decodeLost(usingFECFrom next: UnsafeRawBufferPointer, into pcm: UnsafeMutableBufferPointer<Int16>) throws(AudioCodecError) -> Int {
        let n = samplesPerFrame
        guard pcm.count >= n else { throw .outputTooSmall(needed: n, available: pcm.count) }
        guard let bytes = next.baseAddress?.assumingMemoryBound(to: UInt8.self), next.count <= 65535,
              opus_packet_get_nb_samples(bytes, Int32(next.count), Int32(sampleRate)) > 0 else {
            return try conceal(into: pcm)
        }
        let written = opus_decode(decoder, bytes, Int32(next.count), pcm.baseAddress!, Int32(n), 1)
        guard written > 0 else { return try conceal(into: pcm) }
        return Int(written)
    }

    private func conceal(into pcm: UnsafeMutableBufferPointer<Int16>) throws(AudioCodecError) -> Int {
        let n = samplesPerFrame
        guard pcm.count >= n else { throw .outputTooSmall(needed: n, available: pcm.count) }
        let written = opus_decode(decoder, nil, 0, pcm.baseAddress!, Int32(n), 0)
        guard written > 0 else {
            // libopus cannot fail here with a valid frame size; silence keeps the timeline if it does.
            for i in 0..<n { pcm[i] = 0 }
            return n
        }
        return Int(written)
    }

    /// Encodes one Opus frame: 2.5, 5, 10, 20, 40 or 60 ms of samples at `sampleRate`.
    public func encode(_ pcm: UnsafeBufferPointer<Int16>, into out: UnsafeMutableRawBufferPointer) throws(AudioCodecError) -> Int {
        let unit = sampleRate / 400   // 2.5 ms
        switch pcm.count {
        case unit, 2 * unit, 4 * unit, 8 * unit, 16 * unit, 24 * unit: break
        default: throw .invalidFrameSize(samples: pcm.count)
        }
        guard let dst = out.baseAddress?.assumingMemoryBound(to: UInt8.self), out.count >= 3 else {
            throw .outputTooSmall(needed: 3, available: out.count)
        }
        let written = opus_encode(encoder, pcm.baseAddress!, Int32(pcm.count), dst, Int32(min(out.count, 4000)))
        guard written > 0 else {
            if written == OPUS_BUFFER_TOO_SMALL { throw .outputTooSmall(needed: out.count + 1, available: out.count) }
            throw .library(code: written)
        }
        return Int(written)
    }
}

extension OpusCodec {
    /// Allocates what `encode(_:framesOf:into:)` needs for packets of up to `maxFrames` frames, once, at
    /// negotiation time (a 30 ms ptime is three 10 ms frames: no single Opus frame lasts 30 ms).
    public func enableMultiframePackets(maxFrames: Int) throws(AudioCodecError) {
        guard (2...6).contains(maxFrames) else { throw .unsupportedParameter("Opus frames per packet \(maxFrames)") }
        guard maxFrames > multiframeCapacity else { return }
        if repacketizer == nil {
            guard let rp = opus_repacketizer_create() else { throw .library(code: OPUS_ALLOC_FAIL) }
            repacketizer = rp
        }
        frameScratch?.deallocate()
        frameScratch = .allocate(capacity: maxFrames * Self.maxFrameBytes)
        multiframeCapacity = maxFrames
    }

    /// Encodes `pcm` as one packet of `pcm.count / frameSamples` equal Opus frames (code 3 when more than
    /// two, RFC 6716 §3.2.5). `enableMultiframePackets` must have been called for that many frames.
    public func encode(_ pcm: UnsafeBufferPointer<Int16>, framesOf frameSamples: Int, into out: UnsafeMutableRawBufferPointer) throws(AudioCodecError) -> Int {
        guard frameSamples > 0, pcm.count % frameSamples == 0 else { throw .invalidFrameSize(samples: pcm.count) }
        let frames = pcm.count / frameSamples
        if frames == 1 { return try encode(pcm, into: out) }
        guard frames <= multiframeCapacity, let repacketizer, let scratch = frameScratch else {
            throw .unsupportedParameter("Opus packet of \(frames) frames without enableMultiframePackets")
        }
        guard let dst = out.baseAddress?.assumingMemoryBound(to: UInt8.self), out.count >= 3 else {
            throw .outputTooSmall(needed: 3, available: out.count)
        }
        opus_repacketizer_init(repacketizer)
        for f in 0..<frames {
            let frame = UnsafeBufferPointer(rebasing: pcm[(f * frameSamples)..<((f + 1) * frameSamples)])
            let slot = scratch + f * Self.maxFrameBytes
            let n = try encode(frame, into: UnsafeMutableRawBufferPointer(start: slot, count: Self.maxFrameBytes))
            let status = opus_repacketizer_cat(repacketizer, slot, Int32(n))
            guard status == OPUS_OK else { throw .library(code: status) }
        }
        let written = opus_repacketizer_out(repacketizer, dst, Int32(min(out.count, 7000)))
        guard written > 0 else {
            if written == OPUS_BUFFER_TOO_SMALL { throw .outputTooSmall(needed: out.count + 1, available: out.count) }
            throw .library(code: written)
        }
        return Int(written)
    }

    /// Forgets the decoder's history (a new source started on the stream), so concealment does not
    /// extrapolate the previous speaker.
    public func resetDecoder() {
        _ = rtprelay_opus_decoder_reset(decoder)
    }

    /// Samples at `sampleRate` that a packet's TOC byte(s) announce, or nil when libopus calls the packet
    /// invalid. Lets the pipeline count corrupt payloads, which `decode` conceals silently.
    public static func packetSampleCount(_ payload: UnsafeRawBufferPointer, sampleRate: Int) -> Int? {
        guard let bytes = payload.baseAddress?.assumingMemoryBound(to: UInt8.self), payload.count <= 65535 else { return nil }
        let n = opus_packet_get_nb_samples(bytes, Int32(payload.count), Int32(sampleRate))
        return n > 0 ? Int(n) : nil
    }

    /// Bytes libopus allocates for one mono encoder and one mono decoder state (what a call's codec costs in memory).
    public static var monoStateBytes: (encoder: Int, decoder: Int) {
        (Int(opus_encoder_get_size(1)), Int(opus_decoder_get_size(1)))
    }
}
