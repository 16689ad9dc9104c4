import RTPWire

/// One direction of one transcoded stream: RTP packets of the input codec in, RTP packets of the output
/// codec out, as the relay's own stream (own SSRC, continuous sequence numbers and timestamps, marker
/// on talk spurts).
///
/// Per packet: check continuity (sequence gap → concealment; silence-suppression gap → silence and a
/// marker; SSRC change, sequence or timestamp jump → resync), decode into a PCM FIFO, cut it into frames
/// of the output ptime, encode, stamp, emit. PCMU⇄PCMA (and G.711 ptime changes) skip PCM: one table
/// load per byte into a byte FIFO. RFC 4733 events are mapped, not decoded.
///
/// Every buffer is allocated in `init`; `process` allocates nothing. Not thread-safe: a pipeline belongs
/// to the worker that owns the call.
public final class TranscodePipeline {
    /// Limits of what counts as one continuous input stream.
    public struct Options: Sendable, Hashable {
        public var codec: TranscodeCodec.Options
        /// Longest run of lost audio rebuilt by the decoder's concealment; longer losses become silence.
        public var maxConcealmentMilliseconds: Int
        /// First sequence number and timestamp of the output stream (RFC 3550 wants them random; the
        /// caller draws them so this code stays deterministic).
        public var initialSequence: UInt16
        public var initialTimestamp: UInt32

        public init(codec: TranscodeCodec.Options = .init(), maxConcealmentMilliseconds: Int = 120,
                    initialSequence: UInt16 = 0, initialTimestamp: UInt32 = 0) {
            self.codec = codec
            self.maxConcealmentMilliseconds = maxConcealmentMilliseconds
            self.initialSequence = initialSequence
            self.initialTimestamp = initialTimestamp
        }
    }

    public let input: CodecDescriptor
    public let output: CodecDescriptor
    public let inputEvents: CodecDescriptor?
    public let outputEvents: CodecDescriptor?
    /// Rate of the PCM between decoder and encoder: 8000 unless both sides are Opus.
    public let pcmRate: Int
    /// True for G.711 → G.711: bytes are mapped through a table, no PCM.
    public let isDirectG711: Bool
    public private(set) var counters = TranscodeCounters()
    /// SSRC of the output stream (the relay's own on the output leg; its RTCP reports use it).
    public var outputSSRC: UInt32 { restamper.ssrc }

    // RFC 3550 appendix A.1's limits, in packets: within `maxDropout` ahead is loss, within `maxMisorder`
    // behind is a late packet; anything else is a new timeline.
    private static let maxDropout = 3000
    private static let maxMisorder = 100
    /// Largest packet the relay emits (header included).
    private static let packetCapacity = 1500

    private let decoder: TranscodeCodec?
    private let encoder: TranscodeCodec?
    private let inputIsOpus: Bool
    /// Opus frame length inside one output packet (the whole packet unless ptime is 30 or 50 ms).
    private let opusFrameSamples: Int
    private let inputIsG729: Bool
    private let pcm: Repacketizer<Int16>?
    private let bytes: Repacketizer<UInt8>?
    /// PCMU→PCMA, PCMA→PCMU or identity, for the byte path.
    private let byteMap: UnsafeMutablePointer<UInt8>
    /// Output-law code of silence for the byte path.
    private let silenceByte: UInt8
    /// Largest number of samples (or G.711 bytes) appended between two drains.
    private let maxAppend: Int
    private let packet: UnsafeMutableRawBufferPointer
    private let inputTicksPerSample: Int
    private let outputTicksPerSample: Int
    private let maxConcealmentSamples: Int
    private let eventMapper: TelephoneEventMapper?
    private let inputEventType: Int   // -1: none
    private var restamper: RTPRestamper

    // Input timeline.
    private var synced = false
    private var inputSSRC: UInt32 = 0
    private var lastSequence: UInt16 = 0
    /// Input-clock timestamp just after the last audio appended to the FIFO.
    private var expectedTimestamp: UInt32 = 0
    private var lastArrival = MonotonicInstant(nanoseconds: 0)
    /// Duration of the last media packet, in PCM samples.
    private var lastPacketSamples = 0

