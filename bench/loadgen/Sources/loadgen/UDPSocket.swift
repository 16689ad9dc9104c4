import Glibc

/// A non-blocking UDP socket on a loopback address (IPv4 or IPv6), ephemeral port unless given.
final class UDPSocket: @unchecked Sendable {
    let fd: Int32
    let address: String
    let port: UInt16

    init(address: String, port: UInt16 = 0) throws {
        let six = address.contains(":")
        let fd = socket(six ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        guard fd >= 0 else { throw LoadError.socket(errno) }
        var storage = sockaddr_storage()
        let length = UDPSocket.fill(&storage, address: address, port: port)
        let rc = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard rc == 0 else { close(fd); throw LoadError.socket(errno) }
        var bound = sockaddr_storage()
        var boundLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &boundLength) }
        }
        self.fd = fd
        self.address = address
        self.port = withUnsafePointer(to: &bound) {
            $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
        }
    }

    deinit { close(fd) }

    /// Writes a sockaddr for address:port; returns its length (0 if the address is not a literal).
    static func fill(_ storage: inout sockaddr_storage, address: String, port: UInt16) -> socklen_t {
        withUnsafeMutablePointer(to: &storage) { raw -> socklen_t in
            if address.contains(":") {
                return raw.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { six in
                    six.pointee.sin6_family = sa_family_t(AF_INET6)
                    six.pointee.sin6_port = port.bigEndian
                    return inet_pton(AF_INET6, address, &six.pointee.sin6_addr) == 1
                        ? socklen_t(MemoryLayout<sockaddr_in6>.size) : 0
                }
            }
            return raw.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { four in
                four.pointee.sin_family = sa_family_t(AF_INET)
                four.pointee.sin_port = port.bigEndian
                return inet_pton(AF_INET, address, &four.pointee.sin_addr) == 1
                    ? socklen_t(MemoryLayout<sockaddr_in>.size) : 0
            }
        }
    }

    /// Sends to a destination prepared with `fill`.
    @discardableResult
    func send(_ bytes: UnsafeRawBufferPointer, to storage: inout sockaddr_storage, length: socklen_t) -> Bool {
        withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, bytes.baseAddress, bytes.count, 0, $0, length) == bytes.count
            }
        }
    }

    /// One datagram into `buffer`, or -1 when none is queued.
    func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        recv(fd, buffer.baseAddress, buffer.count, 0)
    }
}

enum LoadError: Error, CustomStringConvertible {
    case socket(Int32)
    case usage(String)
    case ng(String)

    var description: String {
        switch self {
        case .socket(let e): return "socket error \(e) (\(String(cString: strerror(e))))"
        case .usage(let text): return text
        case .ng(let text): return "ng: \(text)"
        }
    }
}
