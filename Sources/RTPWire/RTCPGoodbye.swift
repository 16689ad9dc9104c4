/// RTCP goodbye, packet type 203 (RFC 3550 §6.6): the listed sources are leaving, optionally with a reason.
public struct RTCPGoodbye: Hashable, Sendable {
    /// At most 31 are written.
    public var sources: [UInt32]
    /// The reason text as bytes (at most 255 written); nil when the packet carries none.
    public var reason: [UInt8]?
    public var paddingLength: UInt8

    public init(sources: [UInt32], reason: [UInt8]? = nil, paddingLength: UInt8 = 0) {
        self.sources = sources
        self.reason = reason
        self.paddingLength = paddingLength
    }

    public init(sources: [UInt32], reasonText: String) {
        self.init(sources: sources, reason: Array(reasonText.utf8))
    }

    public var reasonText: String? { reason.map { String(decoding: $0, as: UTF8.self) } }

    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPError) {
        let frame = try RTCPFrame(bytes, expecting: RTCPPacketType.goodbye)
        var reader = frame.reader(bytes)
        let count = Int(frame.header.count)
        guard count * 4 <= reader.remaining else { throw .countBeyondLength(count: count, length: reader.remaining) }
        var sources: [UInt32] = []
        sources.reserveCapacity(count)
        for _ in 0..<count { sources.append(try reader.u32()) }
        self.sources = sources
        reason = nil
        if reader.remaining > 0 {
            let length = try reader.u8()
            guard let text = try? reader.array(Int(length)) else { throw .malformedGoodbye }
            reason = text
        }
        paddingLength = frame.paddingLength
    }

    public init(parsing bytes: [UInt8]) throws(RTCPError) {
        self = try UnsafeRawBufferPointer.with(bytes) { raw throws(RTCPError) in try RTCPGoodbye(parsing: raw) }
    }

    public func write(into out: inout [UInt8]) {
        let written = sources.prefix(31)
        let frame = RTCPFrameWriter(into: &out, count: UInt8(written.count), packetType: RTCPPacketType.goodbye)
        for ssrc in written { out.appendBigEndian(ssrc) }
        if let reason {
            let text = reason.prefix(255)
            out.append(UInt8(text.count))
            out.append(contentsOf: text)
        }
        frame.finish(&out, paddingLength: paddingLength)
    }
}
