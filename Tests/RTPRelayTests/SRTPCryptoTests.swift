import Foundation
@testable import RTPRelay
import Testing

/// The relay's own SRTP (SRTPSession over libcrypto) against libsrtp2 as the oracle, and against the RFCs'
/// published vectors: byte-identical output both ways for every suite, SRTP and SRTCP, across a rollover,
/// with the SDES session parameters, and the same accept/reject verdicts on reordered, replayed, tampered and
/// wrongly keyed packets.
@Suite struct SRTPCryptoTests {
    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.filter { !$0.isWhitespace })
        return stride(from: 0, to: digits.count, by: 2).map { UInt8(String(digits[$0...$0 + 1]), radix: 16)! }
    }

    static let material = SRTPSessionTests.material
    static let rtp = SRTPSessionTests.rtp
    static let payload = SRTPSessionTests.payload

    /// A sender report plus an SDES chunk: a compound packet of the kind phones send.
    static let senderReport: [UInt8] = [
        0x80, 0xC8, 0x00, 0x06, 0xCA, 0xFE, 0xBA, 0xBE, 0xE5, 0x5A, 0x1B, 0x2C, 0x3D, 0x4E, 0x5F, 0x60,
        0x00, 0x01, 0x02, 0x03, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x3E, 0x80,
        0x81, 0xCA, 0x00, 0x03, 0xCA, 0xFE, 0xBA, 0xBE, 0x01, 0x05, 0x61, 0x6C, 0x69, 0x63, 0x65, 0x00,
    ]

    static let cipherSuites = SRTPSuite.allCases.filter { !$0.isAEAD }

    // MARK: - RFC known answers

    /// RFC 3711 Appendix B.2: AES-CM keystream for session key 2B7E…4F3C, IV F0F1…FD0000.
    @Test func aesCounterKeystreamMatchesRFC3711AppendixB2() throws {
        let cipher = try #require(AESCipherContext(key: Self.bytes("2B7E151628AED2A6ABF7158809CF4F3C"), mode: .counter))
        var iv = Self.bytes("F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000")
        var stream = [UInt8](repeating: 0, count: 48)
        let ok = iv.withUnsafeMutableBufferPointer { i in
            stream.withUnsafeMutableBufferPointer { cipher.applyKeystream(iv: i.baseAddress!, data: $0.baseAddress!, count: 48) }
        }
        #expect(ok)
        #expect(Self.hex(stream) == ("e03ead0935c95e80e166b16dd92b4eb4" + "d23513162b02d0f72a43a2fe4a5f97ab"
            + "41e95b3bb0a2e8dd477901e4fca894c0"))
    }

    /// RFC 3711 Appendix B.3: session encryption key, salt and authentication key from master key E1F9…4139.
    @Test func keyDerivationMatchesRFC3711AppendixB3() throws {
        let key = Self.bytes("E1F97A0D3E018BE0D64FA32C06DE4139")
        let salt = Self.bytes("0EC675AD498AFEEBB6960B3AABE6")
        func derive(_ label: SRTPKeyDerivation.Label, _ n: Int) throws -> String {
            Self.hex(try #require(SRTPKeyDerivation.derive(masterKey: key, masterSalt: salt, label: label, length: n)))
        }
        #expect(try derive(.rtpEncryption, 16) == "c61e7a93744f39ee10734afe3ff7a087")
        #expect(try derive(.rtpSalt, 14) == "30cbbc08863d8c85d49db34a9ae1")
        #expect(try derive(.rtpAuthentication, 20) == "cebe321f6ff7716b6fd4ab49af256a156d38baa4")
    }

    /// RFC 7714 §16.1.1 (AES-128) and §16.2.1 (AES-256): session key 0001…, session salt "Quid pro quo",
    /// ROC 0, the "Gallia est omnis divisa in partes tres" packet; and the tag refuses a flipped bit.
    @Test(arguments: [
        (SRTPSuite.aeadAES128GCM, "f24de3a3fb34de6cacba861c9d7e4bcabe633bd50d294e6f42a5f47a51c7d19b36de3adf8833"
            + "899d7f27beb16a9152cf765ee4390cce"),
        (SRTPSuite.aeadAES256GCM, "32b1de78a822fe12ef9f78fa332e33aab18012389a58e2f3b50b2a0276ffae0f1ba63799b87b"
            + "7aa3db36dfffd6b0f9bb7878d7a76c13"),
    ])
    func gcmMatchesRFC7714Vectors(suite: SRTPSuite, expected: String) throws {
        let key = (0..<UInt8(suite.keyLength)).map { $0 }
        let salt = Array("Quid pro quo".utf8)
        func session(_ direction: SRTPSession.Direction) throws -> SRTPSession {
            let encrypt = direction == .outbound
            let rtp = try #require(SRTPCryptoContext(suite: suite, sessionKey: key, authenticationKey: [],
                                                     sessionSalt: salt, encrypt: encrypt))
            let rtcp = try #require(SRTPCryptoContext(suite: suite, sessionKey: key, authenticationKey: [],
                                                      sessionSalt: salt, encrypt: encrypt))
            return try SRTPSession(suite: suite, rtp: rtp, rtcp: rtcp, direction: direction)
        }
        let header = Self.bytes("8040f17b8041f8d35501a0b2")
        let plain = header + Array("Gallia est omnis divisa in partes tres".utf8)
        let protected = try session(.outbound).protect(plain)
        #expect(Self.hex(protected) == Self.hex(header) + expected)
        #expect(try session(.inbound).unprotect(protected) == plain)
        var bad = protected
        bad[20] ^= 0x01
        #expect(throws: SRTPError.authFail) { try session(.inbound).unprotect(bad) }
    }

    // MARK: - libsrtp2 as the oracle

    /// Packets over a sequence wrap (65530…65535, 0…5: ROC 0 then 1), with CSRCs, a header extension, odd
    /// payload sizes; then compound SRTCP. Ours and libsrtp2 protect to the same bytes, and each unprotects the other's.
    @Test(arguments: SRTPSuite.allCases)
    func protectedBytesAreIdenticalToLibsrtpAcrossRollover(suite: SRTPSuite) throws {
        let key = Self.material(suite, 0)
        let ours = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .outbound)
        let oracle = try LibSRTPOracle(suite: suite, masterKeyAndSalt: key, direction: .outbound)
        let oursIn = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .inbound)
        let oracleIn = try LibSRTPOracle(suite: suite, masterKeyAndSalt: key, direction: .inbound)
        var seq: UInt16 = 65530
        for i in 0..<12 {
            let plain = Self.rtp(seq, UInt32(i) * 160, 0x1234_5678, i % 3 == 0 ? [0xAABB_CCDD] : [],
                                 i % 4 == 1 ? [0x0102_0304, 0x0506_0708] : nil, Array(Self.payload[0..<(20 + 11 * i)]))
            let mine = try ours.protect(plain)
            let theirs = try oracle.protect(plain)
            #expect(Self.hex(mine) == Self.hex(theirs), "\(suite.rawValue) seq \(seq)")
            #expect(try oracleIn.unprotect(mine) == plain)
            #expect(try oursIn.unprotect(theirs) == plain)
            seq &+= 1
        }
        for _ in 0..<3 {
            let mine = try ours.protectRTCP(Self.senderReport)
            let theirs = try oracle.protectRTCP(Self.senderReport)
            #expect(Self.hex(mine) == Self.hex(theirs), "\(suite.rawValue) SRTCP")
            #expect(try oracleIn.unprotectRTCP(mine) == Self.senderReport)
            #expect(try oursIn.unprotectRTCP(theirs) == Self.senderReport)
        }
    }

    /// UNENCRYPTED_SRTP, UNENCRYPTED_SRTCP, UNAUTHENTICATED_SRTP and their combinations, as libsrtp2 policies.
    @Test(arguments: cipherSuites)
    func sessionParametersMatchLibsrtp(suite: SRTPSuite) throws {
        let key = Self.material(suite, 3)
        for services in [SRTPServices(encryptRTP: false), SRTPServices(encryptRTCP: false),
                         SRTPServices(authenticateRTP: false), SRTPServices(encryptRTP: false, authenticateRTP: false,
                                                                            encryptRTCP: false)] {
            let ours = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .outbound, services: services)
            let oracle = try LibSRTPOracle(suite: suite, masterKeyAndSalt: key, direction: .outbound, services: services)
            let oursIn = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .inbound, services: services)
            let oracleIn = try LibSRTPOracle(suite: suite, masterKeyAndSalt: key, direction: .inbound, services: services)
            for seq in UInt16(100)..<104 {
                let plain = Self.rtp(seq, 0, 0xCAFE_BABE, [], nil, Self.payload)
                let mine = try ours.protect(plain)
                #expect(Self.hex(mine) == Self.hex(try oracle.protect(plain)), "\(services)")
                #expect((mine[12..<plain.count] == plain[12...]) == !services.encryptRTP)
                #expect(mine.count == plain.count + (services.authenticateRTP ? suite.rtpTrailerLength : 0))
                #expect(try oracleIn.unprotect(mine) == plain)
                #expect(try oursIn.unprotect(mine) == plain)
            }
            let mine = try ours.protectRTCP(Self.senderReport)
            #expect(Self.hex(mine) == Self.hex(try oracle.protectRTCP(Self.senderReport)), "\(services)")
            #expect((mine[Self.senderReport.count] & 0x80 != 0) == services.encryptRTCP)   // the E flag
            #expect(try oracleIn.unprotectRTCP(mine) == Self.senderReport)
            #expect(try oursIn.unprotectRTCP(mine) == Self.senderReport)
        }
    }

    /// RFC 7714 §9.2: AEAD SRTCP without encryption (whole packet as AAD), against libsrtp2; and the AEAD
    /// suites refuse RTP without encryption or authentication instead of running something undefined.
    @Test(arguments: [SRTPSuite.aeadAES128GCM, .aeadAES256GCM])
    func gcmUnencryptedSRTCPMatchesLibsrtp(suite: SRTPSuite) throws {
        let key = Self.material(suite, 4)
        let services = SRTPServices(encryptRTCP: false)
        let ours = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .outbound, services: services)
        let oracle = try LibSRTPOracle(suite: suite, masterKeyAndSalt: key, direction: .outbound, services: services)
        let oracleIn = try LibSRTPOracle(suite: suite, masterKeyAndSalt: key, direction: .inbound, services: services)
        let oursIn = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .inbound, services: services)
        for _ in 0..<2 {
            let mine = try ours.protectRTCP(Self.senderReport)
            #expect(Self.hex(mine) == Self.hex(try oracle.protectRTCP(Self.senderReport)))
            #expect(Array(mine[0..<Self.senderReport.count]) == Self.senderReport)
            #expect(try oracleIn.unprotectRTCP(mine) == Self.senderReport)
            #expect(try oursIn.unprotectRTCP(mine) == Self.senderReport)
        }
        // An encrypted-flagged packet is refused by a session that negotiated UNENCRYPTED_SRTCP, and vice versa.
        let encrypted = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .outbound).protectRTCP(Self.senderReport)
        #expect(throws: SRTPError.authFail) { try oursIn.unprotectRTCP(encrypted) }
        for services in [SRTPServices(encryptRTP: false), SRTPServices(authenticateRTP: false)] {
            #expect(throws: SRTPError.unsupportedServices) {
                try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .outbound, services: services)
            }
        }
    }

    /// A hostile or unlucky packet order: reordering, duplicates, late packets from before the window, a jump,
    /// a wrap. For each packet libsrtp2 and ours give the same verdict (accepted, replay) on the same bytes.
    @Test(arguments: [SRTPSuite.aes128CMHmacSHA1_80, .aes256CMHmacSHA1_32, .aeadAES128GCM])
    func replayVerdictsMatchLibsrtp(suite: SRTPSuite) throws {
        let key = Self.material(suite, 5)
        let sender = try LibSRTPOracle(suite: suite, masterKeyAndSalt: key, direction: .outbound)
        let ours = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .inbound)
        let oracle = try LibSRTPOracle(suite: suite, masterKeyAndSalt: key, direction: .inbound)
        // Protect a wrapping run once, in order (the sender's index estimate needs order), then deliver shuffled.
        var protected: [[UInt8]] = []
        var seq: UInt16 = 65000
        for _ in 0..<1200 {
            protected.append(try sender.protect(Self.rtp(seq, 0, 0x0BAD_CAFE, [], nil, Array(Self.payload[0..<40]))))
            seq &+= 1
        }
        var rng = SplitMix(seed: 7714)
        var order: [Int] = []
        var next = 0
        while next < protected.count {
            switch rng.next() % 10 {
            case 0: order.append(max(0, next - 1 - Int(rng.next() % 300)))             // late, maybe beyond the window
            case 1: if let last = order.last { order.append(last) }                     // duplicate
            case 2: next = min(protected.count - 1, next + Int(rng.next() % 8)); order.append(next); next += 1   // jump
            default: order.append(next); next += 1
            }
        }
        var accepted = 0
        var replays = 0
        for i in order {
            let a = Result { () throws(SRTPError) in try ours.unprotect(protected[i]) }
            let b = Result { () throws(SRTPError) in try oracle.unprotect(protected[i]) }
            switch (a, b) {
            case (.success(let x), .success(let y)):
                #expect(x == y)
                accepted += 1
            case (.failure(let x), .failure(let y)):
                #expect(x == y, "packet \(i)")
                if x == .replayFail { replays += 1 }
            default:
                Issue.record("packet \(i): ours \(a), libsrtp2 \(b)")
            }
        }
        #expect(accepted > 600 && replays > 50, "accepted \(accepted), replays \(replays)")
    }

    /// Tampered, replayed and wrongly keyed packets from the oracle are refused by ours, and ours by the
    /// oracle; several SSRCs interleave on one session, each with its own index state.
    @Test(arguments: SRTPSuite.allCases)
    func tamperedReplayedAndForeignPacketsAreRefusedBothWays(suite: SRTPSuite) throws {
        let key = Self.material(suite, 6)
        let oracleOut = try LibSRTPOracle(suite: suite, masterKeyAndSalt: key, direction: .outbound)
        let oursOut = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .outbound)
        let oursIn = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .inbound)
        let oracleIn = try LibSRTPOracle(suite: suite, masterKeyAndSalt: key, direction: .inbound)
        let stranger = try SRTPSession(suite: suite, masterKeyAndSalt: Self.material(suite, 9), direction: .inbound)
        for ssrc: UInt32 in [1, 2, 3] {
            for seq in UInt16(10)..<13 {
                let plain = Self.rtp(seq &* UInt16(ssrc), 0, ssrc, [], nil, Self.payload)
                let fromOracle = try oracleOut.protect(plain)
                let fromOurs = try oursOut.protect(plain)
                #expect(fromOracle == fromOurs)
                try Self.expectRefusalsThenAcceptance(fromOracle, plain) { (p) throws(SRTPError) in try oursIn.unprotect(p) }
                try Self.expectRefusalsThenAcceptance(fromOurs, plain) { (p) throws(SRTPError) in try oracleIn.unprotect(p) }
                #expect(throws: SRTPError.authFail) { try stranger.unprotect(fromOurs) }
            }
            var report = Self.senderReport
            report.replaceSubrange(4..<8, with: withUnsafeBytes(of: ssrc.bigEndian, Array.init))
            let srtcp = try oracleOut.protectRTCP(report)
            var bad = srtcp
            bad[14] ^= 0x01
            #expect(throws: SRTPError.authFail) { try oursIn.unprotectRTCP(bad) }
            #expect(throws: SRTPError.authFail) { try stranger.unprotectRTCP(srtcp) }
            _ = try oursIn.unprotectRTCP(srtcp)
            #expect(throws: SRTPError.replayFail) { try oursIn.unprotectRTCP(srtcp) }
        }
        // Protecting an index twice would reuse keystream: both refuse it.
        let again = Self.rtp(10, 0, 1, [], nil, Self.payload)
        #expect(throws: SRTPError.replayFail) { try oursOut.protect(again) }
        #expect(throws: SRTPError.replayFail) { try oracleOut.protect(again) }
    }

    /// One bit flipped in the sequence number, the SSRC, the payload or the tag: refused; then the genuine
    /// packet passes once (failures did not move the window) and is a replay the second time.
    static func expectRefusalsThenAcceptance(_ packet: [UInt8], _ plain: [UInt8],
                                             _ unprotect: ([UInt8]) throws(SRTPError) -> [UInt8]) throws {
        for position in [3, 9, 12, packet.count - 1] {
            var bad = packet
            bad[position] ^= 0x10
            #expect(throws: SRTPError.authFail) { try unprotect(bad) }
        }
        #expect(try unprotect(packet) == plain)
        #expect(throws: SRTPError.replayFail) { try unprotect(packet) }
    }

    /// RFC 3711 Appendix A as libsrtp2 applies it: the index a sequence number gets from the highest one seen.
    @Test func indexEstimateFollowsAppendixA() {
        let cases: [(UInt64, UInt16, UInt64, Int64)] = [
            (0, 0, 0, 0), (0, 5, 5, 5), (100, 40000, 40000, 39900),        // ROC stays 0 below 2^15
            (0xFFF0, 0x0002, 0x1_0002, 0x12),                                // wraps forward into ROC 1
            (0x1_0002, 0xFFF0, 0xFFF0, -0x12),                               // late packet from ROC 0
            (0x3_8000, 0x8001, 0x3_8001, 1), (0x3_9000, 0x0FFF, 0x4_0FFF, 0x7FFF),
            (0x3_0010, 0xF000, 0x2_F000, 0xF000 - 0x10 - 0x10000),
        ]
        for (highest, seq, index, delta) in cases {
            let estimate = SRTPPacketIndex.estimate(highest: highest, sequence: seq)
            #expect(estimate.index == index && estimate.delta == delta, "highest \(highest) seq \(seq)")
        }
    }

    /// More SSRCs than the table holds: the least recently used makes way, the others keep their state.
    @Test func streamTableEvictsLeastRecentlyUsed() throws {
        let suite = SRTPSuite.aes128CMHmacSHA1_80
        let key = Self.material(suite, 8)
        let sender = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .outbound)
        let receiver = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .inbound)
        var first: [UInt32: [UInt8]] = [:]
        for ssrc in UInt32(1)...UInt32(SRTPStreamTable.capacity) {
            first[ssrc] = try sender.protect(Self.rtp(1, 0, ssrc, [], nil, Self.payload))
            _ = try receiver.unprotect(first[ssrc]!)
        }
        #expect(throws: SRTPError.replayFail) { try receiver.unprotect(first[1]!) }   // SSRC 1 is tracked, and now most recent
        _ = try receiver.unprotect(try sender.protect(Self.rtp(1, 0, 5000, [], nil, Self.payload)))   // evicts SSRC 2
        #expect(throws: SRTPError.replayFail) { try receiver.unprotect(first[1]!) }
        #expect(throws: SRTPError.replayFail) { try receiver.unprotect(first[3]!) }
        // SSRC 2's state is gone: its old packet is taken as the first of a new stream.
        #expect(try receiver.unprotect(first[2]!).count == 12 + Self.payload.count)
    }

    /// A wider replay window (rounded up to a power of two: 1000 → 1024) keeps late packets that a 128-packet one
    /// calls old; sizes outside 64...32768 are refused.
    @Test func replayWindowSizeIsHonoured() throws {
        let suite = SRTPSuite.aes128CMHmacSHA1_32
        let key = Self.material(suite, 11)
        let sender = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .outbound)
        let wide = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .inbound, replayWindow: 1000)
        let narrow = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .inbound)
        let packets = try (UInt16(0)..<1100).map { try sender.protect(Self.rtp($0, 0, 77, [], nil, Array(Self.payload[0..<8]))) }
        for receiver in [wide, narrow] { _ = try receiver.unprotect(packets[1099]) }
        #expect(try wide.unprotect(packets[1099 - 1000]).count == 20)       // 1000 behind: inside 1024
        #expect(throws: SRTPError.replayFail) { try narrow.unprotect(packets[1099 - 1000]) }
        #expect(try narrow.unprotect(packets[1099 - 127]).count == 20)     // 127 behind: inside 128
        #expect(throws: SRTPError.replayFail) { try narrow.unprotect(packets[1099 - 128]) }
        #expect(throws: SRTPError.replayFail) { try wide.unprotect(packets[1099 - 1024]) }
        for size in [63, 32769] {
            #expect(throws: SRTPError.badReplayWindow(size)) {
                try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .inbound, replayWindow: size)
            }
        }
    }
}
