import Audit
import Testing

/// The audit's distances on inputs whose answers are known by hand.
@Suite struct DistributionTests {
    @Test func kolmogorovSmirnovAndWasserstein() {
        let x = [0.0, 1, 2, 3]
        #expect(Distribution.ks(x, x) == 0 && Distribution.wasserstein(x, x) == 0)
        #expect(Distribution.ks([0, 1], [2, 3]) == 1)
        #expect(abs(Distribution.wasserstein([0, 1], [2, 3]) - 2) < 1e-12, "every unit of mass moves by 2")
        #expect(abs(Distribution.wasserstein(x, x.map { $0 + 0.5 }) - 0.5) < 1e-12)
        #expect(abs(Distribution.ks([0, 1, 2, 3], [0, 1]) - 0.5) < 1e-12, "CDFs 0.5 vs 1 at 1")
        #expect(Distribution.histogram([0, 0.5, 1, 2, -1], low: 0, high: 1, bins: 2) == [0.4, 0.6])
    }
}