    /// `decoder`/`encoder` let one codec instance per call side serve both directions; by default the
    /// pipeline creates its own. For G.711 → G.711 they are not used.
    public init(input: CodecDescriptor, output: CodecDescriptor, inputEvents: CodecDescriptor? = nil,
                outputEvents: CodecDescriptor? = nil, outputSSRC: UInt32, options: Options = Options(),
                decoder: TranscodeCodec? = nil, encoder: TranscodeCodec? = nil) throws(TranscodeError) {
        let inKind = try TranscodeCodec.Kind(input)
        let outKind = try TranscodeCodec.Kind(output)
        self.input = input
        self.output = output
        self.inputEvents = inputEvents
        self.outputEvents = outputEvents
        let rate = inKind.isNarrowband || outKind.isNarrowband ? 8000 : 48000
        pcmRate = rate
        inputIsOpus = inKind == .opus
        inputIsG729 = inKind == .g729

        let ptime = output.ptime
        switch outKind {
        case .pcmu, .pcma:
            guard (5...120).contains(ptime) else { throw .unsupportedPtime(codec: output.encodingName, milliseconds: ptime) }
        case .g729:
            guard (10...120).contains(ptime), ptime % 10 == 0 else { throw .unsupportedPtime(codec: output.encodingName, milliseconds: ptime) }
        case .opus:
            // 10/20/40/60 ms are single Opus frames; 30 and 50 ms are packets of 10 ms frames (RFC 6716 §3.2).
            guard [10, 20, 30, 40, 50, 60].contains(ptime) else { throw .unsupportedPtime(codec: output.encodingName, milliseconds: ptime) }
        }
        let frameSamples = rate * ptime / 1000
        opusFrameSamples = ptime == 30 || ptime == 50 ? rate / 100 : frameSamples
        inputTicksPerSample = input.clockRate / rate
        outputTicksPerSample = output.clockRate / rate
        maxConcealmentSamples = rate * max(0, options.maxConcealmentMilliseconds) / 1000
        // 120 ms: the longest Opus packet, and the chunk size used for long G.711/G.729 payloads.
        maxAppend = rate * 120 / 1000

        // Swift builds global tables lazily, with a heap allocation on first use: touch them here so the
        // first packet does not allocate (measured with bench/pipeline-allocations.sh).
        _ = G711.uLawToLinear.count + G711.aLawToLinear.count + G711.uLawFromLinear14.count + G711.aLawFromLinear13.count
        byteMap = .allocate(capacity: 256)
        switch (inKind, outKind) {
        case (.pcmu, .pcma): for i in 0..<256 { byteMap[i] = G711.uLawToALaw[i] }
        case (.pcma, .pcmu): for i in 0..<256 { byteMap[i] = G711.aLawToULaw[i] }
        default: for i in 0..<256 { byteMap[i] = UInt8(i) }
        }
        silenceByte = outKind == .pcma ? 0xD5 : 0xFF
        isDirectG711 = inKind != .opus && inKind != .g729 && outKind != .opus && outKind != .g729

        packet = .allocate(byteCount: Self.packetCapacity, alignment: 8)
        packet.initializeMemory(as: UInt8.self, repeating: 0)
        restamper = RTPRestamper(ssrc: outputSSRC, initialSequence: options.initialSequence,
                                 initialTimestamp: options.initialTimestamp)
        if let inputEvents, let outputEvents {
            eventMapper = TelephoneEventMapper(inputPayloadType: inputEvents.payloadType, outputPayloadType: outputEvents.payloadType,
                                               inputClock: max(1, inputEvents.clockRate), outputClock: max(1, outputEvents.clockRate))
        } else {
            eventMapper = nil
        }
        inputEventType = inputEvents.map { Int($0.payloadType) } ?? -1

        if isDirectG711 {
            self.decoder = nil
            self.encoder = nil
            pcm = nil
            bytes = Repacketizer(frameSamples: frameSamples, maxAppend: maxAppend)
        } else {
            let codecOptions = options.codec
            func make(_ given: TranscodeCodec?, _ descriptor: CodecDescriptor) throws(TranscodeError) -> TranscodeCodec {
                if let given {
                    guard given.sampleRate == rate else { throw .unsupportedCodec("\(descriptor.encodingName) instance at \(given.sampleRate) Hz, pipeline at \(rate) Hz") }
                    return given
                }
                return try TranscodeCodec(descriptor, pcmRate: rate, options: codecOptions)
            }
            self.decoder = try make(decoder, input)
            let encoderCodec = try make(encoder, output)
            if case .opus(let opus) = encoderCodec, opusFrameSamples < frameSamples {
                do { try opus.enableMultiframePackets(maxFrames: frameSamples / opusFrameSamples) } catch { throw .codec(error) }
            }
            self.encoder = encoderCodec
            pcm = Repacketizer(frameSamples: frameSamples, maxAppend: maxAppend)
            bytes = nil
        }
    }

