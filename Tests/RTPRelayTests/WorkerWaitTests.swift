import Testing
@testable import RTPRelay

/// How long an io_uring worker's next wait holds out for a batch of completions.
@Suite struct WorkerWaitTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var received: Int, loadWait: UInt32, transcoding: Int, transcodeWait: UInt32, expected: UInt32, why: String
        var testDescription: String { why }
    }

    @Test(arguments: [
        Case(received: 1, loadWait: 250, transcoding: 0, transcodeWait: 1000, expected: 0,
             why: "light load without transcoding ends at the first completion"),
        Case(received: 7, loadWait: 250, transcoding: 0, transcodeWait: 1000, expected: 0,
             why: "one datagram short of the load threshold"),
        Case(received: 8, loadWait: 250, transcoding: 0, transcodeWait: 1000, expected: 250,
             why: "under load the load wait applies"),
        Case(received: 0, loadWait: 250, transcoding: 1, transcodeWait: 1000, expected: 1000,
             why: "a transcoding worker batches at any load"),
        Case(received: 100, loadWait: 2000, transcoding: 3, transcodeWait: 1000, expected: 2000,
             why: "the longer of the two waits"),
        Case(received: 0, loadWait: 250, transcoding: 5, transcodeWait: 0, expected: 0,
             why: "a transcode wait of 0 is off"),
        Case(received: 50, loadWait: 0, transcoding: 0, transcodeWait: 1000, expected: 0,
             why: "a load wait of 0 is off"),
    ])
    func minimumWait(_ c: Case) {
        #expect(MediaWorker.minimumWait(receivedLastTurn: c.received, threshold: 8, loadWait: c.loadWait,
                                        transcodingSlots: c.transcoding, transcodeWait: c.transcodeWait) == c.expected)
    }

    @Test func theConfigurationClampsTheTranscodeWait() {
        #expect(RelayConfiguration().transcodeBatchWait == 0.001)
        #expect(RelayConfiguration(transcodeBatchWait: 5).transcodeBatchWait == 0.02)
        #expect(RelayConfiguration(transcodeBatchWait: -1).transcodeBatchWait == 0)
        #expect(RelayConfiguration(transcodeBatchWait: .nan).transcodeBatchWait == 0)
    }
}
