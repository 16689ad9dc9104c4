import RTPWire

/// Packets, bytes and drops of many streams added up: the figures the metrics export as counters.
struct MediaTraffic: Sendable, Hashable, Codable {
    var rtpIn = TrafficCount()
    var rtpOut = TrafficCount()
    var rtcpIn = TrafficCount()
    var rtcpOut = TrafficCount()
    var droppedForeignSource: UInt64 = 0
    var droppedMalformed: UInt64 = 0
    var droppedNoDestination: UInt64 = 0
    var droppedSRTPAuth: UInt64 = 0
    var droppedSRTPReplay: UInt64 = 0

    init() {}

    /// One stream's counters as traffic.
    init(_ counters: StreamCounters) {
        rtpIn = TrafficCount(counters.rtpIn)
        rtpOut = TrafficCount(counters.rtpOut)
        rtcpIn = TrafficCount(counters.rtcpIn)
        rtcpOut = TrafficCount(counters.rtcpOut)
        droppedForeignSource = counters.droppedForeignSource
        droppedMalformed = counters.droppedMalformed
        droppedNoDestination = counters.droppedNoDestination
        droppedSRTPAuth = counters.droppedSRTPAuth
        droppedSRTPReplay = counters.droppedSRTPReplay
    }

    /// Adds one stream's counters (wrapping: counters only ever grow, and a wrapped sum still gives right deltas).
    mutating func add(_ counters: StreamCounters) { add(MediaTraffic(counters)) }

    mutating func add(_ other: MediaTraffic) {
        rtpIn.add(other.rtpIn)
        rtpOut.add(other.rtpOut)
        rtcpIn.add(other.rtcpIn)
        rtcpOut.add(other.rtcpOut)
        droppedForeignSource &+= other.droppedForeignSource
        droppedMalformed &+= other.droppedMalformed
        droppedNoDestination &+= other.droppedNoDestination
        droppedSRTPAuth &+= other.droppedSRTPAuth
        droppedSRTPReplay &+= other.droppedSRTPReplay
    }

    /// Drops by the reason label the metrics and the API use.
    var drops: [(reason: String, count: UInt64)] {
        [("foreign_source", droppedForeignSource), ("malformed", droppedMalformed),
         ("no_destination", droppedNoDestination), ("srtp_auth", droppedSRTPAuth), ("srtp_replay", droppedSRTPReplay)]
    }
}

/// Packets and bytes in one direction of one kind (RTP or RTCP).
struct TrafficCount: Sendable, Hashable, Codable {
    var packets: UInt64 = 0
    var bytes: UInt64 = 0

    init() {}

    init(_ counters: PacketCounters) {
        packets = counters.packets
        bytes = counters.bytes
    }

    mutating func add(_ other: TrafficCount) {
        packets &+= other.packets
        bytes &+= other.bytes
    }
}