    deinit {
        byteMap.deallocate()
        packet.deallocate()
    }

    /// Takes one whole RTP datagram received from the input side and calls `emit` with zero or more
    /// whole RTP packets for the output side. `emit`'s buffer is reused: copy it before returning.
    public func process(packet datagram: UnsafeRawBufferPointer, now: MonotonicInstant, emit: (UnsafeRawBufferPointer) -> Void) {
        counters.packetsIn &+= 1
        guard let view = RTPPacketView(datagram) else {
            counters.malformedPackets &+= 1
            return
        }
        let isEvent = Int(view.payloadType) == inputEventType
        guard isEvent || view.payloadType == input.payloadType else {
            counters.unexpectedPayloadTypes &+= 1
            return
        }

        if !synced {
            synced = true
            inputSSRC = view.ssrc
            expectedTimestamp = view.timestamp
        } else if view.ssrc != inputSSRC {
            counters.ssrcChanges &+= 1
            resync(to: view, now: now, emit: emit)
        } else {
            let steps = Int(Int16(bitPattern: view.sequenceNumber &- lastSequence))
            if steps <= 0, steps >= -Self.maxMisorder {
                counters.lateOrDuplicatePackets &+= 1
                return
            }
            if steps <= 0 || steps > Self.maxDropout {
                counters.sequenceJumps &+= 1
                resync(to: view, now: now, emit: emit)
            } else {
                counters.lostPackets &+= UInt64(steps - 1)
                // Events carry the event's start time, not the media position: only media moves the timeline.
                if !isEvent && !fillGap(before: view, lostPackets: steps - 1, now: now, emit: emit) {
                    counters.timestampJumps &+= 1
                    resync(to: view, now: now, emit: emit)
                }
            }
        }
        lastSequence = view.sequenceNumber
        lastArrival = now

        let payload = UnsafeRawBufferPointer(rebasing: datagram[view.payloadOffset..<(view.payloadOffset + view.payloadLength)])
        if isEvent {
            forwardEvent(view, payload: payload, emit: emit)
            return
        }
        // A sender's marker starts a talk spurt; keep it on the output.
        if view.marker { restamper.markTalkSpurt() }
        let samples = appendMedia(payload, emit: emit)
        lastPacketSamples = samples
        expectedTimestamp = view.timestamp &+ UInt32(truncatingIfNeeded: samples &* inputTicksPerSample)
    }

    // MARK: - Input timeline

    /// Fills the time between the end of the previous packet and `view`: concealment for lost packets,
    /// silence for a silence-suppression gap. Returns false when the timestamp cannot be trusted (it went
    /// backwards, or further ahead than the wall clock allows), so the caller resyncs.
    private func fillGap(before view: RTPPacketView, lostPackets: Int, now: MonotonicInstant, emit: (UnsafeRawBufferPointer) -> Void) -> Bool {
        let jumpTicks = Int(Int32(bitPattern: view.timestamp &- expectedTimestamp))
        let jump = jumpTicks / inputTicksPerSample
        // A little overlap (a sender's rounding, a packet shorter than stamped) is ignored.
        if jump < 0 { return -jump <= pcmRate / 50 }
        if jump == 0 { return true }
        // Silence or loss cannot be longer than the time that passed (plus a second of jitter).
        let elapsed = now.seconds(since: lastArrival)
        guard Double(jump) / Double(pcmRate) <= max(0, elapsed) + 1.0 else { return false }
        let concealed = lostPackets > 0 ? min(jump, maxConcealmentSamples) : 0
        if concealed > 0 { conceal(samples: concealed, emit: emit) }
        if jump > concealed {
            counters.silenceGaps &+= 1
            insertSilence(samples: jump - concealed, emit: emit)
        }
        return true
    }

