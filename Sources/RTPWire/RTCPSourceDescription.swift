/// RTCP source description, packet type 202 (RFC 3550 §6.5): per source a list of items such as CNAME.
public struct RTCPSourceDescription: Hashable, Sendable {
    /// SDES item types (RFC 3550 §6.5.1–6.5.8).
    public enum ItemType {
        public static let cname: UInt8 = 1
        public static let name: UInt8 = 2
        public static let email: UInt8 = 3
        public static let phone: UInt8 = 4
        public static let location: UInt8 = 5
        public static let tool: UInt8 = 6
        public static let note: UInt8 = 7
        public static let privateExtension: UInt8 = 8
    }

    /// One item; the value is kept as bytes (UTF-8 text for all standard types, prefix+value for PRIV).
    public struct Item: Hashable, Sendable {
        public var type: UInt8
        /// At most 255 bytes are written.
        public var value: [UInt8]

        public init(type: UInt8, value: [UInt8]) {
            self.type = type
            self.value = value
        }

        public init(type: UInt8, text: String) { self.init(type: type, value: Array(text.utf8)) }

        public var text: String { String(decoding: value, as: UTF8.self) }
    }

    /// The items describing one source.
    public struct Chunk: Hashable, Sendable {
        public var ssrc: UInt32
        public var items: [Item]

        public init(ssrc: UInt32, items: [Item]) {
            self.ssrc = ssrc
            self.items = items
        }
    }

    /// At most 31 are written.
    public var chunks: [Chunk]
    public var paddingLength: UInt8

    public init(chunks: [Chunk], paddingLength: UInt8 = 0) {
        self.chunks = chunks
        self.paddingLength = paddingLength
    }

    /// The usual single-chunk SDES carrying only a CNAME.
    public init(ssrc: UInt32, cname: String) {
        self.init(chunks: [Chunk(ssrc: ssrc, items: [Item(type: ItemType.cname, text: cname)])])
    }

    /// The CNAME of the first chunk that has one.
    public var cname: String? {
        for chunk in chunks {
            if let item = chunk.items.first(where: { $0.type == ItemType.cname }) { return item.text }
        }
        return nil
    }

    public init(parsing bytes: UnsafeRawBufferPointer) throws(RTCPError) {
        let frame = try RTCPFrame(bytes, expecting: RTCPPacketType.sourceDescription)
        var reader = frame.reader(bytes)
        let count = Int(frame.header.count)
        // Each chunk is at least 8 bytes (SSRC + a null item padded to a word).
        guard count * 8 <= reader.remaining else { throw .countBeyondLength(count: count, length: reader.remaining) }
        var chunks: [Chunk] = []
        chunks.reserveCapacity(count)
        for _ in 0..<count {
            guard let ssrc = try? reader.u32() else { throw .malformedSourceDescription }
            var items: [Item] = []
            while true {
                guard let type = try? reader.u8() else { throw .malformedSourceDescription }
                if type == 0 {
                    // The null item ends the list; null octets pad the chunk to the next word.
                    let pad = (4 - reader.offset % 4) % 4
                    guard (try? reader.skip(pad)) != nil else { throw .malformedSourceDescription }
                    break
                }
                guard let length = try? reader.u8(), let value = try? reader.array(Int(length)) else {
                    throw .malformedSourceDescription
                }
                items.append(Item(type: type, value: value))
            }
            chunks.append(Chunk(ssrc: ssrc, items: items))
        }
        self.chunks = chunks
        paddingLength = frame.paddingLength
    }

    public init(parsing bytes: [UInt8]) throws(RTCPError) {
        self = try UnsafeRawBufferPointer.with(bytes) { raw throws(RTCPError) in try RTCPSourceDescription(parsing: raw) }
    }

    public func write(into out: inout [UInt8]) {
        let written = chunks.prefix(31)
        let frame = RTCPFrameWriter(into: &out, count: UInt8(written.count), packetType: RTCPPacketType.sourceDescription)
        for chunk in written {
            let chunkStart = out.count
            out.appendBigEndian(chunk.ssrc)
            for item in chunk.items where item.type != 0 {
                let value = item.value.prefix(255)
                out.append(item.type)
                out.append(UInt8(value.count))
                out.append(contentsOf: value)
            }
            // Null item, then null octets to the next word boundary.
            out.append(0)
            let misalignment = (out.count - chunkStart) % 4
            if misalignment != 0 { out.append(contentsOf: repeatElement(0, count: 4 - misalignment)) }
        }
        frame.finish(&out, paddingLength: paddingLength)
    }
}
