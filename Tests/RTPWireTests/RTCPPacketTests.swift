import Testing
import RTPWire

@Suite struct RTCPPacketTests {
    static func written(_ packet: RTCPPacket) -> [UInt8] {
        var out: [UInt8] = []
        packet.write(into: &out)
        return out
    }

    static let built: [RTCPPacket] = [
        .senderReport(RTCPSenderReport(ssrc: 1, ntpTimestamp: NTPTimestamp(rawValue: 0x0102_0304_0506_0708),
                                       rtpTimestamp: 9, packetCount: 10, octetCount: 11,
                                       reports: [RTCPReportBlock(ssrc: 2, fractionLost: 3, cumulativeLost: -8_388_608,
                                                                 extendedHighestSequence: 4, jitter: 5,
                                                                 lastSenderReport: 6, delaySinceLastSenderReport: 7)],
                                       profileExtension: [0xAA, 0xBB, 0xCC, 0xDD])),
        .receiverReport(RTCPReceiverReport(ssrc: 7, reports: (0..<31).map { RTCPReportBlock(ssrc: UInt32($0)) })),
        .sourceDescription(RTCPSourceDescription(chunks: [
            .init(ssrc: 1, items: [.init(type: 1, text: "abc"), .init(type: 8, value: [3, 0x61, 0x62, 0x63, 0x01])]),
            .init(ssrc: 2, items: []),
            .init(ssrc: 3, items: [.init(type: 2, text: String(repeating: "n", count: 255))]),
        ])),
        .goodbye(RTCPGoodbye(sources: [])),
        .goodbye(RTCPGoodbye(sources: [1], reason: [])),
        .goodbye(RTCPGoodbye(sources: [1, 2, 3], reasonText: "bye!")),
        .application(RTCPApplication(subtype: 31, ssrc: 5, name: 0x7177_6572, data: [], paddingLength: 4)),
        .extendedReport(RTCPExtendedReport(ssrc: 9, blocks: [
            .unknown(blockType: 6, typeSpecific: 0xF0, contents: [1, 2, 3, 4, 5, 6, 7, 8]),
            .dlrr([]),
            .voipMetrics(.init(ssrc: 4, mosLQ: 42)),
            .unknown(blockType: 4, typeSpecific: 1, contents: [0, 0, 0, 0, 0, 0, 0, 1]),
        ])),
    ]

    @Test(arguments: built)
    func builtPacketsSurviveWriteThenParse(_ packet: RTCPPacket) {
        let bytes = Self.written(packet)
        #expect(bytes.count % 4 == 0)
        let (parsed, error) = RTCPCompound.parse(bytes)
        #expect(error == nil)
        #expect(parsed == [packet])
        #expect(Self.written(parsed[0]) == bytes)
    }

    @Test func writersClampWhatTheWireCannotCarry() throws {
        // 24-bit signed cumulative loss (RFC 3550 A.3), 31 blocks, 255-byte items.
        var out: [UInt8] = []
        RTCPReportBlock(ssrc: 1, cumulativeLost: 10_000_000).write(into: &out)
        RTCPReportBlock(ssrc: 1, cumulativeLost: -10_000_000).write(into: &out)
        #expect(try RTCPReportBlock(parsing: Array(out[0..<24])).cumulativeLost == 0x7F_FFFF)
        #expect(try RTCPReportBlock(parsing: Array(out[24...])).cumulativeLost == -0x80_0000)
        let rr = RTCPReceiverReport(ssrc: 1, reports: (0..<40).map { RTCPReportBlock(ssrc: UInt32($0)) })
        out = []
        rr.write(into: &out)
        #expect(try RTCPReceiverReport(parsing: out).reports.count == 31)
        let sdes = RTCPSourceDescription(ssrc: 1, cname: String(repeating: "x", count: 300))
        out = []
        sdes.write(into: &out)
        #expect(try RTCPSourceDescription(parsing: out).cname?.utf8.count == 255)
    }

    @Test func parsersNameWhatIsWrong() {
        #expect(throws: RTCPError.truncated(needed: 4, available: 3)) { try RTCPHeader(parsing: [0x80, 200, 0]) }
        #expect(throws: RTCPError.unsupportedVersion(1)) { try RTCPReceiverReport(parsing: [0x40, 201, 0, 1, 0, 0, 0, 0]) }
        #expect(throws: RTCPError.wrongPacketType(expected: 200, found: 201)) {
            try RTCPSenderReport(parsing: [0x80, 201, 0, 1, 0, 0, 0, 0])
        }
        #expect(throws: RTCPError.lengthBeyondBuffer(declared: 12, available: 8)) {
            try RTCPReceiverReport(parsing: [0x80, 201, 0, 2, 0, 0, 0, 0])
        }
        #expect(throws: RTCPError.countBeyondLength(count: 1, length: 0)) {
            try RTCPReceiverReport(parsing: [0x81, 201, 0, 1, 0, 0, 0, 0])
        }
        #expect(throws: RTCPError.invalidPadding(9)) { try RTCPReceiverReport(parsing: [0xA0, 201, 0, 1, 0, 0, 0, 9]) }
        #expect(throws: RTCPError.invalidPadding(0)) { try RTCPReceiverReport(parsing: [0xA0, 201, 0, 1, 0, 0, 0, 0]) }
        // SDES chunk whose item length runs past the packet.
        #expect(throws: RTCPError.malformedSourceDescription) {
            try RTCPSourceDescription(parsing: [0x81, 202, 0, 2, 0, 0, 0, 1, 1, 9, 0x61, 0])
        }
        // SDES chunk without its null item.
        #expect(throws: RTCPError.malformedSourceDescription) {
            try RTCPSourceDescription(parsing: [0x81, 202, 0, 2, 0, 0, 0, 1, 1, 2, 0x61, 0x62])
        }
        #expect(throws: RTCPError.malformedGoodbye) { try RTCPGoodbye(parsing: [0x80, 203, 0, 1, 5, 0x61, 0x62, 0x63]) }
        #expect(throws: RTCPError.malformedExtendedReportBlock(blockType: 7)) {
            try RTCPExtendedReport(parsing: [0x80, 207, 0, 2, 0, 0, 0, 1, 7, 0, 0, 8])
        }
    }

    @Test func compoundStopsOnBadLengthButKeepsWhatCameBefore() {
        var bytes = Fixture.rrTwoBlocks
        bytes += [0x80, 200, 0x40, 0x00, 0, 0, 0, 0] // SR claiming 65 KB
        let (packets, error) = RTCPCompound.parse(bytes)
        #expect(packets.count == 2)
        #expect(error == .lengthBeyondBuffer(declared: 0x4001 * 4, available: 8))
        let (none, versionError) = RTCPCompound.parse([0x00, 0x00, 0x00, 0x00])
        #expect(none.isEmpty && versionError == .unsupportedVersion(0))
        let (tail, tailError) = RTCPCompound.parse(Fixture.reducedSizePLI + [0x80, 0xC9])
        #expect(tail.count == 1 && tailError == .truncated(needed: 4, available: 2))
    }

    @Test func knownTypeWithBadBodyIsPassedOnAsUnknownAndWalkContinues() {
        let badRR: [UInt8] = [0x85, 201, 0, 1, 0, 0, 0, 1] // claims 5 blocks in 4 bytes
        let (packets, error) = RTCPCompound.parse(badRR + Fixture.reducedSizePLI)
        #expect(packets == [.unknown(packetType: 201, bytes: badRR), .unknown(packetType: 206, bytes: Fixture.reducedSizePLI)])
        #expect(error == .countBeyondLength(count: 5, length: 0)) // no bytes left after the SSRC
    }
}
