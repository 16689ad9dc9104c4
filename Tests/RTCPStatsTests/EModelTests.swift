import RTCPStats
import Testing

@Suite struct EModelTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var rtt: Double, jitter: Double, loss: Double
        var nb: Double, fb: Double, legacy: Double
        var testDescription: String { "\(rtt) ms / \(jitter) ms / \(loss) %" }
    }

    // ng-protocol.md §7.1 sanity values (RTT e2e / jitter / loss → MOS NB, FB, legacy).
    static let sanity: [Case] = [
        Case(rtt: 0, jitter: 0, loss: 0, nb: 4.34, fb: 4.41, legacy: 4.40),
        Case(rtt: 100, jitter: 20, loss: 1, nb: 4.12, fb: 3.93, legacy: 4.26),
        Case(rtt: 200, jitter: 30, loss: 2, nb: 3.87, fb: 3.45, legacy: 3.74),
        Case(rtt: 400, jitter: 50, loss: 5, nb: 2.69, fb: 2.06, legacy: 2.15),
        Case(rtt: 0, jitter: 0, loss: 10, nb: 2.65, fb: 1.85, legacy: 3.50),
    ]

    @Test(arguments: sanity)
    func matchesRtpengineSanityValues(_ c: Case) {
        let nb = EModel.mos(.g107, rttMilliseconds: c.rtt, jitterMilliseconds: c.jitter, lossPercent: c.loss)
        let fb = EModel.mos(.g1072, rttMilliseconds: c.rtt, jitterMilliseconds: c.jitter, lossPercent: c.loss)
        let legacy = EModel.mos(.legacy, rttMilliseconds: c.rtt, jitterMilliseconds: c.jitter, lossPercent: c.loss)
        #expect(abs(nb - c.nb) <= 0.01, "NB \(nb)")
        #expect(abs(fb - c.fb) <= 0.01, "FB \(fb)")
        #expect(abs(legacy - c.legacy) <= 0.01, "legacy \(legacy)")
    }

    @Test func rToMOSIsClampedAndMonotonic() {
        #expect(EModel.mos(fromR: -5) == 1)
        #expect(EModel.mos(fromR: 0) == 1)
        #expect(EModel.mos(fromR: 100) == 4.5)
        #expect(EModel.mos(fromR: 120) == 4.5)
        #expect(EModel.mos(fromR: .nan) == 1)
        // The user-satisfaction boundaries G.107 lists with their MOS (R 90/80/70/60/50).
        for (r, expected) in [(90.0, 4.34), (80, 4.03), (70, 3.60), (60, 3.10), (50, 2.58)] {
            #expect(abs(EModel.mos(fromR: r) - expected) < 0.01, "R \(r)")
        }
        let values = stride(from: 0.0, through: 100, by: 0.5).map(EModel.mos(fromR:))
        #expect(zip(values, values.dropFirst()).allSatisfy { $0 <= $1 })
    }

    @Test(arguments: EModel.Formula.allCases)
    func worseNetworkNeverRaisesMOS(_ formula: EModel.Formula) {
        var previous = Double.infinity
        for step in 0..<60 {
            let mos = EModel.mos(formula, rttMilliseconds: Double(step) * 20, jitterMilliseconds: Double(step) * 2,
                                 lossPercent: Double(step) / 2)
            #expect(mos <= previous + 1e-9, "step \(step)")
            #expect((1...4.5).contains(mos))
            previous = mos
        }
    }

    @Test func delayKinkAndExtremeLossBehaveLikeRtpengine() {
        // G.107: each ms of one-way delay costs 0.024 R, and 0.134 beyond 177.3 ms (RTT 354.6 ms).
        func r(_ rtt: Double) -> Double { EModel.rFactor(.g107, rttMilliseconds: rtt, jitterMilliseconds: 0, lossPercent: 0) }
        #expect(abs((r(300) - r(302)) - 0.024) < 1e-9)
        #expect(abs((r(400) - r(402)) - 0.134) < 1e-9)
        // Loss above 93 % collapses the narrowband r term to zero (R = 1126.62 − Id, clamped to 4.5).
        #expect(EModel.rFactor(.g107, rttMilliseconds: 0, jitterMilliseconds: 0, lossPercent: 94) == 1126.62)
        // Fullband: no delay impairment up to 100 ms one-way.
        #expect(EModel.rFactor(.g1072, rttMilliseconds: 200, jitterMilliseconds: 0, lossPercent: 0)
                == EModel.rFactor(.g1072, rttMilliseconds: 0, jitterMilliseconds: 0, lossPercent: 0))
        // Legacy switches slope at an effective latency of 160 ms.
        let r159 = EModel.rFactor(.legacy, rttMilliseconds: 149, jitterMilliseconds: 0, lossPercent: 0)
        let r161 = EModel.rFactor(.legacy, rttMilliseconds: 151, jitterMilliseconds: 0, lossPercent: 0)
        #expect(abs(r159 - (93.2 - 159.0 / 40)) < 1e-9 && abs(r161 - (93.2 - 41.0 / 10)) < 1e-9)
        #expect(EModel.storedTenths(4.349) == 43)
        #expect(EModel.rFactor(.g107, rttMilliseconds: -10, jitterMilliseconds: .nan, lossPercent: -1)
                == EModel.rFactor(.g107, rttMilliseconds: 0, jitterMilliseconds: 0, lossPercent: 0))
    }
}
