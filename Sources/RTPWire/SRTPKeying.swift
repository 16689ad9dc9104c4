/// The keys of one direction of SRTP on one stream, as negotiated by SDES (RFC 4568): what the media
/// plane needs to create an SRTP/SRTCP context. Master key and salt are separate so that their lengths
/// can be checked against the suite; `masterKeyAndSalt` is the concatenation SDES and SRTPSession use.
public struct SRTPKeying: Sendable, Hashable {
    public var suite: SRTPCryptoSuite
    public var masterKey: [UInt8]
    public var masterSalt: [UInt8]
    /// `UNENCRYPTED_SRTP`: RTP payloads are sent in the clear (still authenticated unless below).
    public var unencryptedSRTP: Bool
    /// `UNENCRYPTED_SRTCP`: RTCP is sent in the clear (E-flag 0), still authenticated.
    public var unencryptedSRTCP: Bool
    /// `UNAUTHENTICATED_SRTP`: no authentication tag on RTP (RTCP stays authenticated, RFC 3711 §3.4).
    public var unauthenticatedSRTP: Bool

    public init(suite: SRTPCryptoSuite, masterKey: [UInt8], masterSalt: [UInt8], unencryptedSRTP: Bool = false,
                unencryptedSRTCP: Bool = false, unauthenticatedSRTP: Bool = false) {
        self.suite = suite
        self.masterKey = masterKey
        self.masterSalt = masterSalt
        self.unencryptedSRTP = unencryptedSRTP
        self.unencryptedSRTCP = unencryptedSRTCP
        self.unauthenticatedSRTP = unauthenticatedSRTP
    }

    /// Master key followed by master salt, as carried in `inline:` and as SRTPSession takes it.
    public var masterKeyAndSalt: [UInt8] { masterKey + masterSalt }

    /// Whether key and salt have the lengths the suite needs.
    public var hasValidLengths: Bool {
        masterKey.count == suite.keyLength && masterSalt.count == suite.saltLength
    }
}
