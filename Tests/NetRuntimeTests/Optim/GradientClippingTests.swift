import XCTest
@testable import NetRuntime

final class GradientClippingTests: XCTestCase {
    /// Runs `body` on buffers holding copies of `arrays`, returning their contents afterwards.
    func withBuffers(_ arrays: [[Double]], _ body: ([UnsafeMutableBufferPointer<Double>]) -> Void) -> [[Double]] {
        let bufs = arrays.map { a -> UnsafeMutableBufferPointer<Double> in
            let b = UnsafeMutableBufferPointer<Double>.allocate(capacity: a.count)
            _ = b.initialize(from: a)
            return b
        }
        defer { bufs.forEach { $0.deallocate() } }
        body(bufs)
        return bufs.map(Array.init)
    }

    func testClipsByGlobalNormAcrossBuffers() {
        var norm = 0.0
        let out = withBuffers([[3], [], [4]]) { norm = clipGradientNorm($0, maxNorm: 1) }
        XCTAssertEqual(norm, 5)
        let c = 1 / (5 + 1e-6)
        XCTAssertEqual(out[0][0], 3 * c, accuracy: 1e-15)
        XCTAssertEqual(out[2][0], 4 * c, accuracy: 1e-15)
    }

    func testLeavesSmallGradientsUnchanged() {
        var norm = 0.0
        let out = withBuffers([[1, -2], [2]]) { norm = clipGradientNorm($0, maxNorm: 10) }
        XCTAssertEqual(norm, 3)
        XCTAssertEqual(out, [[1, -2], [2]])
    }

    func testInfinityAndOtherNorms() {
        var norm = 0.0
        let out = withBuffers([[1, -6], [2]]) { norm = clipGradientNorm($0, maxNorm: 3, normType: .infinity) }
        XCTAssertEqual(norm, 6)
        XCTAssertEqual(out[0][1], -6 * 3 / (6 + 1e-6), accuracy: 1e-15)
        _ = withBuffers([[1, -2], [3]]) { bufs in
            let n1 = globalGradientNorm(bufs.map { UnsafeBufferPointer($0) }, normType: 1)
            XCTAssertEqual(n1, 6, accuracy: 1e-12)
        }
    }

    func testNonFiniteNormPoisonsGradients() {
        var norm = 0.0
        let out = withBuffers([[1, .nan]]) { norm = clipGradientNorm($0, maxNorm: 1) }
        XCTAssertTrue(norm.isNaN)
        XCTAssertTrue(out[0][0].isNaN)
    }
}
