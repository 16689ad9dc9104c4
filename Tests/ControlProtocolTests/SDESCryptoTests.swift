import Testing
import RTPWire
@testable import ControlProtocol

/// `a=crypto` parse/write (RFC 4568 §9.1) on lines from the RFC and from rtpengine 10.5's offers, the
/// refusals negotiation relies on, base64, and key generation.
@Suite struct SDESCryptoTests {
    /// RFC 4568 §5.1 (offer) and §5.2 (answer) examples, and §6.1's MKI example.
    static let rfcLines = [
        "1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:4",
        "1 AES_CM_128_HMAC_SHA1_80 inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj|2^20|1:32",
        "1 AES_CM_128_HMAC_SHA1_32 inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^20|1:32",
    ]

    static func parse(_ text: String) throws(SDESCryptoError) -> SDESCrypto {
        try SDESCrypto(parsing: Substring(text))
    }

    static func refusal(_ text: String) -> SDESCryptoError? {
        do throws(SDESCryptoError) {
            _ = try SDESCrypto.usable(parsing: Substring(text))
            return nil
        } catch {
            return error
        }
    }

    // MARK: Round trips

    @Test(arguments: rfcLines)
    func rfcExamplesRoundTripAndMKIIsRefusedForUse(line: String) throws {
        let crypto = try Self.parse(line)
        #expect(crypto.attributeValue == line)
        #expect(crypto.tag == 1)
        #expect(crypto.masterKey.count == 16 && crypto.masterSalt.count == 14)
        #expect(crypto.lifetime == .powerOfTwo(20))
        #expect(crypto.lifetime?.packets == 1 << 20)
        #expect(crypto.mki != nil)
        // The relay's SRTP contexts run without MKI: such a line is parsed but never used.
        #expect(Self.refusal(line) == .mkiUnsupported)
    }

    @Test func rfcKeyDecodesToTheBytesOfItsBase64() throws {
        // Its base64 is the 30 ASCII bytes =-n@%^x!Bjufr9)?,#5h\`=&]{qiPQ: 16 of key, 14 of salt.
        let crypto = try Self.parse("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR")
        #expect(crypto.keying.masterKeyAndSalt == Array(#"=-n@%^x!Bjufr9)?,#5h\`=&]{qiPQ"#.utf8))
        #expect(crypto.keying.masterKey == Array("=-n@%^x!Bjufr9)?".utf8))
        #expect(crypto.keying.masterSalt == Array(#",#5h\`=&]{qiPQ"#.utf8))
        #expect(crypto.keying.hasValidLengths)
        #expect(crypto.lifetime == nil && crypto.mki == nil && !crypto.padded)
    }

    /// Every a=crypto line rtpengine 10.5 offered: the six suites the relay runs parse and round-trip
    /// byte for byte; AES_192_CM_*, F8_* and NULL_* are refused by name.
    @Test func rtpengineOfferedLinesRoundTripOrAreRefusedByName() throws {
        let session = try SDPSession(parsing: SDPFixture.text("rtpengine-10.5-sdes-offer-reply.sdp"))
        let lines = session.media[0].attributes.filter { $0.name == "crypto" }.compactMap(\.value)
        #expect(lines.count == 12)
        var parsed: [SRTPCryptoSuite] = []
        for line in lines {
            do throws(SDESCryptoError) {
                let crypto = try SDESCrypto.usable(parsing: Substring(line))
                #expect(crypto.attributeValue == line)
                #expect(crypto.masterKey.count + crypto.masterSalt.count == crypto.suite.masterLength)
                parsed.append(crypto.suite)
            } catch {
                let name = String(line.split(separator: " ")[1])
                #expect(error == .unsupportedSuite(name))
                #expect(name.hasPrefix("AES_192") || name.hasPrefix("F8_") || name.hasPrefix("NULL_"))
            }
        }
        // The relay's own offer order is rtpengine's order without the suites it does not run.
        #expect(parsed == SRTPCryptoSuite.offerOrder)
    }

    @Test func paddedKeysRoundTripPadded() throws {
        // From rtpengine 10.5 with `SDES-pad`.
        let line = "1 AEAD_AES_128_GCM inline:aPxGngwn3H890UWK+LTvENHoZiGiP+4Qlbu9wQ=="
        let crypto = try Self.parse(line)
        #expect(crypto.padded)
        #expect(crypto.attributeValue == line)
        var unpadded = crypto
        unpadded.padded = false
        #expect(unpadded.attributeValue == "1 AEAD_AES_128_GCM inline:aPxGngwn3H890UWK+LTvENHoZiGiP+4Qlbu9wQ")
        #expect(try Self.parse(unpadded.attributeValue) == unpadded)
    }

