import Testing
@testable import RTPRelay

/// How long an io_uring worker's next wait holds out for a batch of completions.
@Suite struct WorkerWaitTests {
    @Test func lightLoadWithoutTranscodingEndsAtTheFirstCompletion() {
        #expect(MediaWorker.minimumWait(receivedLastTurn: 1, threshold: 8, loadWait: 250, transcodingSlots: 0,
                                        transcodeWait: 1000) == 0)
        #expect(MediaWorker.minimumWait(receivedLastTurn: 7, threshold: 8, loadWait: 250, transcodingSlots: 0,
                                        transcodeWait: 1000) == 0)
    }

    @Test func underLoadTheLoadWaitApplies() {
        #expect(MediaWorker.minimumWait(receivedLastTurn: 8, threshold: 8, loadWait: 250, transcodingSlots: 0,
                                        transcodeWait: 1000) == 250)
    }

    @Test func aTranscodingWorkerBatchesAtAnyLoadAndTakesTheLongerWait() {
        #expect(MediaWorker.minimumWait(receivedLastTurn: 0, threshold: 8, loadWait: 250, transcodingSlots: 1,
                                        transcodeWait: 1000) == 1000)
        #expect(MediaWorker.minimumWait(receivedLastTurn: 100, threshold: 8, loadWait: 2000, transcodingSlots: 3,
                                        transcodeWait: 1000) == 2000)
    }

    @Test func zeroTurnsEitherWaitOff() {
        #expect(MediaWorker.minimumWait(receivedLastTurn: 0, threshold: 8, loadWait: 250, transcodingSlots: 5,
                                        transcodeWait: 0) == 0)
        #expect(MediaWorker.minimumWait(receivedLastTurn: 50, threshold: 8, loadWait: 0, transcodingSlots: 0,
                                        transcodeWait: 1000) == 0)
    }

    @Test func theConfigurationClampsTheTranscodeWait() {
        #expect(RelayConfiguration().transcodeBatchWait == 0.001)
        #expect(RelayConfiguration(transcodeBatchWait: 5).transcodeBatchWait == 0.02)
        #expect(RelayConfiguration(transcodeBatchWait: -1).transcodeBatchWait == 0)
        #expect(RelayConfiguration(transcodeBatchWait: .nan).transcodeBatchWait == 0)
    }
}
