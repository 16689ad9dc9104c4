import RTPWire

/// Identity of a monologue within the registry (never reused).
public struct MonologueID: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public static func < (a: MonologueID, b: MonologueID) -> Bool { a.rawValue < b.rawValue }
    public var description: String { "monologue#\(rawValue)" }
}

/// One party of a call (one SIP tag). The recipient of an offer stays untagged until the answer
/// names it; with forking there is one untagged party per via-branch.
public struct Monologue: Sendable, Hashable {
    public let id: MonologueID
    /// The SIP tag; nil until an answer (or a to-tag) names the party.
    public internal(set) var tag: String?
    /// Further to-tags bound to this party (parallel forking without a new branch).
    public internal(set) var aliases: [String] = []
    /// The via-branch of the offer that created this party as its recipient.
    public internal(set) var viaBranch: String?
    public internal(set) var label: String?
    public let created: MonotonicInstant
    /// One entry per m= line.
    public internal(set) var medias: [CallMedia] = []
    /// Parties this one exchanges media with (offer/answer pairs both ways).
    public internal(set) var peers: Set<MonologueID> = []
    /// The peer whose streams this party's media is forwarded to (the last one signalled).
    public internal(set) var activePeer: MonologueID?
    /// Learning/guarding policy from the last signal that touched this party.
    public internal(set) var policy = StreamPolicy()
    /// Interface and family its ports are bound on (chosen when the first port is bound).
    public internal(set) var interface: String?
    public internal(set) var family: AddressFamily?
    /// The `o=` (text after `o=`) and `s=` last sent to this party, so `replace: origin` and friends
    /// keep them stable across re-offers the way rtpengine does.
    public internal(set) var sentOrigin: String?
    public internal(set) var sentSessionName: String?
    /// A pending `delete` with delay: when it fires, and whether parties left alone go too.
    public internal(set) var deletion: PendingDeletion?

    init(id: MonologueID, tag: String?, viaBranch: String?, created: MonotonicInstant) {
        self.id = id
        self.tag = tag
        self.viaBranch = viaBranch
        self.created = created
    }

    /// Every stream bound for this party.
    public var streams: [AllocatedStream] { medias.compactMap(\.stream) }

    /// The tag for display: the tag, or `<untagged N>` as rtpengine prints it.
    public var displayTag: String { tag ?? "<untagged \(id.rawValue)>" }
}

/// A delayed deletion waiting in the registry.
public struct PendingDeletion: Sendable, Hashable {
    public var at: MonotonicInstant
    /// Delete the parties left without a counterpart as well (tag delete); false for a branch delete.
    public var cascade: Bool
}
