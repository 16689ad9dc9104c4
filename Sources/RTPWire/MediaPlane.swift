// The contract between the control plane (ControlProtocol) and the media plane (RTPRelay).
// Plain Sendable values cross it; neither side sees the other's types. rtprelayd creates the
// media plane and hands it to the control plane; control-plane tests use an in-memory fake.

/// One media stream of one leg: an RTP socket and its RTCP socket (one socket with rtcp-mux).
public struct MediaStreamID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "stream#\(rawValue)" }
}

/// All streams of one call share a group, and the media plane keeps a group on one worker thread
/// so that forwarding never crosses threads.
public struct MediaGroupID: Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt64
    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public var description: String { "group#\(rawValue)" }
}

/// What the control plane asks for when a stream needs local ports.
public struct StreamAllocationRequest: Sendable, Hashable {
    public var group: MediaGroupID
    /// Logical interface name (`--interface=NAME/IP[!ADV]`); nil picks the first interface of `family`.
    public var interface: String?
    public var family: AddressFamily
    /// rtcp-mux: one port carries RTP and RTCP, no separate RTCP socket is bound.
    public var rtcpMux: Bool

    public init(group: MediaGroupID, interface: String? = nil, family: AddressFamily = .ipv4, rtcpMux: Bool = false) {
        self.group = group
        self.interface = interface
        self.family = family
        self.rtcpMux = rtcpMux
    }
}

/// Local ports bound for one stream.
public struct AllocatedStream: Sendable, Hashable {
    public var id: MediaStreamID
    /// Name of the interface the ports are on.
    public var interface: String
    /// The address the sockets are bound to.
    public var localAddress: String
    /// The address to put into SDP (differs from `localAddress` behind NAT: `--interface=NAME/IP!ADV`).
    public var advertisedAddress: String
    /// Even port.
    public var rtpPort: UInt16
    /// `rtpPort + 1`, or `rtpPort` itself with rtcp-mux.
    public var rtcpPort: UInt16

    public init(id: MediaStreamID, interface: String, localAddress: String, advertisedAddress: String,
                rtpPort: UInt16, rtcpPort: UInt16) {
        self.id = id
        self.interface = interface
        self.localAddress = localAddress
        self.advertisedAddress = advertisedAddress
        self.rtpPort = rtpPort
        self.rtcpPort = rtcpPort
    }

    public var family: AddressFamily { AddressFamily(address: localAddress) }
    public var rtcpMux: Bool { rtcpPort == rtpPort }
}

/// How a stream learns ("latches onto") its remote endpoint. Names as rtpengine's `endpoint-learning`.
public enum LearningMode: String, Sendable, Hashable, CaseIterable {
    /// Learn within a short window after signalling, preferring the SDP's address+port, then its address, then anything.
    case heuristic
    /// Forward to the SDP address; after the window, latch onto the source of the next packet.
    case delayed
    /// Latch onto the first plausible packet.
    case immediate
    /// Never learn: always send to the SDP address.
    case off
}

/// Everything the media plane needs to know to run one stream. Sent again in full after each
/// offer/answer; a new plan re-arms learning.
public struct StreamPlan: Sendable, Hashable {
    /// Where packets received on this stream are sent out from (the other leg's stream); nil drops them.
    public var sink: MediaStreamID?
    /// The remote RTP endpoint announced in SDP (nil: unknown, or the zero address).
    public var remoteRTP: Endpoint?
    /// The remote RTCP endpoint (`a=rtcp:` or RTP port + 1); ignored with rtcp-mux.
    public var remoteRTCP: Endpoint?
    public var rtcpMux: Bool
    public var learning: LearningMode
    /// Seconds the learning window stays open after the plan is applied.
    public var learningWindow: Double
    /// Once latched, never re-latch (`strict source`).
    public var strictSource: Bool
    /// Re-latch whenever a plausible packet arrives from a new source (`media handover`).
    public var mediaHandover: Bool
    /// `asymmetric`: no learning at all, packets are accepted from anywhere, sent to the SDP address.
    public var asymmetric: Bool
    /// Payload types this stream's remote may send (from its SDP); empty means any.
    public var payloadTypes: [UInt8]
    /// Whether the remote is expected to send at all (false for `sendonly` towards it / `inactive`).
    public var receiveEnabled: Bool
    /// SRTP keys the remote encrypts with when sending to this stream (its own `a=crypto`): decrypt what
    /// arrives here with these. nil: the remote sends plain RTP.
    public var inboundSRTP: SRTPKeying?
    /// SRTP keys the relay announced to the remote (our `a=crypto` towards it): encrypt what this stream
    /// sends to the remote with these. nil: send plain RTP.
    public var outboundSRTP: SRTPKeying?
    /// RTP clock rate of what the remote sends (rtpmap of its first payload type), for jitter in ms and MOS.
    public var clockRate: Int = 8000
    /// Re-encode what this stream receives before the sink sends it (nil: relay the bytes unchanged). On a
    /// transcoded leg the relay is the RTP source: its own SSRC, sequence and timestamps, and its own RTCP.
    public var transcode: StreamTranscode?

    public init(sink: MediaStreamID? = nil, remoteRTP: Endpoint? = nil, remoteRTCP: Endpoint? = nil,
                rtcpMux: Bool = false, learning: LearningMode = .heuristic, learningWindow: Double = 3,
                strictSource: Bool = false, mediaHandover: Bool = false, asymmetric: Bool = false,
                payloadTypes: [UInt8] = [], receiveEnabled: Bool = true,
                inboundSRTP: SRTPKeying? = nil, outboundSRTP: SRTPKeying? = nil, clockRate: Int = 8000,
                transcode: StreamTranscode? = nil) {
        self.clockRate = clockRate
        self.transcode = transcode
        self.sink = sink
        self.remoteRTP = remoteRTP
        self.remoteRTCP = remoteRTCP
        self.rtcpMux = rtcpMux
        self.learning = learning
        self.learningWindow = learningWindow
        self.strictSource = strictSource
        self.mediaHandover = mediaHandover
        self.asymmetric = asymmetric
        self.payloadTypes = payloadTypes
        self.receiveEnabled = receiveEnabled
        self.inboundSRTP = inboundSRTP
        self.outboundSRTP = outboundSRTP
    }
}

