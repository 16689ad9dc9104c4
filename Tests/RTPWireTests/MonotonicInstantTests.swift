import Testing
@testable import RTPWire

@Suite struct MonotonicInstantTests {
    @Test func addingSecondsSaturatesInsteadOfTrapping() {
        let near = MonotonicInstant(nanoseconds: .max - 10)
        #expect(near.adding(seconds: 5).nanoseconds == .max)
        #expect(MonotonicInstant(nanoseconds: 1_000).adding(seconds: 1).nanoseconds == 1_000_001_000)
    }

    @Test func secondsSinceIsSignedAndOrderAware() {
        let a = MonotonicInstant(nanoseconds: 2_500_000_000)
        let b = MonotonicInstant(nanoseconds: 1_000_000_000)
        #expect(a.seconds(since: b) == 1.5)
        #expect(b.seconds(since: a) == -1.5)
        #expect(b < a)
    }

    @Test func addressFamilyFollowsTheTextualAddress() {
        #expect(Endpoint(address: "::1", port: 5).family == .ipv6)
        #expect(Endpoint(address: "127.0.0.1", port: 5).family == .ipv4)
        #expect(Endpoint(address: "::1", port: 5).description == "[::1]:5")
    }
}
