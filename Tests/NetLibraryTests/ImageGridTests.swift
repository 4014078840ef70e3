import XCTest
import NetRuntime
@testable import NetLibrary

/// Image grids: small images enlarged nearest-neighbour to at least the minimum size, one
/// pixel of gap between them, labels under each; titles above any picture.
final class ImageGridTests: XCTestCase {
    /// Two 8×8 images: the first black where x + y is odd (a checkerboard), the second a
    /// left half of ink.
    func images() -> Tensor<Double> {
        var s = [Double]()
        for y in 0..<8 { for x in 0..<8 { s.append(Double((x + y) % 2)) } }
        for _ in 0..<8 { for x in 0..<8 { s.append(x < 4 ? 1 : 0) } }
        return Tensor(shape: [2, 8, 8], scalars: s)
    }

    func testEightByEightImagesBecomeSixtyFourPixelsNearestNeighbour() {
        let image = Pictures.grid(images(), columns: 2)
        // 2 columns of 64 px, 3 one-pixel gaps; 1 row of 64 px, 2 gaps.
        XCTAssertEqual(image.width, 2 * 64 + 3)
        XCTAssertEqual(image.height, 64 + 2)
        // Every source pixel is an 8×8 block of exactly its grey: no smoothing.
        for y in 0..<8 { for x in 0..<8 {
            let expected: UInt8 = (x + y) % 2 == 1 ? 0 : 255
            for (dx, dy) in [(0, 0), (7, 0), (0, 7), (7, 7), (3, 4)] {
                XCTAssertEqual(image[1 + 8 * x + dx, 1 + 8 * y + dy].0, expected, "pixel (\(x), \(y))")
            }
        } }
        // The gaps are grey lines around and between the tiles.
        for y in 0..<image.height {
            XCTAssertTrue(image[0, y] == Pictures.gridGap && image[65, y] == Pictures.gridGap && image[130, y] == Pictures.gridGap)
        }
        XCTAssertTrue(image[1, 0] == Pictures.gridGap && image[1, 65] == Pictures.gridGap)
        // The second tile: ink left of its middle, paper right of it.
        XCTAssertEqual(image[66 + 31, 30].0, 0)
        XCTAssertEqual(image[66 + 32, 30].0, 255)
    }

    func testTheScaleIsTheSmallestWholeFactorReachingTheMinimum() {
        XCTAssertEqual(Pictures.grid(images(), columns: 1, minimumSize: 20).width, 24 + 2)   // factor 3
        XCTAssertEqual(Pictures.grid(images(), columns: 1, minimumSize: 1).width, 8 + 2)     // factor 1
        let large = Tensor<Double>(shape: [1, 100, 50], scalars: Array(repeating: 0.5, count: 5000))
        XCTAssertEqual(Pictures.grid(large, columns: 1).height, 100 + 2)                    // already large
    }

    func testLabelsAreWrittenUnderEachImage() {
        let plain = Pictures.grid(images(), columns: 2)
        let labelled = Pictures.grid(images(), columns: 2, labels: ["7", "x → x̃"])
        XCTAssertEqual(labelled.width, plain.width)
        // Both labels fit at twice the font size: a strip of 2·9 + 4 pixels under each image.
        XCTAssertEqual(labelled.height, plain.height + 2 * BitmapFont.glyphHeight + 4)
        func ink(_ x0: Int, _ x1: Int) -> Int {
            var n = 0
            for y in 65..<(labelled.height - 1) { for x in x0..<x1 where labelled[x, y].0 < 128 { n += 1 } }
            return n
        }
        XCTAssertGreaterThan(ink(1, 65), 0, "first label")
        XCTAssertGreaterThan(ink(66, 130), ink(1, 65), "the longer label has more ink")
        // A label too long for the image is cut at the font's size, with an ellipsis.
        XCTAssertEqual(Pictures.fitted("a long label here", width: 64, fontScale: 1), "a long la…")
        XCTAssertEqual(Pictures.gridLabelStyle(["a long label here"], width: 64).fontScale, 1)
        XCTAssertTrue(BitmapFont.hasGlyph("→") && BitmapFont.hasGlyph("x̃") && BitmapFont.hasGlyph("…"))
    }

    func testATitleLineGoesAboveThePicture() {
        let picture = Pictures.grid(images(), columns: 2)
        let titled = Pictures.titled(picture, "QUICK RUN")
        XCTAssertEqual(titled.width, picture.width)
        XCTAssertEqual(titled.height, picture.height + 2 * BitmapFont.glyphHeight + 8)
        // The picture is below the title, unchanged.
        let strip = titled.height - picture.height
        for (x, y) in [(0, 0), (10, 10), (70, 33), (130, 65)] { XCTAssertTrue(titled[x, strip + y] == picture[x, y]) }
        // A title wider than the picture widens the canvas.
        let long = Pictures.titled(picture, String(repeating: "w", count: 40))
        XCTAssertEqual(long.width, 40 * BitmapFont.advance - 1 + 8)
        XCTAssertEqual(Pictures.titled(picture, "").height, picture.height)
    }
}
