import Testing
import RTPWire
@testable import ControlProtocol

@Suite struct ReplyCacheTests {
    let cookie = Array("3_846930886_41".utf8)
    let reply = Array("3_846930886_41 d6:result4:ponge".utf8)

    @Test func retransmissionGetsTheCachedReplyWithoutReprocessing() {
        let cache = ReplyCache()
        #expect(cache.begin(cookie: cookie, now: .seconds(100)) == .new)
        // The copy that arrives while the first is being processed is dropped by the server.
        #expect(cache.begin(cookie: cookie, now: .seconds(100.2)) == .inProgress)
        cache.finish(cookie: cookie, reply: reply, now: .seconds(100.3))
        #expect(cache.begin(cookie: cookie, now: .seconds(101.3)) == .cached(reply))
        #expect(cache.begin(cookie: cookie, now: .seconds(102.3)) == .cached(reply))
        #expect(cache.inProgressCount == 0)
    }

    @Test func abandonedCookieIsProcessedAgain() {
        let cache = ReplyCache()
        #expect(cache.begin(cookie: cookie, now: .seconds(1)) == .new)
        cache.abandon(cookie: cookie)
        #expect(cache.begin(cookie: cookie, now: .seconds(2)) == .new)
    }

    @Test func keyedByCookieBytesOnly() {
        let cache = ReplyCache()
        _ = cache.begin(cookie: cookie, now: .seconds(0))
        cache.finish(cookie: cookie, reply: reply, now: .seconds(0))
        #expect(cache.begin(cookie: cookie + [0x20], now: .seconds(1)) == .new)
        #expect(cache.begin(cookie: Array("3_846930886_42".utf8), now: .seconds(1)) == .new)
    }

    @Test func aReplyLivesBetweenThirtyAndSixtySeconds() {
        // Whatever the phase of the rotation when it is stored, a reply is still there 30 s later and gone 60 s later.
        for offset in stride(from: 0.0, to: 30.0, by: 2.5) {
            let cache = ReplyCache()
            _ = cache.begin(cookie: [0], now: .seconds(1000)) // starts the rotation clock
            let stored = 1000 + offset
            _ = cache.begin(cookie: cookie, now: .seconds(stored))
            cache.finish(cookie: cookie, reply: reply, now: .seconds(stored))
            #expect(cache.begin(cookie: cookie, now: .seconds(stored + 29.9)) == .cached(reply), "offset \(offset)")
            #expect(cache.begin(cookie: cookie, now: .seconds(stored + 60.0)) != .cached(reply), "offset \(offset)")
        }
    }

    @Test func longSilenceDropsEverything() {
        let cache = ReplyCache()
        _ = cache.begin(cookie: cookie, now: .seconds(0))
        cache.finish(cookie: cookie, reply: reply, now: .seconds(0))
        #expect(cache.count == 1)
        #expect(cache.begin(cookie: cookie, now: .seconds(3600)) == .new)
        #expect(cache.count == 0)
    }

    @Test func boundedByDroppingTheOldestGeneration() {
        let cache = ReplyCache(generationSeconds: 30, maxEntries: 10)
        for i in 0..<100 {
            let c = Array("c\(i)".utf8)
            #expect(cache.begin(cookie: c, now: .seconds(1)) == .new)
            cache.finish(cookie: c, reply: [UInt8(i)], now: .seconds(1))
            #expect(cache.count <= 10)
        }
        #expect(cache.begin(cookie: Array("c99".utf8), now: .seconds(1)) == .cached([99]))
        #expect(cache.begin(cookie: Array("c0".utf8), now: .seconds(1)) == .new)
    }

    @Test func inProgressMarksAreBounded() {
        let cache = ReplyCache(maxEntries: 100)
        for i in 0..<1_000 { _ = cache.begin(cookie: Array("x\(i)".utf8), now: .seconds(1)) }
        #expect(cache.inProgressCount <= 100)
    }
}
