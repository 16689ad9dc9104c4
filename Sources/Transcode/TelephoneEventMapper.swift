/// Carries RFC 4733 telephone-event packets across a transcoded leg: they are not audio, so they are
/// not decoded; only the payload type changes and durations are rescaled to the output event clock
/// (8 kHz → 48 kHz multiplies by 6). The event's timestamp is mapped by the pipeline, which knows how the
/// input timeline lines up with the output one.
struct TelephoneEventMapper {
    let inputPayloadType: UInt8
    let outputPayloadType: UInt8
    let inputClock: Int
    let outputClock: Int

    /// One event block: event code, E/R/volume byte, 16-bit duration (RFC 4733 §2.3).
    static let blockSize = 4

    /// Copies the event blocks of `payload` into `out` with each duration rescaled. Returns the bytes
    /// written, or nil for a payload that is not a whole number of blocks (at least one).
    func mapPayload(_ payload: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int? {
        let blocks = payload.count / Self.blockSize
        guard blocks > 0, payload.count % Self.blockSize == 0, out.count >= payload.count else { return nil }
        for b in 0..<blocks {
            let o = b * Self.blockSize
            out[o] = payload[o]
            out[o + 1] = payload[o + 1]
            let duration = Int(payload[o + 2]) << 8 | Int(payload[o + 3])
            // Saturates: an event longer than 65535 output ticks (1.37 s at 48 kHz) keeps the maximum
            // instead of wrapping to a short one; the far end still sees it last until the end bit.
            let scaled = min(0xFFFF, duration * outputClock / inputClock)
            out[o + 2] = UInt8(truncatingIfNeeded: scaled >> 8)
            out[o + 3] = UInt8(truncatingIfNeeded: scaled)
        }
        return payload.count
    }
}
