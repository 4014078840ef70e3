import Foundation
import XCTest
@testable import NetLibrary
import NetRuntime

/// Every chart kind records what its axes show (`ChartScene.axes`): these tests render each
/// kind and check that the ticks are round, 5–8 on a line chart's axes, labelled in one
/// format, drawn as text at their recorded positions inside the plot, that axis labels and
/// titles are there, that a density's colour bar spans its values, and that legends stay
/// compact.
final class PictureAxesTests: XCTestCase {
    /// The texts of a scene, with their anchor points.
    func texts(_ s: ChartScene) -> [(String, ChartPoint)] {
        s.elements.compactMap { if case let .text(t, p, _, _, _) = $0 { return (t, p) } else { return nil } }
    }

    /// Ticks in increasing value order, each with a label drawn by the scene, positions
    /// strictly monotone and inside [lo, hi], labels distinct and of one decimal count.
    func checkTicks(_ ticks: [ChartAxesRecord.Tick], in s: ChartScene, along lo: Double, _ hi: Double, count: ClosedRange<Int>,
                    sameDecimals: Bool = true, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(count.contains(ticks.count), "\(ticks.count) ticks: \(ticks.map(\.label))", file: file, line: line)
        let drawn = Set(texts(s).map(\.0))
        for t in ticks {
            XCTAssertFalse(t.label.isEmpty, file: file, line: line)
            XCTAssertTrue(drawn.contains(t.label), "tick label \(t.label) is not drawn", file: file, line: line)
            XCTAssertTrue(t.position >= lo - 1e-9 && t.position <= hi + 1e-9, "tick \(t.label) at \(t.position) outside [\(lo), \(hi)]", file: file, line: line)
        }
        XCTAssertEqual(Set(ticks.map(\.label)).count, ticks.count, "distinct labels", file: file, line: line)
        let steps = zip(ticks, ticks.dropFirst()).map { $1.position - $0.position }
        XCTAssertTrue(steps.allSatisfy { $0 > 0 } || steps.allSatisfy { $0 < 0 }, "monotone positions", file: file, line: line)
        guard sameDecimals else { return }
        let decimals = Set(ticks.filter { !$0.label.contains("e") }.map { $0.label.split(separator: ".").dropFirst().first?.count ?? 0 })
        XCTAssertLessThanOrEqual(decimals.count, 1, "one number of decimals: \(ticks.map(\.label))", file: file, line: line)
    }

    func lineChart(_ ys: [Double], logY: Bool = false) -> Chart {
        var chart = Chart(title: "A chart", xLabel: "epoch", yLabel: "loss", logY: logY)
        let xs = ys.indices.map { Double($0 + 1) }
        chart.series = [.init(label: "train", x: xs, y: ys), .init(label: "test", x: xs, y: ys.map { $0 * 1.1 })]
        return chart
    }

    func testLineChartsHaveFiveToEightTicksOnEachLinearAxisInOneFormat() throws {
        for ys in [[0.0, 1.0], [2.1, 1.5, 1.2, 1.0, 0.9, 0.85], [1e5, 3.3e5, 7e5], [1e-6, 2e-6, 3.5e-6], [-3.2, 40.1, 12]] {
            let chart = lineChart(ys), s = chart.scene()
            let axes = try XCTUnwrap(s.axes.first)
            checkTicks(axes.xTicks, in: s, along: axes.plotLeft, axes.plotRight, count: 5...8)
            checkTicks(axes.yTicks, in: s, along: axes.plotTop, axes.plotBottom, count: 5...8)
            XCTAssertEqual(axes.xLabel, "epoch"); XCTAssertEqual(axes.yLabel, "loss"); XCTAssertEqual(axes.title, "A chart")
            for label in ["epoch", "loss", "A chart"] { XCTAssertTrue(texts(s).contains { $0.0 == label }, label) }
        }
        // "0" never stands next to "1.0".
        let labels = try XCTUnwrap(lineChart([0, 1]).scene().axes.first).yTicks.map(\.label)
        XCTAssertTrue(labels.contains("0.0") && labels.contains("1.0"), "\(labels)")
    }

