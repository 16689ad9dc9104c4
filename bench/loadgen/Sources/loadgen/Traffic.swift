import CLoadShim
import Glibc
import Synchronization

/// One call as the load generator plays it: phone A and phone B, each sending from the port its SDP
/// announced to the relay port the relay's SDP gave it.
final class CallPair: @unchecked Sendable {
    let index: Int
    let phoneA: UDPSocket
    let phoneB: UDPSocket
    var toRelayFromA = sockaddr_storage()
    var toRelayFromALength: socklen_t = 0
    var toRelayFromB = sockaddr_storage()
    var toRelayFromBLength: socklen_t = 0
    /// SRTP of each phone (nil: plain): what it sends (out) and what it receives from the relay (in).
    var aOut: PhoneSRTP?, aIn: PhoneSRTP?, bOut: PhoneSRTP?, bIn: PhoneSRTP?
    /// Payload type B answered with (transcoding mode); A always speaks PCMU (0).
    var bPayloadType: UInt8 = 0

    init(index: Int, address: String) throws {
        self.index = index
        phoneA = try UDPSocket(address: address)
        phoneB = try UDPSocket(address: address)
    }
}

/// Packets and latencies, written by the sender and receiver threads (each its own fields) and read after both
/// stopped.
final class TrafficLog: @unchecked Sendable {
    var sentMeasured = 0
    var sentTotal = 0
    var receivedMeasured = 0
    var receivedTotal = 0
    /// Packets that reached the right phone in the right format (the loss figure's numerator, whole run).
    var receivedGood = 0
    /// The same split by the phone that got them (B hears A's direction).
    var receivedGoodAtA = 0, receivedGoodAtB = 0
    var unexpected = 0
    var latenciesMicroseconds: [UInt32] = []
    /// Stall diagnostics (measured window only). Sender: how late a packet left against its schedule. Receiver: the
    /// longest time between two turns of its loop (beyond the poll sleep), and per 10 ms of receive time the worst
    /// latency seen, so a spike can be placed in time (a relay's once-a-second timer shows as a 1 s pattern).
    var senderMaxLateNanoseconds: UInt64 = 0
    var senderLateOver2ms = 0
    var receiverMaxGapNanoseconds: UInt64 = 0
    var receiverGapsOver2ms = 0
    var spikeBuckets: [UInt32] = []
    var spikeOrigin: UInt64 = 0
    /// Set by the main thread; read by both workers.
    let measuring = Atomic<Bool>(false)
    let stopSending = Atomic<Bool>(false)
    let stopReceiving = Atomic<Bool>(false)
}

/// Payload layout after the 12-byte RTP header: send time (ns, 8 bytes), measured flag, then filler to 160.
enum ProbePacket {
    static let size = 12 + 160

    static func write(into p: UnsafeMutableRawBufferPointer, seq: UInt16, ssrc: UInt32, now: UInt64, measured: Bool) {
        let ts = UInt32(seq) &* 160
        p[0] = 0x80; p[1] = 0
        p[2] = UInt8(seq >> 8); p[3] = UInt8(seq & 0xff)
        p.storeBytes(of: ts.bigEndian, toByteOffset: 4, as: UInt32.self)
        p.storeBytes(of: ssrc.bigEndian, toByteOffset: 8, as: UInt32.self)
        p.storeBytes(of: now, toByteOffset: 12, as: UInt64.self)
        p[20] = measured ? 1 : 0
    }
}

/// What the phones play in transcoding mode: A's PCMU loop and B's loop in the transcoded codec.
struct TranscodePlay: Sendable {
    let codec: LegCodec
    let aLoop: PayloadLoop
    let bLoop: PayloadLoop
}

/// Writes an RTP header and `payload` into `p`; returns the packet length.
func writeRTP(into p: UnsafeMutableRawBufferPointer, payloadType: UInt8, seq: UInt16, timestamp: UInt32, ssrc: UInt32,
              payload: [UInt8]) -> Int {
    p[0] = 0x80; p[1] = payloadType
    p[2] = UInt8(seq >> 8); p[3] = UInt8(seq & 0xff)
    p.storeBytes(of: timestamp.bigEndian, toByteOffset: 4, as: UInt32.self)
    p.storeBytes(of: ssrc.bigEndian, toByteOffset: 8, as: UInt32.self)
    let count = min(payload.count, p.count - 12)
    payload.withUnsafeBytes { p.baseAddress!.advanced(by: 12).copyMemory(from: $0.baseAddress!, byteCount: count) }
    return 12 + count
}

