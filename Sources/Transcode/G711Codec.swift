/// PCMU or PCMA behind `AudioCodec`: one byte per sample at 8 kHz, no state.
///
/// Loss is concealed with silence: G.711 has no codec-level concealment, and Appendix I's
/// pitch-repetition PLC is left for when it is measured to matter on a transcoded leg.
public struct G711Codec: AudioCodec, Sendable {
    public let law: G711.Law
    public let frameDuration: Int
    public var clockRate: Int { 8000 }
    public var sampleRate: Int { 8000 }

    /// `frameDuration` is the ptime (ms) used for concealment of a lost packet.
    public init(law: G711.Law, frameDuration: Int = 20) throws(AudioCodecError) {
        guard frameDuration > 0, frameDuration <= 200 else {
            throw .unsupportedParameter("G.711 frame duration \(frameDuration) ms")
        }
        self.law = law
        self.frameDuration = frameDuration
    }

    public func decode(_ payload: UnsafeRawBufferPointer, into pcm: UnsafeMutableBufferPointer<Int16>) throws(AudioCodecError) -> Int {
        if payload.isEmpty {
            let n = samplesPerFrame
            guard pcm.count >= n else { throw .outputTooSmall(needed: n, available: pcm.count) }
            for i in 0..<n { pcm[i] = 0 }
            return n
        }
        guard pcm.count >= payload.count else { throw .outputTooSmall(needed: payload.count, available: pcm.count) }
        let table = law == .uLaw ? G711.uLawToLinear : G711.aLawToLinear
        table.withUnsafeBufferPointer { t in
            for i in 0..<payload.count { pcm[i] = t[Int(payload[i])] }
        }
        return payload.count
    }

    public func encode(_ pcm: UnsafeBufferPointer<Int16>, into out: UnsafeMutableRawBufferPointer) throws(AudioCodecError) -> Int {
        guard out.count >= pcm.count else { throw .outputTooSmall(needed: pcm.count, available: out.count) }
        switch law {
        case .uLaw:
            G711.uLawFromLinear14.withUnsafeBufferPointer { t in
                for i in 0..<pcm.count { out[i] = t[Int(UInt16(bitPattern: pcm[i]) >> 2)] }
            }
        case .aLaw:
            G711.aLawFromLinear13.withUnsafeBufferPointer { t in
                for i in 0..<pcm.count { out[i] = t[Int(UInt16(bitPattern: pcm[i]) >> 3)] }
            }
        }
        return pcm.count
    }
}
