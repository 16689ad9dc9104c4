import RTPWire

/// `delete` (ng-protocol §9.4): picks what the request names, renders the final stats before the
/// ports go, then deletes now or after the delete delay.
struct DeleteHandler {
    /// The text rtpengine sends (as a warning by default, as the error with flag `fatal`).
    static let notFound = "Call-ID not found or tags didn't match"

    let registry: CallRegistry
    let configuration: EngineConfiguration

    func handle(_ request: NGRequest, stats: StatsTree, now: MonotonicInstant) throws(NGError) -> (BencodeDictionary, found: Bool) {
        guard let callID = request.callID else { throw .noCallID }
        let selector = DeleteHandler.selector(for: request)
        guard registry.canDelete(callID: callID, selector: selector), let call = registry.call(callID) else {
            if request.flags.contains("fatal") { throw .other(DeleteHandler.notFound) }
            return (["result": "ok", "warning": .text(DeleteHandler.notFound)], false)
        }
        var reply: BencodeDictionary = ["result": "ok"]
        if !request.flags.contains("fast") {
            reply.entries.reserveCapacity(10)   // result plus the tree's top level, without doubling from one
            // Final stats: rendered while the streams and their counters still exist.
            for entry in stats.render(call).entries { reply.append(entry.key, entry.value) }
        }
        let delay = request.deleteDelay.map(Double.init) ?? configuration.deleteDelay
        registry.delete(callID: callID, selector: selector, delay: delay, now: now)
        return (reply, true)
    }

    /// §9.4: no from-tag → the call; from-tag + via-branch → that branch; to-tag only counts with flag
    /// `to-tag` (Kamailio strips the flag but sends the key only then); else the from-tag's party.
    static func selector(for request: NGRequest) -> DeleteSelector {
        guard let fromTag = request.fromTag, !fromTag.isEmpty else { return .call }
        if let toTag = request.toTag, !toTag.isEmpty, request.flags.contains("to tag") {
            return .dialogue(fromTag: fromTag, toTag: toTag)
        }
        if let via = request.viaBranch, !via.isEmpty { return .branch(fromTag: fromTag, viaBranch: via) }
        return .party(tag: fromTag)
    }
}
