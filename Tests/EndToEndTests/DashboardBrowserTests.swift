#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing

/// The dashboard in a real browser: Debian's headless Chromium loads `/` from a relay carrying live calls with RTP
/// flowing (one clean, one losing a quarter of its packets from the caller), follows `/events` for a few seconds,
/// and the rendered page has the call rows and charts with data points; the screenshot shows the chart lines.
@Suite("dashboard in headless Chromium")
struct DashboardBrowserTests {
    /// Series colours the page draws the first and second direction of a call with.
    static let seriesColours = ["#4ca3e5", "#e58a4c"]

    @Test("the dashboard shows live calls, totals and MOS/jitter/loss charts with data points")
    func dashboardRendersLiveCalls() throws {
        guard access(HeadlessChromium.executable, X_OK) == 0 else {
            Issue.record("chromium is not installed (scripts/install-deps.sh installs Debian's chromium)")
            return
        }
        let relay = try RelayProcess(.rtprelayd)
        let port = try #require(relay.httpPort)
        let clean = try RelayedCall(relay: relay, callID: "dash-clean-\(UInt16.random(in: 0...UInt16.max))")
        let lossy = try RelayedCall(relay: relay, callID: "dash-lossy-\(UInt16.random(in: 0...UInt16.max))")
        let directory = try TemporaryDirectory("dashboard")
        let browser = try HeadlessChromium(url: "http://127.0.0.1:\(port)/", seconds: 7, directory: directory)
        // Media keeps flowing in real time while the page runs: 20 ms packets both ways.
        let deadline = TestClock.now() + 40
        while browser.isCapturing, TestClock.now() < deadline {
            try clean.exchange(count: 1)
            try lossy.exchange(count: 1, lossEvery: 4)
            TestClock.sleep(0.02)
        }
        let dom = try browser.finish()

        #expect(dom.contains("<span id=\"status\" class=\"live\">live</span>"), "the page never received an event")
        #expect(dom.contains("data-total=\"Calls now\"><div class=\"label\">Calls now</div><div class=\"value\">2</div>"))
        for call in [clean, lossy] {
            #expect(dom.contains("<tr class=\"call-row\" data-call-id=\"\(call.callID)\">"), "no row for \(call.callID)")
            for metric in ["mos", "jitter", "loss"] {
                // Two directions, one point per event per direction: at least 3 events in 7 s.
                let points = Self.chartPoints(in: dom, callID: call.callID, metric: metric)
                #expect((points ?? 0) >= 6, "\(metric) chart of \(call.callID) has \(points.map(String.init) ?? "no") points")
            }
        }
        // The lossy call's row shows the loss the relay measured (a quarter of A's packets: 25 %, ±rounding).
        let lossyRow = try #require(Self.row(in: dom, callID: lossy.callID))
        #expect(lossyRow.contains(">2") || lossyRow.contains(">3"), "\(lossyRow)")

        let pixels = try PNGPixels.count(browser.pngPath, colours: Self.seriesColours, in: directory.path)
        #expect(pixels.width == 1280 && pixels.height == 900)
        // Chart lines of both directions are drawn (2 px polylines across several charts: hundreds of pixels).
        for colour in Self.seriesColours {
            #expect((pixels.matches[colour] ?? 0) > 200, "\(colour): \(pixels.matches[colour] ?? 0) pixels")
        }
        #expect(pixels.distinctColours > 50, "the page looks blank")
        if let keep = getenv("RTPRELAYD_DASHBOARD_PNG") {
            let copy = try ChildProcess.spawn("/bin/cp", [browser.pngPath, String(cString: keep)],
                                              directory: directory.path, name: "cp")
            #expect(copy.waitForExit(timeout: 10) == 0)
        }
    }

    /// `data-points` of the chart `<svg>` for this call and metric in the DOM.
    static func chartPoints(in dom: String, callID: String, metric: String) -> Int? {
        let marker = "data-call-id=\"\(callID)\" data-metric=\"\(metric)\" data-points=\""
        guard let range = dom.range(of: marker) else { return nil }
        return Int(dom[range.upperBound...].prefix { $0.isNumber })
    }

    /// The `<tr>` of one call in the live-calls table.
    static func row(in dom: String, callID: String) -> String? {
        guard let start = dom.range(of: "<tr class=\"call-row\" data-call-id=\"\(callID)\">"),
              let end = dom.range(of: "</tr>", range: start.upperBound..<dom.endIndex) else { return nil }
        return String(dom[start.lowerBound..<end.upperBound])
    }
}
