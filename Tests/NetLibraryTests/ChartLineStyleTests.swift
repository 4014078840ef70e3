import XCTest
@testable import NetLibrary
import NetRuntime

/// Charts with more series than colours: each round of eight series gets the next dash
/// pattern and shifted markers, and the dash pieces follow the pattern along the line.
final class ChartLineStyleTests: XCTestCase {
    func testNoTwoOfTheFirst32SeriesLookAlike() {
        let styles = (0..<32).map(Chart.style)
        for i in styles.indices { for j in styles.indices where i < j {
            XCTAssertFalse(styles[i].color == styles[j].color && styles[i].dash == styles[j].dash, "series \(i) and \(j) share colour and dash")
            if styles[i].color == styles[j].color { XCTAssertNotEqual(styles[i].marker, styles[j].marker, "series \(i) and \(j)") }
        } }
        XCTAssertEqual(styles[0].dash, [], "the first eight series are solid")
        XCTAssertNotEqual(styles[8].dash, [])
    }

    func testDashPiecesFollowThePatternAcrossVertices() {
        // A straight line of length 30 under (7 on, 4 off): on over [0, 7], [11, 18], [22, 29].
        let straight = ChartScene.dashed([ChartPoint(0, 0), ChartPoint(30, 0)], [7, 4])
        XCTAssertEqual(straight.map { $0.map(\.x) }, [[0, 7], [11, 18], [22, 29]])
        // Around a corner at length 5 the first dash continues 2 units down the second leg.
        let corner = ChartScene.dashed([ChartPoint(0, 0), ChartPoint(5, 0), ChartPoint(5, 10)], [7, 4])
        XCTAssertEqual(corner.count, 2)
        XCTAssertEqual(corner[0], [ChartPoint(0, 0), ChartPoint(5, 0), ChartPoint(5, 2)])
        XCTAssertEqual(corner[1], [ChartPoint(5, 6), ChartPoint(5, 10)])
    }

    func testTheNinthSeriesIsDrawnDashedWithGaps() {
        var chart = Chart(title: "nine", xLabel: "x", yLabel: "y")
        for i in 0..<9 { chart.series.append(.init(label: "s\(i)", x: [0, 100], y: [Double(i), Double(i)])) }
        let scene = chart.scene(), ninth = Chart.color(8)
        let pieces = scene.elements.compactMap { e -> [ChartPoint]? in
            if case let .polyline(ps, c, _) = e, c == ninth { return ps }
            return nil
        }
        // Series 0 and 8 share the colour: one solid line (plus its legend line) against many dashes.
        XCTAssertGreaterThan(pieces.count, 20)
        let l = chart.layout(), y8 = l.py(8)
        let onLine = pieces.filter { $0.allSatisfy { abs($0.y - y8) < 1e-9 } }
        let covered = onLine.map { $0.last!.x - $0.first!.x }.reduce(0, +)
        let span = l.px(100) - l.px(0)
        XCTAssertEqual(covered / span, 7.0 / 11.0, accuracy: 0.05, "about 7/11 of the dashed line is ink")
    }
}
