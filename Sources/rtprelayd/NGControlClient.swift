import ControlProtocol
#if canImport(Glibc)
import Glibc
#endif

/// Why `rtprelayd ctl` could not get an answer.
enum CtlError: Error, CustomStringConvertible {
    case badServer(String)
    case unreachable(server: String, reason: String)
    case noReply(server: String, seconds: Double)
    case badReply(String)
    case unknownCall(String)
    case failed(String)

    var description: String {
        switch self {
        case .badServer(let reason): return reason
        case .unreachable(let server, let reason):
            return "cannot reach rtprelayd at \(server): \(reason) (is it running with --listen-ng there?)"
        case .noReply(let server, let seconds):
            return "no reply from \(server) within \(seconds) s (is rtprelayd running with --listen-ng there?)"
        case .badReply(let reason): return "unreadable reply: \(reason)"
        case .unknownCall(let callID): return "unknown call '\(callID)'"
        case .failed(let reason): return reason
        }
    }
}

/// A blocking ng client for the command line: one request, one reply, over UDP to the daemon's ng port. The socket
/// is connected, so a port nobody listens on fails at once (ICMP port unreachable) instead of after the timeout.
/// The request is resent under the same cookie while waiting: the daemon's reply cache answers a duplicate with
/// the same bytes and never runs the command twice.
struct NGControlClient {
    let server: ListenAddress
    let timeout: Double

    init(server text: String, timeout: Double) throws(CtlError) {
        do {
            server = try ListenAddress(parsing: text)
        } catch {
            throw .badServer("--server: \(error.description)")
        }
        guard server.host != nil else { throw .badServer("--server needs an address, e.g. 127.0.0.1:22222") }
        self.timeout = timeout
    }

    var serverText: String { server.description }

    func request(_ dictionary: BencodeDictionary) throws(CtlError) -> BencodeDictionary {
        let host = server.host ?? "127.0.0.1"
        let isIPv6 = host.contains(":")
        let fd = socket(isIPv6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw .unreachable(server: serverText, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var storage = sockaddr_storage()
        let length: socklen_t
        if isIPv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = server.port.bigEndian
            guard inet_pton(AF_INET6, host, &address.sin6_addr) == 1 else { throw .badServer("--server: bad address \(host)") }
            withUnsafeBytes(of: address) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
            length = socklen_t(MemoryLayout<sockaddr_in6>.size)
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = server.port.bigEndian
            guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw .badServer("--server: bad address \(host)") }
            withUnsafeBytes(of: address) { raw in withUnsafeMutableBytes(of: &storage) { $0.copyMemory(from: raw) } }
            length = socklen_t(MemoryLayout<sockaddr_in>.size)
        }
        let connected = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, length) }
        }
        guard connected == 0 else { throw .unreachable(server: serverText, reason: String(cString: strerror(errno))) }

        let cookie = "ctl\(UInt32.random(in: 0...UInt32.max))"
        var datagram = Array(cookie.utf8) + [UInt8(ascii: " ")]
        Bencode.encode(dictionary, into: &datagram)
        let deadline = Self.now() + timeout
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var nextSend = Self.now()
        while true {
            let now = Self.now()
            if now >= deadline { throw .noReply(server: serverText, seconds: timeout) }
            if now >= nextSend {
                let sent = datagram.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) }
                if sent < 0, errno != EINTR { throw .unreachable(server: serverText, reason: String(cString: strerror(errno))) }
                nextSend = now + 0.5
            }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let wait = Int32(max(1, (min(deadline, nextSend) - now) * 1000))
            guard poll(&poller, 1, wait) > 0 else { continue }
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                throw .unreachable(server: serverText, reason: String(cString: strerror(errno)))
            }
            let reply = buffer[0..<n]
            // A reply to an earlier request of someone else cannot reach this socket (it is ours alone), but check.
            guard let space = reply.firstIndex(of: UInt8(ascii: " ")), Array(reply[..<space]) == Array(cookie.utf8) else {
                continue
            }
            let value: BencodeValue
            do {
                value = try Bencode.decode(reply[(space + 1)...])
            } catch {
                throw .badReply("\(error)")
            }
            guard let dictionary = value.dictValue else { throw .badReply("not a dictionary") }
            return dictionary
        }
    }

    static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }
}
