// loadgen: sets up N calls on an ng-driven relay (rtprelayd or rtpengine), plays 50 packets/s per call in
// each direction from the SDP-announced ports, and reports loss, one-way latency through the relay and the
// relay's CPU per relayed packet (from /proc/PID/stat).
//
//   loadgen --ng 127.0.0.1:2223 --calls 200 --seconds 10 --pid $(pidof rtpengine) [--address 127.0.0.1] [--warmup 2]
//           [--receive-poll-us 500] [--srtp none|b|both] [--transcode none|opus|G729|PCMA]
// --srtp b: phone B talks SDES-SRTP (AES_CM_128_HMAC_SHA1_80) to the relay, A plain (RTP↔SRTP); both: A too, with
// its own keys (SRTP↔SRTP re-encryption). The phones encrypt/decrypt in the load generator's threads.
// --transcode X: each offer carries `codec: {mask: [all], transcode: [X]}`, so the relay offers B only X; A sends
// PCMU, B answers and sends X (real payloads, encoded once at start and looped). Reports relay CPU per call-second.
import Foundation
import Glibc

struct Options {
    var ngHost = "127.0.0.1"
    var ngPort: UInt16 = 2223
    var calls = 100
    var seconds = 10.0
    var warmup = 2.0
    var pid: Int32?
    var address = "127.0.0.1"
    var receivePollMicroseconds = 0
    var srtp = "none"
    var transcode: LegCodec?

