import Glibc
import RTPWire

/// How the media plane is set up; built once by the daemon from its flags.
public struct RelayConfiguration: Sendable {
    public var interfaces: [MediaInterface] = [MediaInterface(name: "default", localAddress: "127.0.0.1")]
    /// Local port range, inclusive (`--port-min`/`--port-max`).
    public var portMin: UInt16 = 30000
    public var portMax: UInt16 = 40000
    /// Worker threads, each with its own epoll set (default: one per online core).
    public var workerThreads: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    /// Datagrams read per ready socket per wake-up (recvmmsg vector length).
    public var batchSize: Int = 8
    /// Receive buffer per datagram; larger datagrams are truncated by the kernel and dropped as malformed.
    public var maxPacketSize: Int = 1500
    /// How workers do their IO (`--io`); `.uring` falls back to `.epoll` where io_uring is unavailable.
    public var io: MediaIOMode = .uring
    /// Per-stream loss/jitter/RTT/MOS measurement on the hot path (`--no-stats` turns it off).
    public var statistics: Bool = true
    /// Longest a worker may leave the commands of an ng request (a batch) unread, in seconds. Instead of waking it
    /// at once for every request, a timer wakes it this long after the first unread command, so a burst of set-ups
    /// costs one wake-up per window rather than one per request. A packet on a socket the worker already reads makes
    /// it take pending commands first, so a plan is in force for any packet sent after its reply; what waits is the
    /// first read of a new stream's sockets (its datagrams queue meanwhile) and the closing of released ones.
    public var commandDelay: Double = 0.005
    /// Seconds between the RTCP reports the relay sends on a transcoded leg (RFC 3550 §6.2's 5 s minimum;
    /// tests use less).
    public var transcodedRTCPInterval: Double = 5
    /// Longest a worker that carries transcoded streams lets a datagram wait so that several share one wake-up, in
    /// seconds (io_uring mode; 0 turns it off). A transcoded leg already adds its codec's framing and look-ahead
    /// (10–25 ms), so a hold of a millisecond is small beside it, while a worker that wakes once per datagram at a
    /// few thousand datagrams a second spends a tenth of its time switching in and out (bench/README.md).
    public var transcodeBatchWait: Double = 0.001

    public init(interfaces: [MediaInterface] = [MediaInterface(name: "default", localAddress: "127.0.0.1")],
                portMin: UInt16 = 30000, portMax: UInt16 = 40000, workerThreads: Int? = nil,
                batchSize: Int = 8, maxPacketSize: Int = 1500, io: MediaIOMode = .uring,
                statistics: Bool = true, commandDelay: Double = 0.005, transcodeBatchWait: Double = 0.001) {
        self.statistics = statistics
        self.transcodeBatchWait = transcodeBatchWait.isFinite ? max(0, min(transcodeBatchWait, 0.02)) : 0
        self.commandDelay = max(0, min(commandDelay, 1))
        self.interfaces = interfaces
        self.portMin = portMin
        self.portMax = portMax
        if let workerThreads { self.workerThreads = max(1, workerThreads) }
        self.batchSize = max(1, min(batchSize, 64))
        self.maxPacketSize = max(64, maxPacketSize)
        self.io = io
    }
}
