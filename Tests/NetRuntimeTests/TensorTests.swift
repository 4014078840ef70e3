import XCTest
@testable import NetRuntime

final class TensorTests: XCTestCase {
    func testShapeAndIndexing() {
        var t = Tensor<Double>(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t[1, 2], 6)
        t[0, 1] = 9
        XCTAssertEqual(t.scalars, [1, 9, 3, 4, 5, 6])
        XCTAssertEqual(t.reshaped([3, 2]).shape, [3, 2])
    }
}