/// Packets, bytes and errors in one direction.
public struct PacketCounters: Sendable, Hashable {
    public var packets: UInt64
    public var bytes: UInt64
    public var errors: UInt64
    public init(packets: UInt64 = 0, bytes: UInt64 = 0, errors: UInt64 = 0) {
        self.packets = packets
        self.bytes = bytes
        self.errors = errors
    }
}

/// A snapshot of one stream's counters, published by its worker and read without locks.
public struct StreamCounters: Sendable, Hashable {
    /// RTP received from the remote / sent to the remote.
    public var rtpIn = PacketCounters()
    public var rtpOut = PacketCounters()
    /// RTCP received from the remote / sent to the remote (on the RTCP port, or demuxed with rtcp-mux).
    public var rtcpIn = PacketCounters()
    public var rtcpOut = PacketCounters()
    /// Packets dropped because they came from a source other than the latched one (RTP bleed / inject).
    public var droppedForeignSource: UInt64 = 0
    /// Packets dropped because they were not RTP/RTCP (too short, wrong version, oversized).
    public var droppedMalformed: UInt64 = 0
    /// Packets dropped because there was nowhere to send them (no sink, or sink has no remote yet).
    public var droppedNoDestination: UInt64 = 0
    /// SRTP/SRTCP packets dropped because they did not authenticate (tampered, wrong key, not SRTP) or could not
    /// be decrypted; they never latch an endpoint.
    public var droppedSRTPAuth: UInt64 = 0
    /// SRTP/SRTCP packets dropped by the replay check (index already seen, or older than the window).
    public var droppedSRTPReplay: UInt64 = 0
    /// Monotonic time of the last packet received on this stream (RTP or RTCP), nil if none yet.
    public var lastPacket: MonotonicInstant?
    /// The latched remote endpoints (nil until learned).
    public var latchedRTP: Endpoint?
    public var latchedRTCP: Endpoint?
    /// First SSRC seen on ingress RTP.
    public var firstSSRC: UInt32?
    /// The transcoder's view of ingress RTP (zero unless the stream's plan transcodes).
    public var transcoded = TranscodedCounters()

    public init() {}
}

/// Why the media plane could not do what was asked. The control plane maps these to ng error strings.
public enum MediaPlaneError: Error, Hashable, Sendable {
    /// The port range of the interface is exhausted (ng: `Ran out of ports`).
    case outOfPorts
    /// No interface with that name, or none of that family.
    case noSuchInterface(String)
    /// A socket call failed with this errno.
    case socketFailure(Int32)
}

/// Implemented by RTPRelay (real sockets and worker threads) and by an in-memory fake in control-plane tests.
/// Calls come from the control plane's single thread; implementations must not block on the hot path.
public protocol MediaPlane: AnyObject, Sendable {
    /// Binds local ports for a new stream (even RTP port, odd RTCP port unless rtcp-mux).
    func allocate(_ request: StreamAllocationRequest) throws(MediaPlaneError) -> AllocatedStream
    /// Sets or replaces the stream's plan (peer, sink, learning policy). Re-arms learning.
    func update(_ id: MediaStreamID, plan: StreamPlan)
    /// Closes the stream's sockets and returns its ports to the pool. Unknown ids are ignored.
    func release(_ id: MediaStreamID)
    /// Latest counters, or nil for an unknown id.
    func counters(_ id: MediaStreamID) -> StreamCounters?
    /// Latest quality figures of what the stream receives (published about once a second and on each RTCP
    /// packet); nil for an unknown id, before the first RTP packet, or with statistics off.
    func quality(_ id: MediaStreamID) -> StreamQualityReport?
    /// Names and addresses of the configured interfaces.
    var interfaces: [MediaInterface] { get }
    /// Number of local ports currently bound.
    var portsInUse: Int { get }
    /// Opens a batch: until the matching `endBatch`, the work that `allocate`/`update`/`release` hand to other
    /// threads may be held back and handed over once, at `endBatch` (one wake-up per ng request instead of one
    /// per call). Batches nest. The caller ends the batch before it lets anyone see the results (the ng reply): from
    /// then on a packet of a live stream meets the batch's plans, while reading a new stream's sockets and closing
    /// released ones may lag by a few milliseconds (the relay hands the batch to its workers on a timer).
    func beginBatch()
    /// Closes the batch `beginBatch` opened; the outermost one hands over everything held back.
    func endBatch()
}

extension MediaPlane {
    /// No batching by default: every call hands its work over at once.
    public func beginBatch() {}
    public func endBatch() {}
}

extension MediaPlane {
    /// Media planes that measure nothing report nothing.
    public func quality(_ id: MediaStreamID) -> StreamQualityReport? { nil }
}

/// A configured interface (`--interface=NAME/IP[!ADVERTISED]`).
public struct MediaInterface: Sendable, Hashable {
    public var name: String
    public var localAddress: String
    public var advertisedAddress: String
    public init(name: String, localAddress: String, advertisedAddress: String? = nil) {
        self.name = name
        self.localAddress = localAddress
        self.advertisedAddress = advertisedAddress ?? localAddress
    }
    public var family: AddressFamily { AddressFamily(address: localAddress) }
}
