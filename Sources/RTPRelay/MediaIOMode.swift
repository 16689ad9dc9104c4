/// How a media worker waits for and moves datagrams (`--io`).
public enum MediaIOMode: String, Sendable, CaseIterable {
    /// epoll readiness, then one recvmmsg per ready socket and one sendmmsg per destination socket.
    case epoll
    /// io_uring: a receive armed on every socket, sends queued as they are routed; one `io_uring_enter` per loop
    /// turn submits them all and collects every completion. Falls back to epoll when the kernel refuses a ring.
    case uring
}
