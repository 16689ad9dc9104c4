#if canImport(Glibc)
import Glibc
#endif
import RTPWire
import Transcode

/// Measures the transcoding pipeline of `rtprelayd bench transcode` for one codec pair: calls of two
/// pipelines each (A→B, B→A, sharing one codec instance per side as a live call does), fed pre-encoded
/// RTP on the current thread as fast as it runs, timed with the thread's CPU clock.
struct TranscodeBenchmark {
    struct Settings {
        var seconds: Double
        var calls: Int
        var memoryCalls: Int
        var ptime: Int
        var opusComplexity: Int
        /// 8 kHz mono speech; looped to fill `seconds`.
        var speech: [Int16]
    }

    struct Result {
        var a: TranscodeCodec.Kind
        var b: TranscodeCodec.Kind
        var calls: Int
        var seconds: Double
        var abNanoseconds: UInt64
        var baNanoseconds: UInt64
        var counters: TranscodeCounters
        var rssPerCallBytes: Double
        var memoryCalls: Int
        var libraryStateBytesPerCall: Int
        /// Nil unless the malloc probe is preloaded (bench/transcode-capacity.sh).
        var heapAllocationsPerPacket: Double?

        private var callSeconds: Double { Double(calls) * seconds }
        var cpuPerCallSecondMs: Double { Double(abNanoseconds + baNanoseconds) / 1e6 / callSeconds }
        var callsPerCore: Double { 1000 / cpuPerCallSecondMs }

        var summaryLine: String {
            "\(pad("\(a.rawValue) ⇄ \(b.rawValue)", 16)) \(formatted(cpuPerCallSecondMs, 3)) ms CPU per call-second, " +
                "\(Int(callsPerCore)) calls per core, \(formatted(rssPerCallBytes / 1024, 1)) KiB per call"
        }

        var report: String {
            let abMs = Double(abNanoseconds) / 1e6 / callSeconds
            let baMs = Double(baNanoseconds) / 1e6 / callSeconds
            let packetsIn = Double(counters.packetsIn) / callSeconds
            let packetsOut = Double(counters.packetsOut) / callSeconds
            var lines = [
                "\(a.rawValue) ⇄ \(b.rawValue)",
                "  CPU per call-second   \(formatted(cpuPerCallSecondMs, 3)) ms   (\(a.rawValue)→\(b.rawValue) \(formatted(abMs, 3)) ms, " +
                    "\(b.rawValue)→\(a.rawValue) \(formatted(baMs, 3)) ms)",
                "  calls per core        \(Int(callsPerCore)) in real time (1000 ms / \(formatted(cpuPerCallSecondMs, 3)) ms)",
                "  memory per call       \(formatted(rssPerCallBytes / 1024, 1)) KiB RSS growth over \(memoryCalls) calls; codec library state " +
                    (libraryStateBytesPerCall > 0 ? "\(formatted(Double(libraryStateBytesPerCall) / 1024, 1)) KiB (libopus)" : "not reported by the library"),
                "  packets               \(formatted(packetsIn, 0)) in, \(formatted(packetsOut, 0)) out per call-second; " +
                    "\(counters.lostPackets) lost, \(counters.corruptPayloads) corrupt, \(counters.codecErrors) codec errors",
            ]
            if let heapAllocationsPerPacket {
                lines.append("  heap allocations      \(formatted(heapAllocationsPerPacket, 4)) per packet in the timed run (malloc probe)")
            }
            return lines.joined(separator: "\n")
        }
    }

    /// One two-way call.
    final class Call {
        let ab: TranscodePipeline
        let ba: TranscodePipeline
        init(ab: TranscodePipeline, ba: TranscodePipeline) {
            self.ab = ab
            self.ba = ba
        }
    }

    let a: TranscodeCodec.Kind
    let b: TranscodeCodec.Kind
    let settings: Settings

