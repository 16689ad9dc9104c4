/// SRTP's key derivation (RFC 3711 §4.3) with key_derivation_rate 0, the only rate SDES keys use here:
/// each session key, authentication key or salt is the AES-CM keystream under the master key, started at
/// IV = (master salt XOR label·2^48)·2^16. A 12-octet GCM master salt fills the high part of the 14-octet
/// field (RFC 7714 §11, as libsrtp2 and the reference script do it). Runs once per session, off the hot path.
enum SRTPKeyDerivation {
    /// RFC 3711 §4.3.2 labels for SRTP (0, 1, 2) and SRTCP (3, 4, 5).
    enum Label: UInt8 {
        case rtpEncryption = 0, rtpAuthentication = 1, rtpSalt = 2
        case rtcpEncryption = 3, rtcpAuthentication = 4, rtcpSalt = 5
    }

    /// `length` bytes of key material for `label`, or nil when libcrypto refuses the master key length.
    static func derive(masterKey: [UInt8], masterSalt: [UInt8], label: Label, length: Int) -> [UInt8]? {
        guard masterSalt.count <= 14, let prf = AESCipherContext(key: masterKey, mode: .counter) else { return nil }
        var iv = [UInt8](repeating: 0, count: 16)
        iv.replaceSubrange(0..<masterSalt.count, with: masterSalt)
        iv[7] ^= label.rawValue
        var output = [UInt8](repeating: 0, count: length)
        let ok = iv.withUnsafeBufferPointer { ivp in
            output.withUnsafeMutableBufferPointer { out in
                prf.applyKeystream(iv: ivp.baseAddress!, data: out.baseAddress!, count: length)
            }
        }
        return ok ? output : nil
    }
}
