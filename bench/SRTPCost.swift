// CPU cost and heap allocations of SRTPSession (the relay's SRTP over libcrypto) and of libsrtp2
// (Tests/RTPRelayTests/LibSRTPOracle.swift) per protect / unprotect of a 172-byte RTP packet (PCMU, 20 ms),
// and per SRTCP protect / unprotect of a 48-byte compound report, -O build. Run with bench/srtp-cost.sh.
import Foundation
import RTPRelay

@_silgen_name("malloc_count") func mallocCount() -> UInt

func cpuNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

/// One side's four transforms on a caller's buffer (in place), so both libraries are timed the same way.
protocol Transforms {
    func protect(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int
    func unprotect(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int
    func protectRTCP(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int
    func unprotectRTCP(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int
}

struct Ours: Transforms {
    let session: SRTPSession
    func protect(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int { (try? session.protect(b, length: n)) ?? -1 }
    func unprotect(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int { (try? session.unprotect(b, length: n)) ?? -1 }
    func protectRTCP(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int { (try? session.protectRTCP(b, length: n)) ?? -1 }
    func unprotectRTCP(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int { (try? session.unprotectRTCP(b, length: n)) ?? -1 }
}

struct Theirs: Transforms {
    let oracle: LibSRTPOracle
    func protect(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int { oracle.protect(b, n) }
    func unprotect(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int { oracle.unprotect(b, n) }
    func protectRTCP(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int { oracle.protectRTCP(b, n) }
    func unprotectRTCP(_ b: UnsafeMutableRawBufferPointer, _ n: Int) -> Int { oracle.unprotectRTCP(b, n) }
}

struct Figures { var protectNs: UInt64 = 0, unprotectNs: UInt64 = 0, allocations: UInt = 0 }

/// Times whole loops (a per-call clock read costs about as much as the transform): first `count` protects
/// alone, then `count` protect+unprotect round trips on fresh sessions; unprotect = round trip − protect.
func measure(_ makeSender: () throws -> some Transforms, _ makeReceiver: () throws -> some Transforms,
             count: Int, rtcp: Bool) rethrows -> Figures {
    let length = rtcp ? 48 : 172
    var buffer = [UInt8](repeating: 0xD5, count: length + 160)
    buffer[0] = 0x80
    if rtcp { buffer[1] = 200; buffer[3] = 10 }
    var f = Figures()
    func loop(_ sender: some Transforms, _ receiver: (some Transforms)?) -> (UInt64, UInt) {
        buffer.withUnsafeMutableBytes { b in
            // Packet 0 is a warm-up: each side learns the SSRC (a one-off table entry) before counting starts.
            var t0: UInt64 = 0, m0: UInt = 0
            for i in 0...count {
                if i == 1 { m0 = mallocCount(); t0 = cpuNanoseconds() }
                if !rtcp {
                    b[2] = UInt8(truncatingIfNeeded: i >> 8)
                    b[3] = UInt8(truncatingIfNeeded: i)
                }
                let n = rtcp ? sender.protectRTCP(b, length) : sender.protect(b, length)
                precondition(n > length, "protect failed")
                if let receiver {
                    let m = rtcp ? receiver.unprotectRTCP(b, n) : receiver.unprotect(b, n)
                    precondition(m == length, "unprotect failed")
                }
            }
            return (cpuNanoseconds() - t0, mallocCount() - m0)
        }
    }
    let (protectOnly, _) = loop(try makeSender(), Optional<Ours>.none)
    let (roundTrip, allocations) = loop(try makeSender(), try makeReceiver())
    f.protectNs = protectOnly
    f.unprotectNs = roundTrip > protectOnly ? roundTrip - protectOnly : 0
    f.allocations = allocations
    return f
}

@main struct SRTPCost {
    static func main() throws {
        let count = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 100_000
        print("per packet, \(count) packets, process CPU time of whole loops; allocs = heap allocations per protect+unprotect")
        print("suite                      kind   ours protect/unprotect   libsrtp2 protect/unprotect   allocs ours/libsrtp2")
        for suite in SRTPSuite.allCases {
            let key = (0..<suite.masterLength).map { UInt8(truncatingIfNeeded: $0 &* 29 &+ 1) }
            for rtcp in [false, true] {
                let ours = try measure({ Ours(session: try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .outbound)) },
                                       { Ours(session: try SRTPSession(suite: suite, masterKeyAndSalt: key, direction: .inbound)) },
                                       count: count, rtcp: rtcp)
                let theirs = try measure({ Theirs(oracle: try LibSRTPOracle(suite: suite, masterKeyAndSalt: key, direction: .outbound)) },
                                         { Theirs(oracle: try LibSRTPOracle(suite: suite, masterKeyAndSalt: key, direction: .inbound)) },
                                         count: count, rtcp: rtcp)
                func us(_ ns: UInt64) -> String { String(format: "%.2f", Double(ns) / 1000 / Double(count)) }
                func per(_ a: UInt) -> String { String(format: "%.2f", Double(a) / Double(count)) }
                func pad(_ s: String, _ n: Int) -> String { s.padding(toLength: n, withPad: " ", startingAt: 0) }
                print(pad(suite.rawValue, 27) + pad(rtcp ? "SRTCP" : "SRTP", 7)
                      + pad("\(us(ours.protectNs)) / \(us(ours.unprotectNs)) µs", 25)
                      + pad("\(us(theirs.protectNs)) / \(us(theirs.unprotectNs)) µs", 29)
                      + "\(per(ours.allocations)) / \(per(theirs.allocations))")
            }
        }
    }
}
