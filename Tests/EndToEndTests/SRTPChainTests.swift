import RTPWire
import Testing

/// One relay of the chain and its ng client.
struct ChainHop {
    var relay: RelayProcess
    var client: NGClient

    /// `command` with string entries, lists for the multi-valued ones (SDES).
    func ng(_ command: String, _ strings: [(String, String)], _ flags: [String: [String]]) throws -> TestBencode {
        var entries: [(String, TestBencode)] = []
        for (key, value) in strings { entries.append((key, TestBencode.string(value))) }
        for key in flags.keys.sorted() {
            let values = flags[key] ?? []
            if key == "SDES" {
                var items: [TestBencode] = []
                for value in values { items.append(TestBencode.string(value)) }
                entries.append((key, TestBencode.list(items)))
            } else if let first = values.first {
                entries.append((key, TestBencode.string(first)))
            }
        }
        return try client.command(command, entries)
    }
}

/// rtprelayd's SRTP against an implementation nobody here wrote: Sipwise rtpengine (its own SRTP over OpenSSL),
/// chained with rtprelayd on loopback, both as processes driven over ng with SDES. The phones are plain RTP at both
/// ends; the hop between the two relays is RTP/SAVP, so every packet that reaches the far phone intact was
/// encrypted by one implementation and decrypted by the other, with keys each took from the other's SDP.
/// Both orders: rtpengine offering SDES to rtprelayd, and rtprelayd offering SDES to rtpengine.
@Suite(.serialized) struct SRTPChainTests {

    /// ng flags for an offer to `hop`: the profile towards its recipient, and what rtpengine needs for plain SDES.
    static func flags(_ hop: ChainHop, profile: String, sdes: [String] = []) -> [String: [String]] {
        var entries: [String: [String]] = ["transport-protocol": [profile]]
        if hop.relay.kind == .rtpengine { entries["ICE"] = ["remove"]; entries["DTLS"] = ["off"] }
        if !sdes.isEmpty { entries["SDES"] = sdes }
        return entries
    }
    static func sdp(_ port: (rtp: UInt16, rtcp: UInt16), session: Int) -> String {
        "v=0\r\no=- \(session) 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
            + "m=audio \(port.rtp) RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=rtcp:\(port.rtcp)\r\na=sendrecv\r\n"
    }
    /// Offer/answer through `first` (towards the middle hop: RTP/SAVP) and `second` (towards B: RTP/AVP).
    /// Returns where A sends (first's port towards A) and where B sends (second's port towards B), RTP and RTCP.
    func setUpChain(_ first: ChainHop, _ second: ChainHop, callID: String, phoneA: (rtp: UInt16, rtcp: UInt16),
                    phoneB: (rtp: UInt16, rtcp: UInt16), firstSDES: [String] = []) throws
        -> (toA: SDPSummary, toB: SDPSummary, middleOffer: String, middleAnswer: String) {
        let answerFlags: (ChainHop) -> [String: [String]] = { $0.relay.kind == .rtpengine ? ["ICE": ["remove"]] : [:] }
        let offer1 = try first.ng("offer", [("call-id", callID), ("from-tag", "A"), ("sdp", Self.sdp(phoneA, session: 1))],
                              Self.flags(first, profile: "RTP/SAVP", sdes: firstSDES))
        let middleOffer = try #require(offer1["sdp"]?.text, "\(first.relay.kind) offer: \(offer1)")
        #expect(middleOffer.contains("RTP/SAVP") && middleOffer.contains("a=crypto:"), "\(middleOffer)")
        let offer2 = try second.ng("offer", [("call-id", callID), ("from-tag", "A"), ("sdp", middleOffer)],
                              Self.flags(second, profile: "RTP/AVP"))
        let toB = SDPSummary(try #require(offer2["sdp"]?.text, "\(second.relay.kind) offer: \(offer2)"))
        let answer2 = try second.ng("answer", [("call-id", callID), ("from-tag", "A"), ("to-tag", "B"),
                                                  ("sdp", Self.sdp(phoneB, session: 2))], answerFlags(second))
        let middleAnswer = try #require(answer2["sdp"]?.text, "\(second.relay.kind) answer: \(answer2)")
        #expect(middleAnswer.contains("RTP/SAVP") && middleAnswer.contains("a=crypto:"), "\(middleAnswer)")
        let answer1 = try first.ng("answer", [("call-id", callID), ("from-tag", "A"), ("to-tag", "B"),
                                                 ("sdp", middleAnswer)], answerFlags(first))
        let toA = SDPSummary(try #require(answer1["sdp"]?.text, "\(first.relay.kind) answer: \(answer1)"))
        return (toA, toB, middleOffer, middleAnswer)
    }

    static func rtp(seq: UInt16, ssrc: UInt32) -> [UInt8] {
        let ts = UInt32(seq) &* 160
        return [0x80, 0, UInt8(seq >> 8), UInt8(seq & 0xff), UInt8(ts >> 24), UInt8(ts >> 16 & 0xff),
                UInt8(ts >> 8 & 0xff), UInt8(ts & 0xff), UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xff),
                UInt8(ssrc >> 8 & 0xff), UInt8(ssrc & 0xff)]
            + (0..<160).map { UInt8(truncatingIfNeeded: $0 &* 11 &+ Int(seq) &+ Int(ssrc)) }
    }

    static func receiverReport(ssrc: UInt32, lost: UInt8) -> [UInt8] {
        [0x81, 201, 0x00, 0x07, UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xff), UInt8(ssrc >> 8 & 0xff), UInt8(ssrc & 0xff),
         0x12, 0x34, 0x56, 0x78, lost, 0, 0, lost, 0, 0, 0x10, 0x20, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0]
    }

