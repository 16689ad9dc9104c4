import CSRTP2
import Foundation

/// SRTP for a load-generator phone (AES_CM_128_HMAC_SHA1_80 over libsrtp2): one context per phone and direction,
/// created before traffic starts; protect/unprotect work in place on the caller's buffer.
final class PhoneSRTP: @unchecked Sendable {
    static let suite = "AES_CM_128_HMAC_SHA1_80"
    /// srtp_init once per process (a global let runs its initialiser once).
    private static let initialised: Bool = srtp_init() == srtp_err_status_ok
    private let context: srtp_t

    init(keyAndSalt: [UInt8], inbound: Bool) throws {
        guard Self.initialised, keyAndSalt.count == 30 else { throw LoadError.ng("SRTP key of \(keyAndSalt.count) bytes") }
        var policy = srtp_policy_t()
        srtp_crypto_policy_set_rtp_default(&policy.rtp)
        srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound
        policy.window_size = 1024
        var key = keyAndSalt
        var created: srtp_t?
        let status = key.withUnsafeMutableBufferPointer { k -> srtp_err_status_t in
            policy.key = k.baseAddress
            return srtp_create(&created, &policy)
        }
        guard status == srtp_err_status_ok, let created else { throw LoadError.ng("srtp_create: \(status.rawValue)") }
        context = created
    }

    deinit { srtp_dealloc(context) }

    /// New length, or -1. `buffer` needs 10 spare bytes after `length`.
    func protect(_ buffer: UnsafeMutableRawPointer, length: Int) -> Int {
        var n = Int32(length)
        return srtp_protect(context, buffer, &n) == srtp_err_status_ok ? Int(n) : -1
    }

    func unprotect(_ buffer: UnsafeMutableRawPointer, length: Int) -> Int {
        var n = Int32(length)
        return srtp_unprotect(context, buffer, &n) == srtp_err_status_ok ? Int(n) : -1
    }

    /// A fresh random master key and salt.
    static func randomKey() -> [UInt8] { (0..<30).map { _ in UInt8.random(in: 0...255) } }

    /// The key of the `a=crypto` line for `suite` in `sdp`, with its tag.
    static func crypto(in sdp: String) -> (tag: String, key: [UInt8])? {
        for line in sdp.split(whereSeparator: \.isNewline) where line.hasPrefix("a=crypto:") {
            let fields = line.dropFirst("a=crypto:".count).split(separator: " ")
            guard fields.count >= 3, fields[1] == suite, fields[2].hasPrefix("inline:") else { continue }
            var b64 = String(fields[2].dropFirst("inline:".count).prefix { $0 != "|" })
            while b64.count % 4 != 0 { b64 += "=" }
            guard let key = Data(base64Encoded: b64) else { return nil }
            return (String(fields[0]), Array(key))
        }
        return nil
    }

    static func cryptoLine(tag: String, key: [UInt8]) -> String {
        "a=crypto:\(tag) \(suite) inline:\(Data(key).base64EncodedString())\r\n"
    }
}
