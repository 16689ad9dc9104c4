import RTPWire

/// An in-memory media plane: hands out ports from a small range, records every plan, can be told to
/// run out of ports, and lets a test set a stream's counters (last packet, latched endpoint…).
/// Used from one test's thread only; the lock-free state is why it is `@unchecked Sendable`.
final class FakeMediaPlane: MediaPlane, @unchecked Sendable {
    let interfaces: [MediaInterface]
    /// Even RTP ports handed out from here; RTCP takes the next odd one unless rtcp-mux.
    private let firstPort: UInt16
    private let pairCount: Int
    private var boundPorts: Set<UInt16> = []
    private var nextID: UInt64 = 1

    private(set) var streams: [MediaStreamID: AllocatedStream] = [:]
    private(set) var requests: [MediaStreamID: StreamAllocationRequest] = [:]
    private(set) var plans: [MediaStreamID: StreamPlan] = [:]
    private(set) var planUpdates: [(MediaStreamID, StreamPlan)] = []
    private(set) var allocations = 0
    private(set) var releases: [MediaStreamID] = []
    var storedCounters: [MediaStreamID: StreamCounters] = [:]
    /// What `quality(_:)` returns per stream (tests set it).
    var storedQuality: [MediaStreamID: StreamQualityReport] = [:]
    /// When set, allocations fail with `outOfPorts` once this many streams are bound.
    var failAfterStreams: Int?

    init(firstPort: UInt16 = 30000, pairCount: Int = 64,
         interfaces: [MediaInterface] = [MediaInterface(name: "default", localAddress: "203.0.113.5")]) {
        self.firstPort = firstPort
        self.pairCount = pairCount
        self.interfaces = interfaces
    }

    func allocate(_ request: StreamAllocationRequest) throws(MediaPlaneError) -> AllocatedStream {
        if let limit = failAfterStreams, streams.count >= limit { throw .outOfPorts }
        let candidates = interfaces.filter { iface in
            request.interface.map { $0 == iface.name } ?? (iface.family == request.family)
        }
        guard let iface = candidates.first else { throw .noSuchInterface(request.interface ?? request.family.rawValue) }
        for pair in 0..<pairCount {
            let rtp = firstPort &+ UInt16(pair * 2)
            guard !boundPorts.contains(rtp) else { continue }
            let rtcp = request.rtcpMux ? rtp : rtp &+ 1
            boundPorts.insert(rtp)
            boundPorts.insert(rtcp)
            let id = MediaStreamID(rawValue: nextID)
            nextID &+= 1
            let stream = AllocatedStream(id: id, interface: iface.name, localAddress: iface.localAddress,
                                         advertisedAddress: iface.advertisedAddress, rtpPort: rtp, rtcpPort: rtcp)
            streams[id] = stream
            requests[id] = request
            allocations += 1
            return stream
        }
        throw .outOfPorts
    }

    func update(_ id: MediaStreamID, plan: StreamPlan) {
        guard streams[id] != nil else { return }
        plans[id] = plan
        planUpdates.append((id, plan))
    }

    func release(_ id: MediaStreamID) {
        guard let stream = streams.removeValue(forKey: id) else { return }
        boundPorts.remove(stream.rtpPort)
        boundPorts.remove(stream.rtcpPort)
        plans[id] = nil
        storedCounters[id] = nil
        storedQuality[id] = nil
        releases.append(id)
    }

    func counters(_ id: MediaStreamID) -> StreamCounters? {
        guard streams[id] != nil else { return nil }
        return storedCounters[id] ?? StreamCounters()
    }

    func quality(_ id: MediaStreamID) -> StreamQualityReport? {
        guard streams[id] != nil else { return nil }
        return storedQuality[id]
    }

    var portsInUse: Int { boundPorts.count }

    /// The stream bound on this RTP port, if any.
    func stream(onPort port: UInt16) -> AllocatedStream? { streams.values.first { $0.rtpPort == port } }

    /// Sets what `counters(_:)` returns for a stream.
    func setCounters(_ id: MediaStreamID, _ change: (inout StreamCounters) -> Void) {
        var c = storedCounters[id] ?? StreamCounters()
        change(&c)
        storedCounters[id] = c
    }
}
