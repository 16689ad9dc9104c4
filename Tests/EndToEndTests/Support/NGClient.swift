/// Talks ng over UDP to a relay: `cookie SP bencode-dict` out, the reply with the same cookie back.
final class NGClient {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let host: String
    let port: UInt16
    let socket: UDPSocket
    private var sequence = 0
    private let prefix = "e2e\(UInt32.random(in: 0...UInt32.max))"

    init(host: String = "127.0.0.1", port: UInt16) throws {
        self.host = host
        self.port = port
        socket = try UDPSocket(address: host.contains(":") ? "::1" : "127.0.0.1")
    }

    func nextCookie() -> String {
        sequence += 1
        return "\(prefix)_\(sequence)"
    }

    /// Sends a raw datagram.
    func sendRaw(_ bytes: [UInt8]) throws {
        try socket.send(bytes, to: host, port: port)
    }

    /// The next datagram from the relay, split at the first space; nil if none within `timeout`.
    func receiveReply(timeout: Double = 2) -> (cookie: String, payload: [UInt8])? {
        guard let datagram = socket.receive(timeout: timeout, where: { $0.port == self.port }) else { return nil }
        guard let space = datagram.bytes.firstIndex(of: UInt8(ascii: " ")) else {
            return (String(decoding: datagram.bytes, as: UTF8.self), [])
        }
        return (String(decoding: datagram.bytes[..<space], as: UTF8.self), Array(datagram.bytes[(space + 1)...]))
    }

    /// Sends `message` with a fresh cookie and returns the decoded reply dictionary.
    func request(_ message: TestBencode, timeout: Double = 3) throws -> TestBencode {
        let cookie = nextCookie()
        try sendRaw(Array("\(cookie) ".utf8) + message.encoded())
        return try awaitReply(cookie: cookie, timeout: timeout)
    }

    /// Waits for the reply carrying `cookie` and decodes it.
    func awaitReply(cookie: String, timeout: Double = 3) throws -> TestBencode {
        let deadline = TestClock.now() + timeout
        while case let remaining = deadline - TestClock.now(), remaining > 0 {
            guard let reply = receiveReply(timeout: remaining) else { break }
            if reply.cookie == cookie { return try TestBencode.decode(reply.payload) }
        }
        throw Failure(description: "no ng reply for cookie \(cookie) from \(host):\(port) within \(timeout) s")
    }

    /// `{command: name, ...}`
    func command(_ name: String, _ entries: [(String, TestBencode)] = []) throws -> TestBencode {
        try request(.dictionary([("command", .string(name))] + entries.map { (key: $0.0, value: $0.1) }))
    }

    func ping() throws -> Bool {
        try command("ping")["result"]?.text == "pong"
    }

    /// The call-ids `list` reports.
    func listCalls() throws -> [String] {
        let reply = try command("list")
        guard reply["result"]?.text == "ok", let calls = reply["calls"]?.listValue else {
            throw Failure(description: "list failed: \(reply)")
        }
        return calls.compactMap(\.text)
    }
}
