/// What a `delete` names (ng-protocol §9.4).
public enum DeleteSelector: Sendable, Hashable {
    /// No from-tag: the whole call.
    case call
    /// from-tag only: the party with that tag (caller or callee, since a BYE from the callee carries
    /// the callee's tag as from-tag), and then every party left with no counterpart.
    case party(tag: String)
    /// from-tag + via-branch: only the party created for that branch (serial forking).
    case branch(fromTag: String, viaBranch: String)
    /// from-tag + to-tag with flag `to-tag`: the dialogue of that to-tag; falls back to the
    /// from-tag's party when the offer was never answered.
    case dialogue(fromTag: String, toTag: String)
}
