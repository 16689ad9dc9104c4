/// RTCP extended report, packet type 207 (RFC 3611). Blocks this relay reads — receiver reference
/// time (4), DLRR (5), VoIP metrics (7) — are decoded; every other block is kept as bytes.
public struct RTCPExtendedReport: Hashable, Sendable {
    /// DLRR sub-block (RFC 3611 §4.5): the answer to a receiver's RRT block, for RTT between receivers.
    public struct DLRRItem: Hashable, Sendable {
        public var ssrc: UInt32
        /// Middle 32 bits of the NTP time in the last RRT block from `ssrc`.
        public var lastReceiverReport: UInt32
        /// Delay since that block arrived, in 1/65536 s.
        public var delaySinceLastReceiverReport: UInt32

        public init(ssrc: UInt32, lastReceiverReport: UInt32, delaySinceLastReceiverReport: UInt32) {
            self.ssrc = ssrc
            self.lastReceiverReport = lastReceiverReport
            self.delaySinceLastReceiverReport = delaySinceLastReceiverReport
        }
    }

    /// VoIP metrics block (RFC 3611 §4.7), 32 bytes after the block header. Rates are in 1/256,
    /// durations and delays in ms, levels in signed dBm (raw bytes kept), 127 = unavailable.
    public struct VoIPMetrics: Hashable, Sendable {
        public var ssrc: UInt32
        public var lossRate: UInt8
        public var discardRate: UInt8
        public var burstDensity: UInt8
        public var gapDensity: UInt8
        public var burstDuration: UInt16
        public var gapDuration: UInt16
        public var roundTripDelay: UInt16
        public var endSystemDelay: UInt16
        public var signalLevel: UInt8
        public var noiseLevel: UInt8
        public var residualEchoReturnLoss: UInt8
        public var gmin: UInt8
        public var rFactor: UInt8
        public var externalRFactor: UInt8
        /// MOS × 10 (listening and conversational quality), 127 = unavailable.
        public var mosLQ: UInt8
        public var mosCQ: UInt8
        public var receiverConfiguration: UInt8
        /// Reserved on the wire; kept so a block is re-written byte for byte.
        public var reserved: UInt8
        public var jitterBufferNominal: UInt16
        public var jitterBufferMaximum: UInt16
        public var jitterBufferAbsoluteMaximum: UInt16

        public static let bodySize = 32

        public init(ssrc: UInt32, lossRate: UInt8 = 0, discardRate: UInt8 = 0, burstDensity: UInt8 = 0,
                    gapDensity: UInt8 = 0, burstDuration: UInt16 = 0, gapDuration: UInt16 = 0,
                    roundTripDelay: UInt16 = 0, endSystemDelay: UInt16 = 0, signalLevel: UInt8 = 127,
                    noiseLevel: UInt8 = 127, residualEchoReturnLoss: UInt8 = 127, gmin: UInt8 = 16,
                    rFactor: UInt8 = 127, externalRFactor: UInt8 = 127, mosLQ: UInt8 = 127, mosCQ: UInt8 = 127,
                    receiverConfiguration: UInt8 = 0, reserved: UInt8 = 0, jitterBufferNominal: UInt16 = 0,
                    jitterBufferMaximum: UInt16 = 0, jitterBufferAbsoluteMaximum: UInt16 = 0) {
            self.ssrc = ssrc
            self.lossRate = lossRate
            self.discardRate = discardRate
            self.burstDensity = burstDensity
            self.gapDensity = gapDensity
            self.burstDuration = burstDuration
            self.gapDuration = gapDuration
            self.roundTripDelay = roundTripDelay
            self.endSystemDelay = endSystemDelay
            self.signalLevel = signalLevel
            self.noiseLevel = noiseLevel
            self.residualEchoReturnLoss = residualEchoReturnLoss
            self.gmin = gmin
            self.rFactor = rFactor
            self.externalRFactor = externalRFactor
            self.mosLQ = mosLQ
            self.mosCQ = mosCQ
            self.receiverConfiguration = receiverConfiguration
            self.reserved = reserved
            self.jitterBufferNominal = jitterBufferNominal
            self.jitterBufferMaximum = jitterBufferMaximum
            self.jitterBufferAbsoluteMaximum = jitterBufferAbsoluteMaximum
        }

        init(reading r: inout ByteReader) throws(RTCPError) {
            ssrc = try r.u32()
            lossRate = try r.u8()
            discardRate = try r.u8()
            burstDensity = try r.u8()
            gapDensity = try r.u8()
            burstDuration = try r.u16()
            gapDuration = try r.u16()
            roundTripDelay = try r.u16()
            endSystemDelay = try r.u16()
            signalLevel = try r.u8()
            noiseLevel = try r.u8()
            residualEchoReturnLoss = try r.u8()
            gmin = try r.u8()
            rFactor = try r.u8()
            externalRFactor = try r.u8()
            mosLQ = try r.u8()
            mosCQ = try r.u8()
            receiverConfiguration = try r.u8()
            reserved = try r.u8()
            jitterBufferNominal = try r.u16()
            jitterBufferMaximum = try r.u16()
            jitterBufferAbsoluteMaximum = try r.u16()
        }

