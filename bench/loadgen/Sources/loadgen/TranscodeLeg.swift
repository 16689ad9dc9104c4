import CLoadCodecs

/// Transcoding mode: phone A speaks PCMU, the relay is asked (`codec: {mask: [all], transcode: [X]}`) to offer
/// phone B only codec X, and B answers and speaks X. Every payload is real: one second of a voice-like signal
/// encoded at start, then played in a loop.
enum LegCodec: String, CaseIterable {
    case opus
    case g729 = "G729"
    case pcma = "PCMA"

    init?(flag: String) {
        switch flag.lowercased() {
        case "opus": self = .opus
        case "g729": self = .g729
        case "pcma": self = .pcma
        default: return nil
        }
    }

    /// Name in the ng `codec` lists and in `a=rtpmap`.
    var encodingName: String { rawValue }
    /// RTP timestamp advance per 20 ms packet (Opus always counts at 48 kHz, RFC 7587).
    var timestampStep: UInt32 { self == .opus ? 960 : 160 }
    var staticPayloadType: UInt8? {
        switch self {
        case .opus: return nil
        case .g729: return 18
        case .pcma: return 8
        }
    }

    /// The payload type the relay's offer gives this codec, with its rtpmap/fmtp lines for B's answer.
    func offered(in sdp: String) -> (payloadType: UInt8, attributes: String)? {
        let lines = sdp.split(whereSeparator: \.isNewline).map(String.init)
        var payloadType: UInt8?
        for line in lines where line.hasPrefix("a=rtpmap:") {
            let fields = line.dropFirst(9).split(separator: " ", maxSplits: 1)
            if fields.count == 2, fields[1].lowercased().hasPrefix(encodingName.lowercased() + "/") { payloadType = UInt8(fields[0]) }
        }
        if payloadType == nil, let fixed = staticPayloadType,
           let media = lines.first(where: { $0.hasPrefix("m=audio ") }), media.split(separator: " ").dropFirst(3).contains("\(fixed)") {
            payloadType = fixed
        }
        guard let payloadType else { return nil }
        let attributes = lines.filter { $0.hasPrefix("a=rtpmap:\(payloadType) ") || $0.hasPrefix("a=fmtp:\(payloadType) ") }
        return (payloadType, attributes.map { $0 + "\r\n" }.joined())
    }
}

/// 50 payloads (one second of 20 ms packets) of one codec, played in a loop.
struct PayloadLoop: Sendable {
    let payloads: [[UInt8]]

    static let frames = 50

    static func pcmu(_ pcm: [Int16]) -> PayloadLoop {
        PayloadLoop(payloads: (0..<frames).map { f in pcm[(f * 160)..<((f + 1) * 160)].map(G711Encode.uLaw) })
    }

    static func encoded(_ codec: LegCodec, _ pcm: [Int16]) throws -> PayloadLoop {
        switch codec {
        case .pcma:
            return PayloadLoop(payloads: (0..<frames).map { f in pcm[(f * 160)..<((f + 1) * 160)].map(G711Encode.aLaw) })
        case .opus, .g729:
            let stride = 1500
            var out = [UInt8](repeating: 0, count: frames * stride)
            var lengths = [Int32](repeating: 0, count: frames)
            let status = pcm.withUnsafeBufferPointer { input in
                codec == .opus
                    ? loadgen_encode_opus(input.baseAddress, Int32(frames), 5, &out, Int32(stride), &lengths)
                    : loadgen_encode_g729(input.baseAddress, Int32(frames), &out, Int32(stride), &lengths)
            }
            guard status == 0 else { throw LoadError.usage("\(codec) encoder failed (\(status))") }
            return PayloadLoop(payloads: (0..<frames).map { f in Array(out[(f * stride)..<(f * stride + Int(lengths[f]))]) })
        }
    }
}
