import RTPWire

/// Parses rtpengine's `--interface` syntax: `IP`, `NAME/IP` or either followed by `!ADVERTISED`.
/// The advertised address is what SDP carries when the relay sits behind 1:1 NAT.
enum InterfaceSpec {
    static let defaultName = "default"

    static func parse(_ text: String) throws(ConfigurationError) -> MediaInterface {
        let spec = text.trimmingWhitespace
        var name = defaultName
        var rest = Substring(spec)
        if let slash = rest.firstIndex(of: "/") {
            name = String(rest[..<slash])
            rest = rest[rest.index(after: slash)...]
            guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" || $0 == "." }) else {
                throw .invalid("interface '\(text)': name must be letters, digits, '_', '-' or '.'")
            }
        }
        var advertised: String?
        if let bang = rest.firstIndex(of: "!") {
            advertised = String(rest[rest.index(after: bang)...])
            rest = rest[..<bang]
        }
        let local = String(rest)
        guard IPAddressText.isValid(local) else { throw .invalid("interface '\(text)': '\(local)' is not an IP address") }
        if let advertised {
            guard IPAddressText.isValid(advertised) else {
                throw .invalid("interface '\(text)': advertised '\(advertised)' is not an IP address")
            }
            guard AddressFamily(address: advertised) == AddressFamily(address: local) else {
                throw .invalid("interface '\(text)': advertised address must be the same family as the local one")
            }
        }
        return MediaInterface(name: name, localAddress: local, advertisedAddress: advertised)
    }
}
