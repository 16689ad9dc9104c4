#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import Transcode

/// A transcoded call through the real daemon, driven over ng as an SBC does: a PCMU-only caller, an offer with
/// `codec: {mask: [all], transcode: [opus]}`, an Opus-only callee; real RTP both ways, decoded with libopus and
/// the G.711 tables on the phones' side, and the tone checked at each end.
@Suite("transcoded call through the daemon")
struct TranscodedCallEndToEndTests {
    static func opusAnswer(port: UInt16) -> String {
        ["v=0", "o=- 5151 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
         "m=audio \(port) RTP/AVP 96", "a=rtpmap:96 opus/48000/2", "a=fmtp:96 useinbandfec=1", "a=sendrecv", "a=ptime:20"]
            .joined(separator: "\r\n") + "\r\n"
    }

    static func rtp(seq: UInt16, ts: UInt32, pt: UInt8, ssrc: UInt32, payload: [UInt8]) -> [UInt8] {
        [0x80, pt & 0x7f, UInt8(seq >> 8), UInt8(seq & 0xff),
         UInt8(ts >> 24), UInt8(ts >> 16 & 0xff), UInt8(ts >> 8 & 0xff), UInt8(ts & 0xff),
         UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xff), UInt8(ssrc >> 8 & 0xff), UInt8(ssrc & 0xff)] + payload
    }

    static func sine(_ frequency: Double, seconds: Double, rate: Int) -> [Int16] {
        (0..<Int(Double(rate) * seconds)).map { Int16(10000 * sin(2 * Double.pi * frequency * Double($0) / Double(rate))) }
    }

    /// Goertzel power at `frequency` in 8 kHz PCM.
    static func power(_ signal: ArraySlice<Int16>, _ frequency: Double) -> Double {
        let coeff = 2 * cos(2 * Double.pi * frequency / 8000)
        var s1 = 0.0, s2 = 0.0
        for x in signal {
            let s0 = Double(x) + coeff * s1 - s2
            s2 = s1
            s1 = s0
        }
        return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / Double(max(1, signal.count * signal.count))
    }

    /// Receives RTP until `count` packets came or nothing for a second.
    static func collect(_ socket: UDPSocket, count: Int) -> [[UInt8]] {
        var packets: [[UInt8]] = []
        while packets.count < count, let datagram = socket.receive(timeout: 1) {
            if datagram.bytes.count > 12, datagram.bytes[0] >> 6 == 2, !(200...204).contains(datagram.bytes[1]) {
                packets.append(datagram.bytes)
            }
        }
        return packets
    }

    @Test("PCMU caller and Opus callee hear each other's tone through the relay")
    func pcmuCallerAndOpusCalleeHearEachOther() throws {
        let relay = try RelayProcess(.rtprelayd)
        let client = try relay.client()
        let phoneA = try UDPSocket(), phoneB = try UDPSocket()
        let callID = "xcode-\(UInt32.random(in: 0...UInt32.max))"
        let codec = TestBencode.dictionary([(key: "mask", value: .list([.string("all")])),
                                            (key: "transcode", value: .list([.string("opus")]))])
        let offer = try client.command("offer", [("call-id", .string(callID)), ("from-tag", .string("caller")),
                                                 ("sdp", .string(SampleSDP.audio(port: phoneA.port, payloadTypes: [0]))),
                                                 ("codec", codec)])
        #expect(offer["result"]?.text == "ok", "\(offer)")
        let offered = offer["sdp"]?.text ?? ""
        #expect(offered.contains("a=rtpmap:96 opus/48000/2"), "\(offered)")
        #expect(!offered.contains("PCMU"))
        let answer = try client.command("answer", [("call-id", .string(callID)), ("from-tag", .string("caller")),
                                                   ("to-tag", .string("callee")), ("sdp", .string(Self.opusAnswer(port: phoneB.port)))])
        #expect(answer["result"]?.text == "ok", "\(answer)")
        let answered = answer["sdp"]?.text ?? ""
        #expect(answered.contains("RTP/AVP 0\r\n"), "\(answered)")
        let towardsB = try #require(SDPSummary(answered).audioPort)   // A's leg: where A sends
        let towardsA = try #require(SDPSummary(offered).audioPort)    // B's leg: where B sends

        // A → B: 1 s of 440 Hz as PCMU; B must get Opus on 96 from the relay's own SSRC.
        let tone = Self.sine(440, seconds: 1, rate: 8000)
        for i in 0..<50 {
            let payload = tone[(i * 160)..<((i + 1) * 160)].map { G711.uLawEncodeDefinition($0) }
            try phoneA.send(Self.rtp(seq: UInt16(i + 1), ts: UInt32(i) * 160, pt: 0, ssrc: 0xCA11, payload: payload),
                            to: "127.0.0.1", port: towardsB)
        }
        let atB = Self.collect(phoneB, count: 50)
        #expect(atB.count == 50)
        #expect(atB.allSatisfy { $0[1] & 0x7f == 96 && Array($0[8..<12]) != [0, 0, 0xCA, 0x11] })
        let decoder = try OpusCodec(.init(sampleRate: 8000))
        var heardB: [Int16] = []
        var pcm = [Int16](repeating: 0, count: 5760)
        for packet in atB {
            let n = try Array(packet[12...]).withUnsafeBytes { p in try pcm.withUnsafeMutableBufferPointer { try decoder.decode(p, into: $0) } }
            heardB += pcm[0..<n]
        }
        #expect(heardB.count == 8000)
        let tailB = heardB.suffix(4000)
        #expect(Self.power(tailB, 440) > 50 * Self.power(tailB, 1000), "B does not hear A's 440 Hz")

        // B → A: Opus from a 48 kHz encoder with a 660 Hz tone; A must get PCMU.
        let encoder = try OpusCodec(.init(sampleRate: 48000))
        let tone48 = Self.sine(660, seconds: 1, rate: 48000)
        var buffer = [UInt8](repeating: 0, count: 1500)
        for i in 0..<50 {
            let n = try tone48[(i * 960)..<((i + 1) * 960)].withUnsafeBufferPointer { src in
                try buffer.withUnsafeMutableBytes { try encoder.encode(src, into: $0) }
            }
            try phoneB.send(Self.rtp(seq: UInt16(i + 7), ts: UInt32(i) * 960, pt: 96, ssrc: 0xCA22, payload: Array(buffer[0..<n])),
                            to: "127.0.0.1", port: towardsA)
        }
        let atA = Self.collect(phoneA, count: 50)
        #expect(atA.count == 50)
        #expect(atA.allSatisfy { $0[1] & 0x7f == 0 && $0.count == 172 })
        let heardA = atA.flatMap { $0[12...].map { G711.uLawToLinear[Int($0)] } }
        let tailA = heardA.suffix(4000)
        #expect(Self.power(tailA, 660) > 50 * Self.power(tailA, 1000), "A does not hear B's 660 Hz")

        // The query shows the legs' codecs and the transcoding flag.
        let query = try client.command("query", [("call-id", .string(callID))])
        #expect(query["result"]?.text == "ok")
        #expect("\(query)".contains("transcoding"), "\(query)")
        _ = try client.command("delete", [("call-id", .string(callID)), ("from-tag", .string("caller"))])
    }

    /// A re-INVITE that drops the codec options (both sides on PCMU) takes the call back to plain relaying: the
    /// same ports, and the callee gets the caller's packets byte for byte again.
    @Test("a re-offer without transcoding goes back to plain forwarding")
    func reOfferWithoutTranscodingRelaysBytesUnchanged() throws {
        let relay = try RelayProcess(.rtprelayd)
        let client = try relay.client()
        let phoneA = try UDPSocket(), phoneB = try UDPSocket()
        let callID = "xcode-reinvite-\(UInt32.random(in: 0...UInt32.max))"
        let codec = TestBencode.dictionary([(key: "mask", value: .list([.string("all")])),
                                            (key: "transcode", value: .list([.string("opus")]))])
        func offer(_ extra: [(String, TestBencode)]) throws -> TestBencode {
            try client.command("offer", [("call-id", .string(callID)), ("from-tag", .string("caller")),
                                         ("sdp", .string(SampleSDP.audio(port: phoneA.port, payloadTypes: [0])))] + extra)
        }
        func answer(_ sdp: String) throws -> TestBencode {
            try client.command("answer", [("call-id", .string(callID)), ("from-tag", .string("caller")),
                                          ("to-tag", .string("callee")), ("sdp", .string(sdp))])
        }
        _ = try offer([("codec", codec)])
        let first = try answer(Self.opusAnswer(port: phoneB.port))
        let firstSDP = first["sdp"]?.text ?? ""
        let towardsB = try #require(SDPSummary(firstSDP).audioPort)
        let payload = [UInt8](repeating: 0x7E, count: 160)
        for i in 0..<5 {
            try phoneA.send(Self.rtp(seq: UInt16(i + 1), ts: UInt32(i) * 160, pt: 0, ssrc: 0xCA33, payload: payload),
                            to: "127.0.0.1", port: towardsB)
        }
        let transcoded = Self.collect(phoneB, count: 5)
        #expect(transcoded.count == 5 && transcoded.allSatisfy { $0[1] & 0x7f == 96 })

        // Re-INVITE: no codec options, the callee answers PCMU.
        let reOffer = try offer([])
        #expect(reOffer["sdp"]?.text?.contains("RTP/AVP 0\r\n") == true, "\(reOffer)")
        let reAnswer = try answer(SampleSDP.audio(port: phoneB.port, sessionID: 4343, payloadTypes: [0]))
        let reAnswerSDP = reAnswer["sdp"]?.text ?? ""
        #expect(SDPSummary(reAnswerSDP).audioPort == towardsB)
        for i in 5..<10 {
            let packet = Self.rtp(seq: UInt16(i + 1), ts: UInt32(i) * 160, pt: 0, ssrc: 0xCA33, payload: payload)
            try phoneA.send(packet, to: "127.0.0.1", port: towardsB)
            #expect(phoneB.receive(timeout: 2)?.bytes == packet)
        }
        _ = try client.command("delete", [("call-id", .string(callID)), ("from-tag", .string("caller"))])
    }
}
