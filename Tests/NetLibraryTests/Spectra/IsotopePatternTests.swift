import XCTest
@testable import NetLibrary

final class IsotopePatternTests: XCTestCase {
    /// 1000 Da: n_C = round(1000/111.1254 · 4.9384) = round(44.44) = 44 carbons. Relative to
    /// the monoisotopic peak, P(k)/P(0) = C(44, k)·(p/(1−p))^k with p = 0.0107:
    /// k = 1: 0.47591, k = 2: 0.11066, k = 3: 0.016757, k = 4: 0.0018585 < t_iso = 0.005 (dropped).
    func testAveragineAbundancesAndSpacingAt1000Da() {
        XCTAssertEqual(Averagine.carbonCount(mass: 1000), 44)
        let p = IsotopePattern(mass: 1000)
        XCTAssertEqual(p.count, 4)
        XCTAssertEqual(p.abundances[0], 1, accuracy: 1e-12)
        XCTAssertEqual(p.abundances[1], 0.47591, accuracy: 1e-4)
        XCTAssertEqual(p.abundances[2], 0.11066, accuracy: 1e-4)
        XCTAssertEqual(p.abundances[3], 0.016757, accuracy: 1e-5)
        for k in 0..<p.count { XCTAssertEqual(p.offsets[k], Double(k) * 1.00235, accuracy: 1e-12) }
    }

    /// Heavier peptides have more carbons: the most abundant peak moves up, the pattern gets
    /// longer, every kept peak is ≥ t_iso of the largest, and the next one would not be.
    func testThresholdAndGrowthWithMass() {
        var previous = 0
        for mass in [800.0, 1500, 2500, 4000] {
            let p = IsotopePattern(mass: mass)
            XCTAssertGreaterThanOrEqual(p.count, previous)
            previous = p.count
            XCTAssertEqual(p.abundances.max()!, 1, accuracy: 1e-12)
            XCTAssertTrue(p.abundances.allSatisfy { $0 >= 0.005 })
            let n = Averagine.carbonCount(mass: mass)
            let all = Averagine.binomial(n: n, p: Averagine.carbon13Abundance)
            XCTAssertEqual(all.reduce(0, +), 1, accuracy: 1e-9)
            XCTAssertLessThan(all[p.count] / all.max()!, 0.005)
        }
        // At 4000 Da (178 carbons, mean 1.9 ¹³C atoms) M+1 is the largest peak and M+2 exceeds M+0.
        let heavy = IsotopePattern(mass: 4000)
        XCTAssertLessThan(heavy.abundances[0], heavy.abundances[2])
        XCTAssertEqual(heavy.abundances.firstIndex(of: 1), 1)
    }
}
