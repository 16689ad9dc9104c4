/// IPv4 or IPv6, spelled as in SDP (`IP4`/`IP6`) and in ng (`address family`).
public enum AddressFamily: String, Sendable, Hashable, CaseIterable {
    case ipv4 = "IP4"
    case ipv6 = "IP6"

    /// The spelling used by rtpengine's stats tree (`family: "IPv4"`).
    public var statsName: String { self == .ipv4 ? "IPv4" : "IPv6" }

    /// The family of a textual address (`"::1"` is IPv6, everything else IPv4).
    public init(address: String) { self = address.contains(":") ? .ipv6 : .ipv4 }
}

/// A transport address as text: what SDP and ng carry. The hot path never uses this type;
/// it keeps raw `sockaddr` bytes.
public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
    public var address: String
    public var port: UInt16

    public init(address: String, port: UInt16) {
        self.address = address
        self.port = port
    }

    public var family: AddressFamily { AddressFamily(address: address) }

    public var description: String { family == .ipv6 ? "[\(address)]:\(port)" : "\(address):\(port)" }
}
