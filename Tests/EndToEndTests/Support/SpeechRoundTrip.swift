#if canImport(Glibc)
import Glibc
#endif
import Transcode

/// The codec the relay is asked to put on phone B's leg while phone A speaks PCMU.
enum SpeechLegCodec: String, CaseIterable, CustomStringConvertible {
    case opus
    case g729

    var description: String { rawValue }
    /// Spelling in the ng `codec` dictionary and in `a=rtpmap`.
    var encodingName: String { self == .opus ? "opus" : "G729" }

    /// Phone B's decoder, for the one-way score (narrowband PCM, like the PCMU side).
    func makeDecoder() throws -> any AudioCodec {
        switch self {
        case .opus: return try OpusCodec(OpusCodec.Configuration(sampleRate: 8000))
        case .g729: return try G729Codec()
        }
    }
}

/// One call through a relay: phone A sends `speech` as PCMU (20 ms packets, paced at 20 ms), the relay
/// transcodes it to `codec` for phone B, B reflects every packet it gets back to the relay under its own
/// SSRC, and the relay transcodes that back to PCMU for A. What each phone heard comes back decoded.
struct SpeechRoundTrip {
    struct Heard {
        var packets: Int = 0
        var payloadTypes: Set<UInt8> = []
        var payloadSizes: [Int] = []
        /// Decoded audio in sequence order, lost packets concealed (B) or silent (A).
        var audio: [Int16] = []
        var lost: Int = 0
    }

    struct Outcome {
        var framesSent: Int
        /// The payload type the relay offered B for the codec.
        var offeredPayloadType: UInt8
        /// What B received (the transcoded codec), decoded with this package's decoder.
        var atB: Heard
        /// What A received back (PCMU), decoded with G.711.
        var atA: Heard
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let frameSamples = 160