    @Test func sessionParametersAreParsedKeptInOrderAndHonouredAsFlags() throws {
        let line = "7 AES_256_CM_HMAC_SHA1_32 inline:3SjFcvwpyilWVjrkmgvyaA3uZtCqyu634n7pDxQylyDgYrrlVOW8fmj57eMnfg|281474976710656 "
            + "UNENCRYPTED_SRTCP KDR=0 WSH=256 FEC_ORDER=FEC_SRTP UNAUTHENTICATED_SRTP UNENCRYPTED_SRTP"
        let crypto = try SDESCrypto.usable(parsing: Substring(line))
        #expect(crypto.attributeValue == line)
        #expect(crypto.tag == 7)
        #expect(crypto.lifetime == .packets(1 << 48))
        #expect(crypto.sessionParameters == [.unencryptedSRTCP, .keyDerivationRate(0), .windowSizeHint(256),
                                             .fecOrder("FEC_SRTP"), .unauthenticatedSRTP, .unencryptedSRTP])
        let keying = crypto.keying
        #expect(keying.suite == .aes256CMHmacSHA1_32)
        #expect(keying.unencryptedSRTP && keying.unencryptedSRTCP && keying.unauthenticatedSRTP)
        #expect(crypto.symmetricParameters == [.unencryptedSRTCP, .unauthenticatedSRTP, .unencryptedSRTP])

        let plain = try Self.parse("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR\tUNENCRYPTED_SRTCP")
        #expect(plain.keying.unencryptedSRTCP && !plain.keying.unencryptedSRTP && !plain.keying.unauthenticatedSRTP)
    }

    // MARK: Refusals

    static let key = "PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR"

    @Test(arguments: [
        // 29 bytes of key||salt for a suite needing 30.
        ("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVA", SDESCryptoError.badKeyLength(expected: 30, got: 29)),
        // 30 bytes where AES-256 needs 46.
        ("1 AES_256_CM_HMAC_SHA1_80 inline:\(key)", .badKeyLength(expected: 46, got: 30)),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkp!ywjNWhcYD0mXXtxaVBR", .badBase64),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR=", .badBase64),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:", .badBase64),
        ("1 AES_CM_129_HMAC_SHA1_80 inline:\(key)", .unsupportedSuite("AES_CM_129_HMAC_SHA1_80")),
        ("1 AES_192_CM_HMAC_SHA1_80 inline:\(key)", .unsupportedSuite("AES_192_CM_HMAC_SHA1_80")),
        ("1 aes_cm_128_hmac_sha1_80 inline:\(key)", .unsupportedSuite("aes_cm_128_hmac_sha1_80")),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|2^20|1:4", .mkiUnsupported),
        // RFC 4568 §6.1's two-key example.
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|2^20|1:4;inline:QUJjZGVmMTIzNDU2Nzg5QUJDREUwMTIzNDU2Nzg5|2^20|2:4", .severalKeys),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|2^49", .lifetimeTooLong),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|281474976710657", .lifetimeTooLong),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|99999999999999999999", .lifetimeTooLong),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|2^x", .badLifetime),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|0", .badLifetime),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|1:0", .badMKI),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|1:129", .badMKI),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key)|1:4|2^20", .badLifetime),
        ("1 AES_CM_128_HMAC_SHA1_80 srtp:\(key)", .unsupportedKeyMethod("srtp")),
        ("1 AES_CM_128_HMAC_SHA1_80 \(key)", .unsupportedKeyMethod(String(key.prefix(32)))),
        ("0x1 AES_CM_128_HMAC_SHA1_80 inline:\(key)", .badTag),
        ("1234567890 AES_CM_128_HMAC_SHA1_80 inline:\(key)", .badTag),
        ("1 AES_CM_128_HMAC_SHA1_80", .missingFields),
        ("", .missingFields),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key) KDR=4", .unsupportedSessionParameter("KDR=4")),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key) KDR=25", .badSessionParameter("KDR=25")),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key) WSH=32", .badSessionParameter("WSH=32")),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key) FEC_ORDER=SRTP_FEC", .unsupportedSessionParameter("FEC_ORDER=SRTP_FEC")),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key) FEC_KEY=inline:\(key)", .unsupportedSessionParameter("FEC_KEY=inline:\(key)")),
        ("1 AES_CM_128_HMAC_SHA1_80 inline:\(key) FUTURE_PARAM", .unsupportedSessionParameter("FUTURE_PARAM")),
    ])
    func badLinesAreRefusedWithANamedError(line: String, expected: SDESCryptoError) {
        #expect(Self.refusal(line) == expected, "\(line)")
    }

    @Test func lifetimeUpToTheSuiteMaximumIsAccepted() throws {
        #expect(try Self.parse("1 AES_CM_128_HMAC_SHA1_80 inline:\(Self.key)|2^48").lifetime?.packets == 1 << 48)
        #expect(try Self.parse("1 AES_CM_128_HMAC_SHA1_80 inline:\(Self.key)|2^31").attributeValue
            == "1 AES_CM_128_HMAC_SHA1_80 inline:\(Self.key)|2^31")
        #expect(try Self.parse("999999999 AES_CM_128_HMAC_SHA1_80 inline:\(Self.key)|1000").lifetime == .packets(1000))
    }

    @Test func mutatedLinesNeverTrap() {
        var rng = SeededRandom(seed: 0x5DE5_0001)
        let seeds = (Self.rfcLines + ["9 AEAD_AES_256_GCM inline:UT7dAVtFEHOV26u8+mbd0dva3H3/jW3/L2Jv/Ro4xmTydd8PDouIrTK3MEs KDR=0 WSH=64"])
            .map { Array($0.utf8) }
        let alphabet = Array(" |:;^=/+0129AZaz_\t".utf8)
        var accepted = 0
        for round in 0..<20_000 {
            var bytes = seeds[round % seeds.count]
            for _ in 0..<(1 + Int(rng.next() % 4)) where !bytes.isEmpty {
                let position = Int(rng.next() % UInt64(bytes.count))
                switch rng.next() % 3 {
                case 0: bytes[position] = UInt8(truncatingIfNeeded: rng.next())
                case 1: bytes.remove(at: position)
                default: bytes.insert(alphabet[Int(rng.next() % UInt64(alphabet.count))], at: position)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            if let crypto = try? SDESCrypto(parsing: Substring(text)) {
                accepted += 1
                // Whatever parses writes back to something that parses to the same value.
                #expect((try? SDESCrypto(parsing: Substring(crypto.attributeValue))) == crypto, "\(text)")
            }
        }
        #expect(accepted > 100)
    }

    // MARK: Base64

    @Test func base64MatchesRFC4648Vectors() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                       ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8), padded: true) == encoded)
            let unpadded = String(encoded.filter { $0 != "=" })
            #expect(Base64.encode(Array(plain.utf8), padded: false) == unpadded)
            guard !plain.isEmpty else { continue }
            #expect(Base64.decode(Substring(encoded))?.bytes == Array(plain.utf8))
            #expect(Base64.decode(Substring(unpadded))?.bytes == Array(plain.utf8))
        }
        // Wrong padding amount, trailing bits set, a lone sixth-bit char, foreign characters.
        for bad in ["Zg=", "Zh==", "Zm9vY", "Zm9v====", "Zm-v", "Zm9v\r\n"] {
            #expect(Base64.decode(Substring(bad)) == nil, "\(bad)")
        }
    }

    // MARK: Key generation

    @Test func generatedKeysHaveTheSuiteLengthsAndDifferEachCall() throws {
        let source = URandomKeySource()
        for suite in SRTPCryptoSuite.allCases {
            let a = try SDESCrypto.generate(tag: 3, suite: suite, source: source)
            let b = try SDESCrypto.generate(tag: 3, suite: suite, source: source)
            #expect(a.masterKey.count == suite.keyLength && a.masterSalt.count == suite.saltLength)
            #expect(a.keying.hasValidLengths)
            #expect(a.masterKeyAndSaltDiffers(from: b))
            // What the relay writes is what a peer parses back.
            #expect(try Self.parse(a.attributeValue) == a)
            #expect(!a.attributeValue.contains("="))
        }
        // Many draws: no repeats, and every byte value turns up (a constant or short-cycled source would not).
        var seen = Set<[UInt8]>()
        var values = Set<UInt8>()
        for _ in 0..<200 {
            let bytes = try source.randomBytes(30)
            seen.insert(bytes)
            values.formUnion(bytes)
        }
        #expect(seen.count == 200)
        #expect(values.count > 250)
        #expect(try source.randomBytes(0).isEmpty)
    }
}

private extension SDESCrypto {
    func masterKeyAndSaltDiffers(from other: SDESCrypto) -> Bool {
        masterKey != other.masterKey && masterSalt != other.masterSalt
    }
}
