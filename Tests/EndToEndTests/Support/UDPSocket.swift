#if canImport(Glibc)
import Glibc
#endif

/// A plain IPv4/IPv6 UDP socket for the tests: SIP phones, RTP endpoints and the ng client are all
/// built on this, with no framework between the test and the bytes on the wire.
final class UDPSocket {
    struct Failure: Error, CustomStringConvertible {
        var call: String
        var code: Int32
        var description: String { "\(call): \(String(cString: strerror(code)))" }
    }

    struct Datagram {
        var bytes: [UInt8]
        var address: String
        var port: UInt16
    }

    let fd: Int32
    let address: String
    private(set) var port: UInt16 = 0

    /// Binds to `address:port` (port 0: the kernel picks one).
    init(address: String = "127.0.0.1", port: UInt16 = 0) throws {
        let v6 = address.contains(":")
        fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(call: "socket", code: errno) }
        self.address = address
        var storage = try UDPSocket.makeAddress(address: address, port: port)
        let length = socklen_t(v6 ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        let rc = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) } }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw Failure(call: "bind \(address):\(port)", code: code)
        }
        var bound = sockaddr_storage()
        var boundLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &boundLength) } }
        self.port = UDPSocket.decode(bound).port
        var size: Int32 = 1 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
    }

    deinit { close(fd) }

    func send(_ bytes: [UInt8], to address: String, port: UInt16) throws {
        var storage = try UDPSocket.makeAddress(address: address, port: port)
        let length = socklen_t(address.contains(":") ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        let sent = bytes.withUnsafeBytes { buffer in
            withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sendto(fd, buffer.baseAddress, buffer.count, 0, $0, length) }
            }
        }
        guard sent == bytes.count else { throw Failure(call: "sendto \(address):\(port)", code: errno) }
    }

    func send(_ text: String, to address: String, port: UInt16) throws {
        try send(Array(text.utf8), to: address, port: port)
    }

    /// The next datagram, or nil if none arrives within `timeout` seconds.
    func receive(timeout: Double) -> Datagram? {
        var pollFD = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let deadline = TestClock.now() + timeout
        while true {
            let remaining = deadline - TestClock.now()
            if remaining <= 0 { return nil }
            let ready = poll(&pollFD, 1, Int32(max(1, remaining * 1000)))
            if ready < 0 && errno == EINTR { continue }
            if ready <= 0 { return nil }
            var buffer = [UInt8](repeating: 0, count: 70_000)
            var source = sockaddr_storage()
            var sourceLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let count = buffer.withUnsafeMutableBytes { raw in
                withUnsafeMutablePointer(to: &source) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, raw.baseAddress, raw.count, 0, $0, &sourceLength) }
                }
            }
            // ICMP port unreachable from an earlier send surfaces as ECONNREFUSED here; skip it.
            if count < 0 { continue }
            let (address, port) = UDPSocket.decode(source)
            return Datagram(bytes: Array(buffer[0..<count]), address: address, port: port)
        }
    }

    /// Receives until `match` accepts a datagram or the time is up.
    func receive(timeout: Double, where match: (Datagram) -> Bool) -> Datagram? {
        let deadline = TestClock.now() + timeout
        while case let remaining = deadline - TestClock.now(), remaining > 0 {
            guard let datagram = receive(timeout: remaining) else { return nil }
            if match(datagram) { return datagram }
        }
        return nil
    }

    /// Discards whatever is queued.
    func drain() {
        while receive(timeout: 0.001) != nil {}
    }

    static func makeAddress(address: String, port: UInt16) throws -> sockaddr_storage {
        var storage = sockaddr_storage()
        if address.contains(":") {
            try withUnsafeMutablePointer(to: &storage) {
                try $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    sin6.pointee.sin6_family = sa_family_t(AF_INET6)
                    sin6.pointee.sin6_port = port.bigEndian
                    guard inet_pton(AF_INET6, address, &sin6.pointee.sin6_addr) == 1 else { throw Failure(call: "inet_pton \(address)", code: EINVAL) }
                }
            }
        } else {
            try withUnsafeMutablePointer(to: &storage) {
                try $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                    sin.pointee.sin_family = sa_family_t(AF_INET)
                    sin.pointee.sin_port = port.bigEndian
                    guard inet_pton(AF_INET, address, &sin.pointee.sin_addr) == 1 else { throw Failure(call: "inet_pton \(address)", code: EINVAL) }
                }
            }
        }
        return storage
    }

    static func decode(_ storage: sockaddr_storage) -> (address: String, port: UInt16) {
        var storage = storage
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if storage.ss_family == sa_family_t(AF_INET6) {
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { sin6 in
                    var addr = sin6.pointee.sin6_addr
                    inet_ntop(AF_INET6, &addr, &text, socklen_t(text.count))
                    return (cText(text), UInt16(bigEndian: sin6.pointee.sin6_port))
                }
            }
        }
        return withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { sin in
                var addr = sin.pointee.sin_addr
                inet_ntop(AF_INET, &addr, &text, socklen_t(text.count))
                return (cText(text), UInt16(bigEndian: sin.pointee.sin_port))
            }
        }
    }
}

private func cText(_ chars: [CChar]) -> String {
    String(decoding: chars.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Monotonic seconds for test deadlines.
enum TestClock {
    static func now() -> Double {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
    }

    static func sleep(_ seconds: Double) {
        usleep(UInt32(seconds * 1_000_000))
    }
}
