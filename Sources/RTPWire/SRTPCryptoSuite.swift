/// SRTP crypto suites by their SDES names (RFC 4568 §6.2, RFC 6188 §7, RFC 7714 §14.2), shared by the
/// control plane (which negotiates them in `a=crypto`) and the media plane (which runs them). The raw
/// values are the SDP spellings, so RTPRelay maps a suite to its own SRTPSuite by name.
///
/// Only the suites the media plane terminates are listed: AES_192_CM_*, F8_* and NULL_* are valid SDES
/// suites that the relay does not run (RTPRelay/SRTPSuite.swift says why AES-192 is left out).
public enum SRTPCryptoSuite: String, Sendable, Hashable, CaseIterable {
    case aeadAES256GCM = "AEAD_AES_256_GCM"
    case aeadAES128GCM = "AEAD_AES_128_GCM"
    case aes256CMHmacSHA1_80 = "AES_256_CM_HMAC_SHA1_80"
    case aes256CMHmacSHA1_32 = "AES_256_CM_HMAC_SHA1_32"
    case aes128CMHmacSHA1_80 = "AES_CM_128_HMAC_SHA1_80"
    case aes128CMHmacSHA1_32 = "AES_CM_128_HMAC_SHA1_32"

    /// The order rtpengine 10.5 offers them in (checked by running it: strongest first), which is also
    /// the declaration order, so `allCases` is the default offer.
    public static var offerOrder: [SRTPCryptoSuite] { allCases }

    /// Master key length in bytes.
    public var keyLength: Int {
        switch self {
        case .aes128CMHmacSHA1_80, .aes128CMHmacSHA1_32, .aeadAES128GCM: 16
        case .aes256CMHmacSHA1_80, .aes256CMHmacSHA1_32, .aeadAES256GCM: 32
        }
    }

    /// Master salt length in bytes: 112 bits for AES-CM (RFC 3711 §8.2), 96 bits for GCM (RFC 7714 §12).
    public var saltLength: Int { isAEAD ? 12 : 14 }

    /// Bytes an SDES `inline:` key carries: master key then master salt.
    public var masterLength: Int { keyLength + saltLength }

    public var isAEAD: Bool { self == .aeadAES128GCM || self == .aeadAES256GCM }

    /// Largest SRTP key lifetime in packets the suite allows (RFC 4568 §6.2.1: 2^48; RFC 7714 §14.2: 2^48).
    public var maxLifetime: UInt64 { 1 << 48 }
}
