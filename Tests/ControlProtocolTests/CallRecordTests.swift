import Foundation
import Testing
import RTPWire
@testable import ControlProtocol

/// Call records (one JSON line per ended call) and call snapshots, built by the engine from the registry and the
/// media plane's counters, checked through a real JSON parser.
extension NGEngineTests {
    /// A two-party call A→B with traffic and quality figures on both legs; returns (A's leg, B's leg).
    func recordedCall(_ h: Harness) throws -> (a: MediaStreamID, b: MediaStreamID) {
        h.engine.recordsCalls = true
        let offer = try h.offer(sdp: sdp(aAddress), at: 0)
        let answer = try h.answer(sdp: sdp(bAddress), at: 1)
        let aLeg = try #require(h.plane.stream(onPort: try advertised(answer).port))
        let bLeg = try #require(h.plane.stream(onPort: try advertised(offer).port))
        var counters = StreamCounters()
        counters.rtpIn = PacketCounters(packets: 600, bytes: 103_200)
        counters.rtpOut = PacketCounters(packets: 598, bytes: 102_856, errors: 1)
        counters.rtcpIn = PacketCounters(packets: 12, bytes: 624)
        counters.latchedRTP = Endpoint(address: "192.0.2.10", port: 40002)
        h.plane.storedCounters[aLeg.id] = counters
        var a = StreamQualityReport(ssrc: 0xA11CE, clockRate: 8000)
        a.expected = 602
        a.cumulativeLoss = 2
        a.jitterMilliseconds = 3
        a.roundTripTimeLeg = 20_000
        a.roundTripTime = 41_000
        a.reported = ReportedReception(cumulativeLoss: 1, lossPercent: 0, jitterMilliseconds: 2)
        a.rtcpReportedMOS.add(Self.sample(.rtcpReported, mos: 43, rtt: 41_000, leg: 20_000, jitter: 2, loss: 0, at: 5))
        a.rtcpReportedMOS.add(Self.sample(.rtcpReported, mos: 41, rtt: 41_000, leg: 20_000, jitter: 9, loss: 1, at: 8))
        a.relayObservedMOS.add(Self.sample(.relayObserved, mos: 44, rtt: 0, leg: 0, jitter: 3, loss: 0, at: 6))
        h.plane.storedQuality[aLeg.id] = a
        var b = StreamQualityReport(ssrc: 0xB0B, clockRate: 8000)
        b.relayObservedMOS.add(Self.sample(.relayObserved, mos: 42, rtt: 0, leg: 0, jitter: 7, loss: 2, at: 5))
        h.plane.storedQuality[bLeg.id] = b
        return (aLeg.id, bLeg.id)
    }

