import RTPWire
import Transcode
import Synchronization

/// One stream's counters. Written only by the stream's worker (relaxed load+store, no read-modify-write, so a
/// counter costs a plain store on the hot path); read at any time by the control plane without any lock the
/// worker takes per packet. The latched endpoints change rarely and sit behind a small lock taken only then.
final class StreamCounterBlock: Sendable {
    let rtpInPackets = Atomic<UInt64>(0), rtpInBytes = Atomic<UInt64>(0)
    let rtpOutPackets = Atomic<UInt64>(0), rtpOutBytes = Atomic<UInt64>(0), rtpOutErrors = Atomic<UInt64>(0)
    let rtcpInPackets = Atomic<UInt64>(0), rtcpInBytes = Atomic<UInt64>(0)
    let rtcpOutPackets = Atomic<UInt64>(0), rtcpOutBytes = Atomic<UInt64>(0), rtcpOutErrors = Atomic<UInt64>(0)
    let droppedForeignSource = Atomic<UInt64>(0)
    let droppedMalformed = Atomic<UInt64>(0)
    let droppedNoDestination = Atomic<UInt64>(0)
    let droppedSRTPAuth = Atomic<UInt64>(0)
    let droppedSRTPReplay = Atomic<UInt64>(0)
    /// Monotonic ns of the last accepted packet; 0: none yet.
    let lastPacket = Atomic<UInt64>(0)
    /// First ingress SSRC in the low 32 bits, bit 32 set once known.
    let firstSSRC = Atomic<UInt64>(0)
    /// The transcoder's counters (TranscodedCounters), copied by the worker after each transcoded packet.
    let transcodedIn = Atomic<UInt64>(0), transcodedOut = Atomic<UInt64>(0), transcodedLost = Atomic<UInt64>(0)
    let transcodedCorrupt = Atomic<UInt64>(0), transcodedMalformed = Atomic<UInt64>(0)
    let transcodedUnexpectedType = Atomic<UInt64>(0), transcodedResyncs = Atomic<UInt64>(0)
    let transcodedEvents = Atomic<UInt64>(0), transcodedEventsDropped = Atomic<UInt64>(0)
    private let latched = ThreadLock<(rtp: PeerAddress?, rtcp: PeerAddress?)>((nil, nil))
    /// Quality figures, replaced by the worker about once a second and on RTCP (never per packet).
    private let qualityReport = ThreadLock<StreamQualityReport?>(nil)

    func publishQuality(_ report: StreamQualityReport) {
        qualityReport.withLock { $0 = report }
    }

    var quality: StreamQualityReport? { qualityReport.withLock { $0 } }

    /// Called by the worker on a latch change only.
    func publishLatched(rtp: PeerAddress?, rtcp: PeerAddress?) {
        latched.withLock { $0 = (rtp, rtcp) }
    }

    /// Worker only: plain stores of the pipeline's own counters.
    @inline(__always)
    func publishTranscoded(_ t: TranscodeCounters) {
        transcodedIn.store(t.packetsIn, ordering: .relaxed)
        transcodedOut.store(t.packetsOut, ordering: .relaxed)
        transcodedLost.store(t.lostPackets, ordering: .relaxed)
        transcodedCorrupt.store(t.corruptPayloads, ordering: .relaxed)
        transcodedMalformed.store(t.malformedPackets, ordering: .relaxed)
        transcodedUnexpectedType.store(t.unexpectedPayloadTypes, ordering: .relaxed)
        transcodedResyncs.store(t.ssrcChanges &+ t.sequenceJumps &+ t.timestampJumps, ordering: .relaxed)
        transcodedEvents.store(t.eventsForwarded, ordering: .relaxed)
        transcodedEventsDropped.store(t.eventsDropped, ordering: .relaxed)
    }

    var snapshot: StreamCounters {
        var c = StreamCounters()
        c.rtpIn = PacketCounters(packets: rtpInPackets.load(ordering: .relaxed), bytes: rtpInBytes.load(ordering: .relaxed))
        c.rtpOut = PacketCounters(packets: rtpOutPackets.load(ordering: .relaxed), bytes: rtpOutBytes.load(ordering: .relaxed),
                                  errors: rtpOutErrors.load(ordering: .relaxed))
        c.rtcpIn = PacketCounters(packets: rtcpInPackets.load(ordering: .relaxed), bytes: rtcpInBytes.load(ordering: .relaxed))
        c.rtcpOut = PacketCounters(packets: rtcpOutPackets.load(ordering: .relaxed), bytes: rtcpOutBytes.load(ordering: .relaxed),
                                   errors: rtcpOutErrors.load(ordering: .relaxed))
        c.droppedForeignSource = droppedForeignSource.load(ordering: .relaxed)
        c.droppedMalformed = droppedMalformed.load(ordering: .relaxed)
        c.droppedNoDestination = droppedNoDestination.load(ordering: .relaxed)
        c.droppedSRTPAuth = droppedSRTPAuth.load(ordering: .relaxed)
        c.droppedSRTPReplay = droppedSRTPReplay.load(ordering: .relaxed)
        let last = lastPacket.load(ordering: .relaxed)
        c.lastPacket = last == 0 ? nil : MonotonicInstant(nanoseconds: last)
        let ssrc = firstSSRC.load(ordering: .relaxed)
        c.firstSSRC = ssrc >> 32 == 0 ? nil : UInt32(truncatingIfNeeded: ssrc)
        c.transcoded.packetsIn = transcodedIn.load(ordering: .relaxed)
        c.transcoded.packetsOut = transcodedOut.load(ordering: .relaxed)
        c.transcoded.lostPackets = transcodedLost.load(ordering: .relaxed)
        c.transcoded.corruptPayloads = transcodedCorrupt.load(ordering: .relaxed)
        c.transcoded.malformedPackets = transcodedMalformed.load(ordering: .relaxed)
        c.transcoded.unexpectedPayloadTypes = transcodedUnexpectedType.load(ordering: .relaxed)
        c.transcoded.resyncs = transcodedResyncs.load(ordering: .relaxed)
        c.transcoded.eventsForwarded = transcodedEvents.load(ordering: .relaxed)
        c.transcoded.eventsDropped = transcodedEventsDropped.load(ordering: .relaxed)
        let pair = latched.withLock { $0 }
        c.latchedRTP = pair.rtp?.endpoint
        c.latchedRTCP = pair.rtcp?.endpoint
        return c
    }
}

/// Single-writer increment: the owning worker is the only writer, so load+store is enough and avoids a
/// locked instruction per packet.
@inline(__always)
func bump(_ counter: borrowing Atomic<UInt64>, by amount: UInt64 = 1) {
    counter.store(counter.load(ordering: .relaxed) &+ amount, ordering: .relaxed)
}
