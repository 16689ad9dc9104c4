import Testing
import RTPWire
@testable import RTCPStats

/// tshark's RTP stream analysis as an independent oracle (Tests/Fixtures/rtcp/make_rtp_stream.py builds
/// the stream; tshark-rtp-streams.txt is `tshark -q -z rtp,streams` on it):
///     Pkts 1459, Lost 41 (2.7%), Max Jitter 10.159 ms, Mean Jitter 9.380 ms
@Suite struct RTPStreamOracleTests {
    @Test func lossAndJitterAgreeWithTsharkOnTheSameStream() {
        var loss = LossEstimator()
        var jitter = JitterEstimator(clockRate: 8000)
        var received = 0
        var maxJitterMs = 0.0, jitterSumMs = 0.0
        for i in 0..<1500 where i % 37 != 11 {
            let seq = SequenceNumber(UInt16((65_000 + i) % 65_536))
            let timestamp = UInt32((4_294_900_000 + 160 * UInt64(i)) % (1 << 32))
            let arrivalMicros = UInt64(20_000 * i + 30_000 + (i * 7919) % 20_000)
            #expect(loss.update(seq) != .duplicate)
            jitter.update(rtpTimestamp: timestamp, arrival: MonotonicInstant(nanoseconds: arrivalMicros * 1000))
            received += 1
            let ms = Double(jitter.jitter) / 8
            maxJitterMs = max(maxJitterMs, ms)
            jitterSumMs += ms
        }
        #expect(received == 1459)
        // tshark counts from the first packet, RFC 3550 A.1 from the second (end of probation): both 41 lost.
        #expect(loss.cumulativeLost == 41)
        #expect(loss.expected == 1499)
        // Whole timestamp units (0.125 ms at 8 kHz, truncated) against tshark's floating point: within a tick.
        #expect(abs(maxJitterMs - 10.159) <= 0.13, "max jitter \(maxJitterMs) ms")
        #expect(abs(jitterSumMs / Double(received) - 9.380) <= 0.1, "mean jitter \(jitterSumMs / Double(received)) ms")
    }
}
