import COpenSSL

/// HMAC-SHA1 (RFC 2104) with the inner and outer states precomputed from the key, as SRTP authenticates
/// (RFC 3711 §4.2.1): each tag costs two SHA-1 runs from copied states and no allocation. `SHA_CTX` is a
/// plain struct, so a copy is a stack copy; libcrypto's HMAC/EVP_MAC contexts allocate when they re-key.
struct HMACSHA1 {
    static let digestLength = 20
    private var inner = SHA_CTX()
    private var outer = SHA_CTX()

    init(key: [UInt8]) {
        // Keys longer than a block are hashed first; SRTP's are 20 bytes, but keep the RFC 2104 rule.
        var block = [UInt8](repeating: 0, count: 64)
        if key.count > 64 {
            var digest = [UInt8](repeating: 0, count: Self.digestLength)
            _ = key.withUnsafeBufferPointer { k in digest.withUnsafeMutableBufferPointer { SHA1(k.baseAddress, k.count, $0.baseAddress) } }
            block.replaceSubrange(0..<digest.count, with: digest)
        } else {
            block.replaceSubrange(0..<key.count, with: key)
        }
        let ipad = block.map { $0 ^ 0x36 }
        let opad = block.map { $0 ^ 0x5C }
        SHA1_Init(&inner)
        SHA1_Init(&outer)
        ipad.withUnsafeBytes { _ = SHA1_Update(&inner, $0.baseAddress, 64) }
        opad.withUnsafeBytes { _ = SHA1_Update(&outer, $0.baseAddress, 64) }
        for i in block.indices { block[i] = 0 }
    }

    /// Writes the 20-byte HMAC of `message` followed by `suffix` (SRTP's ROC; may be empty) to `digest`.
    @inline(__always)
    func authenticate(_ message: UnsafeRawPointer, count: Int, suffix: UnsafeRawPointer, suffixCount: Int,
                      digest: UnsafeMutablePointer<UInt8>) {
        var context = inner
        SHA1_Update(&context, message, count)
        if suffixCount > 0 { SHA1_Update(&context, suffix, suffixCount) }
        SHA1_Final(digest, &context)
        context = outer
        SHA1_Update(&context, digest, Self.digestLength)
        SHA1_Final(digest, &context)
    }
}
