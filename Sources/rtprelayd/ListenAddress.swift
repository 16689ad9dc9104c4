#if canImport(Glibc)
import Glibc
#endif

/// `--listen-ng=[IP:]PORT` (IPv6 as `[::1]:2223`). A bare port means every local address, as in rtpengine.
struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    /// nil: all local addresses.
    var host: String?
    var port: UInt16

    init(host: String?, port: UInt16) {
        self.host = host
        self.port = port
    }

    init(parsing text: String) throws(ConfigurationError) {
        let spec = text.trimmingWhitespace
        var hostPart: Substring?
        var portPart: Substring
        if spec.hasPrefix("[") {
            guard let close = spec.firstIndex(of: "]") else { throw .invalid("listen address '\(text)': missing ']'") }
            hostPart = spec[spec.index(after: spec.startIndex)..<close]
            let rest = spec[spec.index(after: close)...]
            guard rest.hasPrefix(":") else { throw .invalid("listen address '\(text)': expected ':PORT' after ']'") }
            portPart = rest.dropFirst()
        } else if let colon = spec.lastIndex(of: ":") {
            hostPart = spec[..<colon]
            portPart = spec[spec.index(after: colon)...]
            if hostPart!.contains(":") {
                throw .invalid("listen address '\(text)': write IPv6 as [ADDRESS]:PORT")
            }
        } else {
            portPart = Substring(spec)
        }
        guard let port = UInt16(portPart), port > 0 else {
            throw .invalid("listen address '\(text)': port must be 1...65535")
        }
        if let hostPart {
            let host = String(hostPart)
            guard IPAddressText.isValid(host) else { throw .invalid("listen address '\(text)': '\(host)' is not an IP address") }
            self.host = host
        } else {
            self.host = nil
        }
        self.port = port
    }

    var description: String {
        guard let host else { return "*:\(port)" }
        return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}

/// Checks textual IPv4/IPv6 addresses with the C library, the same parser the sockets use.
enum IPAddressText {
    static func isValid(_ text: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        let family = text.contains(":") ? AF_INET6 : AF_INET
        return inet_pton(family, text, &buffer) == 1
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        var slice = Substring(self)
        while let first = slice.first, first.isWhitespace { slice.removeFirst() }
        while let last = slice.last, last.isWhitespace { slice.removeLast() }
        return String(slice)
    }
}
