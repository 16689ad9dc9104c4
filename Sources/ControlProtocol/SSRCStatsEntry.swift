import RTPWire

/// One SSRC entry of the stats tree (ng-protocol.md §7), from the media plane's quality report of the stream
/// that receives it, in rtpengine's keys and units: MOS ×10, RTT µs, jitter ms, loss %. MOS keys appear only
/// when a MOS exists; `MOS source` (unknown to Kamailio, which ignores it) says whether they come from the
/// endpoints' RTCP receiver reports or from the relay's own measurement of the RTP it forwards.
enum SSRCStatsEntry {
    static func render(_ report: StreamQualityReport) -> BencodeDictionary {
        var entry = BencodeDictionary()
        entry.set("SSRC", .integer(Int64(report.ssrc)))
        entry.set("bytes", .integer(Int64(clamping: report.bytes)))
        entry.set("packets", .integer(Int64(clamping: report.packets)))
        entry.set("last RTP timestamp", .integer(Int64(report.lastTimestamp)))
        entry.set("last RTP seq", .integer(Int64(report.lastSequenceNumber)))
        // rtpengine's `cumulative loss` comes from RTCP; without RTCP the relay's own count stands in.
        entry.set("cumulative loss", .integer(report.reported.map { Int64($0.cumulativeLoss) } ?? report.cumulativeLoss))
        if let summary = report.preferredMOS, let average = summary.average,
           let lowest = summary.lowest, let highest = summary.highest {
            entry.set("MOS source", .text(average.source.rawValue))
            var averageTree = figures(average)
            averageTree.set("samples", .integer(Int64(summary.samples)))
            entry.set("average MOS", .dictionary(averageTree))
            entry.set("lowest MOS", .dictionary(sample(lowest)))
            entry.set("highest MOS", .dictionary(sample(highest)))
            entry.set("MOS progression", .dictionary([
                "interval": .integer(Int64(summary.progressionInterval)),
                "entries": .list(summary.progression.map { .dictionary(sample($0)) }),
            ]))
        }
        // The relay's own view, always present, so a call without RTCP still has loss and jitter figures.
        var observed = BencodeDictionary()
        observed.set("expected", .integer(Int64(clamping: report.expected)))
        observed.set("lost", .integer(report.cumulativeLoss))
        observed.set("duplicates", .integer(Int64(clamping: report.duplicates)))
        observed.set("reordered", .integer(Int64(clamping: report.reordered)))
        observed.set("packet loss", .integer(Int64(report.lossPercent)))
        observed.set("jitter", .integer(Int64(report.jitterMilliseconds)))
        if let leg = report.roundTripTimeLeg { observed.set("round-trip time leg", .integer(Int64(clamping: leg))) }
        if let rtt = report.roundTripTime { observed.set("round-trip time", .integer(Int64(clamping: rtt))) }
        if let average = report.relayObservedMOS.average {
            observed.set("average MOS", .integer(Int64(average.mos)))
            observed.set("samples", .integer(Int64(report.relayObservedMOS.samples)))
        }
        entry.set("relay-observed", .dictionary(observed))
        return entry
    }

    private static func figures(_ s: MOSSample) -> BencodeDictionary {
        ["MOS": .integer(Int64(s.mos)), "round-trip time": .integer(Int64(clamping: s.roundTripTime)),
         "round-trip time leg": .integer(Int64(clamping: s.roundTripTimeLeg)), "jitter": .integer(Int64(s.jitter)),
         "packet loss": .integer(Int64(s.packetLoss))]
    }

    private static func sample(_ s: MOSSample) -> BencodeDictionary {
        var tree = figures(s)
        tree.set("reported at", .integer(Int64(clamping: s.reportedAt)))
        tree.set("MOS source", .text(s.source.rawValue))
        return tree
    }
}