    static func run(through relay: RelayProcess, codec: SpeechLegCodec, speech: [Int16]) throws -> Outcome {
        let client = try relay.client()
        let phoneA = try UDPSocket(), phoneB = try UDPSocket()
        let callID = "speech-\(codec)-\(UInt32.random(in: 0...UInt32.max))"
        let offer = try client.command("offer", [
            ("call-id", .string(callID)), ("from-tag", .string("speaker")),
            ("sdp", .string(SampleSDP.audio(port: phoneA.port, payloadTypes: [0]))),
            // PCMU stays accepted from A but is not offered to B, which is offered only the transcoded codec.
            ("codec", .dictionary([(key: "transcode", value: .list([.string(codec.encodingName)])),
                                   (key: "mask", value: .list([.string("PCMU")]))])),
        ])
        guard offer["result"]?.text == "ok", let offerSDP = offer["sdp"]?.text else {
            throw Failure(description: "offer failed: \(offer)")
        }
        guard let formatLines = Self.formatLines(of: codec.encodingName, in: offerSDP) else {
            throw Failure(description: "the relay did not offer \(codec.encodingName) to B:\n\(offerSDP)")
        }
        let answer = try client.command("answer", [
            ("call-id", .string(callID)), ("from-tag", .string("speaker")), ("to-tag", .string("reflector")),
            ("sdp", .string(Self.answerSDP(port: phoneB.port, payloadType: formatLines.payloadType, attributes: formatLines.attributes))),
        ])
        guard answer["result"]?.text == "ok", let answerSDP = answer["sdp"]?.text else {
            throw Failure(description: "answer failed: \(answer)")
        }
        defer { _ = try? client.command("delete", [("call-id", .string(callID))]) }
        guard let towardsB = SDPSummary(answerSDP).audioPort, let towardsA = SDPSummary(offerSDP).audioPort else {
            throw Failure(description: "no media ports in the relay's SDP")
        }

        let frames = speech.count / frameSamples
        let ssrcA = UInt32.random(in: 1...UInt32.max), ssrcB = UInt32.random(in: 1...UInt32.max)
        var receivedAtB: [(sequence: UInt16, payloadType: UInt8, payload: [UInt8])] = []
        var receivedAtA: [(sequence: UInt16, payloadType: UInt8, payload: [UInt8])] = []
        var due = TestClock.now()
        // Half a second after the last packet lets the relay path drain.
        for tick in 0..<(frames + 25) {
            if tick < frames {
                let pcm = speech[(tick * frameSamples)..<((tick + 1) * frameSamples)]
                let packet = Self.rtpHeader(marker: tick == 0, payloadType: 0, sequence: UInt16(truncatingIfNeeded: tick),
                                            timestamp: UInt32(truncatingIfNeeded: tick * frameSamples), ssrc: ssrcA)
                    + pcm.map(G711.uLawEncode)
                try phoneA.send(packet, to: "127.0.0.1", port: towardsB)
            }
            // Every 20 ms from the previous packet, never a catch-up burst: on a loaded machine this thread may
            // be descheduled for a while, and a burst of a second's packets overruns a relay's receive buffer
            // (rtpengine's did), which would be scored as the relay's loss.
            due = max(due + 0.020, TestClock.now())
            while case let remaining = due - TestClock.now(), remaining > 0 {
                var fds = [pollfd(fd: phoneA.fd, events: Int16(POLLIN), revents: 0),
                           pollfd(fd: phoneB.fd, events: Int16(POLLIN), revents: 0)]
                guard poll(&fds, 2, Int32(max(1, remaining * 1000))) > 0 else { continue }
                if fds[1].revents != 0, let datagram = phoneB.receive(timeout: 0.001), let rtp = Self.parse(datagram.bytes) {
                    receivedAtB.append(rtp)
                    // The reflector: same payload, sequence and timestamp, B's own SSRC.
                    var echo = datagram.bytes
                    echo[8] = UInt8(ssrcB >> 24); echo[9] = UInt8(ssrcB >> 16 & 0xff)
                    echo[10] = UInt8(ssrcB >> 8 & 0xff); echo[11] = UInt8(ssrcB & 0xff)
                    try phoneB.send(echo, to: "127.0.0.1", port: towardsA)
                }
                if fds[0].revents != 0, let datagram = phoneA.receive(timeout: 0.001), let rtp = Self.parse(datagram.bytes) {
                    receivedAtA.append(rtp)
                }
            }
        }

        let decoder = try codec.makeDecoder()
        let atB = try Self.decode(receivedAtB) { payload, pcm in
            try payload.withUnsafeBytes { bytes in try decoder.decode(bytes, into: pcm) }
        }
        let atA = try Self.decode(receivedAtA) { payload, pcm in
            // PCMU: one byte per sample; a lost packet is a frame of silence.
            guard !payload.isEmpty else {
                for i in 0..<frameSamples { pcm[i] = 0 }
                return frameSamples
            }
            let count = min(payload.count, pcm.count)
            for i in 0..<count { pcm[i] = G711.uLawToLinear[Int(payload[i])] }
            return count
        }
        return Outcome(framesSent: frames, offeredPayloadType: formatLines.payloadType, atB: atB, atA: atA)
    }

    /// Orders packets by sequence number (relative to the first one heard), decodes each, and decodes an
    /// empty payload for every gap (the codec's loss concealment).
    private static func decode(_ packets: [(sequence: UInt16, payloadType: UInt8, payload: [UInt8])],
                               _ decodeOne: ([UInt8], UnsafeMutableBufferPointer<Int16>) throws -> Int) throws -> Heard {
        var heard = Heard()
        heard.packets = packets.count
        guard let first = packets.first?.sequence else { return heard }
        heard.payloadTypes = Set(packets.map(\.payloadType))
        heard.payloadSizes = packets.map(\.payload.count)
        var byIndex: [Int: [UInt8]] = [:]
        for packet in packets {
            // A few hundred packets: the distance from the first never wraps; a reordered one before it is dropped.
            let index = Int(Int16(bitPattern: packet.sequence &- first))
            if index >= 0 { byIndex[index] = packet.payload }
        }
        let last = byIndex.keys.max() ?? 0
        var pcm = [Int16](repeating: 0, count: 5760)
        for index in 0...last {
            let payload = byIndex[index] ?? []
            if byIndex[index] == nil { heard.lost += 1 }
            let count = try pcm.withUnsafeMutableBufferPointer { buffer in try decodeOne(payload, buffer) }
            heard.audio += pcm[0..<count]
        }
        return heard
    }

