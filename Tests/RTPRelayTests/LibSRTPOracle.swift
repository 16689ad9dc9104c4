import CSRTP2
import RTPRelay

/// `srtp_init()` must run once per process before any libsrtp2 session exists; a global `let` runs it once.
private let libsrtpStatus: UInt32 = srtp_init().rawValue

/// libsrtp2 (Debian 12's 2.5.0) as the tests' SRTP oracle: the reference the relay's own SRTPSession must
/// match byte for byte. Same shape as SRTPSession (one direction, any SSRC, in-place transforms) so a test can
/// swap one for the other; SRTPError carries its verdicts.
final class LibSRTPOracle {
    private let context: srtp_t
    /// SRTP_MAX_TRAILER_LEN (tag + MKI): room libsrtp2 insists on after a packet it protects.
    static let trailerRoom = 144 + 4

    init(suite: SRTPSuite, masterKeyAndSalt: [UInt8], direction: SRTPSession.Direction, services: SRTPServices = .all) throws {
        guard libsrtpStatus == srtp_err_status_ok.rawValue else { throw SRTPError.cryptoFailure }
        var policy = srtp_policy_t()
        switch suite {
        case .aes128CMHmacSHA1_80:
            srtp_crypto_policy_set_rtp_default(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aes128CMHmacSHA1_32:
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&policy.rtp)
            srtp_crypto_policy_set_rtcp_default(&policy.rtcp)
        case .aes256CMHmacSHA1_80:
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&policy.rtp)
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&policy.rtcp)
        case .aes256CMHmacSHA1_32:
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&policy.rtp)
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&policy.rtcp)
        case .aeadAES128GCM:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp)
        case .aeadAES256GCM:
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtp)
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&policy.rtcp)
        }
        // SDES session parameters as libsrtp2 policies: no confidentiality = sec_serv_auth; no RTP
        // authentication = the null authenticator with a 0-byte tag.
        if !services.authenticateRTP {
            policy.rtp.auth_type = 0   // SRTP_NULL_AUTH (crypto_types.h, not reachable through srtp.h)
            policy.rtp.auth_key_len = 0
            policy.rtp.auth_tag_len = 0
        }
        policy.rtp.sec_serv = switch (services.encryptRTP, services.authenticateRTP) {
        case (true, true): sec_serv_conf_and_auth
        case (true, false): sec_serv_conf
        case (false, true): sec_serv_auth
        case (false, false): sec_serv_none
        }
        policy.rtcp.sec_serv = services.encryptRTCP ? sec_serv_conf_and_auth : sec_serv_auth
        policy.ssrc.type = direction == .outbound ? ssrc_any_outbound : ssrc_any_inbound
        policy.window_size = 128
        policy.allow_repeat_tx = 0
        var key = masterKeyAndSalt
        var created: srtp_t?
        let status = key.withUnsafeMutableBufferPointer { k -> srtp_err_status_t in
            policy.key = k.baseAddress
            return srtp_create(&created, &policy)
        }
        guard status == srtp_err_status_ok, let created else { throw Self.error(status) }
        context = created
    }

    deinit {
        srtp_dealloc(context)
    }

    private static func error(_ status: srtp_err_status_t) -> SRTPError {
        switch status {
        case srtp_err_status_auth_fail: .authFail
        case srtp_err_status_replay_fail, srtp_err_status_replay_old: .replayFail
        default: .cryptoFailure
        }
    }

    private typealias Transform = (srtp_t?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> srtp_err_status_t

    private func run(_ transform: Transform, _ packet: [UInt8]) throws(SRTPError) -> [UInt8] {
        var buffer = packet + [UInt8](repeating: 0, count: Self.trailerRoom)
        var length = Int32(packet.count)
        let status = buffer.withUnsafeMutableBytes { transform(context, $0.baseAddress, &length) }
        guard status == srtp_err_status_ok else { throw Self.error(status) }
        return Array(buffer[0..<Int(length)])
    }

    func protect(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] { try run(srtp_protect, packet) }
    func unprotect(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] { try run(srtp_unprotect, packet) }
    func protectRTCP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] { try run(srtp_protect_rtcp, packet) }
    func unprotectRTCP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] { try run(srtp_unprotect_rtcp, packet) }

    /// In place on a caller's buffer (bench/SRTPCost.swift): the new length, or -1.
    private func run(_ transform: Transform, _ buffer: UnsafeMutableRawBufferPointer, _ length: Int) -> Int {
        var n = Int32(length)
        return transform(context, buffer.baseAddress, &n) == srtp_err_status_ok ? Int(n) : -1
    }

    func protect(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int { run(srtp_protect, b, n) }
    func unprotect(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int { run(srtp_unprotect, b, n) }
    func protectRTCP(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int { run(srtp_protect_rtcp, b, n) }
    func unprotectRTCP(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int { run(srtp_unprotect_rtcp, b, n) }
}

/// SRTPSession on byte arrays, the same calls as LibSRTPOracle's.
extension SRTPSession {
    private func run(_ packet: [UInt8], _ body: (UnsafeMutableRawBufferPointer, Int) throws(SRTPError) -> Int) throws(SRTPError) -> [UInt8] {
        var buffer = packet + [UInt8](repeating: 0, count: SRTPSession.maxTrailerLength + 4)
        var result: Result<Int, SRTPError> = .failure(.cryptoFailure)
        buffer.withUnsafeMutableBytes { b in result = Result { () throws(SRTPError) in try body(b, packet.count) } }
        return Array(buffer[0..<(try result.get())])
    }

    func protect(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] { try run(packet) { (b, n) throws(SRTPError) in try protect(b, length: n) } }
    func unprotect(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] { try run(packet) { (b, n) throws(SRTPError) in try unprotect(b, length: n) } }
    func protectRTCP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] { try run(packet) { (b, n) throws(SRTPError) in try protectRTCP(b, length: n) } }
    func unprotectRTCP(_ packet: [UInt8]) throws(SRTPError) -> [UInt8] { try run(packet) { (b, n) throws(SRTPError) in try unprotectRTCP(b, length: n) } }
}
