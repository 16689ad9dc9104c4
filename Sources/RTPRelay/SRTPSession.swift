import COpenSSL

/// One direction of SRTP/SRTCP for one media stream (RFC 3711 AES-CM + HMAC-SHA1, RFC 7714 AES-GCM), over
/// libcrypto: an outbound session protects what the relay sends, an inbound one unprotects what it receives.
/// Any SSRC is accepted, each with its own rollover counter, replay window and SRTCP index (SRTPStreamTable);
/// inbound, an SSRC is remembered only after one of its packets authenticated.
///
/// Everything a packet needs (cipher contexts, HMAC states, salts, SSRC table, scratch) is made in `init`, so
/// protect and unprotect never allocate. Its output is byte-identical to libsrtp2's for the same keys and
/// packets, which stays the tests' oracle (SRTPCryptoTests).
///
/// Packets are transformed in place. `protect` needs `SRTPSession.maxTrailerLength` spare bytes after the
/// packet (4 more for SRTCP). Not thread-safe: a session belongs to the worker that owns the call; it is
/// `@unchecked Sendable` only so the control plane can create it and hand it over.
public final class SRTPSession: @unchecked Sendable {
    public enum Direction: Sendable, Hashable {
        case outbound
        case inbound
    }

    /// Largest authentication tag protect appends (GCM's 16 bytes; no MKI is ever sent). SRTCP adds 4 more.
    public static let maxTrailerLength = 16
    /// Datagram ceiling: anything longer cannot have come from, or go to, one UDP packet.
    private static let maxPacketLength = 65535
    /// SRTCP's E flag, the top bit of the word that carries the SRTCP index (RFC 3711 §3.4).
    private static let encryptedFlag: UInt32 = 0x8000_0000

    public let suite: SRTPSuite
    public let direction: Direction
    public let services: SRTPServices
    private let rtp: SRTPCryptoContext
    private let rtcp: SRTPCryptoContext
    private let streams: SRTPStreamTable
    /// RTP authentication tag length: the suite's, or 0 under UNAUTHENTICATED_SRTP.
    private let rtpTagLength: Int
    /// SRTCP tag: 80 bits even for the `_32` suites (RFC 4568 §6.2.1), 128 for GCM.
    private let rtcpTagLength: Int
    /// 16 bytes of IV, 20 of HMAC digest, 4 of ROC or E‖index.
    private let scratch: UnsafeMutablePointer<UInt8>
    private var iv: UnsafeMutablePointer<UInt8> { scratch }
    private var digest: UnsafeMutablePointer<UInt8> { scratch + 16 }
    private var word: UnsafeMutablePointer<UInt8> { scratch + 36 }

    /// `masterKeyAndSalt`: the suite's master key followed by its master salt, as SDES carries it.
    /// `replayWindow`: packets of history for replay detection, 64...32768, rounded up to a power of two
    /// (libsrtp2's default and ours: 128). `services`: the SDES session parameters in force.
    public convenience init(suite: SRTPSuite, masterKeyAndSalt: [UInt8], direction: Direction, replayWindow: Int = 128,
                            services: SRTPServices = .all) throws(SRTPError) {
        guard masterKeyAndSalt.count == suite.masterLength else {
            throw .badKeyLength(expected: suite.masterLength, got: masterKeyAndSalt.count)
        }
        let key = Array(masterKeyAndSalt[0..<suite.keyLength])
        let salt = Array(masterKeyAndSalt[suite.keyLength...])
        let encrypt = direction == .outbound
        guard let rtp = SRTPCryptoContext(suite: suite, masterKey: key, masterSalt: salt, half: .rtp, encrypt: encrypt),
              let rtcp = SRTPCryptoContext(suite: suite, masterKey: key, masterSalt: salt, half: .rtcp, encrypt: encrypt)
        else { throw .cryptoFailure }
        try self.init(suite: suite, rtp: rtp, rtcp: rtcp, direction: direction, replayWindow: replayWindow, services: services)
    }

    /// From contexts holding session keys already derived (tests feed RFC 7714's session-key vectors so).
    init(suite: SRTPSuite, rtp: SRTPCryptoContext, rtcp: SRTPCryptoContext, direction: Direction, replayWindow: Int = 128,
         services: SRTPServices = .all) throws(SRTPError) {
        guard (64...32768).contains(replayWindow) else { throw .badReplayWindow(replayWindow) }
        guard !suite.isAEAD || (services.encryptRTP && services.authenticateRTP) else { throw .unsupportedServices }
        var window = 64
        while window < replayWindow { window <<= 1 }
        self.suite = suite
        self.direction = direction
        self.services = services
        self.rtp = rtp
        self.rtcp = rtcp
        streams = SRTPStreamTable(rtpWindowSize: window)
        rtpTagLength = services.authenticateRTP ? suite.rtpTrailerLength : 0
        rtcpTagLength = suite.rtcpTrailerLength - 4
        scratch = .allocate(capacity: 40)
        scratch.initialize(repeating: 0, count: 40)
    }