/// Sends 50 packets/s per call and direction, calls staggered evenly over each 20 ms period.
/// With `transcode`, A sends its PCMU loop and B its loop in the transcoded codec instead of probe packets.
func runSender(calls: [CallPair], log: TrafficLog, transcode: TranscodePlay? = nil) {
    let period: UInt64 = 20_000_000
    let step = period / UInt64(max(calls.count, 1))
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: ProbePacket.size + 64, alignment: 8)
    buffer.initializeMemory(as: UInt8.self, repeating: 0xff)
    /// The probe as the phone puts it on the wire: protected in place when the phone talks SRTP.
    func wire(_ srtp: PhoneSRTP?) -> UnsafeRawBufferPointer {
        guard let srtp else { return UnsafeRawBufferPointer(start: buffer.baseAddress, count: ProbePacket.size) }
        let n = srtp.protect(buffer.baseAddress!, length: ProbePacket.size)
        return UnsafeRawBufferPointer(start: buffer.baseAddress, count: max(n, 0))
    }
    defer { buffer.deallocate() }
    let start = monotonicNanoseconds()
    var round: UInt64 = 0
    while !log.stopSending.load(ordering: .relaxed) {
        for call in calls {
            let due = start &+ round &* period &+ UInt64(call.index) &* step
            let now = monotonicNanoseconds()
            if due > now + 50_000 {
                var ts = timespec(tv_sec: Int(due / 1_000_000_000), tv_nsec: Int(due % 1_000_000_000))
                clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nil)
            }
            let measured = log.measuring.load(ordering: .relaxed)
            if measured {
                let late = monotonicNanoseconds() &- due
                if late < 1 << 62 {
                    if late > log.senderMaxLateNanoseconds { log.senderMaxLateNanoseconds = late }
                    if late > 2_000_000 { log.senderLateOver2ms += 1 }
                }
            }
            let seq = UInt16(truncatingIfNeeded: round)
            if let play = transcode {
                let frame = Int(round % UInt64(PayloadLoop.frames))
                var n = writeRTP(into: buffer, payloadType: 0, seq: seq, timestamp: UInt32(truncatingIfNeeded: round) &* 160,
                                 ssrc: UInt32(call.index * 2), payload: play.aLoop.payloads[frame])
                call.phoneA.send(UnsafeRawBufferPointer(start: buffer.baseAddress, count: n), to: &call.toRelayFromA,
                                 length: call.toRelayFromALength)
                n = writeRTP(into: buffer, payloadType: call.bPayloadType, seq: seq,
                             timestamp: UInt32(truncatingIfNeeded: round) &* play.codec.timestampStep,
                             ssrc: UInt32(call.index * 2 + 1), payload: play.bLoop.payloads[frame])
                call.phoneB.send(UnsafeRawBufferPointer(start: buffer.baseAddress, count: n), to: &call.toRelayFromB,
                                 length: call.toRelayFromBLength)
                log.sentTotal += 2
                if measured { log.sentMeasured += 2 }
                continue
            }
            ProbePacket.write(into: buffer, seq: seq, ssrc: UInt32(call.index * 2), now: monotonicNanoseconds(), measured: measured)
            call.phoneA.send(wire(call.aOut), to: &call.toRelayFromA, length: call.toRelayFromALength)
            ProbePacket.write(into: buffer, seq: seq, ssrc: UInt32(call.index * 2 + 1), now: monotonicNanoseconds(), measured: measured)
            call.phoneB.send(wire(call.bOut), to: &call.toRelayFromB, length: call.toRelayFromBLength)
            log.sentTotal += 2
            if measured { log.sentMeasured += 2 }
        }
        round += 1
    }
}

