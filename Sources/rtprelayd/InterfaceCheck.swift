#if canImport(Glibc)
import Glibc
#endif
import RTPWire

/// Proves at start-up that every `--interface` address is local, by binding a throw-away UDP socket
/// to it. Without this a typo would only show at the first offer, as `Ran out of ports` to the SBC.
enum InterfaceCheck {
    static func verify(_ interfaces: [MediaInterface]) throws(StartupError) {
        for interface in interfaces {
            if let reason = bindFailure(interface.localAddress) {
                throw .mediaPlane("interface \(interface.name) cannot use \(interface.localAddress): \(reason)")
            }
        }
    }

    /// nil if a socket could be bound to `address`, else the reason.
    private static func bindFailure(_ address: String) -> String? {
        let v6 = address.contains(":")
        let fd = socket(v6 ? AF_INET6 : AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        var rc: Int32
        if v6 {
            var sin6 = sockaddr_in6()
            sin6.sin6_family = sa_family_t(AF_INET6)
            guard inet_pton(AF_INET6, address, &sin6.sin6_addr) == 1 else { return "not an IPv6 address" }
            rc = withUnsafePointer(to: &sin6) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
        } else {
            var sin = sockaddr_in()
            sin.sin_family = sa_family_t(AF_INET)
            guard inet_pton(AF_INET, address, &sin.sin_addr) == 1 else { return "not an IPv4 address" }
            rc = withUnsafePointer(to: &sin) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
        }
        return rc == 0 ? nil : String(cString: strerror(errno))
    }
}
