/// The keys of one half of an SRTP session, SRTP or SRTCP (RFC 3711 §3.2.1): the cipher keyed with the
/// session encryption key, HMAC-SHA1 keyed with the session authentication key (AES-CM suites only), and the
/// session salt, all derived once from the master key and salt when the session is made.
final class SRTPCryptoContext {
    let cipher: AESCipherContext
    let hmac: HMACSHA1?
    /// The session salt (14 bytes for AES-CM, 12 for GCM), zero-padded to 16.
    let salt: UnsafeMutablePointer<UInt8>

    enum Half { case rtp, rtcp }

    /// Derives the half's session keys from the master key and salt (RFC 3711 §4.3).
    convenience init?(suite: SRTPSuite, masterKey: [UInt8], masterSalt: [UInt8], half: Half, encrypt: Bool) {
        let labels: (SRTPKeyDerivation.Label, SRTPKeyDerivation.Label, SRTPKeyDerivation.Label) = half == .rtp
            ? (.rtpEncryption, .rtpAuthentication, .rtpSalt) : (.rtcpEncryption, .rtcpAuthentication, .rtcpSalt)
        func derive(_ label: SRTPKeyDerivation.Label, _ length: Int) -> [UInt8]? {
            SRTPKeyDerivation.derive(masterKey: masterKey, masterSalt: masterSalt, label: label, length: length)
        }
        // RFC 3711 §4.2.1 / RFC 4568 §6.2: HMAC-SHA1 with a 160-bit session authentication key; none for GCM.
        guard let key = derive(labels.0, suite.keyLength), let salt = derive(labels.2, suite.saltLength),
              let authKey = suite.isAEAD ? [] : derive(labels.1, HMACSHA1.digestLength) else { return nil }
        self.init(suite: suite, sessionKey: key, authenticationKey: authKey, sessionSalt: salt, encrypt: encrypt)
    }

    /// From session keys already derived (RFC 7714's test vectors give them so).
    init?(suite: SRTPSuite, sessionKey: [UInt8], authenticationKey: [UInt8], sessionSalt: [UInt8], encrypt: Bool) {
        guard sessionKey.count == suite.keyLength, sessionSalt.count == suite.saltLength,
              let cipher = AESCipherContext(key: sessionKey, mode: suite.isAEAD ? .gcm(encrypt: encrypt) : .counter)
        else { return nil }
        hmac = suite.isAEAD ? nil : HMACSHA1(key: authenticationKey)
        self.cipher = cipher
        salt = .allocate(capacity: 16)
        salt.initialize(repeating: 0, count: 16)
        salt.update(from: sessionSalt, count: sessionSalt.count)
    }

    deinit {
        salt.update(repeating: 0, count: 16)
        salt.deallocate()
    }
}
