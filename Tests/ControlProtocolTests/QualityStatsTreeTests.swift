import Testing
import RTPWire
@testable import ControlProtocol

/// The `SSRC` dict and `ingress SSRCs` of the query/delete tree, rendered from the media plane's quality reports
/// (ng-protocol.md §7) in rtpengine's units, with the source of each MOS said.
extension NGEngineTests {
    static func sample(_ source: MOSSource, mos: Int, rtt: UInt64, leg: UInt64, jitter: UInt32, loss: UInt32,
                       at seconds: UInt64) -> MOSSample {
        MOSSample(source: source, mos: mos, roundTripTime: rtt, roundTripTimeLeg: leg, jitter: jitter,
                  packetLoss: loss, reportedAt: wallStart / 1_000_000 + seconds)
    }

    @Test func queryCarriesTheSSRCTreeWithRTCPReportedMOSAndRelayFigures() throws {
        let h = Harness()
        let offer = try h.offer(sdp: sdp(aAddress))
        let answer = try h.answer(sdp: sdp(bAddress))
        let aLeg = try #require(h.plane.stream(onPort: try advertised(answer).port))
        let bLeg = try #require(h.plane.stream(onPort: try advertised(offer).port))
        // The plan carries the clock of the party's first codec (PCMA/8000).
        #expect(h.plane.plans[aLeg.id]?.clockRate == 8000)

        var a = StreamQualityReport(ssrc: 0x1234_5678, clockRate: 8000)
        a.packets = 6000
        a.bytes = 960_000
        a.lastSequenceNumber = 6000
        a.lastTimestamp = 960_000
        a.cumulativeLoss = 9
        a.reported = ReportedReception(cumulativeLoss: 12, lossPercent: 1, jitterMilliseconds: 3)
        a.roundTripTimeLeg = 20_000
        a.roundTripTime = 41_000
        a.rtcpReportedMOS.add(Self.sample(.rtcpReported, mos: 43, rtt: 38_000, leg: 19_000, jitter: 1, loss: 0, at: 10))
        a.rtcpReportedMOS.add(Self.sample(.rtcpReported, mos: 41, rtt: 60_000, leg: 30_000, jitter: 9, loss: 1, at: 50))
        a.relayObservedMOS.add(Self.sample(.relayObserved, mos: 44, rtt: 0, leg: 0, jitter: 2, loss: 0, at: 11))
        h.plane.storedQuality[aLeg.id] = a
        // B sends no RTCP: only the relay's own measurement.
        var b = StreamQualityReport(ssrc: 0xCAFE_0001, clockRate: 8000)
        b.packets = 500
        b.cumulativeLoss = 10
        b.lossPercent = 2
        b.jitterMilliseconds = 7
        b.relayObservedMOS.add(Self.sample(.relayObserved, mos: 42, rtt: 0, leg: 0, jitter: 7, loss: 2, at: 5))
        h.plane.storedQuality[bLeg.id] = b

        let tree = try h.query(at: 60)
        let ssrcs = try #require(tree["SSRC"]?.dictValue)
        let entry = try #require(ssrcs["305419896"]?.dictValue)
        #expect(entry["SSRC"]?.intValue == 305_419_896)
        #expect(entry["packets"]?.intValue == 6000)
        #expect(entry["bytes"]?.intValue == 960_000)
        #expect(entry["last RTP seq"]?.intValue == 6000)
        #expect(entry["last RTP timestamp"]?.intValue == 960_000)
        // RTCP-reported loss wins over the relay's count, as rtpengine reports it.
        #expect(entry["cumulative loss"]?.intValue == 12)
        #expect(entry["MOS source"]?.stringValue == "RTCP-reported")
        let average = try #require(entry["average MOS"]?.dictValue)
        #expect(average["MOS"]?.intValue == 42)
        #expect(average["round-trip time"]?.intValue == 49_000)
        #expect(average["round-trip time leg"]?.intValue == 24_500)
        #expect(average["jitter"]?.intValue == 5)
        #expect(average["packet loss"]?.intValue == 0)
        #expect(average["samples"]?.intValue == 2)
        let lowest = try #require(entry["lowest MOS"]?.dictValue)
        #expect(lowest["MOS"]?.intValue == 41)
        #expect(lowest["reported at"]?.intValue == Int64(Self.wallStart / 1_000_000) + 50)
        #expect(lowest["packet loss"]?.intValue == 1)
        #expect(entry["highest MOS"]?.dictValue?["MOS"]?.intValue == 43)
        let progression = try #require(entry["MOS progression"]?.dictValue)
        #expect(progression["interval"]?.intValue == 10)
        #expect(progression["entries"]?.listValue?.compactMap { $0.dictValue?["MOS"]?.intValue } == [43, 41])
        let relay = try #require(entry["relay-observed"]?.dictValue)
        #expect(relay["lost"]?.intValue == 9)
        #expect(relay["round-trip time"]?.intValue == 41_000)
        #expect(relay["average MOS"]?.intValue == 44)

        // Without RTCP the relay-observed MOS stands, labelled as such.
        let bEntry = try #require(ssrcs[String(0xCAFE_0001)]?.dictValue)
        #expect(bEntry["MOS source"]?.stringValue == "relay-observed")
        #expect(bEntry["average MOS"]?.dictValue?["MOS"]?.intValue == 42)
        #expect(bEntry["average MOS"]?.dictValue?["jitter"]?.intValue == 7)
        #expect(bEntry["cumulative loss"]?.intValue == 10)

        // Kamailio's walk: tags → medias → ingress SSRCs → SSRC → average MOS.
        let aMedia = try #require(tree["tags"]?.dictValue?["A"]?.dictValue?["medias"]?.listValue?.first?.dictValue)
        let ingress = try #require(aMedia["ingress SSRCs"]?.listValue?.first?.dictValue)
        let ingressSSRC = try #require(ingress["SSRC"]?.intValue)
        #expect(ingressSSRC == 305_419_896)
        #expect(ssrcs[String(ingressSSRC)]?.dictValue?["average MOS"]?.dictValue?["MOS"]?.intValue == 42)

        // `delete` carries the same tree.
        let deleted = try h.delete(at: 61)
        #expect(deleted["SSRC"]?.dictValue?["305419896"]?.dictValue?["lowest MOS"]?.dictValue?["MOS"]?.intValue == 41)
    }

    @Test func noMOSKeysWithoutASample() throws {
        let h = Harness()
        _ = try h.offer(sdp: sdp(aAddress))
        let answer = try h.answer(sdp: sdp(bAddress))
        let aLeg = try #require(h.plane.stream(onPort: try advertised(answer).port))
        var a = StreamQualityReport(ssrc: 7, clockRate: 8000)
        a.packets = 3
        h.plane.storedQuality[aLeg.id] = a
        let entry = try #require(try h.query()["SSRC"]?.dictValue?["7"]?.dictValue)
        #expect(entry["packets"]?.intValue == 3)
        for key in ["average MOS", "lowest MOS", "highest MOS", "MOS progression", "MOS source"] {
            #expect(entry[key] == nil)
        }
    }

    @Test func planClockRateComesFromTheFirstCodec() {
        #expect(CallRegistry.clockRate(of: "opus/48000/2") == 48000)
        #expect(CallRegistry.clockRate(of: "PCMU/8000") == 8000)
        #expect(CallRegistry.clockRate(of: "G722/8000") == 8000)
        #expect(CallRegistry.clockRate(of: nil) == 8000)
        #expect(CallRegistry.clockRate(of: "bogus") == 8000)
        #expect(CallRegistry.clockRate(of: "x/-5") == 8000)
    }
}
