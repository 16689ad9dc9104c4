#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Picks ports on 127.0.0.1 that are free right now. Media ranges come from 10000..<20000: below the
/// kernel's ephemeral range (32768+), so ephemeral binds cannot land in them, and apart from the fixed
/// ranges RTPRelayTests count sockets in (24000..<33000) and SRTPInteropTests' rtpengine (20000..<24000),
/// which run in the same test process. Each range is checked port by port, and a random
/// start keeps parallel runs apart.
enum LoopbackPorts {
    /// Ranges already handed out in this test process: a relay binds its ports only at its first offer, so a range
    /// that is free now may be picked again by a test running in parallel unless remembered.
    private static let handedOut = Mutex<[ClosedRange<UInt16>]>([])

    /// A currently free UDP port (from the ephemeral range).
    static func freeUDPPort() throws -> UInt16 {
        let socket = try UDPSocket(address: "127.0.0.1", port: 0)
        return socket.port
    }

    /// `count` consecutive free UDP ports starting at an even port, in 10000..<20000.
    static func freeMediaRange(count: Int = 100) throws -> ClosedRange<UInt16> {
        for _ in 0..<200 {
            let start = UInt16(10000 + 2 * Int.random(in: 0..<((10000 - count) / 2)))
            let range = start...(start + UInt16(count - 1))
            let claimed = handedOut.withLock { ranges in
                guard !ranges.contains(where: { $0.overlaps(range) }) else { return false }
                ranges.append(range)
                return true
            }
            guard claimed else { continue }
            if range.allSatisfy({ isFree($0) }) { return range }
            handedOut.withLock { $0.removeAll { $0 == range } }
        }
        throw UDPSocket.Failure(call: "find a free media port range", code: EADDRINUSE)
    }

    static func isFree(_ port: UInt16) -> Bool {
        (try? UDPSocket(address: "127.0.0.1", port: port)) != nil
    }
}
