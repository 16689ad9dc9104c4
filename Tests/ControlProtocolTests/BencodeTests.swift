import Testing
@testable import ControlProtocol

@Suite struct BencodeTests {
    // MARK: real messages

    @Test func everySection41DatagramDecodesAndReencodesToTheSameBytes() throws {
        let exchanges = try FixtureLoader.exchanges()
        #expect(exchanges.count == 14)
        for (name, datagram) in exchanges {
            let payload = FixtureLoader.payload(datagram)
            let value = try Bencode.decode(payload)
            #expect(value.dictValue != nil, "\(name)")
            #expect(Bencode.encode(value) == payload, "\(name) did not round-trip")
        }
    }

    @Test func kamailioOfferFieldsDecodeWithExactSDPBytes() throws {
        let payload = FixtureLoader.payload(try FixtureLoader.exchange("offer.request"))
        let dict = try #require(try Bencode.decode(payload).dictValue)
        #expect(dict.keys == ["supports", "sdp", "ICE", "replace", "transport-protocol", "received-from",
                              "call-id", "via-branch", "from-tag", "command", "sip-message-type", "flags"])
        let sdp = try #require(dict["sdp"]?.bytesValue)
        #expect(sdp.count == 163)
        #expect(sdp.prefix(5) == [0x76, 0x3D, 0x30, 0x0D, 0x0A]) // "v=0\r\n"
        #expect(dict["command"] == .text("offer"))
        #expect(dict["supports"] == ["load limit"])
        #expect(dict["received-from"] == ["IP4", "192.0.2.10"])
        #expect(dict["flags"] == ["trust-address", "strict-source"])
        #expect(dict["call-id"]?.stringValue == "a84b4c76e66710")
    }

    @Test func realClientDatagramDecodes() throws {
        let datagram = try FixtureLoader.bytes("rtpengine-ng-client-offer.bin")
        let dict = try #require(try Bencode.decode(FixtureLoader.payload(datagram)).dictValue)
        #expect(dict["command"]?.stringValue == "offer")
        #expect(dict["delete-delay"]?.intValue == 5)
        #expect(dict["transport protocol"]?.stringValue == "RTP/SAVP")
        #expect(dict["codec"]?.dictValue?["strip"] == ["PCMU"])
        #expect(dict["sdp"]?.bytesValue?.count == 160)
    }

    // MARK: tolerances of §2

    @Test func keysInAnyOrderAndDuplicatesKeptFirstWins() throws {
        let v = try Bencode.decode(Array("d1:bi2e1:ai1e1:bi3ee".utf8))
        let d = try #require(v.dictValue)
        #expect(d.count == 3)
        #expect(d["a"] == .integer(1))
        #expect(d["b"] == .integer(2))
        #expect(Bencode.encode(v) == Array("d1:bi2e1:ai1e1:bi3ee".utf8))
    }

    @Test func topLevelDictionaryMayLackItsFinalE() throws {
        let v = try Bencode.decode(Array("d7:command4:ping".utf8))
        #expect(v.dictValue?["command"] == "ping")
        // Only the top level: a nested value must be closed.
        #expect(throws: BencodeError.truncated) { try Bencode.decode(Array("d1:ali1e".utf8)) }
        #expect(throws: BencodeError.truncated) { try Bencode.decode(Array("d1:ad".utf8)) }
    }

    @Test func bytesAfterTheTopLevelDictionaryAreIgnored() throws {
        let v = try Bencode.decode(Array("d7:command4:pingegarbage\r\n".utf8))
        #expect(v.dictValue?["command"] == "ping")
    }

    @Test func topLevelMustBeADictionary() {
        #expect(throws: BencodeError.notADictionary) { try Bencode.decode(Array("4:ping".utf8)) }
        #expect(throws: BencodeError.notADictionary) { try Bencode.decode(Array("li1ee".utf8)) }
        #expect(throws: BencodeError.empty) { try Bencode.decode([UInt8]()) }
    }

    @Test func zeroOnlyAsALoneDigit() throws {
        #expect(try Bencode.decodeValue(Array("i0e".utf8)) == .integer(0))
        #expect(try Bencode.decodeValue(Array("0:".utf8)) == .string([]))
        #expect(throws: BencodeError.leadingZero) { try Bencode.decodeValue(Array("i05e".utf8)) }
        #expect(throws: BencodeError.leadingZero) { try Bencode.decodeValue(Array("i-0e".utf8)) }
        #expect(throws: BencodeError.leadingZero) { try Bencode.decodeValue(Array("05:hello".utf8)) }
        #expect(throws: BencodeError.leadingZero) { try Bencode.decode(Array("d02:abi1ee".utf8)) }
    }

    @Test func integersCoverInt64AndRejectJunk() throws {
        #expect(try Bencode.decodeValue(Array("i-1e".utf8)) == .integer(-1))
        #expect(try Bencode.decodeValue(Array("i+5e".utf8)) == .integer(5)) // strtoll accepts it, so does rtpengine
        #expect(try Bencode.decodeValue(Array("i9223372036854775807e".utf8)) == .integer(.max))
        #expect(try Bencode.decodeValue(Array("i-9223372036854775808e".utf8)) == .integer(.min))
        #expect(Bencode.encode(.integer(.min)) == Array("i-9223372036854775808e".utf8))
        #expect(throws: BencodeError.invalidInteger) { try Bencode.decodeValue(Array("i9223372036854775808e".utf8)) }
        #expect(throws: BencodeError.invalidInteger) { try Bencode.decodeValue(Array("i-9223372036854775809e".utf8)) }
        #expect(throws: BencodeError.invalidInteger) { try Bencode.decodeValue(Array("ie".utf8)) }
        #expect(throws: BencodeError.invalidInteger) { try Bencode.decodeValue(Array("i-e".utf8)) }
        #expect(throws: BencodeError.invalidInteger) { try Bencode.decodeValue(Array("i1x2e".utf8)) }
        #expect(throws: BencodeError.truncated) { try Bencode.decodeValue(Array("i12".utf8)) }
    }

    @Test func stringLengthsAreCheckedBeforeReading() {
        #expect(throws: BencodeError.truncated) { try Bencode.decode(Array("d3:sdp999:v=0e".utf8)) }
        #expect(throws: BencodeError.invalidStringLength) {
            try Bencode.decode(Array("d3:sdp99999999999999999999:xe".utf8))
        }
        #expect(throws: BencodeError.invalidStringLength) { try Bencode.decodeValue(Array("4x:ping".utf8)) }
        #expect(throws: BencodeError.truncated) { try Bencode.decodeValue(Array("12".utf8)) }
    }

    @Test func dictionaryKeysMustBeStrings() {
        #expect(throws: BencodeError.keyNotString) { try Bencode.decode(Array("di1ei2ee".utf8)) }
        #expect(throws: BencodeError.unexpectedByte(UInt8(ascii: "x"), offset: 1)) {
            try Bencode.decode(Array("dxe".utf8))
        }
    }

    @Test func binaryStringsRoundTrip() throws {
        let raw: [UInt8] = (0...255).map { UInt8($0) }
        var dict = BencodeDictionary()
        dict.set("blob", .string(raw))
        let bytes = Bencode.encode(.dictionary(dict))
        #expect(try Bencode.decode(bytes).dictValue?["blob"]?.bytesValue == raw)
    }

    @Test func dictionarySetReplacesFirstOrAppends() {
        var d: BencodeDictionary = ["result": "ok"]
        d.set("sdp", "v=0")
        d.set("result", "error")
        #expect(d.keys == ["result", "sdp"])
        #expect(Bencode.encode(.dictionary(d)) == Array("d6:result5:error3:sdp3:v=0e".utf8))
    }

    @Test func stringIntegersAreReadByIntValue() {
        #expect(BencodeValue.text("5").intValue == 5)
        #expect(BencodeValue.text("-30").intValue == -30)
        #expect(BencodeValue.text("5s").intValue == nil)
        #expect(BencodeValue.text("").intValue == nil)
        #expect(BencodeValue.text("99999999999999999999").intValue == nil)
        #expect(BencodeValue.list([]).intValue == nil)
    }

    // MARK: limits (hostile input must fail fast and bounded)

    @Test func tenMegabytesOfNestedListsFailFast() {
        let start = ContinuousClock.now
        let deep = [UInt8](repeating: UInt8(ascii: "l"), count: 10 * 1024 * 1024)
        var message: [UInt8] = Array("d1:a".utf8)
        message += deep
        #expect(throws: BencodeError.tooLarge) { try Bencode.decode(message) }
        // Even when the byte limit is lifted, depth stops it long before the stack is at risk.
        #expect(throws: BencodeError.tooDeep) {
            try Bencode.decode(message, limits: BencodeLimits(maxBytes: 20 * 1024 * 1024))
        }
        #expect(throws: BencodeError.tooDeep) {
            try Bencode.decode(message, limits: BencodeLimits(maxBytes: .max, maxDepth: .max, maxItems: .max))
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func depthOf1000IsRejected() {
        let open = [UInt8](repeating: UInt8(ascii: "l"), count: 1000)
        let close = [UInt8](repeating: UInt8(ascii: "e"), count: 1000)
        let message = Array("d1:a".utf8) + open + close + [UInt8(ascii: "e")]
        #expect(throws: BencodeError.tooDeep) { try Bencode.decode(message) }
        // Depth 32 is the default limit; the top dict counts as one level.
        let ok = Array("d1:a".utf8) + [UInt8](repeating: UInt8(ascii: "l"), count: 31)
            + [UInt8](repeating: UInt8(ascii: "e"), count: 31) + [UInt8(ascii: "e")]
        #expect((try? Bencode.decode(ok)) != nil)
        let tooDeep = Array("d1:a".utf8) + [UInt8](repeating: UInt8(ascii: "l"), count: 32)
            + [UInt8](repeating: UInt8(ascii: "e"), count: 32) + [UInt8(ascii: "e")]
        #expect(throws: BencodeError.tooDeep) { try Bencode.decode(tooDeep) }
    }

    @Test func oneMillionItemsAreRejected() {
        let start = ContinuousClock.now
        var message: [UInt8] = Array("d1:al".utf8)
        message.reserveCapacity(3_000_010)
        for _ in 0..<1_000_000 { message += [UInt8(ascii: "i"), UInt8(ascii: "0"), UInt8(ascii: "e")] }
        message += Array("ee".utf8)
        #expect(throws: BencodeError.tooLarge) { try Bencode.decode(message) }
        #expect(throws: BencodeError.tooManyItems) {
            try Bencode.decode(message, limits: BencodeLimits(maxBytes: 4_000_000))
        }
        // Empty strings cost no bytes of payload but still count as items.
        let strings = Array("d1:al".utf8) + [UInt8](repeating: UInt8(ascii: "0"), count: 0)
            + Array(repeating: Array("0:".utf8), count: 20_000).flatMap { $0 } + Array("ee".utf8)
        #expect(throws: BencodeError.tooManyItems) { try Bencode.decode(strings) }
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    // MARK: fuzz

    @Test func randomBytesAndMutationsNeverTrap() throws {
        var rng = SeededRandom(seed: 0x6E67_2D66_757A_7A31)
        let seeds = try FixtureLoader.exchanges().values.map(FixtureLoader.payload)
            + [FixtureLoader.payload(try FixtureLoader.bytes("rtpengine-ng-client-offer.bin"))]
        let alphabet = Array("dile0123456789:-+ ".utf8)
        var decoded = 0
        for round in 0..<30_000 {
            var input: [UInt8]
            if round % 3 == 0 {
                // Random bytes, biased to bencode's alphabet so the parser gets deep into structures.
                let n = Int.random(in: 0...64, using: &rng)
                input = (0..<n).map { _ in
                    Bool.random(using: &rng) ? alphabet.randomElement(using: &rng)! : UInt8.random(in: 0...255, using: &rng)
                }
                if Bool.random(using: &rng) { input.insert(UInt8(ascii: "d"), at: 0) }
            } else {
                input = seeds.randomElement(using: &rng)!
                for _ in 0..<Int.random(in: 1...6, using: &rng) where !input.isEmpty {
                    let i = Int.random(in: 0..<input.count, using: &rng)
                    switch Int.random(in: 0..<5, using: &rng) {
                    case 0: input[i] = UInt8.random(in: 0...255, using: &rng)
                    case 1: input[i] = alphabet.randomElement(using: &rng)!
                    case 2: input.remove(at: i)
                    case 3: input.insert(alphabet.randomElement(using: &rng)!, at: i)
                    default: input = Array(input.prefix(i))
                    }
                }
            }
            if let value = try? Bencode.decode(input) {
                decoded += 1
                // Whatever decodes must survive its own re-encoding unchanged.
                let again = try Bencode.decode(Bencode.encode(value))
                #expect(again == value)
            }
        }
        // Mutations of real messages often still decode: proves the fuzz reached deep code paths.
        #expect(decoded > 1000)
    }

    @Test func randomTreesRoundTrip() throws {
        var rng = SeededRandom(seed: 42)
        func tree(_ depth: Int) -> BencodeValue {
            switch Int.random(in: 0..<(depth > 4 ? 2 : 4), using: &rng) {
            case 0: return .string((0..<Int.random(in: 0...12, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
            case 1: return .integer(Int64.random(in: .min ... .max, using: &rng))
            case 2: return .list((0..<Int.random(in: 0...4, using: &rng)).map { _ in tree(depth + 1) })
            default:
                var d = BencodeDictionary()
                for _ in 0..<Int.random(in: 0...4, using: &rng) {
                    d.append(Array("k\(Int.random(in: 0...5, using: &rng))".utf8), tree(depth + 1))
                }
                return .dictionary(d)
            }
        }
        for _ in 0..<2_000 {
            let v = tree(0)
            #expect(try Bencode.decodeValue(Bencode.encode(v)) == v)
        }
    }
}
