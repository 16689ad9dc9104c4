import RTPWire
import Testing
@testable import RTPRelay

/// The ledger takes closed streams back from the workers: their ports become free at once, and their
/// registrations (counter blocks) are freed by the control thread's next reservation, or by the worker itself once
/// more than `PortLedger.maxRetired` wait.
@Suite struct PortLedgerTests {
    private static func registration(port: UInt16, counters: StreamCounterBlock) -> StreamRegistration {
        StreamRegistration(id: UInt64(port), rtpFD: -1, rtcpFD: -1, pool: 0, ports: [port, port + 1], counters: counters)
    }

    @Test func releasedPortsAreFreeAndTheRegistrationIsFreedByTheNextReservation() throws {
        let ledger = PortLedger(poolCount: 1, portMin: 2000, portMax: 2009)
        let first = try ledger.reserve(pool: 0, pair: true) { port in port }
        #expect(ledger.portsInUse == 2)
        weak var released: StreamCounterBlock?
        var batch: [StreamRegistration] = []
        do {
            let counters = StreamCounterBlock()
            released = counters
            batch.append(Self.registration(port: first.port, counters: counters))
        }
        #expect(ledger.release(&batch, wait: false))
        #expect(batch.isEmpty)
        #expect(ledger.portsInUse == 0)
        // Held for the control thread, not freed by the releasing thread.
        #expect(released != nil)
        _ = try ledger.reserve(pool: 0, pair: true) { port in port }
        #expect(released == nil)
    }

    @Test func pastTheCapTheReleasingThreadFreesThemItself() {
        let ledger = PortLedger(poolCount: 1, portMin: 2000, portMax: 2009)
        weak var oldest: StreamCounterBlock?
        var batch: [StreamRegistration] = []
        do {
            let counters = StreamCounterBlock()
            oldest = counters
            batch.append(Self.registration(port: 2000, counters: counters))
        }
        ledger.release(&batch)
        #expect(oldest != nil)
        for _ in 0..<PortLedger.maxRetired {
            batch.append(Self.registration(port: 2000, counters: StreamCounterBlock()))
        }
        ledger.release(&batch)
        #expect(oldest == nil)
        #expect(ledger.portsInUse == 0)
    }
}
