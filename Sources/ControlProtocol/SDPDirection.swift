/// Media direction attribute (RFC 4566 §6, RFC 3264 §5.1), from the point of view of the SDP's author.
public enum SDPDirection: String, Sendable, Equatable, CaseIterable {
    case sendrecv
    case sendonly
    case recvonly
    case inactive

    /// Whether the author of the SDP will send media.
    public var sends: Bool { self == .sendrecv || self == .sendonly }
    /// Whether the author of the SDP wants to receive media.
    public var receives: Bool { self == .sendrecv || self == .recvonly }

    init(sends: Bool, receives: Bool) {
        switch (sends, receives) {
        case (true, true): self = .sendrecv
        case (true, false): self = .sendonly
        case (false, true): self = .recvonly
        case (false, false): self = .inactive
        }
    }

    /// RFC 2543-style hold (`c=` zero address): the author cannot receive, so it at most sends.
    public var onHold: SDPDirection { SDPDirection(sends: sends, receives: false) }
}
