/// Why an `a=crypto` line (RFC 4568) was refused. A refused line is dropped and counted; the other
/// lines of the same m= section may still be usable.
public enum SDESCryptoError: Error, Hashable, Sendable {
    /// Fewer than the three fields `<tag> <crypto-suite> <key-params>`.
    case missingFields
    /// The tag is not 1 to 9 decimal digits (RFC 4568 §9.1).
    case badTag
    /// A suite name the relay does not run (unknown, or valid but not terminated: AES_192_CM_*, F8_*, NULL_*).
    case unsupportedSuite(String)
    /// A key method other than `inline` (RFC 4568 defines no other for SRTP).
    case unsupportedKeyMethod(String)
    /// More than one key-param (`inline:…;inline:…`): several master keys need MKI-based switching,
    /// which the relay does not do.
    case severalKeys
    /// The key-salt is not valid base64.
    case badBase64
    /// The decoded key-salt does not have the suite's master key + salt length.
    case badKeyLength(expected: Int, got: Int)
    /// The lifetime is not `2^N` or a decimal number.
    case badLifetime
    /// The lifetime exceeds what the suite allows (2^48 SRTP packets).
    case lifetimeTooLong
    /// The MKI is not `<digits>:<length 1…128>`.
    case badMKI
    /// The line carries an MKI; the relay's SRTP contexts run without one.
    case mkiUnsupported
    /// A session parameter that is malformed (`KDR=99`, `WSH=12`).
    case badSessionParameter(String)
    /// A session parameter the relay cannot honour (`KDR` other than 0, `FEC_KEY`, `SRTP_FEC`, unknown).
    case unsupportedSessionParameter(String)
    /// No bytes could be read from the system's CSPRNG (errno).
    case randomUnavailable(Int32)
}
