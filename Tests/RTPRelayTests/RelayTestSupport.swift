import RTPWire
import Testing
@testable import RTPRelay

// Helpers shared by the suites that drive a real RelayMediaPlane over loopback sockets.

/// The same range for epoll, 6000 ports lower for io_uring, so both modes of a test can run in parallel (lower, not
/// higher: above 32768 the kernel hands out ephemeral ports to any process's sockets, which socket counts would see).
func ports(_ range: ClosedRange<UInt16>, _ io: MediaIOMode) -> ClosedRange<UInt16> {
    port(range.lowerBound, io)...port(range.upperBound, io)
}
func port(_ port: UInt16, _ io: MediaIOMode) -> UInt16 { io == .uring ? port - 6000 : port }

/// A started plane whose workers really run the requested IO mode (this kernel has io_uring enabled).
func makePlane(_ io: MediaIOMode, _ range: ClosedRange<UInt16>, workers: Int = 2,
               interfaces: [MediaInterface] = [MediaInterface(name: "default", localAddress: "127.0.0.1")],
               maxPacketSize: Int = 1500, statistics: Bool = true) throws -> RelayMediaPlane {
    let plane = try RelayMediaPlane(configuration: RelayConfiguration(
        interfaces: interfaces, portMin: range.lowerBound, portMax: range.upperBound, workerThreads: workers,
        maxPacketSize: maxPacketSize, io: io, statistics: statistics))
    plane.start()
    #expect(plane.waitForWorkers())
    #expect(plane.activeIO == Array(repeating: io, count: workers))
    return plane
}

func relayRTP(_ s: AllocatedStream) -> Endpoint { Endpoint(address: s.localAddress, port: s.rtpPort) }
func relayRTCP(_ s: AllocatedStream) -> Endpoint { Endpoint(address: s.localAddress, port: s.rtcpPort) }

/// Streams a and b of one call, each planned to send into the other (plans applied before it returns).
func call(_ plane: RelayMediaPlane, group: UInt64 = 1, family: AddressFamily = .ipv4, mux: Bool = false,
          a: StreamPlan, b: StreamPlan) throws -> (AllocatedStream, AllocatedStream) {
    let g = MediaGroupID(rawValue: group)
    let sa = try plane.allocate(StreamAllocationRequest(group: g, family: family, rtcpMux: mux))
    let sb = try plane.allocate(StreamAllocationRequest(group: g, family: family, rtcpMux: mux))
    var pa = a, pb = b
    pa.sink = sb.id
    pb.sink = sa.id
    plane.update(sa.id, plan: pa)
    plane.update(sb.id, plan: pb)
    #expect(plane.waitForWorkers())
    return (sa, sb)
}
