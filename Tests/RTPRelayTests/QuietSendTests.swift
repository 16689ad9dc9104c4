import Foundation
import Glibc
import RTPWire
import Testing
import Transcode
@testable import RTPRelay

/// The send path's bookkeeping, through a running relay: a send the kernel refuses is counted and costs nothing else,
/// out-counters are current as soon as the packet has left, and packets sent from the worker's send pool (io_uring
/// mode's transcoded outputs) arrive complete and byte-correct under a burst.
@Suite struct QuietSendTests {
    /// An IPv6 remote for an IPv4 stream (asymmetric: no learning, packets go to the SDP address) makes every send
    /// to it fail in the kernel (EAFNOSUPPORT), before anything leaves the machine. (A full receive buffer cannot make a loopback UDP send fail: loopback hands the
    /// datagram over inside the sendto and drops it at the receiver, so the sender never sees EAGAIN.) Those
    /// failures interleave with good sends of another call on the same worker: every failure is counted as an error
    /// (io_uring mode counts a send out when it queues it for the kernel, so there a failed one also counts out), and
    /// the good call's packets arrive in order with exactly the bytes sent, so no buffer was handed back to the
    /// kernel while its send was still pending.
    @Test(arguments: MediaIOMode.allCases) func aRefusedSendIsCountedAndTheWorkerKeepsRelaying(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(30500...30519, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneC = try UDPTestSocket(), phoneD = try UDPTestSocket()
        let nowhere = Endpoint(address: "::1", port: 9)
        let (a, b) = try call(plane, group: 1, a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.2),
                              b: StreamPlan(remoteRTP: nowhere, asymmetric: true))
        let (c, d) = try call(plane, group: 2, a: StreamPlan(remoteRTP: phoneC.endpoint, learningWindow: 0.2),
                              b: StreamPlan(remoteRTP: phoneD.endpoint, learningWindow: 0.2))
        #expect(plane.worker(of: MediaGroupID(rawValue: 1)) == plane.worker(of: MediaGroupID(rawValue: 2)))
        var seq: UInt16 = 0
        for round in 0..<10 {
            var expected: [[UInt8]] = []
            for i in 0..<40 {
                seq &+= 1
                phoneA.send(rtpPacket(seq: seq, ssrc: 0xA, payload: Array(repeating: 0xEE, count: 160)), to: relayRTP(a))
                let good = rtpPacket(seq: seq, ssrc: 0xC, payload: (0..<160).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ i &+ round) })
                phoneC.send(good, to: relayRTP(c))
                expected.append(good)
            }
            var got: [[UInt8]] = []
            while got.count < expected.count, let packet = phoneD.receive() { got.append(packet.bytes) }
            #expect(got == expected, "round \(round)")
        }
        #expect(plane.waitForWorkers())
        let cb = try #require(plane.counters(b.id)), cd = try #require(plane.counters(d.id))
        #expect(cb.rtpOut.errors == 400)
        #expect(cb.rtpOut.packets == (io == .uring ? 400 : 0))
        #expect(cd.rtpOut.packets == 400 && cd.rtpOut.errors == 0 && cd.rtpOut.bytes == 400 * 172)
        #expect(plane.totals.sendErrors == 400)
        #expect(plane.totals.packetsRelayed == (io == .uring ? 800 : 400))

        // Once the remote is reachable, its stream relays again.
        let phoneB = try UDPTestSocket()
        plane.update(b.id, plan: StreamPlan(sink: a.id, remoteRTP: phoneB.endpoint, asymmetric: true))
        #expect(plane.waitForWorkers())
        let packet = rtpPacket(seq: seq &+ 1, ssrc: 0xA)
        phoneA.send(packet, to: relayRTP(a))
        #expect(phoneB.receive()?.bytes == packet)
    }

    /// The out-counters of a stream count a packet by the time it has arrived (or very soon after), with no further
    /// event at the worker: no barrier, no other datagram.
    @Test(arguments: MediaIOMode.allCases) func outCountersAreCurrentRightAfterThePacketLeaves(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(30520...30539, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        let (a, b) = try call(plane, group: 1, a: StreamPlan(remoteRTP: phoneA.endpoint, learningWindow: 0.2),
                              b: StreamPlan(remoteRTP: phoneB.endpoint, learningWindow: 0.2))
        for seq in UInt16(1)...5 {
            let packet = rtpPacket(seq: seq, ssrc: 0xA)
            phoneA.send(packet, to: relayRTP(a))
            #expect(phoneB.receive()?.bytes == packet)
            // The worker counts right after the submission that sent it returns: poll, but never wake the worker.
            let deadline = Date().addingTimeInterval(1)
            var counted = plane.counters(b.id)?.rtpOut.packets ?? 0
            while counted < UInt64(seq) && Date() < deadline {
                usleep(1000)
                counted = plane.counters(b.id)?.rtpOut.packets ?? 0
            }
            #expect(counted == UInt64(seq), "packet \(seq) not counted out without another event")
            #expect(plane.counters(b.id)?.rtpOut.bytes == UInt64(seq) * 172)
            #expect(plane.totals.packetsRelayed == UInt64(seq))
        }
    }

    /// Bursts of transcoded packets (each burst 300 outputs, more than the io_uring worker's 256 send-pool slots, so
    /// a turn that takes in most of a burst runs out and submits early) arrive complete, in order and byte-correct:
    /// PCMU to PCMA is a byte mapping, 40 ms in become two 20 ms packets out, the relay's header continuous.
    @Test(arguments: MediaIOMode.allCases) func aBurstOfTranscodedPacketsArrivesByteCorrect(io: MediaIOMode) throws {
        let plane = try makePlane(io, ports(30540...30559, io), workers: 1)
        defer { plane.shutdown() }
        let phoneA = try UDPTestSocket(), phoneB = try UDPTestSocket()
        var size: Int32 = 4 << 20
        #expect(setsockopt(phoneB.fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size)) == 0)
        let (a, b) = try transcodedCall(plane, group: 1, phoneA, .pcmu(ptime: 40), phoneB, .pcma(ptime: 20))
        let payloads = pcmuPackets(sine(900, seconds: 6), frame: 320)   // 150 packets of 40 ms per burst
        var out: [RTPView] = []
        for burst in 0..<4 {
            send(payloads, pt: 0, ssrc: 0xA5, clock: 320, from: phoneA, to: relayRTP(a), firstSeq: UInt16(1 + 150 * burst))
            let got = receiveAll(phoneB, expecting: 2 * payloads.count)
            #expect(got.count == 2 * payloads.count, "burst \(burst)")
            let expected = payloads.flatMap { [Array($0[0..<160]), Array($0[160...])] }.map { $0.map { G711.uLawToALaw[Int($0)] } }
            if got.count == expected.count { #expect(got.map(\.payload) == expected, "burst \(burst)") }
            out += got
        }
        #expect(out.allSatisfy { $0.pt == 8 && $0.ssrc == out[0].ssrc && $0.bytes.count == 172 })
        expectContinuous(out, ticks: 160)
        #expect(plane.waitForWorkers())
        let cb = try #require(plane.counters(b.id)), ca = try #require(plane.counters(a.id))
        #expect(ca.rtpIn.packets == 600)
        #expect(cb.rtpOut.packets == 1200 && cb.rtpOut.errors == 0)
        #expect(cb.rtpOut.bytes == 1200 * 172)
    }
}

/// The in-flight queue of quiet sends on its own: retirement follows the kernel's SQ head across the 32-bit wrap,
/// and a failure completion finds its send's bookkeeping whether it is reaped before or after the send retired.
@Suite struct QuietSendQueueTests {
    @Test func retiresInOrderUpToTheConsumedHeadAcrossTheWrap() {
        let queue = QuietSendQueue(minimumCapacity: 100)
        let start = UInt32.max - 2
        for k in 0..<6 {   // sequences max-2 ... 2 (every other SQE is a send here)
            queue.append(sequence: start &+ UInt32(2 * k), buffer: Int32(k), pending: PendingSend(length: UInt32(k)))
        }
        var retired: [Int32] = []
        // The kernel consumed up to (not including) sequence start + 5: sends 0, 1, 2 (sequences +0, +2, +4).
        #expect(queue.retire(consumed: start &+ 5) { retired.append($0.buffer) })
        #expect(retired == [0, 1, 2])
        #expect(!queue.retire(consumed: start &+ 5) { retired.append($0.buffer) })
        #expect(queue.retire(consumed: start &+ 11) { retired.append($0.buffer) })
        #expect(retired == [0, 1, 2, 3, 4, 5])
        #expect(queue.isEmpty)
    }

    @Test func aFailureFindsItsSendBeforeAndAfterRetirement() {
        let queue = QuietSendQueue(minimumCapacity: 4)
        let first = queue.tail
        queue.append(sequence: 10, buffer: 1, pending: PendingSend(sink: 3, length: 99))
        let second = queue.tail
        queue.append(sequence: 11, buffer: 2, pending: PendingSend(sink: 4, length: 98))
        #expect(queue.pending(position: first)?.sink == 3)
        var retired: [Int32] = []
        #expect(queue.retire(consumed: 12) { retired.append($0.buffer) })
        #expect(retired == [1, 2])
        #expect(queue.pending(position: second)?.length == 98)
        // Not handed out yet, or reused since: unknown.
        #expect(queue.pending(position: queue.tail) == nil)
        for k in 0..<64 { queue.append(sequence: 12 &+ UInt32(k), buffer: 0, pending: PendingSend(sink: 9)) }
        #expect(queue.pending(position: first) == nil)
    }

    @Test func thePoolHandsOutEachSlotOnceUntilItIsGivenBack() {
        let pool = SendBufferPool(count: 3, payloadCapacity: 1500)
        let slots = [pool.take(), pool.take(), pool.take()]
        #expect(Set(slots) == [0, 1, 2])
        #expect(pool.take() == -1)
        #expect(pool.payload(0).count == 1500)
        #expect(pool.payload(1).baseAddress! >= pool.name(1) + SendBufferPool.nameBytes)
        #expect(pool.payload(0).baseAddress! + 1500 <= pool.name(1))
        pool.give(slots[1])
        #expect(pool.take() == slots[1])
        pool.give(-1)   // ignored
        #expect(pool.available == 0)
    }
}
