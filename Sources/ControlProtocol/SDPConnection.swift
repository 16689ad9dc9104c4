import RTPWire

/// A `c=` line: `c=IN IP4 192.0.2.10` or, for multicast, `c=IN IP4 233.252.0.1/127/3`.
public struct SDPConnection: Sendable, Equatable {
    /// Always `IN` in practice; kept as text so that a round trip is exact.
    public var netType: String
    public var addressType: AddressFamily
    /// Numeric address without the multicast suffix.
    public var address: String
    /// The multicast `/ttl[/count]` suffix including its first slash, kept verbatim; nil for unicast.
    public var suffix: String?

    public init(netType: String = "IN", addressType: AddressFamily, address: String, suffix: String? = nil) {
        self.netType = netType
        self.addressType = addressType
        self.address = address
        self.suffix = suffix
    }

    /// A connection for `address`, its family taken from the text.
    public init(address: String) {
        self.init(addressType: AddressFamily(address: address), address: address)
    }

    /// Parses the text after `c=`; `line` is reported in the error.
    init(parsing text: Substring, line: Int) throws(SDPError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 3, !fields[0].isEmpty else { throw .badConnection(line) }
        guard let family = AddressFamily(rawValue: String(fields[1])) else { throw .badConnection(line) }
        var address = fields[2]
        var suffix: String?
        if let slash = address.firstIndex(of: "/") {
            let tail = address[address.index(after: slash)...]
            let numbers = tail.split(separator: "/", omittingEmptySubsequences: false)
            guard numbers.count <= 2,
                  numbers.allSatisfy({ !$0.isEmpty && $0.utf8.count <= 5 && $0.utf8.allSatisfy(\.isDigitASCII) })
            else { throw .badConnection(line) }
            suffix = String(address[slash...])
            address = address[..<slash]
        }
        guard SDPAddressText.isValid(address, family: family) else { throw .badConnection(line) }
        self.init(netType: String(fields[0]), addressType: family, address: String(address), suffix: suffix)
    }

    /// The text after `c=`.
    public var text: String {
        var text = ""
        write(into: &text)
        return text
    }

    /// Appends the `c=` line's value to `out` (no intermediate String).
    func write(into out: inout String) {
        out += netType
        out += " "
        out += addressType.rawValue
        out += " "
        out += address
        if let suffix { out += suffix }
    }

    /// Whether this is the zero address (`0.0.0.0` / `::`) that signals hold.
    public var isZeroAddress: Bool { SDPAddressText.isZero(address) }
}
