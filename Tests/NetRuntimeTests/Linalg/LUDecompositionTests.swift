import Foundation
import XCTest
@testable import NetRuntime

final class LUDecompositionTests: XCTestCase {
    func testSlogdetOfTriangularMatrix() throws {
        // det = product of the diagonal = 2·(−3)·0.5·4 = −12.
        let a = Tensor<Double>(shape: [4, 4], scalars: [
            2, 1, 7, -1,
            0, -3, 2, 5,
            0, 0, 0.5, 9,
            0, 0, 0, 4,
        ])
        let r = try slogdet(a)
        XCTAssertEqual(r.sign, -1)
        XCTAssertEqual(r.logAbsDet, Foundation.log(12), accuracy: 1e-13)
        // Lower triangular too (pivoting happens here).
        let l = LA.transpose(a)
        let rl = try slogdet(l)
        XCTAssertEqual(rl.sign, -1)
        XCTAssertEqual(rl.logAbsDet, Foundation.log(12), accuracy: 1e-13)
    }

    func testSlogdetOfPermutationMatrices() throws {
        // One transposition: det = −1.
        let swap = Tensor<Double>(shape: [3, 3], scalars: [0, 1, 0, 1, 0, 0, 0, 0, 1])
        let r = try slogdet(swap)
        XCTAssertEqual(r.sign, -1)
        XCTAssertEqual(r.logAbsDet, 0, accuracy: 1e-15)
        // A 3-cycle (two transpositions): det = +1.
        let cycle = Tensor<Double>(shape: [3, 3], scalars: [0, 1, 0, 0, 0, 1, 1, 0, 0])
        XCTAssertEqual(try slogdet(cycle).sign, 1)
        XCTAssertEqual(try slogdet(cycle).logAbsDet, 0, accuracy: 1e-15)
    }

    func testSlogdetTwoByTwoClosedForm() throws {
        for (a, b, c, d) in [(3.0, 1.0, 2.0, 5.0), (1.0, 4.0, 2.0, 3.0), (0.0, 2.0, -7.0, 0.5), (1e-3, 2, 3, 1e3)] {
            let det = a * d - b * c
            let r = try slogdet(Tensor(shape: [2, 2], scalars: [a, b, c, d]))
            XCTAssertEqual(r.sign, det > 0 ? 1 : -1, "\([a, b, c, d])")
            XCTAssertEqual(r.logAbsDet, Foundation.log(Swift.abs(det)), accuracy: 1e-12)
        }
    }

    func testSlogdetRandomSixBySixAgainstNaiveElimination() throws {
        var rng = RandomGenerator(seed: 2024)
        for _ in 0..<5 {
            let a = Tensor<Double>.randomNormal([6, 6], rng: &rng)
            let det = LA.naiveDeterminant(a)
            let r = try slogdet(a)
            XCTAssertEqual(r.sign, det > 0 ? 1 : -1)
            XCTAssertEqual(r.logAbsDet, Foundation.log(Swift.abs(det)), accuracy: 1e-10)
        }
    }

    func testSlogdetDoesNotOverflowAndHandlesSingular() throws {
        let big = LA.diag(Array(repeating: 10, count: 400), 400, 400)   // det = 10⁴⁰⁰ overflows Double
        let r = try slogdet(big)
        XCTAssertEqual(r.sign, 1)
        XCTAssertEqual(r.logAbsDet, 400 * Foundation.log(10.0), accuracy: 1e-9)
        let singular = Tensor<Double>(shape: [2, 2], scalars: [1, 2, 2, 4])
        let s = try slogdet(singular)
        XCTAssertEqual(s.sign, 0)
        XCTAssertEqual(s.logAbsDet, -.infinity)
    }

    func testLUFactorsReproducePermutedMatrix() throws {
        var rng = RandomGenerator(seed: 5)
        let a = Tensor<Double>.randomNormal([5, 5], rng: &rng)
        let lu = try luDecomposition(a)
        let pa = Tensor(shape: [5, 5], scalars: lu.rowOrder.flatMap { r in a.scalars[(r * 5)..<(r * 5 + 5)] })
        XCTAssertLessThan(LA.maxAbsDiff(LA.matmul(lu.lower, lu.upper), pa), 1e-12)
        XCTAssertFalse(lu.hasZeroPivot)
        XCTAssertGreaterThan(try lu.reciprocalCondition(), 0)
    }

