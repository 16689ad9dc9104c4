/// The worker's decision for one received datagram: send it out of `socket` (the sink stream's socket) to
/// `destination`, or drop it (`socket == -1`; the reason is already counted).
struct PacketRoute {
    var socket: Int32
    var sink: Int32
    var isRTP: Bool
    var destination: PeerAddress

    static let drop = PacketRoute(socket: -1, sink: -1, isRTP: false,
                                  destination: PeerAddress(emptyWithLength: 0))
}