/// Reads every phone socket, checks each packet reached the other side of its own call, records latency.
/// `pollMicroseconds` 0: sleep in epoll_wait until a packet arrives (each arrival may wake this thread: the best
/// latency resolution). Otherwise drain without blocking, then sleep that long: the relay's sends then rarely have
/// to wake a sleeping receiver, as with a real network card between relay and phones, at the cost of up to that
/// much added to each measured latency.
/// In transcoding mode (`transcoding`) payloads and SSRCs are the relay's own, so a packet counts when it reaches
/// the right phone with that phone's payload type (A: PCMU, B: the answered codec); no latency is measured.
func runReceiver(calls: [CallPair], log: TrafficLog, pollMicroseconds: Int = 0, transcoding: Bool = false) {
    log.spikeBuckets = [UInt32](repeating: 0, count: 100 * 3600)
    let epfd = loadgen_epoll_create()
    defer { close(epfd) }
    var sockets: [(fd: Int32, call: Int, isB: Bool, srtp: PhoneSRTP?, payloadType: UInt8)] = []
    for call in calls {
        sockets.append((call.phoneA.fd, call.index, false, call.aIn, 0))
        sockets.append((call.phoneB.fd, call.index, true, call.bIn, call.bPayloadType))
    }
    for (k, s) in sockets.enumerated() { _ = loadgen_epoll_add(epfd, s.fd, UInt64(k)) }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 2048, alignment: 8)
    defer { buffer.deallocate() }
    var ready = [UInt64](repeating: 0, count: 256)
    log.latenciesMicroseconds.reserveCapacity(1 << 21)
    var lastTurn: UInt64 = 0
    while !log.stopReceiving.load(ordering: .relaxed) {
        let turn = monotonicNanoseconds()
        if lastTurn != 0 && log.measuring.load(ordering: .relaxed) {
            let gap = turn &- lastTurn
            if gap > log.receiverMaxGapNanoseconds { log.receiverMaxGapNanoseconds = gap }
            if gap > 2_000_000 { log.receiverGapsOver2ms += 1 }
        }
        lastTurn = turn
        let timeout: Int32 = pollMicroseconds > 0 ? 0 : 100
        let n = ready.withUnsafeMutableBufferPointer { loadgen_epoll_wait(epfd, $0.baseAddress, 256, timeout) }
        guard n > 0 else {
            if pollMicroseconds > 0 { usleep(useconds_t(pollMicroseconds)) }
            continue
        }
        for r in 0..<Int(n) {
            let s = sockets[Int(ready[r])]
            while true {
                var got = recv(s.fd, buffer.baseAddress, buffer.count, 0)
                if got < 0 { break }
                if let srtp = s.srtp { got = srtp.unprotect(buffer.baseAddress!, length: got) }
                let now = monotonicNanoseconds()
                log.receivedTotal += 1
                if transcoding {
                    guard got > 12, buffer[0] >> 6 == 2, buffer[1] & 0x7f == s.payloadType else { log.unexpected += 1; continue }
                    log.receivedGood += 1
                    if s.isB { log.receivedGoodAtB += 1 } else { log.receivedGoodAtA += 1 }
                    if log.measuring.load(ordering: .relaxed) { log.receivedMeasured += 1 }
                    continue
                }
                guard got == ProbePacket.size else { log.unexpected += 1; continue }
                let ssrc = UInt32(bigEndian: buffer.loadUnaligned(fromByteOffset: 8, as: UInt32.self))
                // A packet for phone B must come from phone A of the same call (ssrc 2i), and vice versa.
                let expected = UInt32(s.call * 2 + (s.isB ? 0 : 1))
                guard ssrc == expected else { log.unexpected += 1; continue }
                log.receivedGood += 1
                if s.isB { log.receivedGoodAtB += 1 } else { log.receivedGoodAtA += 1 }
                guard buffer[20] == 1 else { continue }
                let sent = buffer.loadUnaligned(fromByteOffset: 12, as: UInt64.self)
                log.receivedMeasured += 1
                let latency = UInt32(clamping: (now &- sent) / 1000)
                log.latenciesMicroseconds.append(latency)
                if log.spikeOrigin == 0 { log.spikeOrigin = now }
                let bucket = Int((now &- log.spikeOrigin) / 10_000_000)
                if bucket < log.spikeBuckets.count, latency > log.spikeBuckets[bucket] { log.spikeBuckets[bucket] = latency }
            }
        }
    }
}