    /// Any data range gets 5–8 ticks on both axes of a line chart (the axis widens to round
    /// ends when no round step fits the range itself).
    func testEveryRangeGetsFiveToEightTicks() {
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<300 {
            let lo = Double.random(in: -100...100, using: &rng), span = pow(10, Double.random(in: -3...4, using: &rng))
            var chart = Chart(title: "", xLabel: "", yLabel: "")
            chart.series = [.init(label: "a", x: [lo, lo + span], y: [lo, lo + span])]
            let l = chart.layout()
            XCTAssertTrue((5...8).contains(l.xTicks.count), "x over [\(lo), \(lo + span)]: \(l.xTicks.map(\.label))")
            XCTAssertTrue((5...8).contains(l.yTicks.count), "y over [\(lo), \(lo + span)]: \(l.yTicks.map(\.label))")
            XCTAssertTrue(l.xTicks.allSatisfy { $0.value >= l.x0 - 1e-9 * span && $0.value <= l.x1 + 1e-9 * span })
        }
    }

    func testShortLogAxesGetIntermediateTicks() throws {
        let s = lineChart([0.9, 0.5, 0.25, 0.125, 0.0625], logY: true).scene()
        let axes = try XCTUnwrap(s.axes.first)
        XCTAssertEqual(axes.yTicks.map { $0.label }, ["0.1", "0.2", "0.5", "1"])
        // A log axis labels 1, 2, 5 × 10^k plainly ("0.1", "0.2", "0.5", "1").
        checkTicks(axes.yTicks, in: s, along: axes.plotTop, axes.plotBottom, count: 4...8, sameDecimals: false)
        let long = try XCTUnwrap(lineChart([1, 1e-2, 1e-4, 1e-6, 1e-8], logY: true).scene().axes.first)
        XCTAssertTrue(long.yTicks.allSatisfy { $0.value == $0.value.rounded() }, "decades: \(long.yTicks.map(\.label))")
        XCTAssertGreaterThanOrEqual(long.yTicks.count, 4)
    }

    /// A legend of a few short labels sits inside the plot, in a corner the lines avoid; a
    /// legend too big for a corner takes a column beside the plot, only as wide as its labels.
    func testLegendsAreCompact() throws {
        // Lines falling from the top left: the top right corner is free.
        let falling = lineChart([10, 5, 2, 1, 0.5, 0.2, 0.1, 0.05])
        let l = falling.layout(), legend = try XCTUnwrap(l.legend)
        XCTAssertTrue(legend.inside)
        XCTAssertGreaterThan(legend.x, (l.left + l.width - l.right) / 2, "right half")
        XCTAssertLessThan(legend.y, (l.top + l.height - l.bottom) / 2, "top half")
        XCTAssertLessThanOrEqual(legend.width, (l.width - l.right - l.left) / 2)
        XCTAssertEqual(l.right, 20, "no column for the legend")
        for p in falling.scenePoints(l) {
            XCTAssertFalse(p.x > legend.x && p.x < legend.x + legend.width && p.y > legend.y && p.y < legend.y + legend.height, "data under the legend at \(p)")
        }
        // Twelve series fill the plot: the legend goes beside it, as wide as its labels.
        var crowded = Chart(title: "", xLabel: "", yLabel: "")
        crowded.series = (0..<12).map { k in .init(label: "series \(k)", x: (0..<20).map(Double.init), y: (0..<20).map { sin(Double($0 + k)) }) }
        let c = crowded.layout(), beside = try XCTUnwrap(c.legend)
        XCTAssertFalse(beside.inside)
        XCTAssertGreaterThanOrEqual(beside.x, c.width - c.right)
        XCTAssertEqual(c.right, ChartLegend.size(beside.labels).width + 24)
        XCTAssertLessThan(c.right, (c.width - c.left - c.right) / 3, "the legend takes less than a third of the plot's width")
        let s = crowded.scene()
        XCTAssertEqual(s.axes.first?.legend, beside)
        for k in 0..<12 { XCTAssertTrue(texts(s).contains { $0.0 == "series \(k)" }) }
    }

    func testBoxPlotRecordsItsAxes() throws {
        let plot = BoxPlot(title: "folds", yLabel: "accuracy", groups: [("a", [0.80, 0.82, 0.85]), ("b", [0.90, 0.91, 0.93])])
        let s = plot.scene(), axes = try XCTUnwrap(s.axes.first)
        checkTicks(axes.yTicks, in: s, along: axes.plotTop, axes.plotBottom, count: 5...8)
        XCTAssertEqual(axes.xTicks.map { $0.label }, ["a", "b"])
        XCTAssertEqual(axes.yLabel, "accuracy")
    }

