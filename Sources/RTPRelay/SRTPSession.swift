import CSRTP2

/// `srtp_init()` must have run once in the process before any session exists, or `srtp_protect`
/// crashes. A global `let` is initialised exactly once, under a lock, on first use.
private let srtpLibraryStatus: UInt32 = srtp_init().rawValue

/// One direction of SRTP/SRTCP for one media stream over libsrtp2: an outbound session protects
/// what the relay sends, an inbound one unprotects what it receives. Any SSRC is accepted
/// (`ssrc_any_*`); libsrtp clones per-SSRC state only after a packet authenticates, so hostile
/// traffic cannot grow it.
///
/// Packets are transformed in place. `protect` needs `SRTPSession.maxTrailerLength` spare bytes
/// after the packet. Not thread-safe: a session belongs to the worker that owns the call; it is
/// `@unchecked Sendable` only so the control plane can create it and hand it over.
public final class SRTPSession: @unchecked Sendable {
    public enum Direction: Sendable, Hashable {
        case outbound
        case inbound
    }

    /// Largest number of bytes protect may append (SRTP_MAX_TRAILER_LEN: tag + MKI).
    public static let maxTrailerLength = Int(rtprelay_srtp_max_trailer_len())
    /// Datagram ceiling: anything longer cannot have come from, or go to, one UDP packet.
    private static let maxPacketLength = 65535

    public let suite: SRTPSuite
    public let direction: Direction
    private let context: srtp_t

    /// `masterKeyAndSalt`: the suite's master key followed by its master salt, as SDES carries it.
    /// `replayWindow`: packets of history for replay detection (64...32767; libsrtp's default 128).
    public init(suite: SRTPSuite, masterKeyAndSalt: [UInt8], direction: Direction, replayWindow: Int = 128) throws(SRTPError) {
        guard srtpLibraryStatus == srtp_err_status_ok.rawValue else { throw .other(code: Int32(bitPattern: srtpLibraryStatus)) }
        guard masterKeyAndSalt.count == suite.masterLength else {
            throw .badKeyLength(expected: suite.masterLength, got: masterKeyAndSalt.count)
        }
        guard (64...32767).contains(replayWindow) else { throw .other(code: Int32(srtp_err_status_bad_param.rawValue)) }

        var policy = srtp_policy_t()
        Self.setCryptoPolicy(suite, rtp: &policy.rtp, rtcp: &policy.rtcp)
        policy.ssrc.type = direction == .outbound ? ssrc_any_outbound : ssrc_any_inbound
        policy.window_size = UInt(replayWindow)
        policy.allow_repeat_tx = 0
        var key = masterKeyAndSalt   // libsrtp copies the key during srtp_create
        var created: srtp_t?
        let status = key.withUnsafeMutableBufferPointer { k -> srtp_err_status_t in
            policy.key = k.baseAddress
            return srtp_create(&created, &policy)
        }
        guard status == srtp_err_status_ok, let created else { throw Self.error(status) }
        context = created
        self.suite = suite
        self.direction = direction
    }

    deinit {
        srtp_dealloc(context)
    }

    private static func setCryptoPolicy(_ suite: SRTPSuite, rtp: inout srtp_crypto_policy_t, rtcp: inout srtp_crypto_policy_t) {
        switch suite {
        case .aes128CMHmacSHA1_80:
            srtp_crypto_policy_set_rtp_default(&rtp)
            srtp_crypto_policy_set_rtcp_default(&rtcp)
        case .aes128CMHmacSHA1_32:
            srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32(&rtp)
            srtp_crypto_policy_set_rtcp_default(&rtcp)   // SRTCP keeps the 80-bit tag
        case .aes256CMHmacSHA1_80:
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtp)
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtcp)
        case .aes256CMHmacSHA1_32:
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32(&rtp)
            srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80(&rtcp)
        case .aeadAES128GCM:
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtp)
            srtp_crypto_policy_set_aes_gcm_128_16_auth(&rtcp)
        case .aeadAES256GCM:
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&rtp)
            srtp_crypto_policy_set_aes_gcm_256_16_auth(&rtcp)
        }
    }

    private static func error(_ status: srtp_err_status_t) -> SRTPError {
        switch status {
        case srtp_err_status_auth_fail: .authFail
        case srtp_err_status_replay_fail, srtp_err_status_replay_old: .replayFail
        default: .other(code: Int32(bitPattern: status.rawValue))
        }
    }

    private typealias Transform = (srtp_t?, UnsafeMutableRawPointer?, UnsafeMutablePointer<Int32>?) -> srtp_err_status_t

    /// Checks lengths before libsrtp sees the packet, then runs `transform` in place.
    @inline(__always)
    private func run(_ transform: Transform, _ buffer: UnsafeMutableRawBufferPointer, length: Int,
                     minimum: Int, spare: Int, expected: Direction) throws(SRTPError) -> Int {
        guard direction == expected else { throw .wrongDirection }
        guard length >= minimum, length <= Self.maxPacketLength else { throw .badLength(length) }
        guard buffer.count >= length + spare, let base = buffer.baseAddress else {
            throw .bufferTooSmall(needed: length + spare, available: buffer.count)
        }
        var len = Int32(length)
        let status = transform(context, base, &len)
        guard status == srtp_err_status_ok else { throw Self.error(status) }
        return Int(len)
    }

    /// Encrypts and authenticates the RTP packet in `buffer[0..<length]`; returns the new length.
    public func protect(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try run(srtp_protect, buffer, length: length, minimum: 12, spare: Self.maxTrailerLength, expected: .outbound)
    }

    /// Verifies and decrypts the SRTP packet in `buffer[0..<length]`; returns the RTP length.
    public func unprotect(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try run(srtp_unprotect, buffer, length: length, minimum: 12, spare: 0, expected: .inbound)
    }

    /// Encrypts and authenticates the (compound) RTCP packet in `buffer[0..<length]`.
    public func protectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        // SRTCP adds the 4-byte E/index word on top of the tag.
        try run(srtp_protect_rtcp, buffer, length: length, minimum: 8, spare: Self.maxTrailerLength + 4, expected: .outbound)
    }

    /// Verifies and decrypts the SRTCP packet in `buffer[0..<length]`; returns the RTCP length.
    public func unprotectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        try run(srtp_unprotect_rtcp, buffer, length: length, minimum: 8, spare: 0, expected: .inbound)
    }
}
