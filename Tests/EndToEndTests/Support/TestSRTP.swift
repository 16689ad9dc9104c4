import Foundation
import RTPRelay

/// A test phone's SRTP: the relay's SRTPSession on byte arrays, plus SDES line parsing.
final class TestSRTP {
    static let suite = "AES_CM_128_HMAC_SHA1_80"
    private let session: SRTPSession

    init(keyAndSalt: [UInt8], inbound: Bool) throws {
        session = try SRTPSession(suite: .aes128CMHmacSHA1_80, masterKeyAndSalt: keyAndSalt,
                                  direction: inbound ? .inbound : .outbound)
    }

    func protect(_ packet: [UInt8]) -> [UInt8]? {
        var buffer = packet + [UInt8](repeating: 0, count: SRTPSession.maxTrailerLength + 4)
        guard let n = try? buffer.withUnsafeMutableBytes({ (b) throws(SRTPError) -> Int in
            try session.protect(b, length: packet.count)
        }) else { return nil }
        return Array(buffer[0..<n])
    }

    func unprotect(_ packet: [UInt8]) -> [UInt8]? {
        var buffer = packet
        guard let n = try? buffer.withUnsafeMutableBytes({ (b) throws(SRTPError) -> Int in
            try session.unprotect(b, length: packet.count)
        }) else { return nil }
        return Array(buffer[0..<n])
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
