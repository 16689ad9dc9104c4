import RTPWire

/// Hands out even RTP ports (and RTP+1 for RTCP) from one local address's range.
/// A cursor rotates through the range and starts after the port handed out last, so a port released a moment
/// ago is the last to come round again (a late packet of an old call does not reach a new one) while still
/// being reused when nothing else is free. Binding is the caller's: ports the OS refuses are skipped.
struct PortAllocator: Sendable {
    let firstEven: Int
    let lastPort: Int
    private var cursor: Int
    private(set) var inUse: Set<UInt16> = []

    init(portMin: UInt16, portMax: UInt16) {
        firstEven = Int(portMin) + Int(portMin) % 2
        lastPort = Int(portMax)
        cursor = firstEven
    }

    /// Number of even starting ports in the range.
    private var candidateCount: Int { lastPort < firstEven ? 0 : (lastPort - firstEven) / 2 + 1 }

    /// Finds free port(s) and lets `bind` try them. `bind` returns nil when a port is taken by someone else
    /// (EADDRINUSE), which skips it; it throws for any other failure.
    mutating func reserve<T>(pair: Bool, bind: (UInt16) throws(MediaPlaneError) -> T?) throws(MediaPlaneError) -> (port: UInt16, value: T) {
        let count = candidateCount
        guard count > 0 else { throw .outOfPorts }
        var index = (cursor - firstEven) / 2
        for _ in 0..<count {
            let port = firstEven + index * 2
            index = (index + 1) % count
            if pair && port + 1 > lastPort { continue }
            let rtp = UInt16(port)
            if inUse.contains(rtp) || (pair && inUse.contains(rtp + 1)) { continue }
            guard let value = try bind(rtp) else { continue }
            inUse.insert(rtp)
            if pair { inUse.insert(rtp + 1) }
            cursor = firstEven + index * 2
            return (rtp, value)
        }
        throw .outOfPorts
    }

    mutating func release(_ ports: [UInt16]) {
        for p in ports { inUse.remove(p) }
    }
}
