import ControlProtocol
import RTPWire

extension CallSnapshot {
    /// Reads one call's state on the control loop (the registry's value) and its streams' counters and quality
    /// (published by the media workers, read without locks).
    init(_ call: Call, mediaPlane: any MediaPlane, now: MonotonicInstant) {
        callID = call.callID
        ageSeconds = max(0, now.seconds(since: call.created))
        answered = call.answered
        deleting = call.deletion != nil || call.monologues.values.contains { $0.deletion != nil }
        legs = call.orderedMonologues.map { party in
            Leg(tag: party.displayTag, label: party.label,
                medias: party.medias.map { Media($0, mediaPlane: mediaPlane) })
        }
        let directions = legs.flatMap(\.medias).flatMap { [$0.received, $0.sent] }
        mos = directions.compactMap(\.mos).min()
    }
}

extension CallSnapshot.Media {
    init(_ media: CallMedia, mediaPlane: any MediaPlane) {
        index = media.index
        type = media.type
        transport = media.transportProtocol
        transcoded = media.codecPlan?.transcode ?? false
        codec = media.codecLeg?.codec.displayName ?? media.declared?.codec
        received = CallSnapshot.Direction()
        sent = CallSnapshot.Direction()
        dropped = 0
        guard let stream = media.stream else {
            local = nil
            remote = media.declared?.remoteRTP?.description
            return
        }
        local = Endpoint(address: stream.localAddress, port: stream.rtpPort).description
        let counters = mediaPlane.counters(stream.id)
        remote = (counters?.latchedRTP ?? media.declared?.remoteRTP)?.description
        if let counters {
            received.packets = counters.rtpIn.packets
            received.bytes = counters.rtpIn.bytes
            received.rtcpPackets = counters.rtcpIn.packets
            sent.packets = counters.rtpOut.packets
            sent.bytes = counters.rtpOut.bytes
            sent.rtcpPackets = counters.rtcpOut.packets
            dropped = counters.droppedForeignSource &+ counters.droppedMalformed &+ counters.droppedNoDestination
                &+ counters.droppedSRTPAuth &+ counters.droppedSRTPReplay
        }
        guard let quality = mediaPlane.quality(stream.id) else { return }
        let rtt = (quality.roundTripTime ?? quality.roundTripTimeLeg).map { Double($0) / 1000 }
        received.lost = quality.cumulativeLoss
        received.lossPercent = Double(quality.lossPercent)
        received.jitterMs = Double(quality.jitterMilliseconds)
        received.rttMs = rtt
        if let sample = quality.relayObservedMOS.latest {
            received.mos = Double(sample.mos) / 10
            received.mosSource = MOSSource.relayObserved.rawValue
        }
        // What the party hears of the relay's stream comes only from its own receiver reports.
        if let reported = quality.reported {
            sent.lost = Int64(reported.cumulativeLoss)
            sent.lossPercent = Double(reported.lossPercent)
            sent.jitterMs = Double(reported.jitterMilliseconds)
            sent.rttMs = rtt
        }
        if let sample = quality.rtcpReportedMOS.latest {
            sent.mos = Double(sample.mos) / 10
            sent.mosSource = MOSSource.rtcpReported.rawValue
        }
    }
}
