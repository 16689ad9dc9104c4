/// One packet out of a compound RTCP packet.
public enum RTCPPacket: Hashable, Sendable {
    case senderReport(RTCPSenderReport)
    case receiverReport(RTCPReceiverReport)
    case sourceDescription(RTCPSourceDescription)
    case goodbye(RTCPGoodbye)
    case application(RTCPApplication)
    case extendedReport(RTCPExtendedReport)
    /// A packet of a type not decoded here (e.g. RTPFB/PSFB feedback), or a known type whose body
    /// did not parse: the whole packet, header included, to be passed on as is.
    case unknown(packetType: UInt8, bytes: [UInt8])

    public var packetType: UInt8 {
        switch self {
        case .senderReport: RTCPPacketType.senderReport
        case .receiverReport: RTCPPacketType.receiverReport
        case .sourceDescription: RTCPPacketType.sourceDescription
        case .goodbye: RTCPPacketType.goodbye
        case .application: RTCPPacketType.application
        case .extendedReport: RTCPPacketType.extendedReport
        case .unknown(let type, _): type
        }
    }

    public func write(into out: inout [UInt8]) {
        switch self {
        case .senderReport(let p): p.write(into: &out)
        case .receiverReport(let p): p.write(into: &out)
        case .sourceDescription(let p): p.write(into: &out)
        case .goodbye(let p): p.write(into: &out)
        case .application(let p): p.write(into: &out)
        case .extendedReport(let p): p.write(into: &out)
        case .unknown(_, let bytes): out.append(contentsOf: bytes)
        }
    }
}
