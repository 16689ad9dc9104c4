/// Walks the packets of a compound RTCP packet (RFC 3550 §6.1) leniently: no requirement that it start
/// with an SR or RR, so reduced-size RTCP (RFC 5506, a single packet of any type) reads the same way.
/// A packet whose own length is sound but whose body is not is yielded as `.unknown` and counted; a
/// header or length field that cannot be trusted ends the walk with `error` set. Every read is
/// bounds-checked and each step consumes at least 4 bytes, so the walk always ends.
public struct RTCPCompoundCursor: Sendable {
    /// Offset of the next packet.
    public private(set) var offset = 0
    /// Why the walk stopped before the end of the buffer, else the first body error of a packet yielded
    /// as `.unknown` (nil: every packet was sound).
    public private(set) var error: RTCPError?
    /// Packets of a known type whose body failed to parse (yielded as `.unknown`).
    public private(set) var malformedPackets = 0
    private var stopped = false

    public init() {}

    /// The next packet in `bytes`, which must be the same buffer on every call.
    public mutating func next(in bytes: UnsafeRawBufferPointer) -> RTCPPacket? {
        guard !stopped, offset < bytes.count else { return nil }
        let rest = UnsafeRawBufferPointer(rebasing: bytes[offset...])
        let header: RTCPHeader
        do throws(RTCPError) {
            header = try RTCPHeader(parsing: rest)
        } catch {
            return stop(error)
        }
        let length = header.packetLength
        guard length <= rest.count else {
            return stop(.lengthBeyondBuffer(declared: length, available: rest.count))
        }
        let packet = UnsafeRawBufferPointer(rebasing: rest[..<length])
        offset += length
        do throws(RTCPError) {
            switch header.packetType {
            case RTCPPacketType.senderReport: return .senderReport(try RTCPSenderReport(parsing: packet))
            case RTCPPacketType.receiverReport: return .receiverReport(try RTCPReceiverReport(parsing: packet))
            case RTCPPacketType.sourceDescription: return .sourceDescription(try RTCPSourceDescription(parsing: packet))
            case RTCPPacketType.goodbye: return .goodbye(try RTCPGoodbye(parsing: packet))
            case RTCPPacketType.application: return .application(try RTCPApplication(parsing: packet))
            case RTCPPacketType.extendedReport: return .extendedReport(try RTCPExtendedReport(parsing: packet))
            default: return .unknown(packetType: header.packetType, bytes: Array(packet))
            }
        } catch {
            malformedPackets += 1
            if self.error == nil { self.error = error }
            return .unknown(packetType: header.packetType, bytes: Array(packet))
        }
    }

    private mutating func stop(_ error: RTCPError) -> RTCPPacket? {
        self.error = error
        stopped = true
        return nil
    }
}

/// A compound RTCP packet held as bytes; iterate it for its packets.
public struct RTCPCompound: Sequence, Sendable {
    public var bytes: [UInt8]

    public init(bytes: [UInt8]) { self.bytes = bytes }

    public struct Iterator: IteratorProtocol {
        let bytes: [UInt8]
        public private(set) var cursor = RTCPCompoundCursor()

        public mutating func next() -> RTCPPacket? {
            bytes.withUnsafeBytes { cursor.next(in: $0) }
        }

        /// Why iteration stopped early, or the first body error of a packet yielded as `.unknown`.
        public var error: RTCPError? { cursor.error }
    }

    public func makeIterator() -> Iterator { Iterator(bytes: bytes) }

    /// All packets that could be read, and the first problem met (nil when the whole buffer was sound).
    public static func parse(_ bytes: [UInt8]) -> (packets: [RTCPPacket], error: RTCPError?) {
        var iterator = RTCPCompound(bytes: bytes).makeIterator()
        var packets: [RTCPPacket] = []
        while let packet = iterator.next() { packets.append(packet) }
        return (packets, iterator.error)
    }
}

/// Builds a compound RTCP packet by appending packets in order.
public struct RTCPCompoundWriter: Sendable {
    public private(set) var bytes: [UInt8]

    public init(reservingCapacity capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func append(_ packet: RTCPPacket) { packet.write(into: &bytes) }

    public mutating func append(contentsOf packets: some Sequence<RTCPPacket>) {
        for packet in packets { append(packet) }
    }
}
