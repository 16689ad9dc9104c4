import RTCPStats

/// What the worker needs to send RTCP on a transcoded leg, where the relay is the RTP source towards the
/// remote (so its own SR) and the receiver of the remote's stream (so its own report block): kept on the
/// slot of that leg, updated per packet with plain stores, read every few seconds.
struct TranscodedLegRTCP {
    /// The stream the relay sends to this leg's remote (written by the other leg's pipeline output).
    var ssrc: UInt32 = 0
    var packets: UInt32 = 0
    /// Payload octets (RFC 3550 §6.4.1: header excluded).
    var octets: UInt32 = 0
    var lastTimestamp: UInt32 = 0
    var lastSentNanoseconds: UInt64 = 0
    /// RTP clock of that stream.
    var clockRate: UInt32 = 8000
    /// The remote's latest SR: its NTP middle 32 bits (LSR) and when it arrived (for DLSR); 0 for none.
    var remoteSRMiddle: UInt32 = 0
    var remoteSRNanoseconds: UInt64 = 0
    /// The remote's latest XR RRTR block (RFC 3611 §4.4): its SSRC, NTP middle 32 bits and arrival, answered by the
    /// relay's DLRR; remoteRRTRMiddle 0 for none.
    var remoteRRTRSSRC: UInt32 = 0
    var remoteRRTRMiddle: UInt32 = 0
    var remoteRRTRNanoseconds: UInt64 = 0
    /// The relay's own SRs and RRTRs on this leg, by NTP middle bits: the remote's report blocks (LSR/DLSR) and DLRR
    /// items (LRR/DLRR) about the relay's SSRC answer them with this leg's round trip (RFC 3550 §6.4.1).
    var ownReports = RoundTripEstimator()
    /// Expected/received at the previous report, for the interval's fraction lost (RFC 3550 A.3).
    var expectedPrior: UInt64 = 0
    var receivedPrior: UInt64 = 0
    /// Monotonic ns at which the next report is due; 0 until the leg first carries media.
    var nextReportNanoseconds: UInt64 = 0

    /// One packet of the relay's stream went to the remote.
    @inline(__always)
    mutating func sent(ssrc: UInt32, timestamp: UInt32, payloadBytes: Int, clockRate: UInt32, now: UInt64) {
        if ssrc != self.ssrc {
            // A new pipeline (re-offer) is a new source: its SR counts start over (RFC 3550 §6.4.1).
            self.ssrc = ssrc
            packets = 0
            octets = 0
        }
        packets &+= 1
        octets &+= UInt32(truncatingIfNeeded: payloadBytes)
        lastTimestamp = timestamp
        lastSentNanoseconds = now
        self.clockRate = clockRate
    }
}