    /// Plays 20 RTP packets each way and one RTCP report each way through the chain; every one that arrives must
    /// be byte for byte what the other phone sent.
    func exchange(_ toA: SDPSummary, _ toB: SDPSummary, a: (rtp: UDPSocket, rtcp: UDPSocket),
                  b: (rtp: UDPSocket, rtcp: UDPSocket), label: String) throws {
        let aTarget = try #require(toA.audioPort), bTarget = try #require(toB.audioPort)
        var aToB = 0, bToA = 0
        for seq in UInt16(1)...20 {
            let fromA = Self.rtp(seq: seq, ssrc: 0xA0A0_0001)
            try a.rtp.send(fromA, to: "127.0.0.1", port: aTarget)
            if let got = b.rtp.receive(timeout: 1) {
                #expect(got.bytes == fromA, "\(label): A→B seq \(seq) arrived changed (\(got.bytes.count) bytes)")
                if got.bytes == fromA { aToB += 1 }
            }
            let fromB = Self.rtp(seq: seq &+ 300, ssrc: 0xB0B0_0002)
            try b.rtp.send(fromB, to: "127.0.0.1", port: bTarget)
            if let got = a.rtp.receive(timeout: 1) {
                #expect(got.bytes == fromB, "\(label): B→A seq \(seq) arrived changed (\(got.bytes.count) bytes)")
                if got.bytes == fromB { bToA += 1 }
            }
            TestClock.sleep(0.02)
        }
        // Learning windows may cost the very first packets on either relay; the rest must pass.
        #expect(aToB >= 18, "\(label): \(aToB)/20 A→B")
        #expect(bToA >= 18, "\(label): \(bToA)/20 B→A")

        let rrA = Self.receiverReport(ssrc: 0xA0A0_0001, lost: 3)
        try a.rtcp.send(rrA, to: "127.0.0.1", port: toA.rtcpPort ?? aTarget + 1)
        let gotRRA = b.rtcp.receive(timeout: 1)?.bytes
        #expect(gotRRA == rrA, "\(label): RTCP A→B")
        let rrB = Self.receiverReport(ssrc: 0xB0B0_0002, lost: 5)
        try b.rtcp.send(rrB, to: "127.0.0.1", port: toB.rtcpPort ?? bTarget + 1)
        let gotRRB = a.rtcp.receive(timeout: 1)?.bytes
        #expect(gotRRB == rrB, "\(label): RTCP B→A")
    }

    /// The SDES suite in an SDP's (single) a=crypto line.
    static func cryptoSuite(in sdp: String) -> String? {
        sdp.split(whereSeparator: \.isNewline).first { $0.hasPrefix("a=crypto:") }?.split(separator: " ").dropFirst().first.map(String.init)
    }

    @Test func rtpengineOffersSDESToRtprelaydAndMediaCrossesBothBothWays() throws {
        let engine = try RelayProcess(.rtpengine), relay = try RelayProcess(.rtprelayd)
        let first = ChainHop(relay: engine, client: try engine.client()), second = ChainHop(relay: relay, client: try relay.client())
        // rtprelayd answers with the first suite of the offer it runs; `SDES: no-…` makes rtpengine leave the
        // stronger ones out, so every suite gets its turn.
        let suites = SRTPCryptoSuite.allCases
        for (index, suite) in suites.enumerated() {
            let sdes = suites[..<index].map { "no-" + $0.rawValue }
            let a = (rtp: try UDPSocket(), rtcp: try UDPSocket()), b = (rtp: try UDPSocket(), rtcp: try UDPSocket())
            let chain = try setUpChain(first, second, callID: "chain-e-\(index)", phoneA: (a.rtp.port, a.rtcp.port),
                                       phoneB: (b.rtp.port, b.rtcp.port), firstSDES: sdes)
            let chosen = Self.cryptoSuite(in: chain.middleAnswer) ?? "none"
            #expect(chosen == suite.rawValue, "rtprelayd answered \(chosen) to an offer without \(sdes)")
            try exchange(chain.toA, chain.toB, a: a, b: b, label: "rtpengine→rtprelayd \(chosen)")
        }
    }

    @Test func rtprelaydOffersSDESToRtpengineAndMediaCrossesBothBothWays() throws {
        let engine = try RelayProcess(.rtpengine), relay = try RelayProcess(.rtprelayd)
        let first = ChainHop(relay: relay, client: try relay.client()), second = ChainHop(relay: engine, client: try engine.client())
        let a = (rtp: try UDPSocket(), rtcp: try UDPSocket()), b = (rtp: try UDPSocket(), rtcp: try UDPSocket())
        let chain = try setUpChain(first, second, callID: "chain-r", phoneA: (a.rtp.port, a.rtcp.port),
                                   phoneB: (b.rtp.port, b.rtcp.port))
        let chosen = Self.cryptoSuite(in: chain.middleAnswer) ?? "none"
        try exchange(chain.toA, chain.toB, a: a, b: b, label: "rtprelayd→rtpengine \(chosen)")
    }
}
