import XCTest
@testable import NetRuntime

/// `maximum` / `minimum` (element-wise, broadcasting) and the sign of a determinant.
final class ExtremaAndDeterminantSignTests: XCTestCase {
    func testMaximumMinimumValuesAgainstALoop() {
        var rng = RandomGenerator(seed: 5)
        let a = Tensor<Double>.randomNormal([3, 4], rng: &rng), b = Tensor<Double>.randomNormal([4], rng: &rng)
        let g = Graph()
        let (x, y) = (g.constant(a), g.constant(b))
        let out = g.evaluate([x.maximum(y), x.minimum(y)], as: Double.self)
        for i in 0..<3 { for j in 0..<4 {
            XCTAssertEqual(out[0][i, j], Swift.max(a[i, j], b.scalars[j]))
            XCTAssertEqual(out[1][i, j], Swift.min(a[i, j], b.scalars[j]))
        } }
    }

    func testMaximumPropagatesNaN() {
        let g = Graph()
        let x = g.constant(Tensor(shape: [2], scalars: [.nan, 1])), y = g.constant(Tensor(shape: [2], scalars: [0, .nan]))
        for v in g.evaluate([x.maximum(y), x.minimum(y)], as: Double.self) { XCTAssertTrue(v.scalars.allSatisfy(\.isNaN)) }
    }

    /// The reduction `max` propagates NaN as PyTorch's amax and NumPy's max do, over all
    /// values and along either axis, whatever the NaN's position (it used to skip NaNs, so
    /// max(|x − x̂|) could report a finite error for a NaN reconstruction).
    func testMaxReductionPropagatesNaN() {
        let g = Graph()
        let x = g.constant(Tensor(shape: [2, 3], scalars: [.nan, 1, 2, 3, 4, 5]))
        let y = g.constant(Tensor(shape: [3], scalars: [0, 1, .nan]))
        let out = g.evaluate([x.max(), x.max(axes: [1]), x.max(axes: [0]), y.max()], as: Double.self)
        XCTAssertTrue(out[0].scalars[0].isNaN)
        XCTAssertTrue(out[1].scalars[0].isNaN); XCTAssertEqual(out[1].scalars[1], 5)
        XCTAssertTrue(out[2].scalars[0].isNaN); XCTAssertEqual(Array(out[2].scalars[1...]), [4, 5])
        XCTAssertTrue(out[3].scalars[0].isNaN, "a NaN in the last place")
        let f = g.evaluate([y.max()], as: Float.self)[0]
        XCTAssertTrue(f.scalars[0].isNaN, "Float32 too")
    }

    func testMaximumMinimumGradients() {
        GradientCheck(shapes: [[3, 4], [4]]).run { _, x in x[0].maximum(x[1]) }
        GradientCheck(shapes: [[3, 4], [3, 1]]).run { _, x in x[0].minimum(x[1]) }
    }

    /// At a tie the gradient is split evenly between the operands (as in PyTorch and JAX).
    func testTiesSplitTheGradient() {
        let g = Graph()
        let a = g.input("a", shape: [2]), b = g.input("b", shape: [2])
        let grads = g.gradients(of: a.maximum(b).sum(), wrt: [a, b])
        let out = g.evaluate(grads, as: Double.self, inputs: [a: Tensor(shape: [2], scalars: [1, 2]), b: Tensor(shape: [2], scalars: [1, 3])])
        XCTAssertEqual(out[0].scalars, [0.5, 0])
        XCTAssertEqual(out[1].scalars, [0.5, 1])
    }

    func testDeterminantSignAgainstLAPACK() throws {
        var rng = RandomGenerator(seed: 9)
        let a = Tensor<Double>.randomNormal([6, 3, 3], rng: &rng)
        let g = Graph()
        let signs = g.evaluate([g.constant(a).determinantSign()], as: Double.self)[0]
        var seen = Set<Double>()
        for k in 0..<6 {
            let m = Tensor(shape: [3, 3], scalars: Array(a.scalars[(k * 9)..<(k * 9 + 9)]))
            XCTAssertEqual(signs.scalars[k], try slogdet(m).sign)
            seen.insert(signs.scalars[k])
        }
        XCTAssertEqual(seen, [-1, 1], "the draws should cover both signs")
        let singular = g.constant(Tensor(shape: [1, 2, 2], scalars: [1, 2, 2, 4]))
        XCTAssertEqual(g.evaluate([singular.determinantSign()], as: Double.self)[0].scalars, [0])
    }
}
