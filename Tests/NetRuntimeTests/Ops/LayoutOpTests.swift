import XCTest
@testable import NetRuntime

final class LayoutOpTests: XCTestCase {
    func iota(_ shape: [Int]) -> Tensor<Double> {
        Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map(Double.init))
    }

    func testPermuteSliceConcatValues() {
        let g = Graph()
        let x = g.constant(iota([2, 3, 4]))
        let out = g.evaluate([x.permuted([2, 0, 1]), x.slice(axis: 1, start: 1, length: 2),
                              concat([x, x.slice(axis: 2, start: 3, length: 1)], axis: 2), x.transposed], as: Double.self)
        let t = iota([2, 3, 4])
        XCTAssertEqual(out[0].shape, [4, 2, 3])
        for a in 0..<2 { for b in 0..<3 { for c in 0..<4 {
            XCTAssertEqual(out[0][c, a, b], t[a, b, c])
            XCTAssertEqual(out[3][a, c, b], t[a, b, c])
        } } }
        XCTAssertEqual(out[1].shape, [2, 2, 4])
        XCTAssertEqual(out[1][1, 0, 2], t[1, 1, 2])
        XCTAssertEqual(out[2].shape, [2, 3, 5])
        XCTAssertEqual(out[2][1, 2, 4], t[1, 2, 3])
        XCTAssertEqual(out[2][1, 2, 2], t[1, 2, 2])
    }

    func testSqueezeIsInvertibleAndMatchesDefinition() {
        let g = Graph()
        let x = g.constant(iota([2, 3, 4, 6]))
        let s = x.squeezed(2)
        let out = g.evaluate([s, s.unsqueezed(2)], as: Double.self)
        let t = iota([2, 3, 4, 6])
        XCTAssertEqual(out[0].shape, [2, 12, 2, 3])
        XCTAssertEqual(out[1], t)
        for n in 0..<2 { for c in 0..<3 { for h in 0..<2 { for w in 0..<3 { for i in 0..<2 { for j in 0..<2 {
            XCTAssertEqual(out[0][n, (i * 2 + j) * 3 + c, h, w], t[n, c, 2 * h + i, 2 * w + j])
        } } } } } }
    }

    func testChannelPadding() {
        let g = Graph()
        let x = g.constant(iota([1, 2, 2, 2]))
        let p = x.paddingChannels(3)
        let out = g.evaluate([p, p.droppingPaddedChannels(keeping: 2)], as: Double.self)
        XCTAssertEqual(out[0].shape, [1, 5, 2, 2])
        XCTAssertEqual(out[0].scalars.suffix(12), ArraySlice(Array(repeating: 0.0, count: 12)))
        XCTAssertEqual(out[1], iota([1, 2, 2, 2]))
    }

    func testGradients() {
        GradientCheck(shapes: [[2, 3, 4]]).run { _, x in x[0].permuted([1, 2, 0]).tanh() }
        GradientCheck(shapes: [[3, 5]]).run { _, x in x[0].slice(axis: 1, start: 1, length: 3).square() }
        GradientCheck(shapes: [[2, 3], [2, 2]]).run { _, x in concat([x[0], x[1].exp()], axis: 1) * concat([x[1], x[0]], axis: 1) }
        GradientCheck(shapes: [[1, 2, 4, 4]]).run { _, x in x[0].squeezed().square() }
        GradientCheck(shapes: [[1, 2, 2, 2]]).run { _, x in x[0].paddingChannels(2).sigmoid() }
        GradientCheck(shapes: [[2, 6]]).run { _, x in
            let parts = x[0].split(axis: 1, sizes: [2, 4])
            return parts[0].sum(axes: [1], keepDims: true) * parts[1].tanh()
        }
    }
}
