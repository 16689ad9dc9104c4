import Testing
import RTPWire

@Suite struct RTPHeaderTests {
    @Test func pcmuPacketMatchesTshark() throws {
        let header = try RTPHeader(parsing: Fixture.rtpPCMU)
        #expect(header.version == 2 && !header.padding && !header.hasExtension && header.csrcCount == 0)
        #expect(header.marker && header.payloadType == 0)
        #expect(header.sequenceNumber == 65535 && header.timestamp == 4_294_967_136 && header.ssrc == 0x5A3C_1F02)
        #expect(header.headerLength == 12)
        var out: [UInt8] = []
        header.write(into: &out)
        #expect(out == Array(Fixture.rtpPCMU[0..<12]))
    }

    @Test func csrcsAndOneByteExtensionMatchTshark() throws {
        let header = try RTPHeader(parsing: Fixture.rtpCSRCExtension)
        #expect(!header.marker && header.payloadType == 111)
        #expect(header.sequenceNumber == 4242 && header.timestamp == 960_000 && header.ssrc == 0xDEAD_BEEF)
        #expect(header.csrcs == [0x0102_0304, 0x0506_0708])
        #expect(header.headerExtension == RTPHeader.Extension(profile: 0xBEDE, data: [0x10, 0x85, 0, 0]))
        #expect(header.headerLength == 12 + 8 + 8)
        var out: [UInt8] = []
        header.write(into: &out)
        #expect(out == Array(Fixture.rtpCSRCExtension[0..<header.headerLength]))
    }

    @Test func shortOrInconsistentHeadersThrowInsteadOfTrapping() {
        #expect(throws: RTCPError.truncated(needed: 12, available: 11)) { try RTPHeader(parsing: Array(Fixture.rtpPCMU[0..<11])) }
        #expect(throws: RTCPError.unsupportedVersion(1)) { try RTPHeader(parsing: [0x40] + Array(repeating: 0, count: 11)) }
        // CSRC count 15 with only 12 bytes.
        #expect(throws: RTCPError.rtpHeaderBeyondPacket(headerLength: 72, available: 12)) {
            try RTPHeader(parsing: [0x8F] + Array(repeating: 0, count: 11))
        }
        // Extension bit set, no extension header.
        #expect(throws: RTCPError.rtpHeaderBeyondPacket(headerLength: 16, available: 12)) {
            try RTPHeader(parsing: [0x90] + Array(repeating: 0, count: 11))
        }
        // Extension claims 0xFFFF words.
        #expect(throws: RTCPError.rtpHeaderBeyondPacket(headerLength: 16 + 4 * 0xFFFF, available: 20)) {
            try RTPHeader(parsing: [0x90] + Array(repeating: 0, count: 11) + [0xBE, 0xDE, 0xFF, 0xFF, 1, 2, 3, 4])
        }
        for length in 0..<Fixture.rtpCSRCExtension.count where length < 28 {
            #expect(throws: RTCPError.self) { try RTPHeader(parsing: Array(Fixture.rtpCSRCExtension.prefix(length))) }
        }
    }
}
