/// RTCP receiver report, packet type 201 (RFC 3550 §6.4.2).
public struct RTCPReceiverReport: Hashable, Sendable {
    /// The reporter.
    public var ssrc: UInt32
    /// At most 31 are written.
    public var reports: [RTCPReportBlock]
    /// Profile-specific extension after the report blocks, kept verbatim.
    public var profileExtension: [UInt8]
    public var paddingLength: UInt8

    public init(ssrc: UInt32, reports: [RTCPReportBlock] = [], profileExtension: [UInt8] = [], paddingLength: UInt8 = 0) {
        self.ssrc = ssrc
        self.reports = reports
        self.profileExtension = profileExtension
        self.paddingLength = paddingLength
    }

    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPError) {
        let frame = try RTCPFrame(bytes, expecting: RTCPPacketType.receiverReport)
        var reader = frame.reader(bytes)
        ssrc = try reader.u32()
        reports = try reader.reportBlocks(Int(frame.header.count))
        profileExtension = try reader.array(reader.remaining)
        paddingLength = frame.paddingLength
    }

    public init(parsing bytes: [UInt8]) throws(RTCPError) {
        self = try UnsafeRawBufferPointer.with(bytes) { raw throws(RTCPError) in try RTCPReceiverReport(parsing: raw) }
    }

    public func write(into out: inout [UInt8]) {
        let blocks = reports.prefix(31)
        let frame = RTCPFrameWriter(into: &out, count: UInt8(blocks.count), packetType: RTCPPacketType.receiverReport)
        out.appendBigEndian(ssrc)
        for block in blocks { block.write(into: &out) }
        out.append(contentsOf: profileExtension)
        frame.finish(&out, paddingLength: paddingLength)
    }
}
