// Heap allocations of TranscodePipeline.process on every path, not only the steady one that
// `rtprelayd bench transcode` measures: loss and concealment, silence gaps, RFC 4733 events, SSRC changes,
// timestamp and sequence jumps, corrupt payloads, unknown payload types, broken headers, repacketization.
// Run with bench/pipeline-allocations.sh (-O build outside SwiftPM, bench/MallocCount.c linked in).
import RTPWire

@_silgen_name("malloc_count") func mallocCount() -> UInt

func packet(pt: UInt8, marker: Bool = false, seq: UInt16, ts: UInt32, ssrc: UInt32, payload: [UInt8]) -> [UInt8] {
    var out: [UInt8] = []
    RTPHeader(marker: marker, payloadType: pt, sequenceNumber: SequenceNumber(seq), timestamp: ts, ssrc: ssrc).write(into: &out)
    return out + payload
}

/// A stream of `count` packets of `codec` with every kind of trouble mixed in. Built before measuring.
func hostileStream(_ codec: TranscodeCodec, _ d: CodecDescriptor, count: Int) throws -> (packets: [[UInt8]], times: [MonotonicInstant]) {
    var rng: UInt64 = 0x9E37_79B9_7F4A_7C15
    func next() -> Int { rng = rng &* 6364136223846793005 &+ 1442695040888963407; return Int(rng >> 33) }
    let samples = 160
    let ticks = UInt32(d.clockRate / 50)
    var pcm = [Int16](repeating: 0, count: samples)
    var buffer = [UInt8](repeating: 0, count: 1500)
    var packets: [[UInt8]] = []
    var times: [MonotonicInstant] = []
    var seq: UInt16 = 100
    var ts: UInt32 = 5000
    var ssrc: UInt32 = 1
    var time = 1.0
    for i in 0..<count {
        for s in 0..<samples { pcm[s] = Int16(truncatingIfNeeded: (i * samples + s) * 37 % 12000 - 6000) }
        let n = try pcm.withUnsafeBufferPointer { p in try buffer.withUnsafeMutableBytes { try codec.encode(p, into: $0, opusFrameSamples: samples) } }
        var payload = Array(buffer[0..<n])
        seq &+= 1
        ts &+= ticks
        time += 0.02
        switch next() % 20 {
        case 0: seq &+= 2; ts &+= 2 * ticks; time += 0.04                       // two packets lost
        case 1: ts &+= 25 * ticks; time += 0.5                                  // silence gap
        case 2: ssrc &+= 1; seq &+= 1000; ts &+= 99_999                         // new source
        case 3: ts &+= 100_000_000                                              // timestamp jump
        case 4: payload = Array(payload.prefix(max(0, next() % 4)))            // truncated payload
        case 5: payload = (0..<(next() % 200)).map { _ in UInt8(truncatingIfNeeded: next()) }   // garbage
        case 6:                                                                 // an event, then audio
            packets.append(packet(pt: 101, marker: true, seq: seq, ts: ts, ssrc: ssrc, payload: [1, 10, 0, 160]))
            times.append(.seconds(time))
            seq &+= 1
        case 7: packets.append(packet(pt: 13, seq: seq, ts: ts, ssrc: ssrc, payload: [0x40])); seq &+= 1; times.append(.seconds(time))
        case 8: packets.append([0x80, 0x00, 0x01]); times.append(.seconds(time))  // runt
        case 9: packets.append(packet(pt: d.payloadType, seq: seq &- 5, ts: ts, ssrc: ssrc, payload: payload)); times.append(.seconds(time)) // late
        default: break
        }
        packets.append(packet(pt: d.payloadType, marker: i == 0, seq: seq, ts: ts, ssrc: ssrc, payload: payload))
        times.append(.seconds(time))
    }
    return (packets, times)
}

@main struct PipelineAllocations {
    static func main() throws {
        let event8k = CodecDescriptor.telephoneEvent(payloadType: 101, clockRate: 8000)
        let pairs: [(CodecDescriptor, CodecDescriptor)] = [
            (.pcmu(), .opus()), (.opus(), .pcmu()), (.pcmu(), .g729(ptime: 30)), (.g729(), .pcma()),
            (.pcmu(), .pcma(ptime: 30)), (.pcma(), .opus(ptime: 30)), (.opus(), .g729(ptime: 40)),
        ]
        for (input, output) in pairs {
            let inputEvents = CodecDescriptor.telephoneEvent(payloadType: 101, clockRate: input.clockRate)
            let outputEvents = CodecDescriptor.telephoneEvent(payloadType: 100, clockRate: output.clockRate)
            let pipeline = try TranscodePipeline(input: input, output: output, inputEvents: inputEvents,
                                                 outputEvents: output.clockRate == 8000 ? event8k : outputEvents, outputSSRC: 42)
            let encoder = try TranscodeCodec(input, pcmRate: 8000)
            let (packets, times) = try hostileStream(encoder, input, count: 3000)
            var bytes = 0
            let before = mallocCount()
            for (p, t) in zip(packets, times) {
                p.withUnsafeBytes { raw in pipeline.process(packet: raw, now: t) { bytes &+= $0.count } }
            }
            let allocations = mallocCount() - before
            let c = pipeline.counters
            print("\(input.encodingName)→\(output.encodingName)/\(output.ptime)ms: \(packets.count) packets in, \(c.packetsOut) out, " +
                  "\(allocations) heap allocations (lost \(c.lostPackets), gaps \(c.silenceGaps), events \(c.eventsForwarded), " +
                  "SSRC \(c.ssrcChanges), ts jumps \(c.timestampJumps), seq jumps \(c.sequenceJumps), corrupt \(c.corruptPayloads), " +
                  "malformed \(c.malformedPackets), unknown PT \(c.unexpectedPayloadTypes), late \(c.lateOrDuplicatePackets))")
        }
    }
}
