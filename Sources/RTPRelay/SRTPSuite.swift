/// SRTP crypto suites (SDES names, RFC 4568 / RFC 6188 / RFC 7714) that the relay terminates (SRTPSession,
/// over libcrypto): AES-CM with HMAC-SHA1 for 128/256-bit keys and AES-GCM for 128/256-bit keys.
///
/// AES_192_CM_* are left out on purpose: the tests' oracle, Debian 12's libsrtp2 2.5.0, derives AES-192
/// session keys with an AES-256 PRF keyed by master key ‖ first 8 salt bytes (its KDF widens to 46 bytes of
/// key material), not the AES-192 PRF of RFC 6188 §7.2 (measured against scripts/srtp_reference.py), so
/// no second implementation on this machine would vouch for ours. rtpengine 10.5 (its own SRTP over
/// OpenSSL) interoperates with the relay for every suite listed here (SRTPInteropTests).
public enum SRTPSuite: String, Sendable, Hashable, CaseIterable {
    case aes128CMHmacSHA1_80 = "AES_CM_128_HMAC_SHA1_80"
    case aes128CMHmacSHA1_32 = "AES_CM_128_HMAC_SHA1_32"
    case aes256CMHmacSHA1_80 = "AES_256_CM_HMAC_SHA1_80"
    case aes256CMHmacSHA1_32 = "AES_256_CM_HMAC_SHA1_32"
    case aeadAES128GCM = "AEAD_AES_128_GCM"
    case aeadAES256GCM = "AEAD_AES_256_GCM"

    /// Master key length in bytes.
    public var keyLength: Int {
        switch self {
        case .aes128CMHmacSHA1_80, .aes128CMHmacSHA1_32, .aeadAES128GCM: 16
        case .aes256CMHmacSHA1_80, .aes256CMHmacSHA1_32, .aeadAES256GCM: 32
        }
    }

    /// Master salt length in bytes: 112 bits for AES-CM (RFC 3711), 96 bits for GCM (RFC 7714).
    public var saltLength: Int { isAEAD ? 12 : 14 }

    /// Bytes of key material an SDES `inline:` key carries: master key then master salt.
    public var masterLength: Int { keyLength + saltLength }

    public var isAEAD: Bool { self == .aeadAES128GCM || self == .aeadAES256GCM }

    /// Bytes SRTP adds to an RTP packet (authentication tag, or GCM tag).
    public var rtpTrailerLength: Int {
        switch self {
        case .aeadAES128GCM, .aeadAES256GCM: 16
        case .aes128CMHmacSHA1_80, .aes256CMHmacSHA1_80: 10
        case .aes128CMHmacSHA1_32, .aes256CMHmacSHA1_32: 4
        }
    }

    /// Bytes SRTCP adds to an RTCP packet: E-flag + index (4) and the tag, which is 80 bits even for
    /// the `_32` suites (RFC 4568 §6.2.1).
    public var rtcpTrailerLength: Int { 4 + (isAEAD ? 16 : 10) }
}
