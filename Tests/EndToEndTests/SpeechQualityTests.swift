#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Real speech (espeak-ng) through a transcoding relay, scored with PESQ (ITU-T P.862, narrowband MOS-LQO):
/// phone A speaks PCMU, the relay offers B only Opus (resp. G.729), B reflects what it gets, and A records
/// what comes back as PCMU. Both phones' recordings are scored against the original: B's (one transcoding,
/// decoded with this package's decoder) and A's (there and back: PCMU→codec→PCMU). The same test runs
/// against rtpengine, which keeps the harness and the floors honest; bench/speech-quality.sh prints both.
@Suite("speech quality through a transcoding relay (PESQ narrowband)")
struct SpeechQualityTests {
    /// Lowest acceptable MOS-LQO per codec, there and back and one way: rtpengine 10.5 scores about 4.25 (Opus,
    /// ~20 kbit/s) and 3.7 (G.729) on this sample; the floors sit 0.5 below, which still admits Opus at its
    /// automatic narrowband bitrate (~4.0 with this package's codec alone).
    static let floors: [SpeechLegCodec: Double] = [.opus: 3.7, .g729: 3.2]

    /// The relays under test; `SPEECH_RELAYS=rtpengine,rtprelayd` (bench/speech-quality.sh) overrides.
    static var relays: [RelayKind] {
        guard let list = getenv("SPEECH_RELAYS").map({ String(cString: $0) }) else { return [.rtprelayd, .rtpengine] }
        return list.split(separator: ",").compactMap { RelayKind(rawValue: String($0)) }
    }

    @Test("PCMU → transcoded codec → PCMU keeps speech above the PESQ floor",
          arguments: relays, SpeechLegCodec.allCases)
    func speechSurvivesTranscoding(relayKind: RelayKind, codec: SpeechLegCodec) throws {
        let directory = try TemporaryDirectory("speech-\(relayKind)-\(codec)")
        let speech = try SpeechSample.make(in: directory)
        let relay = try RelayProcess(relayKind)
        let outcome = try SpeechRoundTrip.run(through: relay, codec: codec, speech: speech)
        let frames = outcome.framesSent

        // B was really sent the other codec, not A's PCMU passed through.
        #expect(outcome.offeredPayloadType != 0)
        #expect(outcome.atB.payloadTypes == [outcome.offeredPayloadType], "payload types at B: \(outcome.atB.payloadTypes)")
        if codec == .g729 {
            // 10-byte speech frames, optionally ending in a 2-byte SID frame (Annex B).
            #expect(outcome.atB.payloadSizes.allSatisfy { $0 % 10 == 0 || $0 % 10 == 2 }, "\(Set(outcome.atB.payloadSizes))")
        }
        #expect(outcome.atB.packets >= frames * 95 / 100, "B heard \(outcome.atB.packets) of \(frames) packets")
        // And A got PCMU back, one byte per sample.
        #expect(outcome.atA.payloadTypes == [0], "payload types at A: \(outcome.atA.payloadTypes)")
        #expect(outcome.atA.payloadSizes.allSatisfy { $0 == 160 }, "\(Set(outcome.atA.payloadSizes))")
        #expect(outcome.atA.packets >= frames * 95 / 100, "A heard \(outcome.atA.packets) of \(frames) packets")
        guard outcome.atB.audio.count >= speech.count / 2, outcome.atA.audio.count >= speech.count / 2 else {
            Issue.record("too little audio to score: B \(outcome.atB.audio.count), A \(outcome.atA.audio.count) samples")
            return
        }

        let oneWay = try PESQScore.score(original: speech, degraded: outcome.atB.audio, name: "one-way", in: directory)
        let roundTrip = try PESQScore.score(original: speech, degraded: outcome.atA.audio, name: "round-trip", in: directory)
        let alone = try PESQScore.score(original: speech, degraded: try SpeechRoundTrip.codecAlone(codec, speech: speech),
                                        name: "codec-alone", in: directory)
        // One line per case for bench/speech-quality.sh (and for whoever reads the test log).
        print("SPEECH relay=\(relayKind) codec=\(codec) round_trip_mos=\(PESQScore.rounded(roundTrip.mos))"
              + " one_way_mos=\(PESQScore.rounded(oneWay.mos)) codec_alone_mos=\(PESQScore.rounded(alone.mos))"
              + " round_trip_delay_ms=\(roundTrip.delaySamples / 8) lost_at_b=\(outcome.atB.lost) lost_at_a=\(outcome.atA.lost)"
              + " kbps_to_b=\(outcome.atB.payloadSizes.reduce(0, +) * 8 / max(1, outcome.atB.packets * 20))")

        let floor = try #require(Self.floors[codec])
        #expect(roundTrip.mos >= floor, "PCMU→\(codec)→PCMU through \(relayKind): \(roundTrip)")
        #expect(oneWay.mos >= floor, "PCMU→\(codec) through \(relayKind), decoded at B: \(oneWay)")
    }
}
