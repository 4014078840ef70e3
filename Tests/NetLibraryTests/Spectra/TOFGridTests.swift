import XCTest
@testable import NetLibrary

final class TOFGridTests: XCTestCase {
    func testGridIsIncreasingWithGrowingBinsAndTheMeanWidth() {
        let grid = TOFGrid(low: 800, meanWidth: 0.163, bins: 27_000)
        XCTAssertEqual(grid.count, 27_000)
        XCTAssertEqual(grid.low, 800, accuracy: 1e-9)
        XCTAssertEqual(grid.high, 800 + 0.163 * 26_999, accuracy: 1e-6)
        XCTAssertEqual(grid.meanWidth, 0.163, accuracy: 1e-12)
        let widths = grid.widths
        XCTAssertTrue(widths.allSatisfy { $0 > 0 })
        XCTAssertTrue(zip(widths, widths.dropFirst()).allSatisfy { $0 < $1 })
        // Width ∝ √m on a TOF grid: the last bin over the first ≈ √(high/low).
        XCTAssertEqual(widths.last! / widths.first!, (grid.high / grid.low).squareRoot(), accuracy: 1e-3)
        XCTAssertEqual(grid.lowerBound(800), 0)
        XCTAssertEqual(grid.lowerBound(1e9), grid.count)
        let i = grid.lowerBound(2000)
        XCTAssertTrue(grid.mz[i] >= 2000 && grid.mz[i - 1] < 2000)
    }
}
