// CPU cost of SRTPSession.protect / unprotect per 172-byte RTP packet (PCMU, 20 ms), -O build.
// Run with bench/srtp-cost.sh; compiled into one module with the SRTP files of Sources/RTPRelay.
import Foundation

func cpuNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

@main struct SRTPCost {
    static func main() throws {
        let count = 100_000
        for suite in SRTPSuite.allCases {
            let key = (0..<suite.masterLength).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 1) }
            let sender = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .outbound)
            let receiver = try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .inbound)
            var buffer = [UInt8](repeating: 0xD5, count: 172 + SRTPSession.maxTrailerLength)
            buffer[0] = 0x80
            var protectNs: UInt64 = 0
            var unprotectNs: UInt64 = 0
            try buffer.withUnsafeMutableBytes { b in
                for i in 0..<count {
                    let seq = UInt16(truncatingIfNeeded: i)
                    b[2] = UInt8(seq >> 8)
                    b[3] = UInt8(seq & 0xFF)
                    let t0 = cpuNanoseconds()
                    let n = try sender.protect(b, length: 172)
                    let t1 = cpuNanoseconds()
                    let m = try receiver.unprotect(b, length: n)
                    let t2 = cpuNanoseconds()
                    precondition(m == 172)
                    protectNs += t1 - t0
                    unprotectNs += t2 - t1
                }
            }
            print(String(format: "%-26@ protect %.2f µs   unprotect %.2f µs", suite.rawValue,
                         Double(protectNs) / 1000 / Double(count), Double(unprotectNs) / 1000 / Double(count)))
        }
    }
}
