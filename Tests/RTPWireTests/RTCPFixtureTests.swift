import Testing
import RTPWire

/// Field values below are those tshark printed for the same bytes (Tests/Fixtures/rtcp/tshark-decode.txt).
@Suite struct RTCPFixtureTests {
    @Test(arguments: Fixture.allCompounds)
    func everyFixtureRoundTripsByteForByte(_ bytes: [UInt8]) {
        let (packets, error) = RTCPCompound.parse(bytes)
        #expect(error == nil)
        #expect(!packets.isEmpty)
        var writer = RTCPCompoundWriter()
        writer.append(contentsOf: packets)
        #expect(writer.bytes == bytes)
    }

    @Test func linphoneSenderReportAndSDESMatchTshark() throws {
        let (packets, error) = RTCPCompound.parse(Fixture.linphoneSRSDES)
        #expect(error == nil)
        try #require(packets.count == 2)
        guard case .senderReport(let sr) = packets[0], case .sourceDescription(let sdes) = packets[1] else {
            Issue.record("expected SR + SDES, got \(packets)")
            return
        }
        #expect(sr.ssrc == 0x5A3C_1F02)
        #expect(sr.ntpTimestamp.seconds == 3_945_417_744)
        #expect(sr.ntpTimestamp.fraction == 2_405_181_686)
        #expect(sr.ntpTimestamp.middle32 == 0x4C10_8F5C)
        #expect(sr.rtpTimestamp == 128_000)
        #expect(sr.packetCount == 1502)
        #expect(sr.octetCount == 240_320)
        #expect(sr.profileExtension.isEmpty)
        try #require(sr.reports.count == 1)
        let block = sr.reports[0]
        #expect(block.ssrc == 0x1B2C_3D4E)
        #expect(block.fractionLost == 12)
        #expect(block.cumulativeLost == 37)
        #expect(block.extendedHighestSequence == 73_536)
        #expect(block.extendedHighestSequence >> 16 == 1 && block.extendedHighestSequence & 0xFFFF == 8000)
        #expect(block.jitter == 84)
        #expect(block.lastSenderReport == 1_276_153_692)
        #expect(block.delaySinceLastSenderReport == 78_643)
        #expect(sdes.chunks.count == 1)
        #expect(sdes.chunks[0].ssrc == 0x5A3C_1F02)
        #expect(sdes.cname == "linphone@192.168.1.20")
        #expect(sdes.chunks[0].items.map(\.type) == [1, 6])
        #expect(sdes.chunks[0].items[1].text == "Linphone Desktop/5.2.0 (belle-sip/5.2.0)")
    }

    @Test func receiverReportWithTwoBlocksMatchesTshark() throws {
        let (packets, _) = RTCPCompound.parse(Fixture.rrTwoBlocks)
        guard case .receiverReport(let rr) = packets.first else {
            Issue.record("expected RR first")
            return
        }
        #expect(rr.ssrc == 168_496_141)
        try #require(rr.reports.count == 2)
        #expect(rr.reports[0].ssrc == 0x1111_1111)
        #expect(rr.reports[0].extendedHighestSequence == 196_606)
        #expect(rr.reports[0].jitter == 160)
        #expect(rr.reports[0].lastSenderReport == 2_882_343_476)
        #expect(rr.reports[0].delaySinceLastSenderReport == 65_536)
        #expect(rr.reports[1].fractionLost == 64)
        #expect(rr.reports[1].cumulativeLost == -3)
        #expect(rr.reports[1].extendedHighestSequence == 256)
        #expect(rr.reports[1].jitter == 2)
        #expect(rr.reports[1].lastSenderReport == 0)
        guard case .sourceDescription(let sdes) = packets.last else {
            Issue.record("expected SDES last")
            return
        }
        #expect(sdes.cname == "rx@example.org")
    }

