import Foundation
import XCTest
@testable import NetRuntime

final class SVDTests: XCTestCase {
    func testDiagonalSingularValuesAreSortedAbsoluteValues() throws {
        let a = LA.diag([3, -5, 1], 3, 3)
        let s = try singularValues(a)
        XCTAssertEqual(s.count, 3)
        for (x, y) in zip(s, [5.0, 3, 1]) { XCTAssertEqual(x, y, accuracy: 1e-14) }
        XCTAssertEqual(try spectralNorm(a), 5, accuracy: 1e-14)
        XCTAssertEqual(try conditionNumber(a), 5, accuracy: 1e-13)
    }

    func testOrthogonalDiagOrthogonalHasKnownSpectrum() throws {
        var rng = RandomGenerator(seed: 7)
        let known: [Double] = [10, 4, 2, 0.5, 0.125]
        let q1 = LA.orthogonal(5, rng: &rng), q2 = LA.orthogonal(5, rng: &rng)
        let a = LA.matmul(LA.matmul(q1, LA.diag(known, 5, 5)), LA.transpose(q2))
        let s = try singularValues(a)
        for (x, y) in zip(s, known) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        XCTAssertEqual(try conditionNumber(a), 80, accuracy: 1e-9)
        XCTAssertEqual(try spectralNorm(a), 10, accuracy: 1e-12)
    }

    func testRankDeficientMatrix() throws {
        // Outer product u vᵀ: one singular value |u|·|v|, the rest zero.
        let u: [Double] = [1, 2, 2], v: [Double] = [3, 0, 4, 0]
        let a = Tensor(shape: [3, 4], scalars: u.flatMap { x in v.map { x * $0 } })
        let s = try singularValues(a)
        XCTAssertEqual(s[0], 15, accuracy: 1e-12)
        XCTAssertEqual(s[1], 0, accuracy: 1e-12)
        XCTAssertEqual(s[2], 0, accuracy: 1e-12)
        XCTAssertGreaterThan(try conditionNumber(a), 1e12)
        // Exactly zero matrix: κ = ∞ by convention, not an error.
        XCTAssertEqual(try conditionNumber(Tensor<Double>.zeros([2, 2])), .infinity)
        // Rank 2 in a 4×4 built from orthogonal factors.
        var rng = RandomGenerator(seed: 3)
        let q1 = LA.orthogonal(4, rng: &rng), q2 = LA.orthogonal(4, rng: &rng)
        let b = LA.matmul(LA.matmul(q1, LA.diag([6, 2, 0, 0], 4, 4)), LA.transpose(q2))
        let sb = try singularValues(b)
        XCTAssertEqual(sb[0], 6, accuracy: 1e-12)
        XCTAssertEqual(sb[1], 2, accuracy: 1e-12)
        XCTAssertLessThan(sb[2], 1e-12)
        XCTAssertLessThan(sb[3], 1e-12)
    }

    /// A = Q_m[:, :k]·diag(s)·Q_n[:, :k]ᵀ for an m×n shape.
    private func constructed(_ m: Int, _ n: Int, _ s: [Double], seed: UInt64) -> Tensor<Double> {
        var rng = RandomGenerator(seed: seed)
        let qm = LA.orthogonal(m, rng: &rng), qn = LA.orthogonal(n, rng: &rng)
        return LA.matmul(LA.matmul(qm, LA.diag(s, m, n)), LA.transpose(qn))
    }

    func testRectangularWideAndTall() throws {
        for (m, n) in [(3, 5), (5, 3)] {
            let known: [Double] = [7, 3, 0.25]
            let a = constructed(m, n, known, seed: UInt64(m * 10 + n))
            let s = try singularValues(a)
            XCTAssertEqual(s.count, 3)
            for (x, y) in zip(s, known) { XCTAssertEqual(x, y, accuracy: 1e-12, "\(m)×\(n)") }

            let f = try svd(a)
            XCTAssertEqual(f.u.shape, [m, 3])
            XCTAssertEqual(f.vt.shape, [3, n])
            for (x, y) in zip(f.s, known) { XCTAssertEqual(x, y, accuracy: 1e-12) }
            let rebuilt = LA.matmul(LA.matmul(f.u, LA.diag(f.s, 3, 3)), f.vt)
            XCTAssertLessThan(LA.maxAbsDiff(rebuilt, a), 1e-12, "\(m)×\(n) reconstruction")
            XCTAssertLessThan(LA.maxAbsDiff(LA.matmul(LA.transpose(f.u), f.u), LA.identity(3)), 1e-12)
            XCTAssertLessThan(LA.maxAbsDiff(LA.matmul(f.vt, LA.transpose(f.vt)), LA.identity(3)), 1e-12)
        }
    }

    func testSVDReconstructsRandomMatrix() throws {
        var rng = RandomGenerator(seed: 11)
        let a = Tensor<Double>.randomNormal([6, 4], rng: &rng)
        let f = try svd(a)
        XCTAssertEqual(f.s, f.s.sorted(by: >))
        let rebuilt = LA.matmul(LA.matmul(f.u, LA.diag(f.s, 4, 4)), f.vt)
        XCTAssertLessThan(LA.maxAbsDiff(rebuilt, a), 1e-12)
    }

    func testFloatOverloads() throws {
        let a = Tensor<Float>(shape: [2, 2], scalars: [0, 2, -3, 0])
        let s = try singularValues(a)
        XCTAssertEqual(s[0], 3, accuracy: 1e-6)
        XCTAssertEqual(s[1], 2, accuracy: 1e-6)
        XCTAssertEqual(try spectralNorm(a), 3, accuracy: 1e-6)
        XCTAssertEqual(try conditionNumber(a), 1.5, accuracy: 1e-6)
        XCTAssertEqual(try svd(a).u.shape, [2, 2])
    }

    func testBadInputThrowsInsteadOfCrashing() {
        XCTAssertThrowsError(try singularValues(Tensor<Double>(shape: [3], scalars: [1, 2, 3]))) { e in
            XCTAssertEqual(e as? LinalgError, .notAMatrix(operation: "singularValues", shape: [3]))
        }
        XCTAssertThrowsError(try svd(Tensor<Double>.zeros([0, 3]))) { e in
            XCTAssertEqual(e as? LinalgError, .emptyMatrix(operation: "svd", shape: [0, 3]))
        }
        XCTAssertThrowsError(try spectralNorm(Tensor<Double>(shape: [1, 2], scalars: [.nan, 1]))) { e in
            XCTAssertEqual(e as? LinalgError, .nonFiniteInput(operation: "spectralNorm"))
        }
        XCTAssertThrowsError(try conditionNumber(Tensor<Double>(2.0)))
        let message = LinalgError.notSquare(operation: "slogdet", rows: 2, columns: 3).description
        XCTAssertTrue(message.contains("2×3"), message)
    }
}