    deinit {
        scratch.deallocate()
    }

    // MARK: - Public transforms

    /// Encrypts and authenticates the RTP packet in `buffer[0..<length]`; returns the new length.
    public func protect(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        let p = try checked(buffer, length: length, minimum: 12, spare: Self.maxTrailerLength, expected: .outbound)
        let headerLength = try Self.rtpHeaderLength(p, length: length)
        let ssrc = Self.load32(p, 8)
        let slot = streams.find(ssrc) ?? streams.insert(ssrc)
        let state = streams[slot]
        let (index, delta) = SRTPPacketIndex.estimate(highest: state.pointee.rtpHighest, sequence: Self.load16(p, 2))
        // An index used before would reuse keystream: refused, as libsrtp2 does without allow_repeat_tx.
        let window = streams.rtpWindow(slot)
        guard !window.isReplay(index: index, delta: delta) else { throw .replayFail }
        window.record(index: index, delta: delta)
        if delta > 0 { state.pointee.rtpHighest = index }
        let roc = UInt32(truncatingIfNeeded: index >> 16)

        if suite.isAEAD {
            gcmRTPIV(ssrc: ssrc, roc: roc, sequence: UInt16(truncatingIfNeeded: index))
            guard rtp.cipher.seal(iv: iv, aad: UnsafeRawBufferPointer(start: p, count: headerLength), aad2: .init(start: nil, count: 0),
                                  data: p + headerLength, count: length - headerLength, tag: p + length)
            else { throw .cryptoFailure }
            return length + AESCipherContext.gcmTagLength
        }
        if services.encryptRTP {
            counterIV(salt: rtp.salt, ssrc: ssrc, index: index)
            guard rtp.cipher.applyKeystream(iv: iv, data: p + headerLength, count: length - headerLength) else {
                throw .cryptoFailure
            }
        }
        guard rtpTagLength > 0, let hmac = rtp.hmac else { return length }
        Self.store32(word, roc)
        hmac.authenticate(p, count: length, suffix: word, suffixCount: 4, digest: digest)
        (p + length).update(from: digest, count: rtpTagLength)
        return length + rtpTagLength
    }

    /// Verifies and decrypts the SRTP packet in `buffer[0..<length]`; returns the RTP length.
    public func unprotect(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        let p = try checked(buffer, length: length, minimum: 12, spare: 0, expected: .inbound)
        let headerLength = try Self.rtpHeaderLength(p, length: length)
        guard length - headerLength >= rtpTagLength else { throw .badLength(length) }
        let ssrc = Self.load32(p, 8)
        let known = streams.find(ssrc)
        let highest = known.map { streams[$0].pointee.rtpHighest } ?? 0
        let (index, delta) = SRTPPacketIndex.estimate(highest: highest, sequence: Self.load16(p, 2))
        if let known, streams.rtpWindow(known).isReplay(index: index, delta: delta) { throw .replayFail }
        let roc = UInt32(truncatingIfNeeded: index >> 16)
        let bodyLength = length - rtpTagLength

        if suite.isAEAD {
            gcmRTPIV(ssrc: ssrc, roc: roc, sequence: UInt16(truncatingIfNeeded: index))
            guard rtp.cipher.open(iv: iv, aad: UnsafeRawBufferPointer(start: p, count: headerLength), aad2: .init(start: nil, count: 0),
                                  data: p + headerLength, count: bodyLength - headerLength, tag: p + bodyLength)
            else { throw .authFail }
        } else {
            if rtpTagLength > 0, let hmac = rtp.hmac {
                Self.store32(word, roc)
                hmac.authenticate(p, count: bodyLength, suffix: word, suffixCount: 4, digest: digest)
                guard CRYPTO_memcmp(digest, p + bodyLength, rtpTagLength) == 0 else { throw .authFail }
            }
            if services.encryptRTP {
                counterIV(salt: rtp.salt, ssrc: ssrc, index: index)
                guard rtp.cipher.applyKeystream(iv: iv, data: p + headerLength, count: bodyLength - headerLength) else {
                    throw .cryptoFailure
                }
            }
        }
        // Authentic: only now may the SSRC enter the table and the window move.
        let slot = known ?? streams.insert(ssrc)
        streams.rtpWindow(slot).record(index: index, delta: delta)
        if delta > 0 { streams[slot].pointee.rtpHighest = index }
        return bodyLength
    }

