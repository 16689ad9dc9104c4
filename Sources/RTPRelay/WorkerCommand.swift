import RTPWire
import Synchronization

/// A stream's sockets, handed from the control thread to the worker that will own them.
struct StreamRegistration: Sendable {
    var id: UInt64
    var rtpFD: Int32
    /// -1 with rtcp-mux (no RTCP socket).
    var rtcpFD: Int32
    /// Port pool and ports to give back after the worker closed the sockets.
    var pool: Int
    var ports: [UInt16]
    var counters: StreamCounterBlock
}

/// A stream plan reduced to what the hot path needs: raw addresses and an allocation-free policy.
struct SlotPlan: Sendable {
    var sink: UInt64?
    var policy: LatchPolicy
    var expectedRTP: PeerAddress?
    var expectedRTCP: PeerAddress?
    var rtcpMux: Bool
    var clockRate: UInt32
    /// Set by the media plane from the stream's previous keys (`SRTPTransition.between`), not from the plan alone.
    var inboundSRTP: SRTPTransition = .unchanged
    var outboundSRTP: SRTPTransition = .unchanged
    /// Set by the media plane from the stream's previous transcoding (`TranscodeTransition.between`).
    var transcode: TranscodeTransition = .unchanged

    init(_ plan: StreamPlan) {
        clockRate = UInt32(clamping: max(1, plan.clockRate))
        sink = plan.sink?.rawValue
        policy = LatchPolicy(plan: plan)
        rtcpMux = plan.rtcpMux
        expectedRTP = SlotPlan.usable(plan.remoteRTP)
        // RFC 3605: without a=rtcp the RTCP port is the RTP port + 1.
        let rtcp = plan.remoteRTCP ?? plan.remoteRTP.flatMap { ep in
            ep.port < UInt16.max ? Endpoint(address: ep.address, port: ep.port + 1) : nil
        }
        expectedRTCP = rtcpMux ? expectedRTP : SlotPlan.usable(rtcp)
    }

    /// nil for the "no address" forms SDP uses for hold (0.0.0.0, ::, port 0).
    private static func usable(_ endpoint: Endpoint?) -> PeerAddress? {
        guard let endpoint, endpoint.port != 0, endpoint.address != "0.0.0.0", endpoint.address != "::" else { return nil }
        return PeerAddress(endpoint)
    }
}

/// Control traffic to one worker, queued and signalled through its wake timer.
enum WorkerCommand: Sendable {
    case add(StreamRegistration)
    case update(id: UInt64, plan: SlotPlan)
    case remove(id: UInt64)
    /// Marks `barrier` done once every earlier command ran (lets tests wait without sleeping).
    case barrier(CommandBarrier)
    case stop
}

/// Set by a worker when it reaches the barrier command.
final class CommandBarrier: Sendable {
    let reached = Atomic<Bool>(false)
}
