import RTPWire

/// One call (one SIP Call-ID): its parties and their media. A value snapshot when read from the
/// registry; the registry alone mutates it.
public struct Call: Sendable, Hashable {
    public let callID: String
    /// All streams of the call share this group (one worker thread in the media plane).
    public let group: MediaGroupID
    public let created: MonotonicInstant
    /// Last offer/answer.
    public internal(set) var lastSignal: MonotonicInstant
    /// Whether any answer has been processed (before that, `--offer-timeout` applies).
    public internal(set) var answered = false
    /// Whether an offer carried a via-branch: an unseen to-tag then becomes a new branch.
    public internal(set) var forked = false
    /// Parties by id; iteration order by id is creation order.
    public internal(set) var monologues: [MonologueID: Monologue] = [:]
    /// Tag and alias → party.
    public internal(set) var tags: [String: MonologueID] = [:]
    /// via-branch → the party created as recipient of the offer with that branch.
    public internal(set) var branches: [String: MonologueID] = [:]
    /// Whole-call `delete` with delay.
    public internal(set) var deletion: MonotonicInstant?

    init(callID: String, group: MediaGroupID, created: MonotonicInstant) {
        self.callID = callID
        self.group = group
        self.created = created
        self.lastSignal = created
    }

    /// Changes party `id` in place (nothing when there is none). `monologues[id]?.field = value` moves the whole
    /// party out through the dictionary's optional-yielding modify coroutine, whose frame is heap-allocated: three
    /// allocations per such statement (measured), dozens per offer. The values view mutates it in its storage.
    @inline(__always)
    mutating func modify(_ id: MonologueID, _ body: (inout Monologue) -> Void) {
        guard let index = monologues.index(forKey: id) else { return }
        body(&monologues.values[index])
    }

    /// Parties in creation order.
    public var orderedMonologues: [Monologue] { monologues.keys.sorted().compactMap { monologues[$0] } }

    /// The party with this tag or alias.
    public func monologue(tag: String) -> Monologue? { tags[tag].flatMap { monologues[$0] } }

    /// Every stream bound for the call.
    public var streams: [AllocatedStream] { orderedMonologues.flatMap(\.streams) }
}
