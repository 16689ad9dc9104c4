// The control plane's own cost per call set-up, without sockets, threads or NIO: NGEngine.handle fed the
// datagrams bench/ng-bench.c sends (offer, answer, delete with delete delay 0), against a media plane that only
// hands out port numbers. Prints CPU time (CLOCK_THREAD_CPUTIME_ID) and heap allocations (bench/MallocCount.c)
// per request kind. Built by bench/ng-engine-cost.sh; never part of `swift test`.
import Glibc
import RTPWire

@_silgen_name("malloc_count") func mallocCount() -> UInt

/// Ports only: what NGEngine needs from a media plane, with no IO behind it.
final class CountingMediaPlane: MediaPlane, @unchecked Sendable {
    private var next: UInt64 = 1
    private var port: UInt16 = 30000
    let interfaces = [MediaInterface(name: "default", localAddress: "127.0.0.1")]
    var portsInUse: Int { 0 }

    func allocate(_ request: StreamAllocationRequest) throws(MediaPlaneError) -> AllocatedStream {
        next &+= 1
        port = port >= 39998 ? 30000 : port &+ 2
        return AllocatedStream(id: MediaStreamID(rawValue: next), interface: "default", localAddress: "127.0.0.1",
                               advertisedAddress: "127.0.0.1", rtpPort: port, rtcpPort: port &+ 1)
    }
    func update(_ id: MediaStreamID, plan: StreamPlan) {}
    func release(_ id: MediaStreamID) {}
    func counters(_ id: MediaStreamID) -> StreamCounters? { StreamCounters() }
    func quality(_ id: MediaStreamID) -> StreamQualityReport? { nil }
}

/// The bencode string `<length>:<bytes>`.
func benc(_ s: String) -> String { "\(s.utf8.count):\(s)" }

func sdp(port: Int, session: Int) -> String {
    "v=0\r\no=- \(session) 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n"
        + "m=audio \(port) RTP/AVP 0 8 101\r\na=rtpmap:101 telephone-event/8000\r\n"
        + "a=fmtp:101 0-15\r\na=sendrecv\r\na=ptime:20\r\n"
}

func request(_ kind: Int, call: Int, cookie: Int) -> [UInt8] {
    let id = "bench-1-\(call)"
    var body = "d" + benc("command")
    switch kind {
    case 0:
        body += benc("offer") + benc("call-id") + benc(id) + benc("from-tag") + benc("caller") + benc("sdp")
            + benc(sdp(port: 20000 + (call % 10000) * 2, session: call)) + benc("supports") + "l" + benc("load limit") + "e"
    case 1:
        body += benc("answer") + benc("call-id") + benc(id) + benc("from-tag") + benc("caller") + benc("to-tag")
            + benc("callee") + benc("sdp") + benc(sdp(port: 40000 + (call % 10000) * 2, session: call + 1))
    default:
        body += benc("delete") + benc("call-id") + benc(id) + benc("from-tag") + benc("caller") + benc("delete delay") + "i0e"
    }
    return Array("b1_0_\(cookie) \(body)e".utf8)
}

func threadCPU() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

@main
struct NGEngineCost {
    static func main() {
        let calls = CommandLine.arguments.count > 1 ? Int(CommandLine.arguments[1]) ?? 20000 : 20000
        let engine = NGEngine(mediaPlane: CountingMediaPlane(), configuration: EngineConfiguration(deleteDelay: 0, instanceID: "bench"))
        let source = Endpoint(address: "127.0.0.1", port: 5060)
        // Datagrams built up front so their construction is not measured.
        var datagrams: [[[UInt8]]] = [[], [], []]
        for call in 0..<(calls + 1000) {
            for kind in 0..<3 { datagrams[kind].append(request(kind, call: call, cookie: call * 3 + kind)) }
        }
        var cpu = [0.0, 0.0, 0.0]
        var allocations: [UInt] = [0, 0, 0]
        var replyBytes = 0
        var digest: UInt64 = 0xcbf2_9ce4_8422_2325   // FNV-1a over every measured reply: changes show as a new digest
        for call in 0..<(calls + 1000) {
            let measured = call >= 1000   // the first 1000 warm the caches and the dictionaries up
            for kind in 0..<3 {
                let now = MonotonicInstant(nanoseconds: UInt64(call) * 1_000_000 + UInt64(kind) * 1000)
                let a0 = mallocCount(), t0 = threadCPU()
                let reply = engine.handle(datagram: datagrams[kind][call], from: source, now: now,
                                          wallClockMicros: 1_700_000_000_000_000 + now.nanoseconds / 1000)
                let t1 = threadCPU(), a1 = mallocCount()
                if measured {
                    cpu[kind] += t1 - t0
                    allocations[kind] += a1 - a0
                    replyBytes += reply?.count ?? 0
                    for byte in reply ?? [] { digest = (digest ^ UInt64(byte)) &* 0x100_0000_01b3 }
                }
                if call == 0, let reply, String(decoding: reply, as: UTF8.self).contains("error-reason") {
                    print("error reply: \(String(decoding: reply, as: UTF8.self))")
                }
            }
        }
        let names = ["offer", "answer", "delete"]
        for kind in 0..<3 {
            print("\(names[kind]): \(cpu[kind] / Double(calls) * 1e6) µs, \(Double(allocations[kind]) / Double(calls)) allocations")
        }
        print("set-up: \(cpu.reduce(0, +) / Double(calls) * 1e6) µs, \(Double(allocations.reduce(0, +)) / Double(calls)) allocations, reply bytes \(replyBytes), digest \(String(digest, radix: 16))")
    }
}
