import XCTest
@testable import NetRuntime

final class LinearAlgebraOpTests: XCTestCase {
    func testLogAbsDetAndInverseValues() throws {
        var rng = RandomGenerator(seed: 2)
        let a = Tensor<Double>.randomNormal([3, 4, 4], rng: &rng)
        let g = Graph()
        let x = g.constant(a)
        let out = g.evaluate([x.logAbsDeterminant(), x.inverse().matmul(x)], as: Double.self)
        for b in 0..<3 {
            let m = Tensor(shape: [4, 4], scalars: Array(a.scalars[(b * 16)..<(b * 16 + 16)]))
            XCTAssertEqual(out[0].scalars[b], try slogdet(m).logAbsDet, accuracy: 1e-12)
            for i in 0..<4 { for j in 0..<4 { XCTAssertEqual(out[1][b, i, j], i == j ? 1 : 0, accuracy: 1e-12) } }
        }
    }

    func testGradients() {
        // Diagonally dominant inputs keep the matrices far from singular.
        GradientCheck(shapes: [[2, 3, 3]]).run { g, x in
            (x[0] + g.constant(Tensor(shape: [1, 3, 3], scalars: [4, 0, 0, 0, 4, 0, 0, 0, 4]))).logAbsDeterminant()
        }
        GradientCheck(shapes: [[2, 2, 2]]).run { g, x in
            (x[0] + g.constant(Tensor(shape: [1, 2, 2], scalars: [3, 0, 0, 3]))).inverse()
        }
    }

    func testBatchJacobian() {
        let g = Graph()
        let x = g.input("x", shape: [2, 3])
        let w = g.constant(Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6]))
        let y = x.matmul(w).tanh()   // [2, 2]
        let j = g.batchJacobian(of: y, wrt: x)
        let xv = Tensor<Double>(shape: [2, 3], scalars: [0.1, -0.2, 0.3, 0.0, 0.1, -0.1])
        let out = g.evaluate([j, y], as: Double.self, inputs: [x: xv])
        XCTAssertEqual(out[0].shape, [2, 2, 3])
        for n in 0..<2 { for i in 0..<2 { for k in 0..<3 {
            let d = 1 - out[1][n, i] * out[1][n, i]
            XCTAssertEqual(out[0][n, i, k], d * [[1, 3, 5], [2, 4, 6]][i][k], accuracy: 1e-12)
        } } }
    }
}