        func write(into out: inout [UInt8]) {
            out.appendBigEndian(ssrc)
            out.append(contentsOf: [lossRate, discardRate, burstDensity, gapDensity])
            out.appendBigEndian(burstDuration)
            out.appendBigEndian(gapDuration)
            out.appendBigEndian(roundTripDelay)
            out.appendBigEndian(endSystemDelay)
            out.append(contentsOf: [signalLevel, noiseLevel, residualEchoReturnLoss, gmin,
                                    rFactor, externalRFactor, mosLQ, mosCQ, receiverConfiguration, reserved])
            out.appendBigEndian(jitterBufferNominal)
            out.appendBigEndian(jitterBufferMaximum)
            out.appendBigEndian(jitterBufferAbsoluteMaximum)
        }
    }

    /// XR report block types (RFC 3611 §4).
    public enum BlockType {
        public static let receiverReferenceTime: UInt8 = 4
        public static let dlrr: UInt8 = 5
        public static let voipMetrics: UInt8 = 7
    }

    public enum Block: Hashable, Sendable {
        /// Block type 4: the receiver's wall clock, to be answered by a DLRR.
        case receiverReferenceTime(NTPTimestamp)
        /// Block type 5.
        case dlrr([DLRRItem])
        /// Block type 7.
        case voipMetrics(VoIPMetrics)
        /// Any other block, or a known one with non-zero reserved bits or an unexpected size: kept verbatim
        /// (`contents` is the block body after its 4-byte header).
        case unknown(blockType: UInt8, typeSpecific: UInt8, contents: [UInt8])
    }

    /// The reporter.
    public var ssrc: UInt32
    public var blocks: [Block]
    public var paddingLength: UInt8

    public init(ssrc: UInt32, blocks: [Block], paddingLength: UInt8 = 0) {
        self.ssrc = ssrc
        self.blocks = blocks
        self.paddingLength = paddingLength
    }

    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPError) {
        let frame = try RTCPFrame(bytes, expecting: RTCPPacketType.extendedReport)
        var reader = frame.reader(bytes)
        ssrc = try reader.u32()
        var blocks: [Block] = []
        while reader.remaining > 0 {
            guard reader.remaining >= 4 else { throw .malformedExtendedReportBlock(blockType: 0) }
            let blockType = try reader.u8()
            let typeSpecific = try reader.u8()
            let length = Int(try reader.u16()) * 4
            guard length <= reader.remaining else { throw .malformedExtendedReportBlock(blockType: blockType) }
            var body = ByteReader(reader.bytes, from: reader.offset, to: reader.offset + length)
            let bodyStart = reader.offset
            try reader.skip(length)
            switch (blockType, typeSpecific, length) {
            case (BlockType.receiverReferenceTime, 0, 8):
                blocks.append(.receiverReferenceTime(NTPTimestamp(rawValue: try body.u64())))
            case (BlockType.dlrr, 0, _) where length % 12 == 0:
                var items: [DLRRItem] = []
                items.reserveCapacity(length / 12)
                while body.remaining > 0 {
                    items.append(DLRRItem(ssrc: try body.u32(), lastReceiverReport: try body.u32(),
                                          delaySinceLastReceiverReport: try body.u32()))
                }
                blocks.append(.dlrr(items))
            case (BlockType.voipMetrics, 0, VoIPMetrics.bodySize):
                blocks.append(.voipMetrics(try VoIPMetrics(reading: &body)))
            default:
                var raw = ByteReader(reader.bytes, from: bodyStart, to: bodyStart + length)
                blocks.append(.unknown(blockType: blockType, typeSpecific: typeSpecific,
                                       contents: try raw.array(length)))
            }
        }
        self.blocks = blocks
        paddingLength = frame.paddingLength
    }

    public init(parsing bytes: [UInt8]) throws(RTCPError) {
        self = try UnsafeRawBufferPointer.with(bytes) { raw throws(RTCPError) in try RTCPExtendedReport(parsing: raw) }
    }

    public func write(into out: inout [UInt8]) {
        let frame = RTCPFrameWriter(into: &out, count: 0, packetType: RTCPPacketType.extendedReport)
        out.appendBigEndian(ssrc)
        for block in blocks {
            let start = out.count
            switch block {
            case .receiverReferenceTime(let ntp):
                out.append(contentsOf: [BlockType.receiverReferenceTime, 0, 0, 0])
                out.appendBigEndian(ntp.rawValue)
            case .dlrr(let items):
                out.append(contentsOf: [BlockType.dlrr, 0, 0, 0])
                for item in items {
                    out.appendBigEndian(item.ssrc)
                    out.appendBigEndian(item.lastReceiverReport)
                    out.appendBigEndian(item.delaySinceLastReceiverReport)
                }
            case .voipMetrics(let metrics):
                out.append(contentsOf: [BlockType.voipMetrics, 0, 0, 0])
                metrics.write(into: &out)
            case .unknown(let blockType, let typeSpecific, let contents):
                out.append(contentsOf: [blockType, typeSpecific, 0, 0])
                out.append(contentsOf: contents)
                let misalignment = contents.count % 4
                if misalignment != 0 { out.append(contentsOf: repeatElement(0, count: 4 - misalignment)) }
            }
            out.storeBigEndian(UInt16(truncatingIfNeeded: (out.count - start - 4) / 4), at: start + 2)
        }
        frame.finish(&out, paddingLength: paddingLength)
    }
}
