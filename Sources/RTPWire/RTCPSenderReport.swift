/// RTCP sender report, packet type 200 (RFC 3550 §6.4.1).
public struct RTCPSenderReport: Hashable, Sendable {
    public var ssrc: UInt32
    /// Wall-clock time of sending; its middle 32 bits come back as LSR in reports about this sender.
    public var ntpTimestamp: NTPTimestamp
    /// The same instant on the media clock.
    public var rtpTimestamp: UInt32
    public var packetCount: UInt32
    public var octetCount: UInt32
    /// At most 31 are written.
    public var reports: [RTCPReportBlock]
    /// Profile-specific extension after the report blocks, kept verbatim.
    public var profileExtension: [UInt8]
    /// Padding octets at the end (0: none).
    public var paddingLength: UInt8

    public init(ssrc: UInt32, ntpTimestamp: NTPTimestamp, rtpTimestamp: UInt32, packetCount: UInt32,
                octetCount: UInt32, reports: [RTCPReportBlock] = [], profileExtension: [UInt8] = [],
                paddingLength: UInt8 = 0) {
        self.ssrc = ssrc
        self.ntpTimestamp = ntpTimestamp
        self.rtpTimestamp = rtpTimestamp
        self.packetCount = packetCount
        self.octetCount = octetCount
        self.reports = reports
        self.profileExtension = profileExtension
        self.paddingLength = paddingLength
    }

    /// Reads the packet at the start of `bytes` (bytes after its declared length are ignored).
    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPError) {
        let frame = try RTCPFrame(bytes, expecting: RTCPPacketType.senderReport)
        var reader = frame.reader(bytes)
        ssrc = try reader.u32()
        ntpTimestamp = NTPTimestamp(rawValue: try reader.u64())
        rtpTimestamp = try reader.u32()
        packetCount = try reader.u32()
        octetCount = try reader.u32()
        reports = try reader.reportBlocks(Int(frame.header.count))
        profileExtension = try reader.array(reader.remaining)
        paddingLength = frame.paddingLength
    }

    public init(parsing bytes: [UInt8]) throws(RTCPError) {
        self = try UnsafeRawBufferPointer.with(bytes) { raw throws(RTCPError) in try RTCPSenderReport(parsing: raw) }
    }

    public func write(into out: inout [UInt8]) {
        let blocks = reports.prefix(31)
        let frame = RTCPFrameWriter(into: &out, count: UInt8(blocks.count), packetType: RTCPPacketType.senderReport)
        out.appendBigEndian(ssrc)
        out.appendBigEndian(ntpTimestamp.rawValue)
        out.appendBigEndian(rtpTimestamp)
        out.appendBigEndian(packetCount)
        out.appendBigEndian(octetCount)
        for block in blocks { block.write(into: &out) }
        out.append(contentsOf: profileExtension)
        frame.finish(&out, paddingLength: paddingLength)
    }
}
