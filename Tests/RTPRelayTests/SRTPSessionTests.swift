import Foundation
import RTPRelay
import Testing

@Suite struct SRTPSessionTests {
    /// RFC 3711 Appendix B.3 master key and salt, padded/cut to what each suite needs.
    static func material(for suite: SRTPSuite, seed: UInt8 = 0) -> [UInt8] {
        let key: [UInt8] = [0xE1, 0xF9, 0x7A, 0x0D, 0x3E, 0x01, 0x8B, 0xE0, 0xD6, 0x4F, 0xA3, 0x2C, 0x06, 0xDE, 0x41, 0x39]
        let salt: [UInt8] = [0x0E, 0xC6, 0x75, 0xAD, 0x49, 0x8A, 0xFE, 0xEB, 0xB6, 0x96, 0x0B, 0x3A, 0xAB, 0xE6]
        let longKey = (key + key.map { $0 ^ 0x5A } + key.map { $0 ^ 0xA5 }).map { $0 &+ seed }
        return Array(longKey[0..<suite.keyLength]) + Array(salt[0..<suite.saltLength])
    }

    /// RTP version 2, PT 0, given seq/timestamp/SSRC, then `payload`.
    static func rtp(seq: UInt16, timestamp: UInt32 = 160, ssrc: UInt32 = 0xCAFE_BABE, csrc: [UInt32] = [],
                    extensionWords: [UInt32]? = nil, payload: [UInt8]) -> [UInt8] {
        var p: [UInt8] = [0x80 | UInt8(csrc.count) | (extensionWords == nil ? 0 : 0x10), 0x00]
        p += [UInt8(seq >> 8), UInt8(seq & 0xFF)]
        p += withUnsafeBytes(of: timestamp.bigEndian, Array.init)
        p += withUnsafeBytes(of: ssrc.bigEndian, Array.init)
        for c in csrc { p += withUnsafeBytes(of: c.bigEndian, Array.init) }
        if let words = extensionWords {
            p += [0xBE, 0xDE, UInt8(words.count >> 8), UInt8(words.count & 0xFF)]
            for w in words { p += withUnsafeBytes(of: w.bigEndian, Array.init) }
        }
        return p + payload
    }

    /// An RTCP receiver report with one report block (32 bytes).
    static let receiverReport: [UInt8] = [
        0x81, 0xC9, 0x00, 0x07, 0xCA, 0xFE, 0xBA, 0xBE,
        0x12, 0x34, 0x56, 0x78, 0x05, 0x00, 0x00, 0x10, 0x00, 0x00, 0x12, 0x34,
        0x00, 0x00, 0x00, 0x20, 0xAB, 0xCD, 0xEF, 0x01, 0x00, 0x00, 0x10, 0x00,
    ]

