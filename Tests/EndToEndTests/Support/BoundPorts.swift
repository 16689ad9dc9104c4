/// Which UDP ports are bound on this host right now, from /proc/net/udp and /proc/net/udp6:
/// the tests count a relay's media sockets without asking the relay.
enum BoundPorts {
    static func udp(in range: ClosedRange<UInt16>) -> [UInt16] {
        var ports: [UInt16] = []
        for table in ["/proc/net/udp", "/proc/net/udp6"] {
            for line in ChildProcess.read(table).split(separator: "\n").dropFirst() {
                let fields = line.split(separator: " ")
                guard fields.count > 1, let colon = fields[1].lastIndex(of: ":"),
                      let port = UInt16(fields[1][fields[1].index(after: colon)...], radix: 16) else { continue }
                if range.contains(port) { ports.append(port) }
            }
        }
        return ports.sorted()
    }
}
