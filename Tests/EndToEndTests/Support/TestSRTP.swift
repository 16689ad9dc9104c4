import CSRTP2
import Foundation

/// A test phone's SRTP (AES_CM_128_HMAC_SHA1_80 over libsrtp2, the system library, not the relay's wrapper):
/// one context per direction, transforms on byte arrays.
final class TestSRTP {
    static let suite = "AES_CM_128_HMAC_SHA1_80"
    private static let initialised: Bool = srtp_init() == srtp_err_status_ok
    private let context: srtp_t

    struct Failure: Error, CustomStringConvertible { var description: String }

    init(keyAndSalt: [UInt8], inbound: Bool) throws {
        guard Self.initialised, keyAndSalt.count == 30 else { throw Failure(description: "SRTP key of \(keyAndSalt.count) bytes") }
        var policy = srtp_policy_t()
        srtp_crypto_policy_set_rtp_default(&policy.rtp)
        srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        policy.ssrc.type = inbound ? ssrc_any_inbound : ssrc_any_outbound
        policy.window_size = 128
        var key = keyAndSalt
        var created: srtp_t?
        let status = key.withUnsafeMutableBufferPointer { k -> srtp_err_status_t in
            policy.key = k.baseAddress
            return srtp_create(&created, &policy)
        }
        guard status == srtp_err_status_ok, let created else { throw Failure(description: "srtp_create: \(status.rawValue)") }
        context = created
    }

    deinit { srtp_dealloc(context) }

    func protect(_ packet: [UInt8]) -> [UInt8]? {
        var buffer = packet + [UInt8](repeating: 0, count: 64)
        var n = Int32(packet.count)
        let ok = buffer.withUnsafeMutableBytes { srtp_protect(context, $0.baseAddress, &n) } == srtp_err_status_ok
        return ok ? Array(buffer[0..<Int(n)]) : nil
    }

    func unprotect(_ packet: [UInt8]) -> [UInt8]? {
        var buffer = packet
        var n = Int32(packet.count)
        let ok = buffer.withUnsafeMutableBytes { srtp_unprotect(context, $0.baseAddress, &n) } == srtp_err_status_ok
        return ok ? Array(buffer[0..<Int(n)]) : nil
    }

    /// Tag and key of the `a=crypto` line for `suite` in `sdp`.
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
}
