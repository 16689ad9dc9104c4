/// Why an SRTP session could not be created or a packet could not be protected/unprotected.
public enum SRTPError: Error, Equatable, Sendable {
    /// The authentication tag (or GCM tag) did not verify: tampered, wrong key, or not SRTP; also an SRTCP
    /// E-flag that contradicts the session's UNENCRYPTED_SRTCP setting.
    case authFail
    /// The packet index was already seen or is older than the replay window (on protect: the index was
    /// already used, which would reuse keystream).
    case replayFail
    /// Key material of the wrong length for the suite.
    case badKeyLength(expected: Int, got: Int)
    /// The buffer cannot hold the packet plus the largest SRTP trailer, or `length` exceeds it.
    case bufferTooSmall(needed: Int, available: Int)
    /// Too short to be an RTP (12 bytes) / RTCP (8 bytes) packet (with its header extension and trailer), or
    /// longer than a datagram.
    case badLength(Int)
    /// protect on an inbound session, or unprotect on an outbound one.
    case wrongDirection
    /// A replay window outside 64...32768 packets.
    case badReplayWindow(Int)
    /// Session parameters the suite cannot run: UNENCRYPTED_SRTP or UNAUTHENTICATED_SRTP with an AEAD suite.
    case unsupportedServices
    /// All 2^31 SRTCP indices of the session were used (RFC 3711 §9.2): it needs new keys.
    case indexExhausted
    /// libcrypto refused an operation (it does not for valid keys; kept so nothing traps).
    case cryptoFailure
}
