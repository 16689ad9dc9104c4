/// Why an SDP body was refused. Line numbers are 1-based and count every line of the input.
public enum SDPError: Error, Equatable, Sendable {
    /// The body exceeds `SDPSession.maxBytes`.
    case tooLarge
    /// More than `SDPSession.maxLines` lines.
    case tooManyLines
    /// More than `SDPSession.maxMedia` m= sections.
    case tooManyMedia
    /// The first line is not `v=`.
    case missingVersion
    /// `v=` is not a small non-negative integer.
    case badVersion
    /// No `o=` line in the session part.
    case missingOrigin
    /// `o=` does not have its six fields.
    case badOrigin
    /// A line that is not `<letter>=<value>`, or a line that may appear only once appears twice.
    case badLine(Int)
    /// An `m=` line with a bad port, port count or too few fields.
    case badMediaLine(Int)
    /// A `c=` line that is not `IN IP4|IP6 <numeric address>[/ttl[/count]]`.
    case badConnection(Int)
    /// The rewriter was given a different number of media plans than the SDP has m= lines.
    case mediaPlanMismatch

    /// The ng `error-reason` rtpengine sends for this class of failure.
    public var ngErrorReason: String {
        switch self {
        case .missingVersion, .missingOrigin, .mediaPlanMismatch:
            return "Incomplete SDP specification"
        case .tooLarge, .tooManyLines, .tooManyMedia, .badVersion, .badOrigin, .badLine, .badMediaLine,
             .badConnection:
            return "Failed to parse SDP"
        }
    }
}
