import Testing
@testable import ControlProtocol

@Suite struct NGJSONTests {
    func decode(_ s: String, limits: BencodeLimits = BencodeLimits()) throws(NGJSONError) -> BencodeValue {
        try NGJSON.decode(Array(s.utf8), limits: limits)
    }

    @Test func realClientJSONOfferMapsToBencodeValues() throws {
        let payload = FixtureLoader.payload(try FixtureLoader.bytes("rtpengine-ng-client-offer-json.bin"))
        let d = try #require(try NGJSON.decode(payload).dictValue)
        #expect(d.keys == ["flags", "ICE", "rtcp-mux", "call-id", "from-tag", "delete-delay", "sdp", "command", "codec", "replace"])
        #expect(d["flags"] == ["trust address"])
        #expect(d["delete-delay"] == .integer(5))
        #expect(d["codec"] == .dictionary(["strip": ["PCMU"]]))
        let sdp = try #require(d["sdp"]?.bytesValue)
        #expect(sdp.count == 160)
        #expect(Array(sdp.suffix(2)) == [0x0D, 0x0A])
    }

    @Test func typesMapAsRtpengineDoes() throws {
        let v = try decode(#"{"a":true,"b":false,"c":null,"d":[1,null,"x"],"e":1.9,"f":-1.9,"g":1e3,"h":-0,"i":99999999999999999999}"#)
        let d = try #require(v.dictValue)
        #expect(d["a"] == .integer(1))
        #expect(d["b"] == .integer(0))
        #expect(d["c"] == nil)
        #expect(d.count == 8)
        #expect(d["d"] == [1, "x"])
        #expect(d["e"] == .integer(1))
        #expect(d["f"] == .integer(-1))
        #expect(d["g"] == .integer(1000))
        #expect(d["h"] == .integer(0))
        #expect(d["i"] == .integer(.max))
    }

    @Test func stringEscapesDecodeToUTF8() throws {
        let v = try decode(#"{"s":"a\"b\\c\/d\r\n\t\u00e9\ud83d\ude00","lone":"\ud800x"}"#)
        #expect(v.dictValue?["s"]?.bytesValue == Array("a\"b\\c/d\r\n\té😀".utf8))
        #expect(v.dictValue?["lone"]?.stringValue == "\u{FFFD}x")
    }

    @Test func writerEscapesAndKeepsOrder() {
        var d = BencodeDictionary()
        d.set("sdp", .text("v=0\r\na=x:\"q\"\\\u{01}\r\n"))
        d.set("result", "ok")
        d.set("calls", ["a", .integer(-3)])
        #expect(String(decoding: NGJSON.encode(.dictionary(d)), as: UTF8.self)
            == #"{"sdp":"v=0\r\na=x:\"q\"\\\u0001\r\n","result":"ok","calls":["a",-3]}"#)
    }

    @Test func encodeThenDecodeIsIdentityForTextValues() throws {
        var rng = SeededRandom(seed: 99)
        let pieces = ["a", "é", "😀", "\r\n", "\"", "\\", " ", "\u{7}", "load limit"]
        for _ in 0..<1_000 {
            var d = BencodeDictionary()
            for k in 0..<Int.random(in: 0...5, using: &rng) {
                let s = (0..<Int.random(in: 0...6, using: &rng)).map { _ in pieces.randomElement(using: &rng)! }.joined()
                let value: BencodeValue = Bool.random(using: &rng)
                    ? .text(s) : [.integer(Int64.random(in: .min ... .max, using: &rng)), .text(s)]
                d.append(Array("k\(k)".utf8), value)
            }
            #expect(try NGJSON.decode(NGJSON.encode(.dictionary(d))) == .dictionary(d))
        }
    }

    @Test func malformedJSONIsRejected() {
        #expect(throws: NGJSONError.trailingGarbage) { try decode(#"{"a":1} x"#) }
        #expect(throws: NGJSONError.truncated) { try decode(#"{"a":"#) }
        #expect(throws: NGJSONError.truncated) { try decode(#"{"a":"abc"#) }
        #expect(throws: NGJSONError.invalidNumber) { try decode(#"{"a":01}"#) }
        #expect(throws: NGJSONError.invalidNumber) { try decode(#"{"a":1.}"#) }
        #expect(throws: NGJSONError.invalidString) { try decode("{\"a\":\"x\ny\"}") }
        #expect(throws: NGJSONError.invalidString) { try decode(#"{"a":"\x"}"#) }
        #expect(throws: NGJSONError.empty) { try decode("  ") }
        #expect(throws: NGJSONError.unexpectedByte(UInt8(ascii: "}"), offset: 7)) { try decode(#"{"a":1,}"#) }
        #expect(throws: NGJSONError.unexpectedByte(UInt8(ascii: "1"), offset: 1)) { try decode(#"{1:2}"#) }
    }

    @Test func limitsStopHostileNesting() {
        let start = ContinuousClock.now
        #expect(throws: NGJSONError.tooDeep) { try decode(String(repeating: "[", count: 1_000)) }
        #expect(throws: NGJSONError.tooDeep) {
            try decode(String(repeating: "[", count: 200_000), limits: BencodeLimits(maxBytes: .max, maxDepth: .max, maxItems: .max))
        }
        #expect(throws: NGJSONError.tooLarge) { try decode("[" + String(repeating: "0,", count: 1_000_000) + "0]") }
        #expect(throws: NGJSONError.tooManyItems) {
            try decode("[" + String(repeating: "0,", count: 1_000_000) + "0]", limits: BencodeLimits(maxBytes: 3_000_000))
        }
        #expect(ContinuousClock.now - start < .seconds(10))
    }

    @Test func mutatedJSONNeverTraps() throws {
        var rng = SeededRandom(seed: 0x15_0B)
        let seed = FixtureLoader.payload(try FixtureLoader.bytes("rtpengine-ng-client-offer-json.bin"))
        let alphabet = Array("{}[]\",:\\u0123456789.eE-+tfn ".utf8)
        var decoded = 0
        for _ in 0..<20_000 {
            var input = seed
            for _ in 0..<Int.random(in: 1...5, using: &rng) where !input.isEmpty {
                let i = Int.random(in: 0..<input.count, using: &rng)
                switch Int.random(in: 0..<4, using: &rng) {
                case 0: input[i] = UInt8.random(in: 0...255, using: &rng)
                case 1: input[i] = alphabet.randomElement(using: &rng)!
                case 2: input.remove(at: i)
                default: input = Array(input.prefix(i))
                }
            }
            if let v = try? NGJSON.decode(input) {
                decoded += 1
                #expect(try NGJSON.decode(NGJSON.encode(v)) == v || v.containsInvalidUTF8)
            }
        }
        #expect(decoded > 500)
    }
}

extension BencodeValue {
    /// True when some string is not valid UTF-8 (the JSON writer replaces such bytes with U+FFFD).
    var containsInvalidUTF8: Bool {
        switch self {
        case .string(let b): return Array(String(decoding: b, as: UTF8.self).utf8) != b
        case .integer: return false
        case .list(let l): return l.contains { $0.containsInvalidUTF8 }
        case .dictionary(let d): return d.entries.contains { Array(String(decoding: $0.key, as: UTF8.self).utf8) != $0.key || $0.value.containsInvalidUTF8 }
        }
    }
}
