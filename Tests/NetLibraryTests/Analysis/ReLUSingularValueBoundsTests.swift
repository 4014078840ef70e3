import XCTest
import NetRuntime
@testable import NetLibrary

final class ReLUSingularValueBoundsTests: XCTestCase {
    /// Lemma 3.5 on random matrices and admissible sets (I from the signs at a random point).
    func testLemma35OnRandomMatrices() throws {
        var rng = RandomGenerator(seed: 3)
        var finiteBounds = 0
        for _ in 0..<40 {
            let a = Tensor<Double>.randomNormal([12, 8], rng: &rng)
            let x = Tensor<Double>.randomNormal([8], rng: &rng).scalars
            var set: [Int] = []
            for i in 0..<12 {
                var z = 0.0
                for j in 0..<8 { z += a.scalars[i * 8 + j] * x[j] }
                if z <= 0 { set.append(i) }
            }
            XCTAssertTrue(try ReLUSingularValueBounds.isAdmissible(a, bias: [Double](repeating: 0, count: 12), inactive: set))
            let r = try ReLUSingularValueBounds.lemma35(a, inactive: set)
            XCTAssertTrue(r.holds)
            XCTAssertEqual(r.rank, 8)
            if r.smallestBound != nil { finiteBounds += 1 }
        }
        XCTAssertGreaterThan(finiteBounds, 10)
    }

    /// The bounds are attained: removing a row of an orthogonal matrix keeps the other
    /// singular values (σ_min = σ̃_{N−|I|} = 1, σ_max = σ̃₁ = 1).
    func testLemma35IsTightForOrthogonalRows() throws {
        let a = Tensor<Double>(shape: [3, 3], scalars: [1, 0, 0, 0, 2, 0, 0, 0, 3])
        let r = try ReLUSingularValueBounds.lemma35(a, inactive: [2])
        XCTAssertEqual(r.smallestNonZero, 1, accuracy: 1e-12)
        XCTAssertEqual(r.smallestBound!, 2, accuracy: 1e-12)
        XCTAssertEqual(r.largest, 2, accuracy: 1e-12)
        XCTAssertEqual(r.largestBound, 3, accuracy: 1e-12)
        XCTAssertTrue(r.holds)
    }

    /// Fig. 3.3 / Lemma 3.6: σ_K ≤ c, and c shrinks with ε, so the remaining matrix gets
    /// ill-conditioned.
    func testLemma36ForWeaklyCorrelatedRows() throws {
        var last = Double.infinity
        for eps in [0.5, 0.1, 0.01] {
            var rng = RandomGenerator(seed: 1)
            let a = ReLUSingularValueBounds.weaklyCorrelatedRows(rows: 6, columns: 3, epsilon: eps, rng: &rng)
            XCTAssertTrue(try ReLUSingularValueBounds.isAdmissible(a, bias: [Double](repeating: 0, count: 6), inactive: [0]))
            let r = try ReLUSingularValueBounds.lemma36(a, inactive: [0], removed: 0)
            XCTAssertTrue(r.hypothesis)
            XCTAssertTrue(r.holds)
            XCTAssertLessThanOrEqual(r.smallestNonZero, r.c)
            XCTAssertLessThan(r.c, last)
            last = r.c
        }
        XCTAssertLessThan(last, 0.05)
    }

    func testAdmissibilityAndBadInput() throws {
        let a = Tensor<Double>(shape: [2, 1], scalars: [1, -1])
        // x > 0 and −x > 0 at once: impossible; x ≤ 0 and −x > 0: x < 0.
        XCTAssertFalse(try ReLUSingularValueBounds.isAdmissible(a, bias: [0, 0], inactive: []))
        XCTAssertTrue(try ReLUSingularValueBounds.isAdmissible(a, bias: [0, 0], inactive: [0]))
        XCTAssertThrowsError(try ReLUSingularValueBounds.lemma35(a, inactive: [2]))
        XCTAssertThrowsError(try ReLUSingularValueBounds.lemma35(a, inactive: [0, 0]))
        XCTAssertThrowsError(try ReLUSingularValueBounds.lemma36(a, inactive: [0], removed: 1))
    }
}
