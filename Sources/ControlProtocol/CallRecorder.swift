import RTPWire

/// Collects a `CallRecord` for every call the registry ends, from a snapshot taken while the call's counters
/// still exist. The engine drains them (`NGEngine.takeCallRecords()`) for the daemon to write off the ng path.
final class CallRecorder: CallEndObserver {
    let mediaPlane: any MediaPlane
    /// The latest pair of clock readings the engine was given; wall times of other instants derive from it.
    var clock = WallClock(now: MonotonicInstant(nanoseconds: 0), nowMicros: 0)
    private(set) var records: [CallRecord] = []

    init(mediaPlane: any MediaPlane) {
        self.mediaPlane = mediaPlane
    }

    func capture(_ call: Call, now: MonotonicInstant) -> CallSnapshot {
        CallSnapshot(call, mediaPlane: mediaPlane, clock: WallClock(now: now, nowMicros: clock.micros(at: now)))
    }

    func callEnded(_ snapshot: CallSnapshot, event: CallEndEvent) {
        records.append(CallRecord(snapshot: snapshot, event: event, endMicros: clock.micros(at: event.at)))
    }

    func take() -> [CallRecord] {
        defer { records = [] }
        return records
    }
}
