import Glibc

/// Sends ng commands (cookie, space, bencoded dictionary; ng-protocol.md §1.1) over UDP and waits for the
/// reply with the same cookie, retransmitting like an SBC does.
final class NGClient {
    private let socket: UDPSocket
    private var server = sockaddr_storage()
    private let serverLength: socklen_t
    private var sequence = 0

    init(host: String, port: UInt16) throws {
        socket = try UDPSocket(address: host.contains(":") ? "::1" : "127.0.0.1")
        serverLength = UDPSocket.fill(&server, address: host, port: port)
        guard serverLength > 0 else { throw LoadError.usage("bad ng address \(host)") }
    }

    /// One request; returns the reply dictionary or throws on timeout / error result.
    func request(_ pairs: [(String, BValue)], timeout: Double = 1, attempts: Int = 3) throws -> BValue {
        sequence += 1
        let cookie = "lg\(getpid())_\(sequence)"
        var message = Array(cookie.utf8) + [UInt8(ascii: " ")]
        BValue.dictionary(pairs).encode(into: &message)
        var buffer = [UInt8](repeating: 0, count: 65536)
        for _ in 0..<attempts {
            _ = message.withUnsafeBytes { socket.send($0, to: &server, length: serverLength) }
            var pfd = pollfd(fd: socket.fd, events: Int16(POLLIN), revents: 0)
            var deadline = timeout
            while deadline > 0 {
                let start = monotonicSeconds()
                guard poll(&pfd, 1, Int32(deadline * 1000)) == 1 else { break }
                deadline -= monotonicSeconds() - start
                let n = buffer.withUnsafeMutableBytes { socket.receive(into: $0) }
                guard n > 0, let space = buffer[0..<n].firstIndex(of: UInt8(ascii: " ")),
                      String(decoding: buffer[0..<space], as: UTF8.self) == cookie else { continue }
                var index = space + 1
                guard let reply = BValue.decode(Array(buffer[0..<n]), at: &index) else { throw LoadError.ng("undecodable reply") }
                guard reply["result"]?.text == "ok" else {
                    throw LoadError.ng(reply["error-reason"]?.text ?? "result \(reply["result"]?.text ?? "missing")")
                }
                return reply
            }
        }
        throw LoadError.ng("no reply to \(pairs.first { $0.0 == "command" }?.1.text ?? "?")")
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}