    @Test func extendedReportBlocksMatchTshark() throws {
        let (packets, error) = RTCPCompound.parse(Fixture.xrVoIPRRTDLRR)
        #expect(error == nil)
        guard case .extendedReport(let xr) = packets.first else {
            Issue.record("expected XR")
            return
        }
        #expect(xr.ssrc == 168_496_141)
        try #require(xr.blocks.count == 3)
        // tshark: "Jan  9, 2025 13:22:40.250000000 UTC".
        #expect(xr.blocks[0] == .receiverReferenceTime(NTPTimestamp(seconds: 0xEB2A_4C20, fraction: 0x4000_0000)))
        #expect(NTPTimestamp(seconds: 0xEB2A_4C20, fraction: 0x4000_0000).unixMicroseconds == 1_736_428_960_250_000)
        #expect(xr.blocks[1] == .dlrr([
            .init(ssrc: 0x5A3C_1F02, lastReceiverReport: 1_276_153_692, delaySinceLastReceiverReport: 32_768),
            .init(ssrc: 0x1111_1111, lastReceiverReport: 305_419_896, delaySinceLastReceiverReport: 65_536),
        ]))
        guard case .voipMetrics(let m) = xr.blocks[2] else {
            Issue.record("expected VoIP metrics")
            return
        }
        #expect(m.ssrc == 0x5A3C_1F02)
        #expect((m.lossRate, m.discardRate, m.burstDensity, m.gapDensity) == (13, 5, 80, 2))
        #expect((m.burstDuration, m.gapDuration, m.roundTripDelay, m.endSystemDelay) == (120, 4500, 42, 65))
        #expect(Int8(bitPattern: m.signalLevel) == -23 && Int8(bitPattern: m.noiseLevel) == -67)
        #expect(m.residualEchoReturnLoss == 127 && m.gmin == 16 && m.rFactor == 88 && m.externalRFactor == 127)
        #expect(m.mosLQ == 41 && m.mosCQ == 40)
        #expect(m.receiverConfiguration == 0x68)
        #expect((m.jitterBufferNominal, m.jitterBufferMaximum, m.jitterBufferAbsoluteMaximum) == (40, 80, 200))
    }

    @Test func goodbyeApplicationAndUnknownFeedbackMatchTshark() throws {
        let (packets, error) = RTCPCompound.parse(Fixture.byeAppNack)
        #expect(error == nil)
        try #require(packets.count == 4)
        #expect(packets.map(\.packetType) == [201, 205, 204, 203])
        #expect(packets[0] == .receiverReport(RTCPReceiverReport(ssrc: 0x0A0B_0C0D)))
        // Generic NACK (RFC 4585) is not decoded: kept whole for passthrough.
        #expect(packets[1] == .unknown(packetType: 205, bytes: Array(Fixture.byeAppNack[8..<24])))
        guard case .application(let app) = packets[2], case .goodbye(let bye) = packets[3] else {
            Issue.record("expected APP + BYE")
            return
        }
        #expect(app.subtype == 3 && app.ssrc == 168_496_141 && app.nameText == "PLII")
        #expect(app.data == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(bye.sources == [0x0A0B_0C0D, 0x0E0F_1011])
        #expect(bye.reasonText == "session ended")
    }

    @Test func reducedSizeRTCPIsASinglePacketNotAnError() {
        let (packets, error) = RTCPCompound.parse(Fixture.reducedSizePLI)
        #expect(error == nil)
        #expect(packets == [.unknown(packetType: 206, bytes: Fixture.reducedSizePLI)])
    }

    @Test func paddedReceiverReportStripsPaddingAndExtremeFieldsSurvive() throws {
        let rr = try RTCPReceiverReport(parsing: Fixture.rrPadded)
        #expect(rr.paddingLength == 8)
        #expect(rr.profileExtension.isEmpty)
        try #require(rr.reports.count == 1)
        #expect(rr.reports[0].fractionLost == 255)
        #expect(rr.reports[0].cumulativeLost == 8_388_607)
        #expect(rr.reports[0].extendedHighestSequence == 4_294_967_295)
        #expect(rr.reports[0].jitter == .max)
        var out: [UInt8] = []
        rr.write(into: &out)
        #expect(out == Fixture.rrPadded)
    }
}
