// Per-packet cost and heap allocations of the RTCPStats estimators and the RTPWire parsers, -O build
// outside SwiftPM (bench/rtcpstats-cost.sh). Single-threaded, so the allocation counter is exact.
import Glibc
import RTPWire

@_silgen_name("malloc_count") func mallocCount() -> UInt

func nanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

@inline(never) func measure(_ name: String, iterations: Int, _ body: (Int) -> Void) {
    body(0) // warm-up
    let mallocs = mallocCount()
    let start = nanoseconds()
    for i in 0..<iterations { body(i) }
    let elapsed = nanoseconds() - start
    let allocated = mallocCount() - mallocs
    let perCall = Double(elapsed) / Double(iterations)
    let name = name.padding(toLength: 46, withPad: " ", startingAt: 0)
    print("\(name) \(String(Int(perCall.rounded()))) ns/call  \(Double(allocated) / Double(iterations)) mallocs/call")
}

@main enum RTCPStatsCost {
    static func main() {
        let n = 2_000_000
        var quality = StreamQuality(ssrc: 1, configuration: .forCodec(clockRate: 8000))
        var sink = 0
        measure("StreamQuality.rtpReceived (1% loss, reorder)", iterations: n) { i in
            // Drop every 100th packet and swap every 50th pair, wrapping the sequence many times.
            guard i % 100 != 7 else { return }
            let k = i % 50 == 10 ? i + 1 : (i % 50 == 11 ? i - 1 : i)
            let outcome = quality.rtpReceived(sequenceNumber: SequenceNumber(UInt16(truncatingIfNeeded: k)),
                                              timestamp: UInt32(truncatingIfNeeded: k &* 160), size: 172,
                                              arrival: MonotonicInstant(nanoseconds: UInt64(i) * 20_000_000 + UInt64(i % 7) * 100_000))
            if outcome == .duplicate { sink += 1 }
        }
        var loss = LossEstimator()
        measure("LossEstimator.update", iterations: n) { i in
            _ = loss.update(SequenceNumber(UInt16(truncatingIfNeeded: i)))
        }
        var jitter = JitterEstimator(clockRate: 48000)
        measure("JitterEstimator.update", iterations: n) { i in
            jitter.update(rtpTimestamp: UInt32(truncatingIfNeeded: i &* 960),
                          arrival: MonotonicInstant(nanoseconds: UInt64(i) * 20_000_000 + UInt64(i % 3) * 1_000_000))
        }
        let rtp: [UInt8] = [0x80, 0x00, 0x12, 0x34, 0, 0, 0x10, 0, 0x5A, 0x3C, 0x1F, 0x02] + Array(repeating: 0xFF, count: 160)
        rtp.withUnsafeBytes { raw in
            measure("RTPHeader(parsing:) no CSRC/extension", iterations: n) { _ in
                if let header = try? RTPHeader(parsing: raw) { sink &+= Int(header.sequenceNumber.rawValue) }
            }
        }
        // Linphone-style SR (1 block) + SDES (CNAME, TOOL).
        var writer = RTCPCompoundWriter()
        writer.append(.senderReport(RTCPSenderReport(ssrc: 1, ntpTimestamp: NTPTimestamp(unixMicroseconds: 1_767_225_600_000_000),
                                                     rtpTimestamp: 1, packetCount: 2, octetCount: 3,
                                                     reports: [RTCPReportBlock(ssrc: 2, jitter: 40)])))
        writer.append(.sourceDescription(RTCPSourceDescription(chunks: [.init(ssrc: 1, items: [
            .init(type: 1, text: "linphone@192.168.1.20"), .init(type: 6, text: "Linphone Desktop/5.2.0")])])))
        let compound = writer.bytes
        compound.withUnsafeBytes { raw in
            measure("RTCP compound SR+SDES, cursor walk", iterations: n / 10) { _ in
                var cursor = RTCPCompoundCursor()
                while let packet = cursor.next(in: raw) { sink &+= Int(packet.packetType) }
            }
        }
        var rtt = RoundTripEstimator()
        measure("RoundTripEstimator SR + RR", iterations: n) { i in
            let middle = UInt32(truncatingIfNeeded: i) | 1
            rtt.senderReportSeen(ntpMiddle: middle, at: MonotonicInstant(nanoseconds: UInt64(i) * 1_000_000_000))
            sink &+= Int(rtt.reportArrived(lastSenderReport: middle, delaySinceLastSenderReport: 1000,
                                           at: MonotonicInstant(nanoseconds: UInt64(i) * 1_000_000_000 + 80_000_000)) ?? 0)
        }
        print("(checksum \(sink), snapshot packets \(quality.snapshot().packets))")
    }
}
