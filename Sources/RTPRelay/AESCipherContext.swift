import COpenSSL

/// One keyed AES context of libcrypto (`EVP_CIPHER_CTX`), created once per SRTP session and re-used for
/// every packet: only the IV changes per packet, which libcrypto takes without allocating. CTR mode serves
/// RFC 3711's AES-CM (the same operation both ways); GCM serves RFC 7714 and is keyed for one direction.
final class AESCipherContext {
    enum Mode {
        case counter
        case gcm(encrypt: Bool)
    }

    private let context: OpaquePointer
    let mode: Mode
    /// GCM's authentication tag length (RFC 7714 §12: 16 octets for both AEAD_AES_*_GCM).
    static let gcmTagLength = 16

    /// `key`: 16, 24 or 32 bytes (AES-128/192/256). Fails only when libcrypto refuses the key or memory.
    init?(key: [UInt8], mode: Mode) {
        let cipher: OpaquePointer?
        switch (mode, key.count) {
        case (.counter, 16): cipher = EVP_aes_128_ctr()
        case (.counter, 24): cipher = EVP_aes_192_ctr()
        case (.counter, 32): cipher = EVP_aes_256_ctr()
        case (.gcm, 16): cipher = EVP_aes_128_gcm()
        case (.gcm, 32): cipher = EVP_aes_256_gcm()
        default: cipher = nil
        }
        guard let cipher, let context = EVP_CIPHER_CTX_new() else { return nil }
        let encrypt: Int32
        if case .gcm(encrypt: false) = mode { encrypt = 0 } else { encrypt = 1 }
        let ok = key.withUnsafeBufferPointer { EVP_CipherInit_ex(context, cipher, nil, $0.baseAddress, nil, encrypt) }
        guard ok == 1 else {
            EVP_CIPHER_CTX_free(context)
            return nil
        }
        self.context = context
        self.mode = mode
    }

    deinit {
        EVP_CIPHER_CTX_free(context)   // also wipes the key schedule
    }

    /// XORs `count` bytes at `data` in place with the AES-CTR keystream starting at counter block `iv` (16 bytes).
    @inline(__always)
    func applyKeystream(iv: UnsafePointer<UInt8>, data: UnsafeMutablePointer<UInt8>, count: Int) -> Bool {
        guard EVP_CipherInit_ex(context, nil, nil, nil, iv, -1) == 1 else { return false }
        guard count > 0 else { return true }
        var written: Int32 = 0
        return EVP_CipherUpdate(context, data, &written, data, Int32(count)) == 1
    }

    /// GCM encryption in place of `count` bytes at `data`, authenticating `aad` (one or two pieces) too;
    /// writes the 16-byte tag to `tag`. `iv`: 12 bytes.
    @inline(__always)
    func seal(iv: UnsafePointer<UInt8>, aad: UnsafeRawBufferPointer, aad2: UnsafeRawBufferPointer,
              data: UnsafeMutablePointer<UInt8>, count: Int, tag: UnsafeMutablePointer<UInt8>) -> Bool {
        guard gcmStart(iv: iv, aad: aad, aad2: aad2, data: data, count: count) else { return false }
        var written: Int32 = 0
        guard EVP_CipherFinal_ex(context, tag, &written) == 1 else { return false }   // GCM emits no bytes here
        return EVP_CIPHER_CTX_ctrl(context, rtprelay_evp_ctrl_gcm_get_tag(), Int32(Self.gcmTagLength), tag) == 1
    }

    /// GCM decryption in place of `count` bytes at `data`; true only if `tag` (16 bytes) verifies over
    /// `aad` and the ciphertext. On false the bytes at `data` are garbage and must be dropped.
    @inline(__always)
    func open(iv: UnsafePointer<UInt8>, aad: UnsafeRawBufferPointer, aad2: UnsafeRawBufferPointer,
              data: UnsafeMutablePointer<UInt8>, count: Int, tag: UnsafeMutablePointer<UInt8>) -> Bool {
        guard gcmStart(iv: iv, aad: aad, aad2: aad2, data: data, count: count) else { return false }
        guard EVP_CIPHER_CTX_ctrl(context, rtprelay_evp_ctrl_gcm_set_tag(), Int32(Self.gcmTagLength), tag) == 1 else {
            return false
        }
        var written: Int32 = 0
        // Final does not write for GCM; `tag` serves as a valid pointer only.
        return EVP_CipherFinal_ex(context, tag, &written) == 1
    }

    @inline(__always)
    private func gcmStart(iv: UnsafePointer<UInt8>, aad: UnsafeRawBufferPointer, aad2: UnsafeRawBufferPointer,
                          data: UnsafeMutablePointer<UInt8>, count: Int) -> Bool {
        guard EVP_CipherInit_ex(context, nil, nil, nil, iv, -1) == 1 else { return false }
        guard addAAD(aad), addAAD(aad2) else { return false }
        guard count > 0 else { return true }
        var written: Int32 = 0
        return EVP_CipherUpdate(context, data, &written, data, Int32(count)) == 1
    }

    /// Feeds one piece of additional authenticated data (GCM takes it in several updates before the text).
    @inline(__always)
    private func addAAD(_ piece: UnsafeRawBufferPointer) -> Bool {
        guard piece.count > 0, let base = piece.baseAddress else { return true }
        var written: Int32 = 0
        return EVP_CipherUpdate(context, nil, &written, base.assumingMemoryBound(to: UInt8.self), Int32(piece.count)) == 1
    }
}
