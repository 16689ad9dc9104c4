import ControlProtocol
import RTPWire

/// What the HTTP side reads of the control plane. Like every `NGRequestHandler` call, these run on the control
/// event loop only (the engine and its registry have no locks); callers hop there through `ControlLoopAccess`.
protocol RelayStateSource: AnyObject {
    /// Every live call, oldest first.
    func callSnapshots(now: MonotonicInstant, wallClockMicros: UInt64) -> [CallSnapshot]
    func callSnapshot(callID: String, now: MonotonicInstant, wallClockMicros: UInt64) -> CallSnapshot?
    func controlFigures() -> ControlFigures
}

/// The control plane's counters at one moment, for `/metrics` and `/api/totals`.
struct ControlFigures: Sendable {
    var engine: EngineStatistics
    /// Live calls that decode and re-encode, by codec pair (`PCMU/8000>opus/48000/2`).
    var transcodedCalls: [String: String]
}

extension EngineRequestHandler: RelayStateSource {
    func callSnapshots(now: MonotonicInstant, wallClockMicros: UInt64) -> [CallSnapshot] {
        engine.snapshots(now: now, wallClockMicros: wallClockMicros)
    }

    func callSnapshot(callID: String, now: MonotonicInstant, wallClockMicros: UInt64) -> CallSnapshot? {
        engine.snapshot(callID: callID, now: now, wallClockMicros: wallClockMicros)
    }

    func controlFigures() -> ControlFigures {
        let registry = engine.registry
        var transcoded: [String: String] = [:]
        for callID in registry.callIDs() {
            guard let call = registry.call(callID) else { continue }
            if let pair = Self.transcodedPair(call) { transcoded[callID] = pair }
        }
        return ControlFigures(engine: engine.statistics, transcodedCalls: transcoded)
    }

    /// The codec pair of the call's first transcoded media, offerer's codec first.
    static func transcodedPair(_ call: Call) -> String? {
        for party in call.orderedMonologues {
            for media in party.medias {
                guard let plan = media.codecPlan, plan.transcode else { continue }
                return "\(plan.offerer.codec.displayName)>\(plan.answerer.codec.displayName)"
            }
        }
        return nil
    }
}
