/// What the tests check in a rewritten SDP: where media should go.
struct SDPSummary {
    /// `c=` of the first audio media, else the session-level one.
    var connectionAddress: String?
    var audioPort: UInt16?
    /// `a=rtcp:` port, if present.
    var rtcpPort: UInt16?
    var payloadTypes: [String] = []

    init(_ sdp: String) {
        var sessionConnection: String?
        var mediaConnection: String?
        var inAudio = false
        var seenMedia = false
        for raw in sdp.split(omittingEmptySubsequences: true, whereSeparator: { $0.isNewline }) {
            let line = String(raw)
            if line.hasPrefix("m=") {
                let fields = line.dropFirst(2).split(separator: " ")
                inAudio = fields.first == "audio" && audioPort == nil
                seenMedia = true
                if inAudio, fields.count >= 2 {
                    audioPort = UInt16(fields[1])
                    payloadTypes = fields.dropFirst(3).map(String.init)
                }
            } else if line.hasPrefix("c=") {
                let address = line.split(separator: " ").last.map(String.init)
                if !seenMedia { sessionConnection = address } else if inAudio { mediaConnection = address }
            } else if inAudio, line.hasPrefix("a=rtcp:") {
                rtcpPort = UInt16(line.dropFirst(7).split(separator: " ").first ?? "")
            }
        }
        connectionAddress = mediaConnection ?? sessionConnection
    }
}

enum SampleSDP {
    /// A minimal audio offer/answer from a phone at 127.0.0.1:`port`.
    static func audio(port: UInt16, sessionID: Int = 4242, payloadTypes: [Int] = [0, 8, 101]) -> String {
        var lines = [
            "v=0",
            "o=- \(sessionID) 1 IN IP4 127.0.0.1",
            "s=-",
            "c=IN IP4 127.0.0.1",
            "t=0 0",
            "m=audio \(port) RTP/AVP " + payloadTypes.map(String.init).joined(separator: " "),
        ]
        if payloadTypes.contains(101) {
            lines += ["a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-15"]
        }
        lines += ["a=sendrecv", "a=ptime:20"]
        return lines.joined(separator: "\r\n") + "\r\n"
    }
}