    private static func rtpHeader(marker: Bool, payloadType: UInt8, sequence: UInt16, timestamp: UInt32, ssrc: UInt32) -> [UInt8] {
        [0x80, (marker ? 0x80 : 0) | payloadType, UInt8(sequence >> 8), UInt8(sequence & 0xff),
         UInt8(timestamp >> 24), UInt8(timestamp >> 16 & 0xff), UInt8(timestamp >> 8 & 0xff), UInt8(timestamp & 0xff),
         UInt8(ssrc >> 24), UInt8(ssrc >> 16 & 0xff), UInt8(ssrc >> 8 & 0xff), UInt8(ssrc & 0xff)]
    }

    /// Sequence, payload type and payload of an RTP packet (CSRCs, extension and padding honoured); nil if not RTP.
    static func parse(_ bytes: [UInt8]) -> (sequence: UInt16, payloadType: UInt8, payload: [UInt8])? {
        guard bytes.count >= 12, bytes[0] >> 6 == 2 else { return nil }
        let payloadType = bytes[1] & 0x7f
        // RTCP shares the port only with rtcp-mux; its packet types 200–204 land on 72–76 here.
        guard !(72...76).contains(payloadType) else { return nil }
        var offset = 12 + Int(bytes[0] & 0x0f) * 4
        if bytes[0] & 0x10 != 0 {
            guard bytes.count >= offset + 4 else { return nil }
            offset += 4 + (Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])) * 4
        }
        var end = bytes.count
        if bytes[0] & 0x20 != 0, let padding = bytes.last { end -= Int(padding) }
        guard offset <= end else { return nil }
        return (UInt16(bytes[2]) << 8 | UInt16(bytes[3]), payloadType, Array(bytes[offset..<end]))
    }

    /// The payload type the SDP maps `encoding` to (by `a=rtpmap`, or G.729's static 18), with its
    /// `a=rtpmap`/`a=fmtp` lines, so B can answer with exactly the format it was offered.
    static func formatLines(of encoding: String, in sdp: String) -> (payloadType: UInt8, attributes: [String])? {
        let lines = sdp.split(whereSeparator: \.isNewline).map(String.init)
        var payloadType: UInt8?
        for line in lines where line.hasPrefix("a=rtpmap:") {
            let fields = line.dropFirst("a=rtpmap:".count).split(separator: " ", maxSplits: 1)
            if fields.count == 2, fields[1].lowercased().hasPrefix(encoding.lowercased() + "/") { payloadType = UInt8(fields[0]) }
        }
        if payloadType == nil, encoding == "G729",
           let media = lines.first(where: { $0.hasPrefix("m=audio ") }), media.split(separator: " ").dropFirst(3).contains("18") {
            payloadType = 18
        }
        guard let payloadType else { return nil }
        let attributes = lines.filter { $0.hasPrefix("a=rtpmap:\(payloadType) ") || $0.hasPrefix("a=fmtp:\(payloadType) ") }
        return (payloadType, attributes)
    }

    static func answerSDP(port: UInt16, payloadType: UInt8, attributes: [String]) -> String {
        let lines = ["v=0", "o=- 5151 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0",
                     "m=audio \(port) RTP/AVP \(payloadType)"] + attributes + ["a=sendrecv", "a=ptime:20"]
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}

extension SpeechRoundTrip {
    /// The chain without any relay: `speech` through µ-law, `codec` (this package's encoder and decoder, 20 ms
    /// frames) and µ-law again. What a perfect relay would deliver with these codec settings; a reference
    /// for reading the relay's score, not a target.
    static func codecAlone(_ codec: SpeechLegCodec, speech: [Int16]) throws -> [Int16] {
        let coder = try codec.makeDecoder()
        var out: [Int16] = []
        var payload = [UInt8](repeating: 0, count: 1500)
        var pcm = [Int16](repeating: 0, count: 5760)
        for frame in 0..<(speech.count / frameSamples) {
            let input = speech[(frame * frameSamples)..<((frame + 1) * frameSamples)]
                .map { G711.uLawToLinear[Int(G711.uLawEncode($0))] }
            let length = try input.withUnsafeBufferPointer { pcmIn in
                try payload.withUnsafeMutableBytes { bytes in try coder.encode(pcmIn, into: bytes) }
            }
            let count = try payload.withUnsafeBytes { bytes in
                try pcm.withUnsafeMutableBufferPointer { buffer in
                    try coder.decode(UnsafeRawBufferPointer(rebasing: bytes[0..<length]), into: buffer)
                }
            }
            out += pcm[0..<count].map { G711.uLawToLinear[Int(G711.uLawEncode($0))] }
        }
        return out
    }
}