    init(_ arguments: [String]) throws {
        var it = arguments.dropFirst().makeIterator()
        while let flag = it.next() {
            guard let value = it.next() else { throw LoadError.usage("missing value for \(flag)") }
            switch flag {
            case "--ng":
                guard let colon = value.lastIndex(of: ":"), let port = UInt16(value[value.index(after: colon)...]) else {
                    throw LoadError.usage("--ng HOST:PORT")
                }
                ngHost = String(value[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
                ngPort = port
            case "--calls": calls = Int(value) ?? calls
            case "--seconds": seconds = Double(value) ?? seconds
            case "--warmup": warmup = Double(value) ?? warmup
            case "--pid": pid = Int32(value)
            case "--address": address = value
            case "--receive-poll-us": receivePollMicroseconds = Int(value) ?? 0
            case "--srtp":
                guard ["none", "b", "both"].contains(value) else { throw LoadError.usage("--srtp none|b|both") }
                srtp = value
            case "--transcode":
                if value.lowercased() == "none" { transcode = nil; continue }
                guard let codec = LegCodec(flag: value) else { throw LoadError.usage("--transcode none|opus|G729|PCMA") }
                transcode = codec
            default: throw LoadError.usage("unknown flag \(flag)")
            }
        }
    }
}

func percentile(_ sorted: [UInt32], _ p: Double) -> UInt32 {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

func main() throws {
    let options = try Options(CommandLine.arguments)
    if options.transcode != nil, options.srtp != "none" { throw LoadError.usage("--transcode works with --srtp none only") }
    let talk = TalkSignal.oneSecond()
    let play = try options.transcode.map { codec in
        TranscodePlay(codec: codec, aLoop: PayloadLoop.pcmu(talk), bLoop: try PayloadLoop.encoded(codec, talk))
    }
    let memoryBefore = options.pid.flatMap(processResidentKilobytes)
    let ng = try NGClient(host: options.ngHost, port: options.ngPort)
    let run = "lg\(getpid())"
    var calls: [CallPair] = []
    let setupStart = monotonicSeconds()
    func deleteCalls(_ count: Int) {
        for i in 0..<count {
            _ = try? ng.request([("command", .string(Array("delete".utf8))), ("call-id", .string(Array("\(run)-\(i)".utf8))),
                                 ("from-tag", .string(Array("a\(i)".utf8)))])
        }
    }
    for i in 0..<options.calls {
        // On a failure half-way, the calls set up so far are deleted so the relay keeps no ports for them.
        let call: CallPair
        do { call = try CallPair(index: i, address: options.address) } catch { deleteCalls(i); throw error }
        let callID = "\(run)-\(i)"
        let offer: BValue, answer: BValue
        let aKey = PhoneSRTP.randomKey(), bKey = PhoneSRTP.randomKey()
        let aSRTP = options.srtp == "both", bSRTP = options.srtp != "none"
        var offerFlags: [(String, BValue)] = []
        if let codec = options.transcode {
            offerFlags = [("codec", .dictionary([("mask", .list([.string(Array("all".utf8))])),
                                                 ("transcode", .list([.string(Array(codec.encodingName.utf8))]))]))]
        }
        if bSRTP {
            offerFlags = [("transport-protocol", .string(Array("RTP/SAVP".utf8))), ("ICE", .string(Array("remove".utf8))),
                          ("DTLS", .string(Array("off".utf8)))]
        }
        do {
            offer = try ng.request([
                ("command", .string(Array("offer".utf8))), ("call-id", .string(Array(callID.utf8))),
                ("from-tag", .string(Array("a\(i)".utf8))),
                ("sdp", .string(Array(SDP.audio(address: options.address, port: call.phoneA.port, session: i,
                                                profile: aSRTP ? "RTP/SAVP" : "RTP/AVP",
                                                extra: aSRTP ? PhoneSRTP.cryptoLine(tag: "1", key: aKey) : "").utf8))),
            ] + offerFlags)
            // B answers the relay's SDES offer with the relay's tag for our suite and its own key.
            let relayToB = bSRTP ? offer["sdp"]?.text.flatMap(PhoneSRTP.crypto(in:)) : nil
            if bSRTP, relayToB == nil { throw LoadError.ng("offer without \(PhoneSRTP.suite)") }
            // In transcoding mode B answers with the payload type (and rtpmap/fmtp) the relay offered for the codec.
            var formatB: (payloadType: UInt8, attributes: String)?
            if let codec = options.transcode {
                guard let offered = offer["sdp"]?.text.flatMap(codec.offered(in:)) else {
                    throw LoadError.ng("the relay's offer to B has no \(codec.encodingName): \(offer["sdp"]?.text ?? "\(offer)")")
                }
                formatB = offered
                call.bPayloadType = offered.payloadType
            }
            answer = try ng.request([
                ("command", .string(Array("answer".utf8))), ("call-id", .string(Array(callID.utf8))),
                ("from-tag", .string(Array("a\(i)".utf8))), ("to-tag", .string(Array("b\(i)".utf8))),
                ("sdp", .string(Array(SDP.audio(address: options.address, port: call.phoneB.port, session: i,
                                                profile: bSRTP ? "RTP/SAVP" : "RTP/AVP",
                                                extra: relayToB.map { PhoneSRTP.cryptoLine(tag: $0.tag, key: bKey) } ?? "",
                                                format: formatB).utf8))),
            ] + (bSRTP ? [("ICE", .string(Array("remove".utf8)))] : []))
            if let relayToB {
                call.bIn = try PhoneSRTP(keyAndSalt: relayToB.key, inbound: true)
                call.bOut = try PhoneSRTP(keyAndSalt: bKey, inbound: false)
            }
            if aSRTP {
                guard let relayToA = answer["sdp"]?.text.flatMap(PhoneSRTP.crypto(in:)) else {
                    throw LoadError.ng("answer without \(PhoneSRTP.suite)")
                }
                call.aIn = try PhoneSRTP(keyAndSalt: relayToA.key, inbound: true)
                call.aOut = try PhoneSRTP(keyAndSalt: aKey, inbound: false)
            }
        } catch { deleteCalls(i + 1); throw error }
        guard let towardsB = offer["sdp"]?.text.flatMap(SDP.mediaEndpoint),
              let towardsA = answer["sdp"]?.text.flatMap(SDP.mediaEndpoint) else {
            deleteCalls(i + 1)
            throw LoadError.ng("reply without a usable SDP")
        }
        call.toRelayFromA = sockaddr_storage()
        call.toRelayFromALength = UDPSocket.fill(&call.toRelayFromA, address: towardsA.address, port: towardsA.port)
        call.toRelayFromBLength = UDPSocket.fill(&call.toRelayFromB, address: towardsB.address, port: towardsB.port)
        calls.append(call)
    }
    let setupSeconds = monotonicSeconds() - setupStart

    let log = TrafficLog()
    let callsForThreads = calls
    let senderDone = DispatchSemaphore(value: 0), receiverDone = DispatchSemaphore(value: 0)
    let senderThread = Thread { runSender(calls: callsForThreads, log: log, transcode: play); senderDone.signal() }
    let receiverThread = Thread {
        runReceiver(calls: callsForThreads, log: log, pollMicroseconds: options.receivePollMicroseconds, transcoding: play != nil)
        receiverDone.signal()
    }
    receiverThread.start()
    senderThread.start()

    usleep(useconds_t(options.warmup * 1e6))   // latching, learning windows, caches
    let memoryAfter = options.pid.flatMap(processResidentKilobytes)
    let cpuBefore = options.pid.flatMap(processCPU)
    let ownBefore = processCPU(pid: getpid())
    let measureStart = monotonicSeconds()
    log.measuring.store(true, ordering: .relaxed)
    usleep(useconds_t(options.seconds * 1e6))
    log.measuring.store(false, ordering: .relaxed)
    let measureSeconds = monotonicSeconds() - measureStart
    let cpuAfter = options.pid.flatMap(processCPU)
    let ownAfter = processCPU(pid: getpid())
    log.stopSending.store(true, ordering: .relaxed)
    senderDone.wait()
    usleep(300_000)   // stragglers
    log.stopReceiving.store(true, ordering: .relaxed)
    receiverDone.wait()

    deleteCalls(options.calls)

    let sorted = log.latenciesMicroseconds.sorted()
    let loss = log.sentMeasured == 0 ? 0 : 1 - Double(log.receivedMeasured) / Double(log.sentMeasured)
    // Over the whole run (warm-up included, stragglers drained): exact, where the measured window's count is off
    // by the packets in flight at its two edges.
    let lossTotal = log.sentTotal == 0 ? 0 : 1 - Double(log.receivedGood) / Double(log.sentTotal)
    // A transcoding relay holds and releases packets in its own rhythm (codec look-ahead, batching), so the
    // window count swings by more than the loss; there only the whole-run figure means something.
    let reportedLoss = play == nil ? loss : lossTotal
    print("calls=\(options.calls) setup=\(String(format: "%.2f", setupSeconds))s measured=\(String(format: "%.1f", measureSeconds))s "
          + "rate=\(Int(Double(log.sentMeasured) / measureSeconds)) pps")
    print("sent=\(log.sentMeasured) received=\(log.receivedMeasured) loss=\(String(format: "%.4f", loss * 100))% "
          + "loss_whole_run=\(String(format: "%.4f", lossTotal * 100))% misdelivered=\(log.unexpected)")
    print("whole run: sent \(log.sentTotal / 2) per direction; received at A \(log.receivedGoodAtA), at B \(log.receivedGoodAtB)")
    print("latency_us p50=\(percentile(sorted, 0.5)) p99=\(percentile(sorted, 0.99)) max=\(sorted.last ?? 0)")
    // Whether the load generator itself stalled (it measures the latency: its own stalls show as relay latency).
    let ownCPU = (ownAfter?.total ?? 0) - (ownBefore?.total ?? 0)
    print("loadgen: \(String(format: "%.1f", ownCPU / measureSeconds * 100))% of one core; sender max late "
          + "\(log.senderMaxLateNanoseconds / 1000) us (\(log.senderLateOver2ms) packets > 2 ms); receiver max loop gap "
          + "\(log.receiverMaxGapNanoseconds / 1000) us (\(log.receiverGapsOver2ms) gaps > 2 ms)")
    let spikes = log.spikeBuckets.enumerated().filter { $0.element > 2000 }
    if !spikes.isEmpty {
        print("latency spikes > 2 ms (10 ms windows, time since first measured packet): "
              + spikes.prefix(40).map { "\(String(format: "%.2f", Double($0.offset) / 100))s:\($0.element / 1000)ms" }
                  .joined(separator: " ") + (spikes.count > 40 ? " ... (\(spikes.count) windows)" : ""))
    }
    var cpuPerPacket = -1.0, userPerPacket = -1.0, systemPerPacket = -1.0, cpuPerCallSecond = -1.0
    var memoryPerCall = -1.0
    if let before = memoryBefore, let after = memoryAfter, options.calls > 0 {
        memoryPerCall = Double(after - before) / Double(options.calls)
        print("relay_rss=\(before) KiB before set-up, \(after) KiB with \(options.calls) calls running "
              + "= \(String(format: "%.1f", memoryPerCall)) KiB per call")
    }
    if let before = cpuBefore, let after = cpuAfter, log.receivedMeasured > 0 {
        let used = after.total - before.total
        let packets = Double(log.receivedMeasured)
        cpuPerPacket = used / packets * 1e6
        userPerPacket = (after.user - before.user) / packets * 1e6
        systemPerPacket = (after.system - before.system) / packets * 1e6
        cpuPerCallSecond = used / (Double(options.calls) * measureSeconds) * 1e3
        print("relay_cpu=\(String(format: "%.2f", used))s over \(log.receivedMeasured) relayed packets "
              + "= \(String(format: "%.2f", cpuPerPacket)) us/packet (user \(String(format: "%.2f", userPerPacket)), "
              + "system \(String(format: "%.2f", systemPerPacket)); \(String(format: "%.1f", used / measureSeconds * 100))% of one core)")
        print("relay_cpu_per_call_second=\(String(format: "%.3f", cpuPerCallSecond)) ms")
    }
    // One machine-readable line for bench/run-media-bench.sh.
    print("RESULT mode=\(options.transcode.map { "PCMU-\($0.encodingName)" } ?? "relay") calls=\(options.calls) pps=\(Int(Double(log.sentMeasured) / measureSeconds)) "
          + "loss_pct=\(String(format: "%.4f", reportedLoss * 100)) misdelivered=\(log.unexpected) "
          + "p50_us=\(percentile(sorted, 0.5)) p99_us=\(percentile(sorted, 0.99)) max_us=\(sorted.last ?? 0) "
          + "cpu_us=\(String(format: "%.3f", cpuPerPacket)) user_us=\(String(format: "%.3f", userPerPacket)) "
          + "sys_us=\(String(format: "%.3f", systemPerPacket)) loadgen_cpu_pct=\(String(format: "%.1f", ownCPU / measureSeconds * 100)) "
          + "recv_max_gap_us=\(log.receiverMaxGapNanoseconds / 1000) send_max_late_us=\(log.senderMaxLateNanoseconds / 1000) "
          + "loss_run_pct=\(String(format: "%.4f", lossTotal * 100)) "
          + "cpu_ms_per_call_s=\(String(format: "%.4f", cpuPerCallSecond)) rss_kib_per_call=\(String(format: "%.1f", memoryPerCall))")
}

do {
    try main()
} catch {
    FileHandle.standardError.write(Data("loadgen: \(error)\n".utf8))
    exit(1)
}
