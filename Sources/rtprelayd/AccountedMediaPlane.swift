import RTPWire
import Synchronization

/// The media plane as the ng engine sees it, plus the bookkeeping that metrics need beyond a stream's life:
/// a stream's counters and quality vanish when its ports are released, so they are read just before and kept
/// (packets relayed since start, the MOS of every ended call).
///
/// Only the control plane calls it (allocate/update/release from the engine's event loop, `traffic` from the
/// metrics scrape on the same loop); the media workers never see it, so the mutex costs the hot path nothing.
final class AccountedMediaPlane: MediaPlane {
    let base: any MediaPlane
    private let state = Mutex(Bookkeeping())

    private struct Bookkeeping {
        /// Streams bound now and the call (media group) each belongs to.
        var live: [MediaStreamID: MediaGroupID] = [:]
        var streamsPerGroup: [MediaGroupID: Int] = [:]
        /// Per live call: the lowest average MOS (×10) of the streams already released.
        var lowestMOS: [MediaGroupID: Int] = [:]
        /// Counters of every released stream, summed.
        var retired = MediaTraffic()
        /// MOS (1…5) of calls that ended since the metrics last took them.
        var endedCallMOS: [Double] = []
    }

    /// Bounds `endedCallMOS` when nobody takes it (HTTP off): past this, the oldest go.
    static let maxPendingMOS = 10_000

    init(base: any MediaPlane) {
        self.base = base
    }

    /// The MOS of each call ended since the last call of this, oldest first (for the metrics histogram).
    func takeEndedCallMOS() -> [Double] {
        state.withLock { books in
            defer { books.endedCallMOS = [] }
            return books.endedCallMOS
        }
    }

    /// Everything relayed and dropped since start: released streams plus the live ones' current counters.
    var traffic: MediaTraffic {
        let (retired, live) = state.withLock { ($0.retired, Array($0.live.keys)) }
        var total = retired
        for id in live {
            if let counters = base.counters(id) { total.add(counters) }
        }
        return total
    }

    func allocate(_ request: StreamAllocationRequest) throws(MediaPlaneError) -> AllocatedStream {
        let stream = try base.allocate(request)
        state.withLock { books in
            books.live[stream.id] = request.group
            books.streamsPerGroup[request.group, default: 0] += 1
        }
        return stream
    }

    func update(_ id: MediaStreamID, plan: StreamPlan) { base.update(id, plan: plan) }

    func release(_ id: MediaStreamID) {
        let counters = base.counters(id)
        // What the relay measured itself is the call's quality as it passed through; the endpoints' reports
        // stand in when the relay has no sample (e.g. statistics off on the way in but RTCP passing).
        let quality = base.quality(id)
        let mos = (quality?.relayObservedMOS.average ?? quality?.rtcpReportedMOS.average)?.mos
        state.withLock { books in
            guard let group = books.live.removeValue(forKey: id) else { return }
            if let counters { books.retired.add(counters) }
            if let mos { books.lowestMOS[group] = min(books.lowestMOS[group] ?? mos, mos) }
            let remaining = (books.streamsPerGroup[group] ?? 1) - 1
            if remaining > 0 {
                books.streamsPerGroup[group] = remaining
                return
            }
            // The call's last stream: the call ended (a group is one call's streams).
            books.streamsPerGroup.removeValue(forKey: group)
            if let tenths = books.lowestMOS.removeValue(forKey: group), tenths > 0 {
                if books.endedCallMOS.count >= Self.maxPendingMOS { books.endedCallMOS.removeFirst() }
                books.endedCallMOS.append(Double(tenths) / 10)
            }
        }
        base.release(id)
    }

    func counters(_ id: MediaStreamID) -> StreamCounters? { base.counters(id) }
    func quality(_ id: MediaStreamID) -> StreamQualityReport? { base.quality(id) }
    var interfaces: [MediaInterface] { base.interfaces }
    var portsInUse: Int { base.portsInUse }
    func beginBatch() { base.beginBatch() }
    func endBatch() { base.endBatch() }
}
