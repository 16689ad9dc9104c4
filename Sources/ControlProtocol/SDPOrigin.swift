/// The `o=` line: `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>`.
/// Fields are kept as text: session ids exceed 64 bits in the wild, and some user agents put
/// host names where an address belongs.
public struct SDPOrigin: Sendable, Equatable {
    public var username: String
    public var sessionID: String
    public var sessionVersion: String
    public var netType: String
    public var addressType: String
    public var address: String

    public init(username: String, sessionID: String, sessionVersion: String, netType: String = "IN",
                addressType: String, address: String) {
        self.username = username
        self.sessionID = sessionID
        self.sessionVersion = sessionVersion
        self.netType = netType
        self.addressType = addressType
        self.address = address
    }

    init(parsing text: Substring) throws(SDPError) {
        let fields = text.split(separator: " ", omittingEmptySubsequences: true)
        guard fields.count == 6 else { throw .badOrigin }
        self.init(username: String(fields[0]), sessionID: String(fields[1]), sessionVersion: String(fields[2]),
                  netType: String(fields[3]), addressType: String(fields[4]), address: String(fields[5]))
    }

    /// The text after `o=`.
    public var text: String {
        var text = ""
        write(into: &text)
        return text
    }

    /// Appends the `o=` line's value to `out` (no intermediate String).
    func write(into out: inout String) {
        out += username
        out += " "
        out += sessionID
        out += " "
        out += sessionVersion
        out += " "
        out += netType
        out += " "
        out += addressType
        out += " "
        out += address
    }
}
