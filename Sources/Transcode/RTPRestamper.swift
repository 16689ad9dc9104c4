/// Writes the RTP header of the relay's own stream on a transcoded leg: its own SSRC, sequence numbers
/// that go up by one per packet sent whatever was lost on the input, timestamps in the output clock, and
/// the marker bit on the first packet of a talk spurt (RFC 3550 §5.1, RFC 3551 §4.1).
struct RTPRestamper {
    let ssrc: UInt32
    /// Sequence number of the next packet sent.
    private(set) var nextSequence: UInt16
    /// Output-clock timestamp of the next media frame (the oldest sample waiting in the repacketizer).
    private(set) var nextTimestamp: UInt32
    /// Set at start, after a silence gap and after a resync: the next media packet carries the marker.
    private(set) var markerPending = true

    init(ssrc: UInt32, initialSequence: UInt16, initialTimestamp: UInt32) {
        self.ssrc = ssrc
        nextSequence = initialSequence
        nextTimestamp = initialTimestamp
    }

    /// Writes a 12-byte header for a media frame of `ticks` output-clock units and advances the timeline.
    mutating func writeMediaHeader(into out: UnsafeMutableRawBufferPointer, payloadType: UInt8, ticks: UInt32) {
        Self.write(into: out, marker: markerPending, payloadType: payloadType, sequence: nextSequence,
                   timestamp: nextTimestamp, ssrc: ssrc)
        markerPending = false
        nextSequence &+= 1
        nextTimestamp &+= ticks
    }

    /// Writes a 12-byte header for a packet that does not advance the media timeline (an RFC 4733 event:
    /// its timestamp is the event's start, repeated in every packet of the event).
    mutating func writeEventHeader(into out: UnsafeMutableRawBufferPointer, payloadType: UInt8, marker: Bool, timestamp: UInt32) {
        Self.write(into: out, marker: marker, payloadType: payloadType, sequence: nextSequence, timestamp: timestamp, ssrc: ssrc)
        nextSequence &+= 1
    }

    /// Moves the media timeline on without sending (silence, a frame the encoder chose not to send).
    mutating func skip(ticks: UInt32) {
        nextTimestamp &+= ticks
    }

    /// The next media packet starts a talk spurt.
    mutating func markTalkSpurt() { markerPending = true }

    /// `out` holds at least 12 bytes (the caller's packet buffer is sized at init).
    private static func write(into out: UnsafeMutableRawBufferPointer, marker: Bool, payloadType: UInt8,
                              sequence: UInt16, timestamp: UInt32, ssrc: UInt32) {
        out[0] = 0x80
        out[1] = (marker ? 0x80 : 0) | (payloadType & 0x7F)
        out[2] = UInt8(truncatingIfNeeded: sequence >> 8)
        out[3] = UInt8(truncatingIfNeeded: sequence)
        out[4] = UInt8(truncatingIfNeeded: timestamp >> 24)
        out[5] = UInt8(truncatingIfNeeded: timestamp >> 16)
        out[6] = UInt8(truncatingIfNeeded: timestamp >> 8)
        out[7] = UInt8(truncatingIfNeeded: timestamp)
        out[8] = UInt8(truncatingIfNeeded: ssrc >> 24)
        out[9] = UInt8(truncatingIfNeeded: ssrc >> 16)
        out[10] = UInt8(truncatingIfNeeded: ssrc >> 8)
        out[11] = UInt8(truncatingIfNeeded: ssrc)
    }
}
