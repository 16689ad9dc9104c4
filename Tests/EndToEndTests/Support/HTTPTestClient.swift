#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 client over a blocking TCP socket on loopback: what the tests need to read the daemon's
/// HTTP side byte for byte (status, headers, chunked or sized bodies, a Server-Sent Events stream).
final class HTTPTestClient {
    struct Response {
        var status: Int
        var headers: [String: String]
        var body: String
    }

    let fd: Int32
    private var buffer: [UInt8] = []

    /// Connects to 127.0.0.1:`port`; throws (ECONNREFUSED…) when nothing listens.
    init(port: UInt16, timeout: Double = 5) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw UDPSocket.Failure(call: "socket", code: errno) }
        var seconds = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - Double(Int(timeout))) * 1e6))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &seconds, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw UDPSocket.Failure(call: "connect 127.0.0.1:\(port)", code: code)
        }
    }

    deinit { close(fd) }

    /// One request on a fresh connection, read to the end of its body.
    static func get(port: UInt16, _ path: String, method: String = "GET", timeout: Double = 5) throws -> Response {
        let client = try HTTPTestClient(port: port, timeout: timeout)
        try client.send("\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        return try client.readResponse()
    }

    /// Whether something accepts TCP connections on 127.0.0.1:`port`.
    static func isListening(port: UInt16) -> Bool { (try? HTTPTestClient(port: port, timeout: 1)) != nil }

    /// A TCP port free right now on 127.0.0.1 (bound to port 0, then released for the daemon to take).
    static func freePort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw UDPSocket.Failure(call: "socket", code: errno) }
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                guard bind(fd, pointer, length) == 0 else { return -1 }
                return getsockname(fd, pointer, &length)
            }
        }
        guard rc == 0 else { throw UDPSocket.Failure(call: "bind tcp 127.0.0.1:0", code: errno) }
        return UInt16(bigEndian: address.sin_port)
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw UDPSocket.Failure(call: "send", code: errno) }
    }

    /// Reads status line, headers and the whole body (Content-Length, chunked, or to end of stream).
    func readResponse() throws -> Response {
        let (status, headers) = try readHead()
        var body: [UInt8] = []
        if headers["transfer-encoding"]?.lowercased() == "chunked" {
            while true {
                let sizeLine = try readLine()
                guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
                    throw ChildProcess.Failure(description: "bad chunk size line '\(sizeLine)'")
                }
                if size == 0 { _ = try readLine(); break }
                body += try read(count: size)
                _ = try readLine()
            }
        } else if let length = headers["content-length"].flatMap({ Int($0) }) {
            body = try read(count: length)
        } else {
            while let more = try fill() { _ = more }
            body = buffer
            buffer = []
        }
        return Response(status: status, headers: headers, body: String(decoding: body, as: UTF8.self))
    }

    /// For an event stream: reads until `count` `data:` lines have arrived or `timeout` seconds passed.
    func readEvents(count: Int, timeout: Double) throws -> [String] {
        let deadline = TestClock.now() + timeout
        var events: [String] = []
        var text = ""
        while true {
            text += String(decoding: buffer, as: UTF8.self)
            buffer = []
            // Chunk-size lines of the chunked encoding sit between events; only `data:` lines matter here.
            while let newline = text.firstIndex(of: "\n") {
                let line = String(text[..<newline]).trimming("\r")
                text = String(text[text.index(after: newline)...])
                if line.hasPrefix("data: ") { events.append(String(line.dropFirst(6))) }
            }
            guard events.count < count, TestClock.now() < deadline else { break }
            guard let read = try? fill(), read > 0 else { break }
        }
        return events
    }

    func readHead() throws -> (Int, [String: String]) {
        let statusLine = try readLine()
        let parts = statusLine.split(separator: " ")
        guard parts.count >= 2, parts[0].hasPrefix("HTTP/1."), let status = Int(parts[1]) else {
            throw ChildProcess.Failure(description: "bad status line '\(statusLine)'")
        }
        var headers: [String: String] = [:]
        while true {
            let line = try readLine()
            if line.isEmpty { break }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...]).trimming(" ")
        }
        return (status, headers)
    }

    private func readLine() throws -> String {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<newline])
                buffer.removeFirst(newline + 1)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() != nil else { throw ChildProcess.Failure(description: "connection closed mid-line") }
        }
    }

    private func read(count: Int) throws -> [UInt8] {
        while buffer.count < count {
            guard try fill() != nil else { throw ChildProcess.Failure(description: "connection closed mid-body") }
        }
        defer { buffer.removeFirst(count) }
        return Array(buffer[..<count])
    }

    /// Appends what the socket has; nil at end of stream. Throws on timeout or error.
    @discardableResult
    private func fill() throws -> Int? {
        var chunk = [UInt8](repeating: 0, count: 16384)
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n < 0 { throw UDPSocket.Failure(call: "recv", code: errno) }
        if n == 0 { return nil }
        buffer += chunk[..<n]
        return n
    }
}

extension String {
    /// Trims the given characters from both ends (no Foundation in the test support).
    func trimming(_ set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice.removeFirst() }
        while let last = slice.last, set.contains(last) { slice.removeLast() }
        return String(slice)
    }
}
