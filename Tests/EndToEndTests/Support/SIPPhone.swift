/// A SIP endpoint made of a UDP socket: the test's UAC (Alice) or UAS (Bob), with an RTP socket
/// whose port it announces in its SDP.
final class SIPPhone {
    let user: String
    let sip: UDPSocket
    let rtp: UDPSocket
    /// With `rtcp: true`, the RTCP socket on the port above an even RTP port (RFC 3550 §11's default pairing, so the
    /// SDP needs no `a=rtcp`).
    let rtcp: UDPSocket?
    let tag = "tag\(UInt32.random(in: 0...UInt32.max))"

    init(user: String, rtcp wantsRTCP: Bool = false) throws {
        self.user = user
        sip = try UDPSocket()
        guard wantsRTCP else {
            rtp = try UDPSocket()
            rtcp = nil
            return
        }
        for _ in 0..<50 {
            let candidate = try UDPSocket()
            guard candidate.port % 2 == 0, let pair = try? UDPSocket(port: candidate.port + 1) else { continue }
            rtp = candidate
            rtcp = pair
            return
        }
        throw ChildProcess.Failure(description: "no free even/odd port pair for \(user)'s RTP and RTCP")
    }

    var contact: String { "<sip:\(user)@127.0.0.1:\(sip.port)>" }

    static func branch() -> String { "z9hG4bK-\(UInt64.random(in: 0...UInt64.max))" }

    func sdp(sessionID: Int) -> String { SampleSDP.audio(port: rtp.port, sessionID: sessionID) }

    /// Waits for the next request with `method` or response whose CSeq names `method` (skipping 1xx when `final`).
    func receive(timeout: Double = 5, _ match: (SIPMessage) -> Bool) -> (message: SIPMessage, from: UDPSocket.Datagram)? {
        let deadline = TestClock.now() + timeout
        while case let remaining = deadline - TestClock.now(), remaining > 0 {
            guard let datagram = sip.receive(timeout: remaining) else { return nil }
            if let message = SIPMessage(parsing: datagram.bytes), match(message) { return (message, datagram) }
        }
        return nil
    }

    /// An initial INVITE with this phone's SDP offer to `callee` (reached through whatever proxy it is sent to).
    func invite(_ callee: SIPPhone, callID: String) -> SIPMessage {
        SIPMessage(startLine: "INVITE sip:\(callee.user)@127.0.0.1:\(callee.sip.port) SIP/2.0", headers: [
            ("Via", "SIP/2.0/UDP 127.0.0.1:\(sip.port);branch=\(SIPPhone.branch());rport"),
            ("Max-Forwards", "70"),
            ("From", "<sip:\(user)@127.0.0.1>;tag=\(tag)"),
            ("To", "<sip:\(callee.user)@127.0.0.1>"),
            ("Call-ID", callID),
            ("CSeq", "1 INVITE"),
            ("Contact", contact),
            ("Content-Type", "application/sdp"),
        ], body: sdp(sessionID: 1001))
    }

    func send(_ message: SIPMessage, to port: UInt16) throws {
        try sip.send(message.serialized(), to: "127.0.0.1", port: port)
    }

    /// A response to `request` that copies its Via, Record-Route, From, To, Call-ID and CSeq (RFC 3261 §8.2.6).
    func response(_ code: Int, _ reason: String, to request: SIPMessage, body: String = "") -> SIPMessage {
        var headers: [(String, String)] = request.values("Via").map { ("Via", $0) }
        headers += request.values("Record-Route").map { ("Record-Route", $0) }
        headers.append(("From", request.value("From") ?? ""))
        let to = request.value("To") ?? ""
        headers.append(("To", to.contains(";tag=") ? to : "\(to);tag=\(tag)"))
        headers.append(("Call-ID", request.value("Call-ID") ?? ""))
        headers.append(("CSeq", request.value("CSeq") ?? ""))
        headers.append(("Contact", contact))
        if !body.isEmpty { headers.append(("Content-Type", "application/sdp")) }
        return SIPMessage(startLine: "SIP/2.0 \(code) \(reason)", headers: headers, body: body)
    }
}

/// An RTP packet (RFC 3550 §5.1) with a 160-byte PCMU payload that identifies it.
enum TestRTP {
    static func packet(sequence: UInt16, ssrc: UInt32, marker: UInt8) -> [UInt8] {
        var bytes: [UInt8] = [0x80, 0x00, UInt8(sequence >> 8), UInt8(sequence & 0xff)]
        let timestamp = UInt32(sequence) &* 160
        bytes += [UInt8(timestamp >> 24), UInt8((timestamp >> 16) & 0xff), UInt8((timestamp >> 8) & 0xff), UInt8(timestamp & 0xff)]
        bytes += [UInt8(ssrc >> 24), UInt8((ssrc >> 16) & 0xff), UInt8((ssrc >> 8) & 0xff), UInt8(ssrc & 0xff)]
        bytes += [UInt8](repeating: marker, count: 160)
        return bytes
    }
}
