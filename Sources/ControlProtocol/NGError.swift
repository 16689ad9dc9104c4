/// Why an ng request failed. `reason` is the single place that maps each case to the exact
/// `error-reason` text of ng-protocol.md §3: Kamailio and OpenSIPS compare some of these byte for byte
/// (`Parallel session limit reached` and `Ran out of ports` make them try the next node).
public enum NGError: Error, Equatable, Hashable, Sendable {
    case unknownCallID
    case ranOutOfPorts
    case parallelSessionLimit
    case noCallID
    case noFromTag
    case noToTag
    case noSDP
    case sdpParse
    case sdpIncomplete
    case sdpRewrite
    case unrecognizedCommand
    case noCommand
    case bencodeDecode
    case noPayload
    case invalidFormat
    case invalidLimit
    /// Any other failure, with its text sent as is.
    case other(String)

    /// The exact `error-reason` string rtpengine sends for this failure.
    public var reason: String {
        switch self {
        case .unknownCallID: return "Unknown call-id"
        case .ranOutOfPorts: return "Ran out of ports"
        case .parallelSessionLimit: return "Parallel session limit reached"
        case .noCallID: return "No call-id in message"
        case .noFromTag: return "No from-tag in message"
        case .noToTag: return "No to-tag in message"
        case .noSDP: return "No SDP body in message"
        case .sdpParse: return "Failed to parse SDP"
        case .sdpIncomplete: return "Incomplete SDP specification"
        case .sdpRewrite: return "Error rewriting SDP"
        case .unrecognizedCommand: return "Unrecognized command"
        case .noCommand: return "Dictionary contains no key \"command\""
        case .bencodeDecode: return "Could not decode bencode dictionary"
        case .noPayload: return "Invalid data (no payload)"
        case .invalidFormat: return "Invalid NG data format"
        case .invalidLimit: return "invalid limit, must be >= 0"
        case .other(let text): return text
        }
    }

    /// The reply for this failure: `{result: "error", error-reason: …}`, except that a refused new call
    /// from a client that sent `supports: ["load limit"]` gets `{result: "load limit", message: …}`
    /// (Kamailio then retries on the next node instead of failing the call).
    public func replyDictionary(supportsLoadLimit: Bool) -> BencodeDictionary {
        var reply = BencodeDictionary()
        if self == .parallelSessionLimit, supportsLoadLimit {
            reply.set("result", .text("load limit"))
            reply.set("message", .text(reason))
        } else {
            reply.set("result", .text("error"))
            reply.set("error-reason", .text(reason))
        }
        return reply
    }
}

extension NGError: CustomStringConvertible {
    public var description: String { reason }
}