    /// Encrypts and authenticates the (compound) RTCP packet in `buffer[0..<length]`.
    public func protectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        let p = try checked(buffer, length: length, minimum: 8, spare: Self.maxTrailerLength + 4, expected: .outbound)
        let ssrc = Self.load32(p, 4)
        let slot = streams.find(ssrc) ?? streams.insert(ssrc)
        let state = streams[slot]
        // libsrtp2 numbers SRTCP packets from 1; the index has 31 bits.
        guard state.pointee.rtcpIndex < 0x7FFF_FFFF else { throw .indexExhausted }
        state.pointee.rtcpIndex += 1
        let index = state.pointee.rtcpIndex
        let flaggedIndex = services.encryptRTCP ? index | Self.encryptedFlag : index

        if suite.isAEAD {
            // RFC 7714 §9: header (or, unencrypted, the whole packet) and E‖index are the AAD; the tag goes
            // after the ciphertext and E‖index after the tag.
            gcmRTCPIV(ssrc: ssrc, index: index)
            Self.store32(word, flaggedIndex)
            let aadLength = services.encryptRTCP ? 8 : length
            guard rtcp.cipher.seal(iv: iv, aad: UnsafeRawBufferPointer(start: p, count: aadLength),
                                   aad2: UnsafeRawBufferPointer(start: word, count: 4),
                                   data: p + aadLength, count: length - aadLength, tag: p + length)
            else { throw .cryptoFailure }
            Self.store32(p + length + rtcpTagLength, flaggedIndex)
            return length + rtcpTagLength + 4
        }
        if services.encryptRTCP {
            counterIV(salt: rtcp.salt, ssrc: ssrc, index: UInt64(index))
            guard rtcp.cipher.applyKeystream(iv: iv, data: p + 8, count: length - 8) else { throw .cryptoFailure }
        }
        Self.store32(p + length, flaggedIndex)
        guard let hmac = rtcp.hmac else { throw .cryptoFailure }
        hmac.authenticate(p, count: length + 4, suffix: p, suffixCount: 0, digest: digest)
        (p + length + 4).update(from: digest, count: rtcpTagLength)
        return length + 4 + rtcpTagLength
    }

    /// Verifies and decrypts the SRTCP packet in `buffer[0..<length]`; returns the RTCP length.
    public func unprotectRTCP(_ buffer: UnsafeMutableRawBufferPointer, length: Int) throws(SRTPError) -> Int {
        let p = try checked(buffer, length: length, minimum: 8, spare: 0, expected: .inbound)
        guard length >= 8 + 4 + rtcpTagLength else { throw .badLength(length) }
        let ssrc = Self.load32(p, 4)
        // AES-CM: … E‖index, tag. GCM: … tag, E‖index.
        let wordOffset = suite.isAEAD ? length - 4 : length - 4 - rtcpTagLength
        let flaggedIndex = Self.load32(p, wordOffset)
        let index = flaggedIndex & ~Self.encryptedFlag
        // A packet whose E flag contradicts the negotiated UNENCRYPTED_SRTCP is refused, as libsrtp2 does.
        guard (flaggedIndex & Self.encryptedFlag != 0) == services.encryptRTCP else { throw .authFail }
        let known = streams.find(ssrc)
        let delta = Int64(index) - Int64(known.map { streams[$0].pointee.rtcpIndex } ?? 0)
        if let known, streams.rtcpWindow(known).isReplay(index: UInt64(index), delta: delta) { throw .replayFail }
        let plainLength = length - 4 - rtcpTagLength

        if suite.isAEAD {
            gcmRTCPIV(ssrc: ssrc, index: index)
            let aadLength = services.encryptRTCP ? 8 : plainLength
            guard rtcp.cipher.open(iv: iv, aad: UnsafeRawBufferPointer(start: p, count: aadLength),
                                   aad2: UnsafeRawBufferPointer(start: p + wordOffset, count: 4),
                                   data: p + aadLength, count: plainLength - aadLength, tag: p + plainLength)
            else { throw .authFail }
        } else {
            guard let hmac = rtcp.hmac else { throw .cryptoFailure }
            hmac.authenticate(p, count: plainLength + 4, suffix: p, suffixCount: 0, digest: digest)
            guard CRYPTO_memcmp(digest, p + plainLength + 4, rtcpTagLength) == 0 else { throw .authFail }
            if services.encryptRTCP {
                counterIV(salt: rtcp.salt, ssrc: ssrc, index: UInt64(index))
                guard rtcp.cipher.applyKeystream(iv: iv, data: p + 8, count: plainLength - 8) else { throw .cryptoFailure }
            }
        }
        let slot = known ?? streams.insert(ssrc)
        streams.rtcpWindow(slot).record(index: UInt64(index), delta: delta)
        if delta > 0 { streams[slot].pointee.rtcpIndex = index }
        return plainLength
    }

    // MARK: - Packet plumbing

    /// Checks direction and lengths before any byte is read; the packet's first byte.
    @inline(__always)
    private func checked(_ buffer: UnsafeMutableRawBufferPointer, length: Int, minimum: Int, spare: Int,
                         expected: Direction) throws(SRTPError) -> UnsafeMutablePointer<UInt8> {
        guard direction == expected else { throw .wrongDirection }
        guard length >= minimum, length <= Self.maxPacketLength else { throw .badLength(length) }
        guard buffer.count >= length + spare, let base = buffer.baseAddress else {
            throw .bufferTooSmall(needed: length + spare, available: buffer.count)
        }
        return base.assumingMemoryBound(to: UInt8.self)
    }

    /// Fixed header, CSRCs and header extension: what SRTP leaves in the clear (RFC 3711 §3.1).
    @inline(__always)
    private static func rtpHeaderLength(_ p: UnsafeMutablePointer<UInt8>, length: Int) throws(SRTPError) -> Int {
        var headerLength = 12 + 4 * Int(p[0] & 0x0F)
        if p[0] & 0x10 != 0 {
            guard length >= headerLength + 4 else { throw .badLength(length) }
            headerLength += 4 + 4 * Int(load16(p, headerLength + 2))
        }
        guard headerLength <= length else { throw .badLength(length) }
        return headerLength
    }

    /// AES-CM counter block (RFC 3711 §4.1.1): salt·2^16 XOR SSRC·2^64 XOR index·2^16, block counter 0.
    @inline(__always)
    private func counterIV(salt: UnsafeMutablePointer<UInt8>, ssrc: UInt32, index: UInt64) {
        iv.update(from: salt, count: 16)
        iv[4] ^= UInt8(truncatingIfNeeded: ssrc >> 24)
        iv[5] ^= UInt8(truncatingIfNeeded: ssrc >> 16)
        iv[6] ^= UInt8(truncatingIfNeeded: ssrc >> 8)
        iv[7] ^= UInt8(truncatingIfNeeded: ssrc)
        for i in 0..<6 { iv[8 + i] ^= UInt8(truncatingIfNeeded: index >> UInt64(40 - 8 * i)) }
        iv[14] = 0
        iv[15] = 0
    }

    /// RFC 7714 §8.1: 00 00 ‖ SSRC ‖ ROC ‖ SEQ, XOR the 12-byte session salt.
    @inline(__always)
    private func gcmRTPIV(ssrc: UInt32, roc: UInt32, sequence: UInt16) {
        iv.update(from: rtp.salt, count: 12)
        xor32(iv + 2, ssrc)
        xor32(iv + 6, roc)
        iv[10] ^= UInt8(truncatingIfNeeded: sequence >> 8)
        iv[11] ^= UInt8(truncatingIfNeeded: sequence)
    }

    /// RFC 7714 §9.1: 00 00 ‖ SSRC ‖ 00 00 ‖ 0‖SRTCP index, XOR the 12-byte session salt.
    @inline(__always)
    private func gcmRTCPIV(ssrc: UInt32, index: UInt32) {
        iv.update(from: rtcp.salt, count: 12)
        xor32(iv + 2, ssrc)
        xor32(iv + 8, index)
    }

    @inline(__always)
    private func xor32(_ p: UnsafeMutablePointer<UInt8>, _ value: UInt32) {
        p[0] ^= UInt8(truncatingIfNeeded: value >> 24)
        p[1] ^= UInt8(truncatingIfNeeded: value >> 16)
        p[2] ^= UInt8(truncatingIfNeeded: value >> 8)
        p[3] ^= UInt8(truncatingIfNeeded: value)
    }

    @inline(__always)
    private static func load16(_ p: UnsafeMutablePointer<UInt8>, _ offset: Int) -> UInt16 {
        UInt16(p[offset]) << 8 | UInt16(p[offset + 1])
    }

    @inline(__always)
    private static func load32(_ p: UnsafeMutablePointer<UInt8>, _ offset: Int) -> UInt32 {
        UInt32(p[offset]) << 24 | UInt32(p[offset + 1]) << 16 | UInt32(p[offset + 2]) << 8 | UInt32(p[offset + 3])
    }

    @inline(__always)
    private static func store32(_ p: UnsafeMutablePointer<UInt8>, _ value: UInt32) {
        p[0] = UInt8(truncatingIfNeeded: value >> 24)
        p[1] = UInt8(truncatingIfNeeded: value >> 16)
        p[2] = UInt8(truncatingIfNeeded: value >> 8)
        p[3] = UInt8(truncatingIfNeeded: value)
    }
}