    /// Starts a new input timeline at `view`. The output stream goes on: the partial frame is sent,
    /// the output timestamp moves on by the wall-clock time the input was away, and the next packet is
    /// marked as a talk spurt.
    private func resync(to view: RTPPacketView, now: MonotonicInstant, emit: (UnsafeRawBufferPointer) -> Void) {
        _ = flushPartialFrame(emit: emit)
        let away = now.seconds(since: lastArrival) - Double(lastPacketSamples) / Double(pcmRate)
        if away > 0 {
            // Capped at an hour so a stalled clock cannot produce a nonsense jump.
            let samples = Int(min(away, 3600) * Double(pcmRate))
            restamper.skip(ticks: UInt32(truncatingIfNeeded: samples &* outputTicksPerSample))
        }
        restamper.markTalkSpurt()
        // Another source (or a restarted one): concealment must not extrapolate what came before.
        decoder?.resetDecoder()
        inputSSRC = view.ssrc
        expectedTimestamp = view.timestamp
    }

    // MARK: - Audio into the FIFO

    /// Decodes (or maps) `payload` into the FIFO, sending every whole output frame. Returns the samples added.
    private func appendMedia(_ payload: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) -> Int {
        guard !payload.isEmpty else {
            // An empty payload carries no audio; the next packet's timestamp shows the gap.
            counters.corruptPayloads &+= 1
            return 0
        }
        if let bytes {
            var offset = 0
            while offset < payload.count {
                let chunk = min(maxAppend, payload.count - offset)
                let space = bytes.freeSpace
                for i in 0..<chunk { space[i] = byteMap[Int(payload[offset + i])] }
                bytes.commit(chunk)
                offset += chunk
                drain(emit: emit)
            }
            return payload.count
        }
        guard let decoder, let pcm else { return 0 }
        if inputIsOpus {
            if OpusCodec.packetSampleCount(payload, sampleRate: pcmRate) == nil { counters.corruptPayloads &+= 1 }
            return decodeChunk(payload, decoder: decoder, into: pcm, emit: emit)
        }
        // G.711 and G.729 payloads longer than the FIFO's headroom are decoded in pieces, cut on frame
        // boundaries (80 samples per 10-byte G.729 frame); a G.729 SID or broken tail stays in the last piece.
        if inputIsG729 {
            let tail = payload.count % G729Codec.speechFrameBytes
            if tail != 0 && tail != G729Codec.sidFrameBytes { counters.corruptPayloads &+= 1 }
        }
        // One frame of headroom for the tail (a SID or a broken frame) that joins the last G.729 piece.
        let piece = inputIsG729 ? (maxAppend / G729Codec.frameSamples - 1) * G729Codec.speechFrameBytes : maxAppend
        var offset = 0
        var total = 0
        while offset < payload.count {
            var end = min(payload.count, offset + piece)
            if inputIsG729 && payload.count - end < G729Codec.speechFrameBytes { end = payload.count }
            total += decodeChunk(UnsafeRawBufferPointer(rebasing: payload[offset..<end]), decoder: decoder, into: pcm, emit: emit)
            offset = end
        }
        return total
    }

    private func decodeChunk(_ chunk: UnsafeRawBufferPointer, decoder: TranscodeCodec, into pcm: Repacketizer<Int16>,
                             emit: (UnsafeRawBufferPointer) -> Void) -> Int {
        do {
            let n = try decoder.decode(chunk, into: pcm.freeSpace)
            pcm.commit(n)
            drain(emit: emit)
            return n
        } catch {
            counters.codecErrors &+= 1
            return 0
        }
    }

    /// Rebuilds `samples` of lost audio with the decoder's concealment (silence for G.711).
    private func conceal(samples: Int, emit: (UnsafeRawBufferPointer) -> Void) {
        counters.concealedSamples &+= UInt64(samples)
        guard let decoder, let pcm else {
            insertSilence(samples: samples, emit: emit)
            return
        }
        var remaining = samples
        let lost = UnsafeRawBufferPointer(start: nil, count: 0)
        while remaining > 0 {
            let n: Int
            do { n = try decoder.decode(lost, into: pcm.freeSpace) } catch {
                counters.codecErrors &+= 1
                n = 0
            }
            guard n > 0 else {
                insertSilence(samples: remaining, emit: emit)
                return
            }
            // Concealment comes in whole codec frames; the part beyond the gap is dropped.
            let used = min(n, remaining)
            pcm.commit(used)
            remaining -= used
            drain(emit: emit)
        }
    }

