/// The ng commands rtprelayd implements. Raw values are the exact, case-sensitive wire names (§4);
/// any other `command` is answered with `Unrecognized command`.
public enum NGCommand: String, Sendable, Hashable, CaseIterable {
    case ping
    case offer
    case answer
    case delete
    case query
    case list
    case statistics
}
