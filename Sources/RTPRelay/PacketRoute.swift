/// The worker's decision for one received datagram: send it out of `socket` (the sink stream's socket) to
/// `destination`, or drop it (`socket == -1`; the reason is already counted).
struct PacketRoute {
    var socket: Int32
    var sink: Int32
    var isRTP: Bool
    var destination: PeerAddress
    /// Bytes to send from the start of the received datagram's buffer: the received length, changed by SRTP
    /// (unprotect strips a trailer, protect appends one).
    var length: Int

    static let drop = PacketRoute(socket: -1, sink: -1, isRTP: false,
                                  destination: PeerAddress(emptyWithLength: 0), length: 0)
}
