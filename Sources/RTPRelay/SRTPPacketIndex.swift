/// The 48-bit SRTP packet index (ROC·2^16 + SEQ) a sequence number stands for, guessed from the highest index
/// seen so far (RFC 3711 §3.3.1 and Appendix A), the way libsrtp2 guesses it so both produce the same bytes.
enum SRTPPacketIndex {
    /// The estimated index of `sequence` and its distance from `highest` (positive: newer than anything seen).
    /// Until the highest index passes 2^15 the rollover counter is taken as 0 (Appendix A would guess −1 for
    /// a late packet from before a stream's first wrap).
    @inline(__always)
    static func estimate(highest: UInt64, sequence: UInt16) -> (index: UInt64, delta: Int64) {
        let s = Int64(sequence)
        guard highest > 0x8000 else { return (UInt64(sequence), s &- Int64(highest)) }
        let roc = highest >> 16
        let local = Int64(highest & 0xFFFF)
        let guessedROC: UInt64
        let delta: Int64
        if local < 0x8000 {
            if s - local > 0x8000 {
                guessedROC = roc &- 1
                delta = s - local - 0x10000
            } else {
                guessedROC = roc
                delta = s - local
            }
        } else if local - 0x8000 > s {
            guessedROC = roc &+ 1
            delta = s - local + 0x10000
        } else {
            guessedROC = roc
            delta = s - local
        }
        return (((guessedROC << 16) | UInt64(sequence)) & 0xFFFF_FFFF_FFFF, delta)
    }
}
