import CZlib
import Foundation
import XCTest
@testable import NetLibrary
import NetRuntime

/// Charts as PNG: the file decodes, lines land on the pixels the layout says, text is
/// drawn where the title and legend go, the bitmap font covers printable ASCII, and log
/// axes tick at decades.
final class ChartTests: XCTestCase {
    /// A decoded 8-bit RGB PNG (only what our encoder writes: filter 0, no interlace).
    struct DecodedPNG {
        var width = 0, height = 0
        var pixels: [UInt8] = []
        func pixel(_ x: Int, _ y: Int) -> ChartColor {
            let i = 3 * (y * width + x)
            return ChartColor(pixels[i], pixels[i + 1], pixels[i + 2])
        }
    }

    func decode(_ data: [UInt8], file: StaticString = #filePath, line: UInt = #line) throws -> DecodedPNG {
        XCTAssertEqual(Array(data.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "PNG signature", file: file, line: line)
        func be32(_ i: Int) -> Int { Int(data[i]) << 24 | Int(data[i + 1]) << 16 | Int(data[i + 2]) << 8 | Int(data[i + 3]) }
        var png = DecodedPNG()
        var idat: [UInt8] = []
        var offset = 8, types: [String] = []
        while offset + 12 <= data.count {
            let length = be32(offset)
            let type = String(decoding: data[(offset + 4)..<(offset + 8)], as: UTF8.self)
            let body = Array(data[(offset + 8)..<(offset + 8 + length)])
            let crc = (Array(data[(offset + 4)..<(offset + 8)]) + body).withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
            XCTAssertEqual(Int(crc), be32(offset + 8 + length), "CRC of \(type)", file: file, line: line)
            types.append(type)
            if type == "IHDR" {
                png.width = be32(offset + 8); png.height = be32(offset + 12)
                XCTAssertEqual(Array(body[8...]), [8, 2, 0, 0, 0], "8-bit RGB", file: file, line: line)
            }
            if type == "IDAT" { idat += body }
            offset += 12 + length
        }
        XCTAssertEqual(types.first, "IHDR", file: file, line: line)
        XCTAssertEqual(types.last, "IEND", file: file, line: line)
        let rowBytes = 1 + 3 * png.width
        var raw = [UInt8](repeating: 0, count: rowBytes * png.height)
        var rawLength = uLongf(raw.count)
        let status = uncompress(&raw, &rawLength, idat, uLong(idat.count))
        XCTAssertEqual(status, Z_OK, "zlib inflate", file: file, line: line)
        XCTAssertEqual(Int(rawLength), raw.count, file: file, line: line)
        for y in 0..<png.height {
            XCTAssertEqual(raw[y * rowBytes], 0, "filter type", file: file, line: line)
            png.pixels += raw[(y * rowBytes + 1)..<((y + 1) * rowBytes)]
        }
        return png
    }

    /// Two flat lines (y = 0.8 and y = 0.3) over x ∈ [0, 10], the second with a ±0.1 band.
    func flatChart(title: String = "Flat lines", labels: [String] = ["upper", "lower"]) -> Chart {
        var chart = Chart(title: title, xLabel: "x", yLabel: "y")
        let x = (0...10).map(Double.init)
        chart.series.append(.init(label: labels[0], x: x, y: x.map { _ in 0.8 }))
        chart.series.append(.init(label: labels[1], x: x, y: x.map { _ in 0.3 }, band: x.map { _ in 0.1 }))
        return chart
    }

    func testChartPNGDecodesWithTheSceneSize() throws {
        let chart = flatChart()
        let image = chart.image(scale: 2)
        let png = try decode(try image.pngData())
        let scene = chart.scene()
        XCTAssertEqual(png.width, Int(scene.width) * 2)
        XCTAssertEqual(png.height, Int(scene.height) * 2)
        XCTAssertEqual(png.pixels, image.pixels)
        XCTAssertEqual(png.pixel(0, 0), ChartColor(255, 255, 255), "white background")
    }

    func testFlatLinesLandOnTheirPixelRows() throws {
        let chart = flatChart(), layout = chart.layout(), scale = 2
        let png = try decode(try chart.image(scale: scale).pngData())
        // Between two markers (x = 4.5), where only the line is drawn.
        let column = Int(layout.px(4.5) * Double(scale))
        for (i, y) in [0.8, 0.3].enumerated() {
            let row = Int(layout.py(y) * Double(scale))
            // The 2-unit line is 4 pixels wide, centred on the row boundary at `row`.
            for r in (row - 2)..<(row + 2) { XCTAssertEqual(png.pixel(column, r), Chart.color(i), "series \(i) at row \(r)") }
            XCTAssertNotEqual(png.pixel(column, row - 4), Chart.color(i))
            XCTAssertNotEqual(png.pixel(column, row + 4), Chart.color(i))
        }
        // The band of the second series: a light blend of its colour, neither white nor the colour.
        let bandRow = Int(layout.py(0.35) * Double(scale))
        let band = png.pixel(column, bandRow), c = Chart.color(1)
        XCTAssertNotEqual(band, ChartColor(255, 255, 255))
        XCTAssertNotEqual(band, c)
        XCTAssertEqual(Double(band.r), 0.8 * 255 + 0.2 * Double(c.r), accuracy: 1.5)
        XCTAssertEqual(Double(band.g), 0.8 * 255 + 0.2 * Double(c.g), accuracy: 1.5)
        // Outside the band (y = 0.5) the background stays white.
        XCTAssertEqual(png.pixel(column, Int(layout.py(0.55) * Double(scale))), ChartColor(255, 255, 255))
    }

    /// Number of dark (text-ink) pixels in a rectangle of the image.
    func inkCount(_ png: DecodedPNG, _ x0: Int, _ y0: Int, _ x1: Int, _ y1: Int) -> Int {
        var n = 0
        for y in max(0, y0)..<min(png.height, y1) { for x in max(0, x0)..<min(png.width, x1) where png.pixel(x, y) == ChartScene.ink { n += 1 } }
        return n
    }

    func testTitleAndLegendTextAreDrawn() throws {
        let chart = flatChart(), l = chart.layout()
        let png = try decode(try chart.image(scale: 2).pngData())
        // The title: above the plot (scene y < 30).
        XCTAssertGreaterThan(inkCount(png, 0, 0, png.width, 60), 200)
        // The legend: inside the plot, in a corner clear of the lines at 0.8 and 0.3 ± 0.1.
        let legend = try XCTUnwrap(l.legend)
        XCTAssertTrue(legend.inside)
        XCTAssertEqual(legend.labels, ["upper", "lower"])
        let legendX = Int((legend.x + 44) * 2), legendY = Int((legend.y + 12) * 2)
        XCTAssertGreaterThan(inkCount(png, legendX, legendY - 20, legendX + 120, legendY + 12), 40)
        // Without a title and labels nothing is inked there.
        let blank = flatChart(title: "", labels: ["", ""])
        let png2 = try decode(try blank.image(scale: 2).pngData())
        XCTAssertEqual(inkCount(png2, 0, 0, png2.width, 60), 0)
        let blankLegend = try XCTUnwrap(blank.layout().legend)
        XCTAssertEqual(inkCount(png2, Int((blankLegend.x + 44) * 2), legendY - 20, Int((blankLegend.x + 44) * 2) + 120, legendY + 12), 0)
        // The legend swatch of each series carries its colour.
        for i in 0..<2 {
            let y = Int((legend.y + ChartLegend.padding + ChartLegend.rowHeight * Double(i) + 6) * 2), x = Int((legend.x + ChartLegend.padding + 4) * 2)
            XCTAssertEqual(png.pixel(x, y), Chart.color(i))
        }
    }

    func testTextIsPlacedByAnchorAndScale() {
        var r = ChartRaster(width: 100, height: 40)
        r.drawText("I", at: ChartPoint(50, 20), anchor: .start, fontScale: 2)
        // "I" has its stem in column 2 and rows 0…6: 2×2 blocks from x = 54, y = 20 − 14.
        func at(_ x: Int, _ y: Int) -> ChartColor { let p = r.image[x, y]; return ChartColor(p.0, p.1, p.2) }
        XCTAssertEqual(at(54, 6), ChartScene.ink)
        XCTAssertEqual(at(55, 19), ChartScene.ink)
        XCTAssertEqual(at(54, 20), ChartColor(255, 255, 255), "nothing below the baseline")
        XCTAssertEqual(at(53, 10), ChartColor(255, 255, 255))
        XCTAssertEqual(at(54, 5), ChartColor(255, 255, 255), "seven rows above the baseline")
        // Vertical text reads upwards: the stem of "I" runs along y, left of the point.
        var v = ChartRaster(width: 40, height: 100)
        v.drawText("I", at: ChartPoint(20, 50), fontScale: 2, vertical: true)
        XCTAssertEqual(ChartColor(v.image[6, 45].0, v.image[6, 45].1, v.image[6, 45].2), ChartScene.ink)
        XCTAssertEqual(ChartColor(v.image[20, 45].0, v.image[20, 45].1, v.image[20, 45].2), ChartColor(255, 255, 255))
    }

    func testEveryPrintableASCIICharacterHasItsOwnGlyph() {
        var seen: [BitmapFont.Glyph: Character] = [:]
        for code in 32...126 {
            let c = Character(UnicodeScalar(UInt8(code)))
            XCTAssertTrue(BitmapFont.hasGlyph(c), "no glyph for '\(c)'")
            let g = BitmapFont.glyph(c)
            XCTAssertEqual(g.rows.count, BitmapFont.glyphHeight)
            XCTAssertTrue(g.rows.allSatisfy { $0.count == BitmapFont.glyphWidth })
            let ink = g.rows.joined().filter { $0 }.count
            if c == "\u{20}" { XCTAssertEqual(ink, 0) } else { XCTAssertGreaterThan(ink, 0, "'\(c)' is blank") }
            if let other = seen[g] { XCTFail("'\(c)' looks like '\(other)'") }
            seen[g] = c
        }
        XCTAssertEqual(BitmapFont.ascii.count, 95)
        XCTAssertEqual(BitmapFont.ascii.map { Int($0.0.asciiValue ?? 0) }, Array(32...126), "in code order")
        // Descenders go below the baseline; capitals do not.
        XCTAssertTrue(BitmapFont.glyph("g").rows[BitmapFont.ascent...].joined().contains(true))
        XCTAssertFalse(BitmapFont.glyph("G").rows[BitmapFont.ascent...].joined().contains(true))
        // Unknown characters are a box; superscripts and the minus sign are spelled out.
        XCTAssertFalse(BitmapFont.hasGlyph("é"))
        XCTAssertEqual(BitmapFont.glyph("é"), BitmapFont.box)
        XCTAssertEqual(BitmapFont.displayText("max |x − F⁻¹(F(x))|"), "max |x - F^-1(F(x))|")
        XCTAssertEqual(BitmapFont.width(of: "ab"), 11)
    }

    func testLogAxisTicksAtDecades() {
        let ticks = ChartTicks.logarithmic(-6.2, 0.1)
        XCTAssertEqual(ticks.map(\.value), [-6, -5, -4, -3, -2, -1, 0])
        XCTAssertEqual(ticks.map(\.label), ["1e-6", "1e-5", "1e-4", "1e-3", "0.01", "0.1", "1"])
        // Many decades: every second one (or more), still at decades.
        let wide = ChartTicks.logarithmic(-12.5, 0.5)
        XCTAssertTrue(wide.allSatisfy { $0.value == $0.value.rounded() })
        XCTAssertLessThanOrEqual(wide.count, 7)
        // Less than a decade: 1, 2, 5 × 10^k.
        XCTAssertEqual(ChartTicks.logarithmic(log10(0.15), log10(0.9)).map(\.label), ["0.2", "0.5"])
        // A log-y chart puts its y ticks at decades, and the rows follow log10.
        var chart = Chart(title: "t", xLabel: "n", yLabel: "err", logY: true)
        chart.series.append(.init(label: "a", x: [1, 2, 3, 4], y: [1, 1e-2, 1e-4, 1e-6]))
        let l = chart.layout()
        XCTAssertEqual(chart.yTicks(l).map(\.label), ["1e-6", "1e-5", "1e-4", "1e-3", "0.01", "0.1", "1"])
        XCTAssertEqual(l.py(1e-3) - l.py(1e-2), l.py(1e-2) - l.py(1e-1), accuracy: 1e-9)
        XCTAssertTrue(chart.svg().contains(">1e-6</text>"))
    }

    func testLinearTicksAreRound() {
        XCTAssertEqual(ChartTicks.linear(0.13, 0.97).map(\.label), ["0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"])
        XCTAssertEqual(ChartTicks.linear(-0.5, 20.5).map(\.label), ["0", "5", "10", "15", "20"])
        XCTAssertEqual(ChartTicks.linear(-0.05, 1.05).map(\.label), ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"], "one format for the axis")
        XCTAssertEqual(ChartTicks.linear(-4, 4).map(\.label), ["-4", "-2", "0", "2", "4"])
        XCTAssertEqual(ChartTicks.linear(0, 1e6).map(\.label), ["0", "2.0e5", "4.0e5", "6.0e5", "8.0e5", "1.0e6"])
        XCTAssertEqual(ChartTicks.linear(0, 1.1e-5).map(\.label).prefix(3), ["0", "2.0e-6", "4.0e-6"])
    }

    func testFormatFromExtension() {
        XCTAssertEqual(ChartFormat(path: "a/b/fig.png"), .png)
        XCTAssertEqual(ChartFormat(path: "FIG.PNG"), .png)
        XCTAssertEqual(ChartFormat(path: "fig.svg"), .svg)
        XCTAssertNil(ChartFormat(path: "fig.jpg"))
        XCTAssertNil(ChartFormat(path: "fig"))
    }

    func testDegenerateChartsStillRender() throws {
        var charts: [Chart] = [Chart(title: "", xLabel: "", yLabel: "")]
        var one = Chart(title: "one point", xLabel: "x", yLabel: "y", logY: true)
        one.series.append(.init(label: "single", x: [3], y: [0.5]))
        charts.append(one)
        var odd = Chart(title: "odd values", xLabel: "x", yLabel: "y", logY: true)
        odd.series.append(.init(label: "zeros, NaN and ∞", x: [1, 2, 3, 4, .nan], y: [0, -1, .nan, .infinity, 1], band: [1]))
        odd.series.append(.init(label: "constant", x: [1, 1, 1], y: [2, 2, 2], band: [5, 5, 5]))
        odd.series.append(.init(label: String(repeating: "long ", count: 100), x: [1, 2], y: [1e300, 1e-300]))
        charts.append(odd)
        for chart in charts {
            let png = try decode(try chart.image(scale: 1).pngData())
            XCTAssertEqual(png.width, Int(chart.scene().width))
            XCTAssertLessThan(png.width, 2000, "long labels are shortened")
            XCTAssertTrue(chart.svg().hasSuffix("</svg>\n"))
        }
        for plot in [BoxPlot(title: "", yLabel: "", groups: []), BoxPlot(title: "t", yLabel: "y", groups: [("empty", []), ("nan", [.nan]), ("one", [1])])] {
            _ = try decode(try plot.image(scale: 1).pngData())
        }
        // The band of a log chart stops a decade below the value instead of at zero.
        var band = Chart(title: "", xLabel: "", yLabel: "", logY: true)
        band.series.append(.init(label: "b", x: [1, 2], y: [1, 1], band: [2, 2]))
        XCTAssertEqual(band.layout().y0, -1 - 0.05 * log10(3 / 0.1), accuracy: 1e-9)
    }

    /// Diverged samples (huge, infinite or NaN coordinates) are left out of a scatter
    /// picture instead of trapping in the conversion to pixel indices, and counted.
    func testScatterSkipsPointsOffThePicture() throws {
        let points = Tensor<Double>(shape: [5, 2], scalars: [0, 0, 1e30, 0, -1e300, 1e300, .nan, 1, .infinity, 0])
        let picture = ScatterPicture(points: points, range: 4)
        XCTAssertEqual(picture.outside, 4)
        let scene = picture.scene()
        var dots: [ChartPoint] = [], texts: [String] = []
        for e in scene.elements {
            if case let .circle(p, _, _) = e { dots.append(p) }
            if case let .text(t, _, _, _, _) = e { texts.append(t) }
        }
        let axes = try XCTUnwrap(scene.axes.first)
        XCTAssertEqual(dots.count, 1, "only the point at the origin is drawn")
        XCTAssertEqual(dots[0].x, (axes.plotLeft + axes.plotRight) / 2, accuracy: 1e-9)
        XCTAssertEqual(dots[0].y, (axes.plotTop + axes.plotBottom) / 2, accuracy: 1e-9)
        XCTAssertTrue(texts.contains("4 of 5 points outside the plot"))
        _ = try decode(try picture.image(scale: 1).pngData())
    }

    func testBoxPlotPNGAndSVGShowTheSameBoxes() throws {
        let plot = BoxPlot(title: "folds", yLabel: "accuracy", groups: [("a", [0.1, 0.2, 0.3, 0.4, 0.5]), ("b", [0.6, 0.7, 0.8])])
        let scene = plot.scene()
        let png = try decode(try plot.image(scale: 2).pngData())
        XCTAssertEqual(png.width, Int(scene.width) * 2)
        // One box, one median line and the points per group, in both renderings.
        var medians: [(Double, Double)] = []
        for e in scene.elements {
            if case let .line(a, b, _, width) = e, width == 2 { medians.append(((a.x + b.x) / 2, a.y)) }
        }
        XCTAssertEqual(medians.count, 2)
        let svg = plot.svg()
        XCTAssertEqual(svg.components(separatedBy: "<circle").count - 1, 8, "the points")
        XCTAssertEqual(svg.components(separatedBy: "stroke-width=\"2\"").count - 1, 2, "the medians")
        for (x, y) in medians {
            // The median line is ink; the box just above it is the group's colour at half strength.
            XCTAssertEqual(png.pixel(Int(x * 2), Int(y * 2)), ChartScene.ink)
            let fill = png.pixel(Int(x * 2) + 10, Int(y * 2) - 6)
            XCTAssertNotEqual(fill, ChartColor(255, 255, 255))
            XCTAssertNotEqual(fill, ChartScene.ink)
        }
    }

    /// A title longer than the chart (a quick run's marked title) widens the chart instead
    /// of being cut at the left edge.
    func testLongTitlesWidenTheChart() {
        var chart = Chart(title: "short", xLabel: "x", yLabel: "y")
        chart.series = [.init(label: "a", x: [1, 2], y: [1, 2])]
        let normal = chart.layout().width
        chart.title = String(repeating: "long title ", count: 12)
        let wide = chart.layout().width
        XCTAssertEqual(wide, ChartScene.textWidth(chart.title, .title) + 16)
        XCTAssertGreaterThan(wide, normal)
        let box = BoxPlot(title: chart.title, yLabel: "y", groups: [("a", [1, 2, 3])])
        XCTAssertEqual(box.scene().width, wide)
    }
}