    private var descriptorA: CodecDescriptor { a.descriptor(ptime: settings.ptime) }
    private var descriptorB: CodecDescriptor { b.descriptor(ptime: settings.ptime) }
    private var pcmRate: Int { a.isNarrowband || b.isNarrowband ? 8000 : 48000 }
    private var codecOptions: TranscodeCodec.Options { .init(opusComplexity: settings.opusComplexity) }

    func makeCall(_ index: Int) throws -> Call {
        let codecA = try TranscodeCodec(descriptorA, pcmRate: pcmRate, options: codecOptions)
        let codecB = try TranscodeCodec(descriptorB, pcmRate: pcmRate, options: codecOptions)
        let options = TranscodePipeline.Options(codec: codecOptions)
        let id = UInt32(truncatingIfNeeded: index)
        return Call(
            ab: try TranscodePipeline(input: descriptorA, output: descriptorB, outputSSRC: 0x1000_0000 | id &* 2,
                                      options: options, decoder: codecA, encoder: codecB),
            ba: try TranscodePipeline(input: descriptorB, output: descriptorA, outputSSRC: 0x1000_0000 | id &* 2 &+ 1,
                                      options: options, decoder: codecB, encoder: codecA))
    }

    func run() throws -> Result {
        let count = max(1, Int(settings.seconds * 1000) / settings.ptime)
        let trainA = try PacketTrain(descriptorA, speech: settings.speech, packets: count, pcmRate: pcmRate, options: codecOptions, ssrc: 0xA)
        let trainB = try PacketTrain(descriptorB, speech: settings.speech, packets: count, pcmRate: pcmRate, options: codecOptions, ssrc: 0xB)
        let memory = try measureMemory(trainA, trainB)

        var calls: [Call] = []
        calls.reserveCapacity(settings.calls)
        for i in 0..<settings.calls { calls.append(try makeCall(i)) }
        var emitted: UInt64 = 0
        var ab: UInt64 = 0
        var ba: UInt64 = 0
        let allocationsBefore = MallocProbe.count()
        for t in 0..<count {
            let now = MonotonicInstant(nanoseconds: 1_000_000_000 + UInt64(t) * UInt64(settings.ptime) * 1_000_000)
            let packetA = trainA.packet(t)
            let packetB = trainB.packet(t)
            let c0 = ResourceUsage.threadCPUNanoseconds()
            for call in calls { call.ab.process(packet: packetA, now: now) { emitted &+= UInt64($0.count) } }
            let c1 = ResourceUsage.threadCPUNanoseconds()
            for call in calls { call.ba.process(packet: packetB, now: now) { emitted &+= UInt64($0.count) } }
            let c2 = ResourceUsage.threadCPUNanoseconds()
            ab &+= c1 &- c0
            ba &+= c2 &- c1
        }
        let allocationsAfter = MallocProbe.count()

        var counters = TranscodeCounters()
        for call in calls {
            for c in [call.ab.counters, call.ba.counters] {
                counters.packetsIn += c.packetsIn
                counters.packetsOut += c.packetsOut
                counters.bytesOut += c.bytesOut
                counters.lostPackets += c.lostPackets
                counters.corruptPayloads += c.corruptPayloads
                counters.codecErrors += c.codecErrors
            }
        }
        precondition(counters.bytesOut == emitted, "emitted bytes and counters disagree")
        var perPacket: Double? = nil
        if let before = allocationsBefore, let after = allocationsAfter {
            perPacket = Double(after &- before) / Double(max(1, counters.packetsIn))
        }
        let libraryState = (try TranscodeCodec(descriptorA, pcmRate: pcmRate, options: codecOptions)).libraryStateBytes
            + (try TranscodeCodec(descriptorB, pcmRate: pcmRate, options: codecOptions)).libraryStateBytes
        return Result(a: a, b: b, calls: settings.calls, seconds: Double(count * settings.ptime) / 1000,
                      abNanoseconds: ab, baNanoseconds: ba, counters: counters, rssPerCallBytes: memory,
                      memoryCalls: settings.memoryCalls, libraryStateBytesPerCall: libraryState,
                      heapAllocationsPerPacket: perPacket)
    }