    static let payload = (0..<160).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) }

    /// Copies `packet` into a buffer with trailer room, runs `body`, returns the resulting bytes.
    static func transform(_ packet: [UInt8], _ body: (UnsafeMutableRawBufferPointer, Int) throws -> Int) throws -> [UInt8] {
        var buffer = packet + [UInt8](repeating: 0, count: SRTPSession.maxTrailerLength + 4)
        let n = try buffer.withUnsafeMutableBytes { b in try body(b, packet.count) }
        return Array(buffer[0..<n])
    }

    @Test(arguments: SRTPSuite.allCases)
    func rtpAndRtcpRoundTrip(suite: SRTPSuite) throws {
        let sender = try SRTPSession(suite: suite, masterKeyAndSalt: Self.material(for: suite), direction: .outbound)
        let receiver = try SRTPSession(suite: suite, masterKeyAndSalt: Self.material(for: suite), direction: .inbound)
        for seq in UInt16(1)...20 {
            let plain = Self.rtp(seq: seq, timestamp: UInt32(seq) * 160, payload: Self.payload)
            let protected = try Self.transform(plain) { try sender.protect($0, length: $1) }
            #expect(protected.count == plain.count + suite.rtpTrailerLength)
            #expect(protected[0..<12] == plain[0..<12])                    // header stays clear
            #expect(protected[12..<plain.count] != plain[12...])           // payload is encrypted
            let back = try Self.transform(protected) { try receiver.unprotect($0, length: $1) }
            #expect(back == plain)
        }
        let srtcp = try Self.transform(Self.receiverReport) { try sender.protectRTCP($0, length: $1) }
        #expect(srtcp.count == Self.receiverReport.count + suite.rtcpTrailerLength)
        #expect(srtcp[8..<32] != Self.receiverReport[8...])
        #expect(try Self.transform(srtcp) { try receiver.unprotectRTCP($0, length: $1) } == Self.receiverReport)
    }

    @Test(arguments: SRTPSuite.allCases)
    func tamperedReplayedAndWronglyKeyedPacketsAreRejected(suite: SRTPSuite) throws {
        let sender = try SRTPSession(suite: suite, masterKeyAndSalt: Self.material(for: suite), direction: .outbound)
        let receiver = try SRTPSession(suite: suite, masterKeyAndSalt: Self.material(for: suite), direction: .inbound)
        let stranger = try SRTPSession(suite: suite, masterKeyAndSalt: Self.material(for: suite, seed: 1), direction: .inbound)
        let protected = try Self.transform(Self.rtp(seq: 1000, payload: Self.payload)) { try sender.protect($0, length: $1) }
        // One flipped bit in the header, the payload, or the tag.
        for position in [1, 5, 20, protected.count - 1] {
            var bad = protected
            bad[position] ^= 0x01
            #expect(throws: SRTPError.authFail) { try Self.transform(bad) { try receiver.unprotect($0, length: $1) } }
        }
        #expect(throws: SRTPError.authFail) { try Self.transform(protected) { try stranger.unprotect($0, length: $1) } }
        // The genuine packet still passes once (failed attempts did not advance the window), then is a replay.
        _ = try Self.transform(protected) { try receiver.unprotect($0, length: $1) }
        #expect(throws: SRTPError.replayFail) { try Self.transform(protected) { try receiver.unprotect($0, length: $1) } }
        // RTCP: same three cases.
        let srtcp = try Self.transform(Self.receiverReport) { try sender.protectRTCP($0, length: $1) }
        var badRTCP = srtcp
        badRTCP[10] ^= 0x80
        #expect(throws: SRTPError.authFail) { try Self.transform(badRTCP) { try receiver.unprotectRTCP($0, length: $1) } }
        #expect(throws: SRTPError.authFail) { try Self.transform(srtcp) { try stranger.unprotectRTCP($0, length: $1) } }
        _ = try Self.transform(srtcp) { try receiver.unprotectRTCP($0, length: $1) }
        #expect(throws: SRTPError.replayFail) { try Self.transform(srtcp) { try receiver.unprotectRTCP($0, length: $1) } }
    }

    @Test func misuseIsATypedError() throws {
        let suite = SRTPSuite.aes128CMHmacSHA1_80
        #expect(throws: SRTPError.badKeyLength(expected: 30, got: 16)) {
            try SRTPSession(suite: suite, masterKeyAndSalt: [UInt8](repeating: 1, count: 16), direction: .outbound)
        }
        let sender = try SRTPSession(suite: suite, masterKeyAndSalt: Self.material(for: suite), direction: .outbound)
        let receiver = try SRTPSession(suite: suite, masterKeyAndSalt: Self.material(for: suite), direction: .inbound)
        var exact = Self.rtp(seq: 1, payload: Self.payload)
        #expect(throws: SRTPError.bufferTooSmall(needed: exact.count + SRTPSession.maxTrailerLength, available: exact.count)) {
            try exact.withUnsafeMutableBytes { try sender.protect($0, length: $0.count) }
        }
        #expect(throws: SRTPError.wrongDirection) { try Self.transform(exact) { try receiver.protect($0, length: $1) } }
        #expect(throws: SRTPError.wrongDirection) { try Self.transform(exact) { try sender.unprotect($0, length: $1) } }
        #expect(throws: SRTPError.badLength(11)) { try Self.transform(Array(exact[0..<11])) { try receiver.unprotect($0, length: $1) } }
        #expect(throws: SRTPError.badLength(7)) { try Self.transform(Array(exact[0..<7])) { try receiver.unprotectRTCP($0, length: $1) } }
    }

    @Test func garbageNeverCrashesUnprotect() throws {
        var rng = SplitMix(seed: 3711)
        for suite in [SRTPSuite.aes128CMHmacSHA1_80, .aeadAES128GCM] {
            let sender = try SRTPSession(suite: suite, masterKeyAndSalt: Self.material(for: suite), direction: .outbound)
            let receiver = try SRTPSession(suite: suite, masterKeyAndSalt: Self.material(for: suite), direction: .inbound)
            let genuine = try Self.transform(Self.rtp(seq: 7, csrc: [1, 2], extensionWords: [9], payload: Self.payload)) {
                try sender.protect($0, length: $1)
            }
            var accepted = 0
            for i in 0..<3000 {
                var packet: [UInt8]
                if i % 2 == 0 {
                    packet = (0..<Int(rng.next() % 300)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                    if packet.count > 0 { packet[0] = (packet[0] & 0x3F) | 0x80 }   // look like RTP v2
                } else {
                    packet = Array(genuine[0..<Int(rng.next() % UInt64(genuine.count))])
                    if !packet.isEmpty { packet[Int(rng.next() % UInt64(packet.count))] ^= 0xFF }
                }
                let rtp = try? Self.transform(packet) { try receiver.unprotect($0, length: $1) }
                let rtcp = try? Self.transform(packet) { try receiver.unprotectRTCP($0, length: $1) }
                if rtp != nil || rtcp != nil { accepted += 1 }
            }
            #expect(accepted == 0)
        }
    }

    // MARK: - Known answers from an independent implementation (libsrtp2 is the other one: SRTPCryptoTests)

    /// Runs scripts/srtp_reference.py (RFC 3711/7714 over Python `cryptography`; it first checks
    /// itself against RFC 3711 B.2 keystream and B.3 key-derivation vectors, exit 3 if they fail).
    static func reference(_ kind: String, _ suite: SRTPSuite, _ packet: [UInt8], index: UInt32) throws -> [UInt8] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../scripts/srtp_reference.py").standardized.path
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, kind, suite.rawValue, hex(material(for: suite)), hex(packet), String(index)]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "reference script exit \(process.terminationStatus)")
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return stride(from: 0, to: text.count - 1, by: 2).compactMap {
            let i = text.index(text.startIndex, offsetBy: $0)
            return UInt8(text[i...text.index(after: i)], radix: 16)
        }
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    @Test(arguments: SRTPSuite.allCases)
    func sessionMatchesIndependentRFCImplementation(suite: SRTPSuite) throws {
        let sender = try SRTPSession(suite: suite, masterKeyAndSalt: Self.material(for: suite), direction: .outbound)
        // Sequence numbers across a wrap: the second packet is protected with ROC 1.
        let packets = [
            (Self.rtp(seq: 0xFFFF, payload: Self.payload), UInt32(0)),
            (Self.rtp(seq: 0x0000, timestamp: 320, csrc: [0x0102_0304], extensionWords: [0xAABB_CCDD, 7], payload: Self.payload), UInt32(1)),
            (Self.rtp(seq: 0x0001, timestamp: 480, payload: Array(Self.payload[0..<33])), UInt32(1)),
        ]
        for (plain, roc) in packets {
            let ours = try Self.transform(plain) { try sender.protect($0, length: $1) }
            let theirs = try Self.reference("rtp", suite, plain, index: roc)
            #expect(Self.hex(ours) == Self.hex(theirs), "\(suite.rawValue) seq \(plain[2]) \(plain[3])")
        }
        // SRTCP packets are numbered from 1, as libsrtp2 does.
        for index in UInt32(1)...2 {
            let ours = try Self.transform(Self.receiverReport) { try sender.protectRTCP($0, length: $1) }
            let theirs = try Self.reference("rtcp", suite, Self.receiverReport, index: index)
            #expect(Self.hex(ours) == Self.hex(theirs), "\(suite.rawValue) SRTCP index \(index)")
        }
    }
}

/// SplitMix64 with a fixed seed: the same garbage on every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