    static func parse(_ record: CallRecord) throws -> [String: Any] {
        let text = record.json.text
        #expect(!text.contains("\n"))
        return try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func deleteByFromTagLeavesOneRecordWithTheFinalFiguresOfBothLegs() throws {
        let h = Harness()
        _ = try recordedCall(h)
        // Kamailio's BYE: delete with the from-tag, which releases A's ports before the call ends.
        #expect(result(try h.delete(from: "A", at: 12.5)) == "ok")
        let records = h.engine.takeCallRecords()
        #expect(records.count == 1)
        #expect(h.engine.takeCallRecords().isEmpty)
        let record = try #require(records.first)
        let json = try Self.parse(record)
        #expect(json["call_id"] as? String == "call-1")
        #expect(json["tags"] as? [String] == ["A", "B"])
        #expect(json["start"] as? String == "2026-01-01T00:00:00.000Z")
        #expect(json["end"] as? String == "2026-01-01T00:00:12.500Z")
        #expect((json["start_unix_ms"] as? NSNumber)?.int64Value == 1_767_225_600_000)
        #expect((json["end_unix_ms"] as? NSNumber)?.int64Value == 1_767_225_612_500)
        #expect(json["duration_s"] as? Double == 12.5)
        #expect(json["end_reason"] as? String == "delete")
        let legs = try #require(json["legs"] as? [[String: Any]])
        #expect(legs.count == 2)
        #expect(legs.map { $0["tag"] as? String } == ["A", "B"])
        let aMedia = try #require((legs[0]["medias"] as? [[String: Any]])?.first)
        #expect(aMedia["codec"] as? String == "PCMA/8000")
        #expect(aMedia["protocol"] as? String == "RTP/AVP")
        #expect((aMedia["remote"] as? [String: Any])?["port"] as? Int == 40002)
        #expect(aMedia["latched"] as? Bool == true)
        #expect((aMedia["local"] as? [String: Any])?["address"] as? String == "203.0.113.5")
        let rtp = try #require(aMedia["rtp"] as? [String: [String: Int]])
        #expect(rtp["in"] == ["packets": 600, "bytes": 103_200, "errors": 0])
        #expect(rtp["out"] == ["packets": 598, "bytes": 102_856, "errors": 1])
        #expect((aMedia["rtcp"] as? [String: [String: Int]])?["in"]?["packets"] == 12)
        let quality = try #require(aMedia["quality"] as? [String: Any])
        #expect(quality["ssrc"] as? Int == 0xA11CE)
        #expect(quality["lost"] as? Int == 2)
        #expect(quality["jitter_ms"] as? Int == 3)
        #expect(quality["rtt_us"] as? Int == 41_000)
        #expect(quality["rtt_leg_us"] as? Int == 20_000)
        #expect(quality["reported_jitter_ms"] as? Int == 2)
        let mos = try #require(quality["mos"] as? [String: Any])
        #expect(mos["source"] as? String == "rtcp")
        #expect(mos["samples"] as? Int == 2)
        #expect(mos["min"] as? Double == 4.1)
        #expect(mos["avg"] as? Double == 4.2)
        #expect(mos["max"] as? Double == 4.3)
        #expect((quality["mos_observed"] as? [String: Any])?["avg"] as? Double == 4.4)
        // B sends no RTCP: its preferred MOS is the relay's own, and it has no RTCP-reported one.
        let bQuality = try #require(((legs[1]["medias"] as? [[String: Any]])?.first)?["quality"] as? [String: Any])
        #expect((bQuality["mos"] as? [String: Any])?["source"] as? String == "observed")
        #expect((bQuality["mos"] as? [String: Any])?["avg"] as? Double == 4.2)
        #expect(bQuality["mos_rtcp"] is NSNull)
        #expect(bQuality["rtt_us"] is NSNull)
    }

    @Test func mediaTimeoutAndDelayedDeleteAreRecordedWithTheirReason() throws {
        let h = Harness()
        _ = try recordedCall(h)
        _ = h.engine.tick(now: h.at(70), wallClockMicros: h.wall(70))
        let timedOut = try #require(h.engine.takeCallRecords().first)
        #expect(timedOut.endReason == .mediaTimeout)
        let json = try Self.parse(timedOut)
        #expect(json["end_reason"] as? String == "timeout")
        #expect(json["duration_s"] as? Double == 70)
        // The snapshot was taken before the ports went: the figures are still there.
        #expect(timedOut.snapshot.parties.first?.medias.first?.rtpIn.packets == 600)

        let h2 = Harness()
        _ = try recordedCall(h2)
        #expect(result(try h2.delete(from: "A", delay: 5, at: 3)) == "ok")
        #expect(h2.engine.takeCallRecords().isEmpty)
        _ = h2.engine.tick(now: h2.at(9), wallClockMicros: h2.wall(9))
        let delayed = try #require(h2.engine.takeCallRecords().first)
        #expect(delayed.endReason == .deleted)
        #expect(delayed.snapshot.parties.first?.medias.first?.quality?.mos?.average == 4.2)
    }

    @Test func noRecordsUnlessSwitchedOn() throws {
        let h = Harness()
        _ = try recordedCall(h)
        h.engine.recordsCalls = false
        _ = try h.delete(at: 4)
        #expect(h.engine.takeCallRecords().isEmpty)
    }

    @Test func liveSnapshotsShowEveryCallWithItsCodecAndMOS() throws {
        let h = Harness()
        _ = try recordedCall(h)
        _ = try h.offer(callID: "call-2", sdp: sdp(aAddress), at: 2)
        let all = h.engine.snapshots(now: h.at(3), wallClockMicros: h.wall(3))
        #expect(all.map(\.callID) == ["call-1", "call-2"])
        let first = try #require(h.engine.snapshot(callID: "call-1", now: h.at(3), wallClockMicros: h.wall(3)))
        #expect(first.durationSeconds == 3)
        #expect(first.createdMicros == h.wall(0))
        #expect(first.parties.map(\.tag) == ["A", "B"])
        #expect(first.worstAverageMOS == 4.2)
        #expect(all[1].parties.count == 2 && all[1].parties[1].tag == nil)
        #expect(h.engine.snapshot(callID: "nope", now: h.at(3), wallClockMicros: h.wall(3)) == nil)
    }

    @Test func recordTextEscapesWhatJSONForbidsRaw() throws {
        let h = Harness()
        h.engine.recordsCalls = true
        let callID = "weird\"\\\n\u{1}\u{2028}ü"
        _ = try h.offer(callID: callID, sdp: sdp(aAddress), at: 0)
        _ = try h.delete(callID: callID, at: 1)
        let record = try #require(h.engine.takeCallRecords().first)
        #expect(record.endReason == .deleted)
        #expect(try Self.parse(record)["call_id"] as? String == callID)
    }

    @Test func utcTimestampsAcrossLeapDaysAndCenturies() {
        #expect(UTCTimestamp.text(unixMicros: 0) == "1970-01-01T00:00:00.000Z")
        #expect(UTCTimestamp.text(unixMicros: 951_782_400_000_000) == "2000-02-29T00:00:00.000Z")
        #expect(UTCTimestamp.text(unixMicros: 951_868_799_999_999) == "2000-02-29T23:59:59.999Z")
        #expect(UTCTimestamp.text(unixMicros: 4_107_542_400_000_000) == "2100-03-01T00:00:00.000Z")
        #expect(UTCTimestamp.text(unixMicros: 1_798_761_599_123_456) == "2026-12-31T23:59:59.123Z")
    }
}
