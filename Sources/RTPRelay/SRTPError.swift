/// Why an SRTP session could not be created or a packet could not be protected/unprotected.
public enum SRTPError: Error, Equatable, Sendable {
    /// The authentication tag (or GCM tag) did not verify: tampered, wrong key, or not SRTP.
    case authFail
    /// The packet index was already seen or is older than the replay window.
    case replayFail
    /// Key material of the wrong length for the suite.
    case badKeyLength(expected: Int, got: Int)
    /// The buffer cannot hold the packet plus the largest SRTP trailer, or `length` exceeds it.
    case bufferTooSmall(needed: Int, available: Int)
    /// Too short to be an RTP (12 bytes) / RTCP (8 bytes) packet, or longer than a datagram.
    case badLength(Int)
    /// protect on an inbound session, or unprotect on an outbound one.
    case wrongDirection
    /// Any other libsrtp2 status (`srtp_err_status_t`).
    case other(code: Int32)
}