    /// A density: the square's ticks on both axes, x1 and x2, and a colour bar from the
    /// smallest to the largest value whose colours run from viridis(0) at the bottom to
    /// viridis(1) at the top; the cells carry the colours of their values.
    func testDensityHasAxesAndAColourBarWithItsScale() throws {
        let n = 20
        var values: [[Double]] = []
        for r in 0..<n {
            let row: [Double] = (0..<n).map { c in 0.05 + 0.3 * Double(r * n + c) / Double(n * n - 1) }
            values.append(row)
        }
        let picture = DensityPicture(values: values, range: 4, title: "density")
        let s = picture.scene(), axes = try XCTUnwrap(s.axes.first)
        checkTicks(axes.xTicks, in: s, along: axes.plotLeft, axes.plotRight, count: 5...5)
        checkTicks(axes.yTicks, in: s, along: axes.plotTop, axes.plotBottom, count: 5...5)
        XCTAssertEqual(axes.xTicks.map { $0.label }, ["-4", "-2", "0", "2", "4"])
        XCTAssertEqual([axes.xLabel, axes.yLabel, axes.title], ["x1", "x2", "density"])
        let bar = try XCTUnwrap(axes.colorBar)
        XCTAssertEqual(bar.lo, 0.05, accuracy: 1e-12)
        XCTAssertEqual(bar.hi, 0.35, accuracy: 1e-12)
        XCTAssertEqual(bar.label, "density p(x)")
        checkTicks(bar.ticks, in: s, along: axes.plotTop, axes.plotBottom, count: 4...7)
        XCTAssertTrue(bar.ticks.allSatisfy { $0.value >= bar.lo && $0.value <= bar.hi })
        // A tick's position on the bar: linear in its value, hi at the top.
        let barHeight = axes.plotBottom - axes.plotTop
        for t in bar.ticks {
            let expected: Double = axes.plotTop + barHeight * (bar.hi - t.value) / (bar.hi - bar.lo)
            XCTAssertEqual(t.position, expected, accuracy: 1e-9)
        }
        let image = picture.image(scale: 2)
        func pixel(_ x: Double, _ y: Double) -> [UInt8] { let p = image[Int(x * 2), Int(y * 2)]; return [p.0, p.1, p.2] }
        func viridis(_ t: Double) -> [UInt8] { let c = Colormap.color(t); return [c.0, c.1, c.2] }
        let barX = axes.plotRight + 18 + ChartScene.colorBarStrip / 2
        // Inside the bar's frame: pixel rows 2 and 598 of its 600 show strip rows 1 and 255 of 256.
        XCTAssertEqual(pixel(barX, axes.plotTop + 1), viridis(1 - 1.5 / 256), "top of the bar")
        XCTAssertEqual(pixel(barX, axes.plotBottom - 1), viridis(0.5 / 256), "bottom of the bar")
        // The top-left cell holds the smallest value, the bottom-right one the largest.
        let cell = (axes.plotRight - axes.plotLeft) / Double(n)
        XCTAssertEqual(pixel(axes.plotLeft + cell / 2, axes.plotTop + cell / 2), viridis(0))
        XCTAssertEqual(pixel(axes.plotRight - cell / 2, axes.plotBottom - cell / 2), viridis(1))
        // The SVG carries the same cells, as an embedded PNG.
        XCTAssertTrue(s.svg().contains("<image "))
    }

    func testScatterHasAxesWithTicksAndLabels() throws {
        let points = Tensor<Double>(shape: [3, 2], scalars: [0, 0, 1, 1, -2.5, 2])
        let s = ScatterPicture(points: points, range: 3, title: "samples").scene()
        let axes = try XCTUnwrap(s.axes.first)
        XCTAssertEqual(axes.xTicks.map { $0.label }, ["-3", "-2", "-1", "0", "1", "2", "3"])
        checkTicks(axes.yTicks, in: s, along: axes.plotTop, axes.plotBottom, count: 5...8)
        XCTAssertEqual([axes.xLabel, axes.yLabel, axes.title], ["x1", "x2", "samples"])
        XCTAssertNil(axes.colorBar)
        XCTAssertFalse(texts(s).contains { $0.0.contains("outside") })
    }
}
