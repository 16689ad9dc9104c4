import Testing
import RTPWire

@Suite struct WireArithmeticTests {
    @Test func sequenceNumbersCompareAcrossTheWrap() {
        let last: SequenceNumber = 65535
        #expect(last.distance(to: 1) == 2)
        #expect(SequenceNumber(1).distance(to: 65535) == -2)
        #expect(SequenceNumber(1).isNewer(than: 65535))
        #expect(!SequenceNumber(65535).isNewer(than: 1))
        #expect(!SequenceNumber(7).isNewer(than: 7))
        #expect(last.advanced(by: 3) == 2)
        #expect(SequenceNumber(2).advanced(by: -3) == 65535)
    }

    @Test func ntpFromUnixMicrosecondsMatchesTheRFC868Epoch() {
        // 2026-01-01T00:00:00.5Z: NTP seconds = UNIX + 2208988800; 0.5 s = 0x80000000.
        let ntp = NTPTimestamp(unixMicroseconds: 1_767_225_600_500_000)
        #expect(ntp.seconds == 3_976_214_400)
        #expect(ntp.fraction == 0x8000_0000)
        #expect(ntp.middle32 == (3_976_214_400 & 0xFFFF) << 16 | 0x8000)
        #expect(NTPTimestamp(rawValue: ntp.rawValue) == ntp)
    }

    @Test func ntpRoundTripsEveryMicrosecondItIsGiven() {
        var rng = SplitMix(seed: 7)
        for _ in 0..<10_000 {
            let micros = rng.next() % 4_000_000_000_000_000 // up to year ~2096 (past the 2036 era wrap)
            #expect(NTPTimestamp(unixMicroseconds: micros).unixMicroseconds == micros)
        }
    }
}

/// Small deterministic generator for tests (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
