@testable import rtprelayd
import RTPWire
import Synchronization
import Testing

/// The metrics' bookkeeping in front of the media plane, on an in-memory media plane: what released streams
/// relayed stays counted, and a call's MOS is taken from its streams just before their ports go.
@Suite("AccountedMediaPlane and the metrics exposition")
struct AccountedMediaPlaneTests {
    /// Hands out stream ids and reports whatever counters and quality the test set.
    final class ScriptedMediaPlane: MediaPlane {
        struct State {
            var next: UInt64 = 1
            var counters: [MediaStreamID: StreamCounters] = [:]
            var quality: [MediaStreamID: StreamQualityReport] = [:]
            var released: [MediaStreamID] = []
        }
        let state = Mutex(State())

        func allocate(_ request: StreamAllocationRequest) throws(MediaPlaneError) -> AllocatedStream {
            let id = state.withLock { s -> MediaStreamID in
                defer { s.next += 1 }
                let id = MediaStreamID(rawValue: s.next)
                s.counters[id] = StreamCounters()
                return id
            }
            return AllocatedStream(id: id, interface: "default", localAddress: "127.0.0.1", advertisedAddress: "127.0.0.1",
                                   rtpPort: 30000, rtcpPort: 30001)
        }
        func update(_ id: MediaStreamID, plan: StreamPlan) {}
        func release(_ id: MediaStreamID) {
            state.withLock { s in
                s.counters[id] = nil
                s.quality[id] = nil
                s.released.append(id)
            }
        }
        func counters(_ id: MediaStreamID) -> StreamCounters? { state.withLock { $0.counters[id] } }
        func quality(_ id: MediaStreamID) -> StreamQualityReport? { state.withLock { $0.quality[id] } }
        var interfaces: [MediaInterface] { [MediaInterface(name: "default", localAddress: "127.0.0.1")] }
        var portsInUse: Int { state.withLock { $0.counters.count * 2 } }

        func set(_ id: MediaStreamID, rtpIn: UInt64, mosTenths: [Int]) {
            var counters = StreamCounters()
            counters.rtpIn = PacketCounters(packets: rtpIn, bytes: rtpIn * 172)
            counters.droppedMalformed = 1
            var report = StreamQualityReport(ssrc: 1, clockRate: 8000)
            for (i, mos) in mosTenths.enumerated() {
                report.relayObservedMOS.add(MOSSample(source: .relayObserved, mos: mos, roundTripTime: 0, roundTripTimeLeg: 0,
                                                      jitter: 0, packetLoss: 0, reportedAt: UInt64(i)))
            }
            state.withLock {
                $0.counters[id] = counters
                $0.quality[id] = report
            }
        }
    }

    @Test("released streams keep their traffic; the call's MOS is its worst stream's average, taken once")
    func releaseKeepsTrafficAndYieldsCallMOS() throws {
        let base = ScriptedMediaPlane()
        let plane = AccountedMediaPlane(base: base)
        let group = MediaGroupID(rawValue: 7)
        let a = try plane.allocate(StreamAllocationRequest(group: group))
        let b = try plane.allocate(StreamAllocationRequest(group: group))
        base.set(a.id, rtpIn: 100, mosTenths: [44, 42])   // average 4.3
        base.set(b.id, rtpIn: 50, mosTenths: [30, 40])    // average 3.5: the worse direction
        #expect(plane.traffic.rtpIn.packets == 150)

        plane.release(a.id)
        #expect(plane.takeEndedCallMOS().isEmpty, "one stream of the call is still up")
        #expect(plane.traffic.rtpIn.packets == 150)
        plane.release(b.id)
        #expect(base.state.withLock { $0.released } == [a.id, b.id])
        #expect(plane.takeEndedCallMOS() == [3.5])
        #expect(plane.takeEndedCallMOS().isEmpty, "taken once")
        let traffic = plane.traffic
        #expect(traffic.rtpIn.packets == 150 && traffic.rtpIn.bytes == 150 * 172 && traffic.droppedMalformed == 2)
        // Unknown ids change nothing.
        plane.release(MediaStreamID(rawValue: 999))
        #expect(plane.traffic == traffic)
    }

    @Test("a call without any MOS sample is not put in the histogram")
    func callWithoutMOSIsNotCounted() throws {
        let base = ScriptedMediaPlane()
        let plane = AccountedMediaPlane(base: base)
        let stream = try plane.allocate(StreamAllocationRequest(group: MediaGroupID(rawValue: 1)))
        base.set(stream.id, rtpIn: 3, mosTenths: [])
        plane.release(stream.id)
        #expect(plane.takeEndedCallMOS().isEmpty)
        #expect(plane.traffic.rtpIn.packets == 3)
    }

    @Test("every exported family gets its HELP line right before its TYPE line")
    func helpLinesPrecedeTypes() {
        let text = "# TYPE rtprelayd_sessions gauge\nrtprelayd_sessions 1.0\n# TYPE other counter\nother 2\n"
        let out = MetricsCatalog.addingHelp(to: text)
        #expect(out == "# HELP rtprelayd_sessions Calls held now.\n# TYPE rtprelayd_sessions gauge\nrtprelayd_sessions 1.0\n"
            + "# TYPE other counter\nother 2\n")
    }
}