    func testSolveResidualIsSmall() throws {
        var rng = RandomGenerator(seed: 9)
        var a = Tensor<Double>.randomNormal([8, 8], rng: &rng)
        for i in 0..<8 { a[i, i] += 4 }
        // Vector right-hand side.
        let b = Tensor<Double>.randomNormal([8], rng: &rng)
        let x = try solve(a, b)
        XCTAssertEqual(x.shape, [8])
        let ax = LA.matmul(a, x.reshaped([8, 1])).reshaped([8])
        let residual = zip(ax.scalars, b.scalars).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
        XCTAssertLessThan(residual, 1e-12)
        // Matrix right-hand side.
        let bm = Tensor<Double>.randomNormal([8, 3], rng: &rng)
        let xm = try solve(a, bm)
        XCTAssertEqual(xm.shape, [8, 3])
        XCTAssertLessThan(LA.maxAbsDiff(LA.matmul(a, xm), bm), 1e-12)
        // Float overload.
        let xf = try solve(a.converted(to: Float.self), b.converted(to: Float.self))
        XCTAssertLessThan(LA.maxAbsDiff(xf, x), 1e-4)
    }

    func testInverse() throws {
        var rng = RandomGenerator(seed: 13)
        var a = Tensor<Double>.randomNormal([6, 6], rng: &rng)
        for i in 0..<6 { a[i, i] += 3 }
        let inv = try inverse(a)
        XCTAssertLessThan(LA.maxAbsDiff(LA.matmul(a, inv), LA.identity(6)), 1e-12)
        XCTAssertLessThan(LA.maxAbsDiff(LA.matmul(inv, a), LA.identity(6)), 1e-12)
        let invF = try inverse(Tensor<Float>(shape: [2, 2], scalars: [2, 0, 0, 4]))
        XCTAssertEqual(invF.scalars, [0.5, 0, 0, 0.25])
    }

    func testSingularMatrixThrows() {
        let exact = Tensor<Double>(shape: [2, 2], scalars: [1, 2, 2, 4])
        let numeric = Tensor<Double>(shape: [3, 3], scalars: [1, 2, 3, 4, 5, 6, 7, 8, 9])
        for m in [exact, numeric] {
            let b = Tensor<Double>(repeating: 1, shape: [m.shape[0]])
            XCTAssertThrowsError(try solve(m, b)) { e in
                guard case .singularMatrix(operation: "solve", _)? = e as? LinalgError else {
                    return XCTFail("expected singularMatrix, got \(e)")
                }
            }
            XCTAssertThrowsError(try inverse(m)) { e in
                guard case .singularMatrix(operation: "inverse", _)? = e as? LinalgError else {
                    return XCTFail("expected singularMatrix, got \(e)")
                }
                XCTAssertTrue("\(e)".contains("singular"))
            }
        }
        XCTAssertThrowsError(try inverse(Tensor<Double>.zeros([3, 3])))
    }

    func testBadShapesThrow() {
        let rect = Tensor<Double>.zeros([2, 3])
        XCTAssertThrowsError(try slogdet(rect)) { e in
            XCTAssertEqual(e as? LinalgError, .notSquare(operation: "slogdet", rows: 2, columns: 3))
        }
        XCTAssertThrowsError(try luDecomposition(Tensor<Double>.zeros([0, 0]))) { e in
            XCTAssertEqual(e as? LinalgError, .emptyMatrix(operation: "luDecomposition", shape: [0, 0]))
        }
        XCTAssertThrowsError(try inverse(Tensor<Double>.zeros([4]))) { e in
            XCTAssertEqual(e as? LinalgError, .notAMatrix(operation: "inverse", shape: [4]))
        }
        let a = LA.identity(3)
        XCTAssertThrowsError(try solve(a, Tensor<Double>.zeros([4]))) { e in
            XCTAssertEqual(e as? LinalgError, .shapeMismatch(operation: "solve", lhs: [3, 3], rhs: [4]))
        }
        XCTAssertThrowsError(try solve(a, Tensor<Double>.zeros([3, 0])))
        XCTAssertThrowsError(try solve(a, Tensor<Double>(shape: [3], scalars: [1, .infinity, 0])))
        XCTAssertThrowsError(try solve(a, Tensor<Double>(5)))
    }
}