    /// `samples` of silence: short gaps are filled, longer ones close the current frame and move the
    /// output timestamp on, so the far end sees a new talk spurt (RFC 3551 §4.1).
    private func insertSilence(samples: Int, emit: (UnsafeRawBufferPointer) -> Void) {
        let frame = pcm?.frameSamples ?? bytes?.frameSamples ?? 1
        if samples < frame {
            appendSilence(samples, emit: emit)
            return
        }
        let padded = flushPartialFrame(emit: emit)
        restamper.skip(ticks: UInt32(truncatingIfNeeded: (samples - padded) &* outputTicksPerSample))
        restamper.markTalkSpurt()
    }

    /// Pads a partly filled output frame with silence and sends it. Returns the samples of padding.
    private func flushPartialFrame(emit: (UnsafeRawBufferPointer) -> Void) -> Int {
        let count = pcm?.count ?? bytes?.count ?? 0
        let frame = pcm?.frameSamples ?? bytes?.frameSamples ?? 1
        guard count > 0, count < frame else { return 0 }
        appendSilence(frame - count, emit: emit)
        return frame - count
    }

    private func appendSilence(_ samples: Int, emit: (UnsafeRawBufferPointer) -> Void) {
        var remaining = samples
        while remaining > 0 {
            let chunk = min(remaining, maxAppend)
            pcm?.append(repeating: 0, count: chunk)
            bytes?.append(repeating: silenceByte, count: chunk)
            remaining -= chunk
            drain(emit: emit)
        }
    }

    // MARK: - Frames out

    /// Encodes and sends every whole output frame waiting in the FIFO.
    private func drain(emit: (UnsafeRawBufferPointer) -> Void) {
        let payloadArea = UnsafeMutableRawBufferPointer(rebasing: packet[12...])
        if let bytes {
            while bytes.hasFrame {
                let frame = bytes.frame
                payloadArea.copyMemory(from: UnsafeRawBufferPointer(frame))
                send(payloadBytes: frame.count, ticks: frame.count, emit: emit)
                bytes.consumeFrame()
            }
            return
        }
        guard let encoder, let pcm else { return }
        while pcm.hasFrame {
            let n: Int
            do { n = try encoder.encode(pcm.frame, into: payloadArea, opusFrameSamples: opusFrameSamples) } catch {
                counters.codecErrors &+= 1
                n = 0
            }
            if n > 0 {
                send(payloadBytes: n, ticks: pcm.frameSamples, emit: emit)
            } else {
                // Not transmitted (G.729 Annex B, or an encoder failure): time goes on, the next packet starts a spurt.
                restamper.skip(ticks: UInt32(truncatingIfNeeded: pcm.frameSamples &* outputTicksPerSample))
                restamper.markTalkSpurt()
            }
            pcm.consumeFrame()
        }
    }

    private func send(payloadBytes: Int, ticks samples: Int, emit: (UnsafeRawBufferPointer) -> Void) {
        restamper.writeMediaHeader(into: packet, payloadType: output.payloadType,
                                   ticks: UInt32(truncatingIfNeeded: samples &* outputTicksPerSample))
        counters.packetsOut &+= 1
        counters.bytesOut &+= UInt64(12 + payloadBytes)
        emit(UnsafeRawBufferPointer(rebasing: packet[0..<(12 + payloadBytes)]))
    }

    // MARK: - RFC 4733 events

    /// Maps an event packet onto the output stream: same place on the timeline (the event's start,
    /// measured from the end of the audio received so far), output payload type, rescaled duration.
    private func forwardEvent(_ view: RTPPacketView, payload: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) -> Void) {
        guard let eventMapper, payload.count <= Self.packetCapacity - 12,
              let length = eventMapper.mapPayload(payload, into: UnsafeMutableRawBufferPointer(rebasing: packet[12...])) else {
            counters.eventsDropped &+= 1
            return
        }
        let buffered = pcm?.count ?? bytes?.count ?? 0
        let audioEnd = restamper.nextTimestamp &+ UInt32(truncatingIfNeeded: buffered &* outputTicksPerSample)
        let offset = Int64(Int32(bitPattern: view.timestamp &- expectedTimestamp))
        let mapped = audioEnd &+ UInt32(truncatingIfNeeded: offset * Int64(output.clockRate) / Int64(max(1, input.clockRate)))
        restamper.writeEventHeader(into: packet, payloadType: eventMapper.outputPayloadType, marker: view.marker, timestamp: mapped)
        counters.eventsForwarded &+= 1
        counters.packetsOut &+= 1
        counters.bytesOut &+= UInt64(12 + length)
        emit(UnsafeRawBufferPointer(rebasing: packet[0..<(12 + length)]))
    }
}
