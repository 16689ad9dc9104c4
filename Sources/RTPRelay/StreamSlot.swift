import Transcode

/// One stream's forwarding state as the worker keeps it: a plain value in a flat array indexed by the slot
/// number that epoll hands back, so the hot path reaches it without a lookup.
struct StreamSlot {
    var active = false
    var id: UInt64 = 0
    var rtpFD: Int32 = -1
    /// -1 with rtcp-mux.
    var rtcpFD: Int32 = -1
    /// The RTP socket also carries RTCP (RFC 5761): allocated without an RTCP port, or the plan says rtcp-mux.
    var demux = false
    /// The stream packets received here go out of; `sinkSlot` is -1 while it is unknown on this worker.
    var sinkID: UInt64 = 0
    var hasSink = false
    var sinkSlot: Int32 = -1
    var rtpLatch = EndpointLatch()
    var rtcpLatch = EndpointLatch()
    /// SRTP/SRTCP of what the remote sends here (unprotected before the latch sees it) and of what this stream
    /// sends to the remote (protected just before sending). Created by the control thread, owned by the slot.
    var inboundSRTP: SRTPSession?
    var outboundSRTP: SRTPSession?
    /// Keys were negotiated for that direction but unusable: drop instead of relaying in the clear.
    var inboundSRTPUnusable = false
    var outboundSRTPUnusable = false
    /// Re-encodes received RTP for the sink (nil: plain relay, the hot path's one check). Built by the control
    /// thread at negotiation time, owned by the slot, freed with it or when a new plan replaces it.
    var transcoder: TranscodePipeline?
    /// The relay's own RTCP on this leg while it transcodes.
    var legRTCP = TranscodedLegRTCP()
    /// io_uring mode: receives armed on this slot's sockets. A removed slot stays `closing` (sockets open, index not
    /// reused) until the cancelled receives have reported their end and this is 0.
    var pendingOps: Int32 = 0
    var closing = false
    /// io_uring mode: both sockets are in the ring's registered-file table (index = fd).
    var fixedFiles = false
    /// io_uring mode: an update putting the sockets into that table was queued, so closing clears them from it.
    var filesInTable = false
    /// io_uring mode: a socket on the RTP port connected to the latched remote (`twinPeer`), or -1. The remote's
    /// datagrams arrive there and what goes to it leaves there, without the address and route lookup of an
    /// unconnected send; everything else (other sources, re-latching) still goes through `rtpFD`.
    var twinFD: Int32 = -1
    var twinPeer = PeerAddress(emptyWithLength: 0)
    /// The twin is in the ring's registered-file table (queued update; cleared again before it is closed).
    var twinFixed = false
    /// Making a twin failed for this stream: it sends from `rtpFD` (not retried per packet).
    var twinFailed = false
    /// Loss, jitter, RTT and MOS of what this stream receives (unused with statistics off).
    var quality = SlotQuality()
    /// Owned by the worker's id table; the slot only borrows it.
    var counters: Unmanaged<StreamCounterBlock>

    init(counters: Unmanaged<StreamCounterBlock>) { self.counters = counters }
}

/// A send in flight (io_uring mode): counted when it is known done (its completion arrived, or with quiet sends
/// the submission consumed it), against `sink` if that slot still holds stream `sinkID`.
struct PendingSend {
    var sink: Int32 = -1
    var sinkID: UInt64 = 0
    var length: UInt32 = 0
    var isRTP = false
    /// The relay's own RTCP report on a transcoded leg: counted on the leg only, not in the relayed totals.
    var ownReport = false
}