    /// RSS growth per call while `memoryCalls` calls exist and have each carried a few packets both ways
    /// (so lazily touched buffers count). Freed heap is handed back first so earlier runs do not hide growth.
    private func measureMemory(_ trainA: PacketTrain, _ trainB: PacketTrain) throws -> Double {
        ResourceUsage.returnFreedHeap()
        let before = ResourceUsage.residentBytes()
        var calls: [Call] = []
        calls.reserveCapacity(settings.memoryCalls)
        for i in 0..<settings.memoryCalls {
            let call = try makeCall(i)
            for t in 0..<min(5, trainA.count) {
                let now = MonotonicInstant(nanoseconds: 1_000_000_000 + UInt64(t) * 20_000_000)
                call.ab.process(packet: trainA.packet(t), now: now) { _ in }
                call.ba.process(packet: trainB.packet(t), now: now) { _ in }
            }
            calls.append(call)
        }
        let after = ResourceUsage.residentBytes()
        withExtendedLifetime(calls) {}
        return Double(max(0, after - before)) / Double(settings.memoryCalls)
    }
}

/// Pre-encoded RTP packets of one leg, as that leg's phone would send them, in one flat buffer.
final class PacketTrain {
    private let storage: UnsafeMutableRawBufferPointer
    private let stride: Int
    private var lengths: [Int]
    var count: Int { lengths.count }

    init(_ descriptor: CodecDescriptor, speech: [Int16], packets: Int, pcmRate: Int, options: TranscodeCodec.Options, ssrc: UInt32) throws {
        precondition(!speech.isEmpty, "no speech to encode")
        let codec = try TranscodeCodec(descriptor, pcmRate: pcmRate, options: options)
        let samples = descriptor.ptime * pcmRate / 1000
        let ticks = UInt32(descriptor.ptime * descriptor.clockRate / 1000)
        stride = 1500
        storage = .allocate(byteCount: stride * packets, alignment: 8)
        lengths = Array(repeating: 0, count: packets)
        var frame = [Int16](repeating: 0, count: samples)
        // Opus has no 30 or 50 ms frame: such packets carry 10 ms frames, as the pipeline sends them.
        let opusFrame = descriptor.ptime == 30 || descriptor.ptime == 50 ? pcmRate / 100 : samples
        if case .opus(let opus) = codec, opusFrame < samples { try opus.enableMultiframePackets(maxFrames: samples / opusFrame) }
        var position = 0
        for p in 0..<packets {
            for i in 0..<samples {
                frame[i] = speech[position]
                position = position + 1 == speech.count ? 0 : position + 1
            }
            let slot = UnsafeMutableRawBufferPointer(rebasing: storage[(p * stride)..<((p + 1) * stride)])
            var header: [UInt8] = []
            RTPHeader(marker: p == 0, payloadType: descriptor.payloadType, sequenceNumber: SequenceNumber(UInt16(truncatingIfNeeded: p)),
                      timestamp: UInt32(truncatingIfNeeded: p) &* ticks, ssrc: ssrc).write(into: &header)
            slot.copyBytes(from: header)
            let n = try frame.withUnsafeBufferPointer { pcm in
                try codec.encodeForBenchmark(pcm, opusFrameSamples: opusFrame, into: UnsafeMutableRawBufferPointer(rebasing: slot[header.count...]))
            }
            lengths[p] = header.count + n
        }
    }

    deinit { storage.deallocate() }

    func packet(_ index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storage[(index * stride)..<(index * stride + lengths[index])])
    }
}

extension TranscodeCodec {
    /// Encodes a packet's worth of PCM, as a phone on that leg would send it.
    func encodeForBenchmark(_ pcm: UnsafeBufferPointer<Int16>, opusFrameSamples: Int, into out: UnsafeMutableRawBufferPointer) throws -> Int {
        switch self {
        case .g711(let c): try c.encode(pcm, into: out)
        case .g729(let c): try c.encode(pcm, into: out)
        case .opus(let c): try c.encode(pcm, framesOf: opusFrameSamples, into: out)
        }
    }
}
