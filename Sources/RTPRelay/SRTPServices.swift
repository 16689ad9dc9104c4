/// Which protections a session applies, from the SDES session parameters UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP
/// and UNAUTHENTICATED_SRTP (RFC 4568 §6.3.2). SRTCP is always authenticated (RFC 3711 §3.4). The AEAD suites
/// (RFC 7714) always encrypt and authenticate SRTP; they may leave SRTCP unencrypted (§9.2).
public struct SRTPServices: Sendable, Hashable {
    public var encryptRTP: Bool
    public var authenticateRTP: Bool
    public var encryptRTCP: Bool

    public init(encryptRTP: Bool = true, authenticateRTP: Bool = true, encryptRTCP: Bool = true) {
        self.encryptRTP = encryptRTP
        self.authenticateRTP = authenticateRTP
        self.encryptRTCP = encryptRTCP
    }

    /// Encryption and authentication everywhere: what SDES gives without session parameters.
    public static let all = SRTPServices()
}
