/// The two SDP facts the load generator needs: build a one-stream PCMU offer/answer, read the relay's address
/// and port back from its rewritten SDP.
enum SDP {
    /// `format`: one payload type and its `a=rtpmap`/`a=fmtp` lines (CRLF-terminated); PCMU when nil.
    static func audio(address: String, port: UInt16, session: Int, profile: String = "RTP/AVP", extra: String = "",
                      format: (payloadType: UInt8, attributes: String)? = nil) -> String {
        let family = address.contains(":") ? "IP6" : "IP4"
        let (payloadType, attributes) = format ?? (0, "a=rtpmap:0 PCMU/8000\r\n")
        return "v=0\r\no=- \(session) 1 IN \(family) \(address)\r\ns=loadgen\r\nc=IN \(family) \(address)\r\nt=0 0\r\n"
            + "m=audio \(port) \(profile) \(payloadType)\r\n\(attributes)a=ptime:20\r\na=sendrecv\r\n" + extra
    }

    /// The first audio stream's connection address and port (a media-level c= overrides the session's).
    static func mediaEndpoint(_ sdp: String) -> (address: String, port: UInt16)? {
        var sessionAddress: String?
        var mediaAddress: String?
        var port: UInt16?
        var inFirstAudio = false
        for raw in sdp.split(whereSeparator: \.isNewline) {  // "\r\n" is one Character in Swift
            let fields = raw.split(separator: " ")
            if raw.hasPrefix("m=") {
                if port == nil, raw.hasPrefix("m=audio "), fields.count >= 2 {
                    port = UInt16(fields[1])
                    inFirstAudio = true
                } else {
                    inFirstAudio = false
                }
            } else if raw.hasPrefix("c=IN "), fields.count >= 3 {
                if port == nil { sessionAddress = String(fields[2]) } else if inFirstAudio { mediaAddress = String(fields[2]) }
            }
        }
        guard let address = mediaAddress ?? sessionAddress, let port else { return nil }
        return (address, port)
    }
}
