/// RTCP application-defined packet, type 204 (RFC 3550 §6.7). The relay does not interpret it;
/// it is kept whole so it can be passed on unchanged.
public struct RTCPApplication: Hashable, Sendable {
    /// The 5-bit subtype carried in the count field.
    public var subtype: UInt8
    public var ssrc: UInt32
    /// Four ASCII characters naming the application, as one big-endian word.
    public var name: UInt32
    /// Application data; a multiple of 4 bytes on the wire (zero-filled when written otherwise).
    public var data: [UInt8]
    public var paddingLength: UInt8

    public init(subtype: UInt8, ssrc: UInt32, name: UInt32, data: [UInt8] = [], paddingLength: UInt8 = 0) {
        self.subtype = subtype & 0x1F
        self.ssrc = ssrc
        self.name = name
        self.data = data
        self.paddingLength = paddingLength
    }

    /// The name as text (e.g. `"PLII"`).
    public var nameText: String {
        String(decoding: [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: name >> $0) }, as: UTF8.self)
    }

    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPError) {
        let frame = try RTCPFrame(bytes, expecting: RTCPPacketType.application)
        var reader = frame.reader(bytes)
        subtype = frame.header.count
        ssrc = try reader.u32()
        name = try reader.u32()
        data = try reader.array(reader.remaining)
        paddingLength = frame.paddingLength
    }

    public init(parsing bytes: [UInt8]) throws(RTCPError) {
        self = try UnsafeRawBufferPointer.with(bytes) { raw throws(RTCPError) in try RTCPApplication(parsing: raw) }
    }

    public func write(into out: inout [UInt8]) {
        let frame = RTCPFrameWriter(into: &out, count: subtype, packetType: RTCPPacketType.application)
        out.appendBigEndian(ssrc)
        out.appendBigEndian(name)
        out.append(contentsOf: data)
        frame.finish(&out, paddingLength: paddingLength)
    }
}
