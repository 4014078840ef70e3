import Foundation
import NetRuntime

/// Charts with axes and text: lines with error bands (estimator bias against terms,
/// Fig. 5.3; reconstruction error against iterations, Fig. 4.4) and box plots (Fig. 7.5).
///
/// A chart is first laid out as a `ChartScene` — lines, polygons, rectangles, circles and
/// text in a canvas of abstract units — and that one scene is written either as SVG
/// (`ChartScene.svg()`) or rasterised to PNG (`ChartRaster`), so both files show the same
/// content.
public struct Chart {
    public struct Series {
        public var label: String
        public var x: [Double]
        public var y: [Double]
        /// Optional half-width of a band around y (e.g. a standard deviation).
        public var band: [Double]?
        public init(label: String, x: [Double], y: [Double], band: [Double]? = nil) {
            self.label = label; self.x = x; self.y = y; self.band = band
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logY: Bool
    public var series: [Series] = []

    public init(title: String, xLabel: String, yLabel: String, logY: Bool = false) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.logY = logY
    }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"].map(ChartColor.init(hex:))
    static let markers: [ChartMarker] = [.circle, .square, .diamond, .triangle]

    /// The colour of the i-th series (and of the i-th box of a box plot).
    public static func color(_ i: Int) -> ChartColor { palette[i % palette.count] }

    /// How the i-th line is drawn: colour, marker and dash pattern. Series 0–7 are solid
    /// lines in the eight colours; each further round of eight repeats the colours with the
    /// next dash pattern and shifts the markers by one, so no two of the first
    /// palette × dashes series share colour and dash, and two series of the same colour
    /// never share a marker either.
    public static func style(_ i: Int) -> ChartLineStyle {
        let round = i / palette.count
        return ChartLineStyle(color: color(i), marker: markers[(i + round) % markers.count], dash: dashes[round % dashes.count])
    }

    /// Dash patterns (on, off, … in scene units) of the rounds of eight series: solid,
    /// dashed, dotted, dash-dotted.
    static let dashes: [[Double]] = [[], [7, 4], [2, 3], [8, 3, 2, 3]]

    /// The chart as an SVG document.
    public func svg() -> String { scene().svg() }

    /// The chart as a picture, `scale` pixels per unit of the scene.
    public func image(scale: Int = 2) -> RGBImage { ChartRaster.render(scene(), scale: scale) }

    /// Where things go: the plot area in scene units, the data ranges it shows, its ticks
    /// and the legend's frame.
    public struct Layout {
        public var width, height, left, right, top, bottom: Double
        public var x0, x1: Double
        /// The y range, in log10 units when the chart is log-y.
        public var y0, y1: Double
        public var logY: Bool
        public var xTicks: [(value: Double, label: String)] = []
        public var yTicks: [(value: Double, label: String)] = []
        /// Where the legend goes (nil without series).
        public var legend: ChartAxesRecord.Legend?
        /// A data point's position in the scene.
        public func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (width - left - right) }
        public func py(_ y: Double) -> Double { pyTransformed(logY ? log10(y) : y) }
        func pyTransformed(_ t: Double) -> Double { height - bottom - (t - y0) / (y1 - y0) * (height - top - bottom) }
    }

    /// The lower edge of a band (on a log axis never below a tenth of the value).
    func bandLower(_ y: Double, _ b: Double) -> Double { logY && y - b <= y * 0.1 ? y * 0.1 : y - b }

    func usable(_ y: Double) -> Bool { y.isFinite && (!logY || y > 0) }

    /// The plot area's width: wider when the legend sits inside it than when it takes a
    /// column of its own beside it.
    static let plotWidthWithLegendInside = 540.0, plotWidthWithLegendBeside = 470.0

    public func layout() -> Layout {
        func ty(_ v: Double) -> Double { logY ? log10(v) : v }
        let xs = series.flatMap(\.x).filter(\.isFinite)
        var ys: [Double] = []
        for s in series {
            for i in s.y.indices where usable(s.y[i]) {
                ys.append(ty(s.y[i]))
                if let b = s.band, i < b.count, b[i].isFinite {
                    ys.append(ty(s.y[i] + abs(b[i])))
                    if usable(bandLower(s.y[i], abs(b[i]))) { ys.append(ty(bandLower(s.y[i], abs(b[i])))) }
                }
            }
        }
        var x0 = xs.min() ?? 0, x1 = xs.max() ?? 1
        if x1 - x0 < 1e-12 { x0 -= 0.5; x1 += 0.5 }
        // A little room at both ends, so that the end markers clear the y axis.
        let xPad = (x1 - x0) * 0.03
        x0 -= xPad; x1 += xPad
        var y0 = ys.min() ?? 0, y1 = ys.max() ?? 1
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        let pad = (y1 - y0) * 0.05
        y0 -= pad; y1 += pad
        // 5–8 ticks on a linear axis: inside the range when a round step gives that many,
        // else the range widened to round ends (some ranges fall between two steps).
        var xTicks = ChartTicks.linear(x0, x1)
        if !(5...8).contains(xTicks.count) { (x0, x1) = ChartTicks.niceRange(x0, x1); xTicks = ChartTicks.linear(x0, x1) }
        var yTicks = logY ? ChartTicks.logarithmic(y0, y1) : ChartTicks.linear(y0, y1)
        if !logY, !(5...8).contains(yTicks.count) { (y0, y1) = ChartTicks.niceRange(y0, y1); yTicks = ChartTicks.linear(y0, y1) }

        let left = max(70, ChartScene.widestLabel(yTicks) + 34), top = 40.0, bottom = 50.0, height = 420.0
        let labels = series.map { ChartScene.shortened($0.label) }
        let legendSize = ChartLegend.size(labels)
        var layout = Layout(width: 0, height: height, left: left, right: 20, top: top, bottom: bottom,
                            x0: x0, x1: x1, y0: y0, y1: y1, logY: logY, xTicks: xTicks, yTicks: yTicks)
        // First try the legend inside the plot, in the corner that hides the least data.
        layout.width = left + Self.plotWidthWithLegendInside + layout.right
        if !series.isEmpty { layout.legend = ChartLegend.corner(size: legendSize, labels: labels, layout: layout, dataPoints: scenePoints(layout)) }
        if !series.isEmpty, layout.legend == nil {
            layout.right = legendSize.width + 24
            layout.width = left + Self.plotWidthWithLegendBeside + layout.right
            layout.legend = .init(inside: false, x: layout.width - layout.right + 12, y: top, width: legendSize.width, height: legendSize.height, labels: labels)
        }
        // Wider when the title is (e.g. a quick run's marked title), so that it is never cut;
        // the plot keeps its width and the legend its place right of it.
        let titleWidth = ChartScene.textWidth(title, .title) + 16
        if titleWidth > layout.width { layout.right += titleWidth - layout.width; layout.width = titleWidth }
        return layout
    }

    /// The series' points and points along their segments, in scene units (what a legend
    /// inside the plot should not hide).
    func scenePoints(_ l: Layout) -> [ChartPoint] {
        var out: [ChartPoint] = []
        for s in series {
            let ps = s.x.indices.filter { usable(s.y[$0]) && s.x[$0].isFinite }.map { ChartPoint(l.px(s.x[$0]), l.py(s.y[$0])) }
            out += ps
            for (a, b) in zip(ps, ps.dropFirst()) {
                for k in 1..<8 { let t = Double(k) / 8; out.append(ChartPoint(a.x + t * (b.x - a.x), a.y + t * (b.y - a.y))) }
            }
        }
        return out
    }

    /// The y ticks: (position in the axis's units — log10 on a log axis —, label).
    public func yTicks(_ l: Layout) -> [(value: Double, label: String)] { l.yTicks }

    /// The chart laid out in scene units; `axes` records its ticks, labels and legend.
    public func scene() -> ChartScene {
        let l = layout()
        var s = ChartScene(width: l.width, height: l.height)
        let plotRight = l.width - l.right, plotBottom = l.height - l.bottom
        var record = ChartAxesRecord()
        record.yTicks = s.addYTicks(l.yTicks, axisX: l.left, gridRight: plotRight, position: l.pyTransformed)
        record.xTicks = s.addXTicks(l.xTicks, axisY: plotBottom, position: l.px)
        s.add(.line(.init(l.left, plotBottom), .init(plotRight, plotBottom), ChartScene.ink, width: 1))
        s.add(.line(.init(l.left, l.top), .init(l.left, plotBottom), ChartScene.ink, width: 1))
        // Title (centred over the plot, kept inside the picture) and axis labels.
        let titleWidth = ChartScene.textWidth(title, .title)
        let titleX = min(max((l.left + plotRight) / 2, titleWidth / 2 + 8), l.width - titleWidth / 2 - 8)
        s.add(.text(title, at: .init(titleX, 24), anchor: .middle, style: .title))
        s.add(.text(xLabel, at: .init((l.left + plotRight) / 2, l.height - 12), anchor: .middle, style: .body))
        s.add(.text(yLabel, at: .init(18, (l.top + plotBottom) / 2), anchor: .middle, style: .body, vertical: true))
        // Bands first (under every line), then lines with markers, then the legend.
        for (i, series) in series.enumerated() {
            guard let band = series.band else { continue }
            let idx = series.x.indices.filter { $0 < band.count && usable(series.y[$0]) && band[$0].isFinite && series.x[$0].isFinite }
            guard idx.count >= 2 else { continue }
            let upper = idx.map { ChartPoint(l.px(series.x[$0]), l.py(series.y[$0] + abs(band[$0]))) }
            let lower = idx.reversed().map { ChartPoint(l.px(series.x[$0]), l.py(bandLower(series.y[$0], abs(band[$0])))) }
            s.add(.polygon(upper + lower, Chart.color(i), opacity: 0.2))
        }
        for (i, series) in series.enumerated() {
            let style = Chart.style(i), color = style.color
            let points = series.x.indices.filter { usable(series.y[$0]) && series.x[$0].isFinite }
                .map { ChartPoint(l.px(series.x[$0]), l.py(series.y[$0])) }
            if points.count >= 2 { s.addStroke(points, color, width: 2, dash: style.dash) }
            if points.count <= 60 { for p in points { s.addMarker(style.marker, at: p, color: color) } }
        }
        if let legend = l.legend { ChartLegend.draw(legend, into: &s) }
        (record.title, record.xLabel, record.yLabel, record.legend) = (title, xLabel, yLabel, l.legend)
        (record.plotLeft, record.plotTop, record.plotRight, record.plotBottom) = (l.left, l.top, plotRight, plotBottom)
        s.axes.append(record)
        return s
    }
}

/// A box plot (median, quartiles, whiskers to the extremes, and the points) per group.
public struct BoxPlot {
    public var title: String
    public var yLabel: String
    public var groups: [(label: String, values: [Double])]

    public init(title: String, yLabel: String, groups: [(label: String, values: [Double])]) {
        self.title = title; self.yLabel = yLabel; self.groups = groups
    }

    public func svg() -> String { scene().svg() }
    public func image(scale: Int = 2) -> RGBImage { ChartRaster.render(scene(), scale: scale) }

    /// The p-quantile of sorted values (linear interpolation).
    static func quantile(_ v: [Double], _ p: Double) -> Double {
        let x = p * Double(v.count - 1), i = Int(x)
        return i + 1 < v.count ? v[i] + (v[i + 1] - v[i]) * (x - Double(i)) : v[i]
    }

    public func scene() -> ChartScene {
        let spacing = max(90, (groups.map { ChartScene.textWidth(ChartScene.shortened($0.label), .body) }.max() ?? 0) + 16)
        let (left, top, bottom) = (70.0, 40.0, 50.0)
        let width = max(360, left + 10 + spacing * Double(groups.count) + 20, ChartScene.textWidth(title, .title) + 16), height = 420.0
        let all = groups.flatMap(\.values).filter(\.isFinite)
        var y0 = all.min() ?? 0, y1 = all.max() ?? 1
        if y1 - y0 < 1e-9 { y0 -= 0.05; y1 += 0.05 }
        let pad = (y1 - y0) * 0.08; y0 -= pad; y1 += pad
        func py(_ v: Double) -> Double { height - bottom - (v - y0) / (y1 - y0) * (height - top - bottom) }
        var s = ChartScene(width: width, height: height)
        let plotRight = width - 20, plotBottom = height - bottom
        var record = ChartAxesRecord()
        record.yTicks = s.addYTicks(ChartTicks.linear(y0, y1), axisX: left, gridRight: plotRight, position: py)
        s.add(.line(.init(left, top), .init(left, plotBottom), ChartScene.ink, width: 1))
        s.add(.line(.init(left, plotBottom), .init(plotRight, plotBottom), ChartScene.ink, width: 1))
        let titleWidth = ChartScene.textWidth(title, .title)
        s.add(.text(title, at: .init(min(max(width / 2, titleWidth / 2 + 8), width - titleWidth / 2 - 8), 24), anchor: .middle, style: .title))
        s.add(.text(yLabel, at: .init(18, (top + plotBottom) / 2), anchor: .middle, style: .body, vertical: true))
        (record.title, record.yLabel) = (title, yLabel)
        (record.plotLeft, record.plotTop, record.plotRight, record.plotBottom) = (left, top, plotRight, plotBottom)
        for (i, g) in groups.enumerated() {
            let cx = left + 10 + spacing * (Double(i) + 0.5), color = Chart.color(i)
            s.add(.text(ChartScene.shortened(g.label), at: .init(cx, plotBottom + 18), anchor: .middle, style: .body))
            record.xTicks.append(.init(value: Double(i), label: ChartScene.shortened(g.label), position: cx))
            let v = g.values.filter(\.isFinite).sorted()
            guard !v.isEmpty else { continue }
            let q1 = Self.quantile(v, 0.25), median = Self.quantile(v, 0.5), q3 = Self.quantile(v, 0.75)
            // Whiskers from the box to the extremes, with caps.
            s.add(.line(.init(cx, py(v.first!)), .init(cx, py(q1)), ChartScene.ink, width: 1))
            s.add(.line(.init(cx, py(q3)), .init(cx, py(v.last!)), ChartScene.ink, width: 1))
            for e in [v.first!, v.last!] { s.add(.line(.init(cx - 10, py(e)), .init(cx + 10, py(e)), ChartScene.ink, width: 1)) }
            s.add(.rect(x: cx - 22, y: py(q3), width: 44, height: max(1, py(q1) - py(q3)), fill: color, opacity: 0.5, stroke: ChartScene.ink))
            s.add(.line(.init(cx - 22, py(median)), .init(cx + 22, py(median)), ChartScene.ink, width: 2))
            // The points beside the box, alternately nudged so that equal values stay visible.
            for (k, x) in g.values.filter(\.isFinite).enumerated() {
                s.add(.circle(.init(cx + 30 + Double(k % 2) * 4, py(x)), radius: 2.5, color))
            }
        }
        s.axes.append(record)
        return s
    }
}

/// Which file a chart goes to, from the file name's extension.
public enum ChartFormat: String, Sendable {
    case png, svg
    /// nil when the name ends in neither .png nor .svg (either case).
    public init?(path: String) {
        self.init(rawValue: (path as NSString).pathExtension.lowercased())
    }
}

/// An sRGB colour.
public struct ChartColor: Equatable, Sendable {
    public var r, g, b: UInt8
    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) { self.r = r; self.g = g; self.b = b }
    /// From "#rrggbb".
    public init(hex: String) {
        let v = UInt32(hex.dropFirst(), radix: 16) ?? 0
        self.init(UInt8(v >> 16), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF))
    }
    public var hex: String { String(format: "#%02x%02x%02x", r, g, b) }
    public var rgb: (UInt8, UInt8, UInt8) { (r, g, b) }
}

public struct ChartPoint: Equatable, Sendable {
    public var x, y: Double
    public init(_ x: Double, _ y: Double) { self.x = x; self.y = y }
}

public enum ChartMarker: Sendable { case circle, square, diamond, triangle }

/// The look of one line of a chart (`Chart.style`): an empty dash pattern is a solid line.
public struct ChartLineStyle: Equatable, Sendable {
    public var color: ChartColor
    public var marker: ChartMarker
    /// Lengths on, off, on, … in scene units, repeated along the line.
    public var dash: [Double]
}

/// What a chart draws, in a canvas of `width`×`height` units (y grows downwards): the one
/// description both the SVG writer and the rasteriser read.
public struct ChartScene {
    public enum Anchor: Sendable { case start, middle, end }
    /// Body text: 12 px in SVG, the bitmap font at one unit per font pixel. Titles: 15 px
    /// in SVG, 1.5 units per font pixel.
    public enum TextStyle: Sendable { case body, title }

    public enum Element {
        case line(ChartPoint, ChartPoint, ChartColor, width: Double)
        case polyline([ChartPoint], ChartColor, width: Double)
        /// A filled polygon (bands, markers).
        case polygon([ChartPoint], ChartColor, opacity: Double)
        case rect(x: Double, y: Double, width: Double, height: Double, fill: ChartColor, opacity: Double, stroke: ChartColor?)
        case circle(ChartPoint, radius: Double, ChartColor)
        /// Text whose baseline starts / is centred / ends at the point; vertical text reads
        /// upwards, its baseline to the right of the glyphs.
        case text(String, at: ChartPoint, anchor: Anchor, style: TextStyle, vertical: Bool = false)
        /// A picture stretched (nearest neighbour, no invented colours) over the rectangle:
        /// a density's cells, a colour bar.
        case raster(RGBImage, x: Double, y: Double, width: Double, height: Double)
    }

    public static let ink = ChartColor(34, 34, 34)
    public static let grid = ChartColor(235, 235, 235)

    public var width: Double
    public var height: Double
    public var elements: [Element] = []
    /// What each plot panel's axes show, as laid out (`ChartAxesRecord`).
    public var axes: [ChartAxesRecord] = []

    public init(width: Double, height: Double) { self.width = width; self.height = height }

    public mutating func add(_ e: Element) { elements.append(e) }

    /// Legend and group labels longer than this many characters are cut with "...".
    static let maximumLabelLength = 60

    static func shortened(_ label: String) -> String {
        label.count <= maximumLabelLength ? label : String(label.prefix(maximumLabelLength - 3)) + "..."
    }

    /// Font pixels per unit of the style.
    public static func fontSize(_ style: TextStyle) -> Double { style == .title ? 1.5 : 1 }

    /// The width of a text in scene units (the bitmap font's width; SVG fonts are similar).
    public static func textWidth(_ text: String, _ style: TextStyle) -> Double {
        Double(BitmapFont.width(of: text)) * fontSize(style)
    }

    /// A line through the points, solid or cut into the dashes of `dash` (on, off, … in
    /// scene units, continued across the vertices so the pattern does not restart at each
    /// one). Both writers then draw the same pieces.
    public mutating func addStroke(_ points: [ChartPoint], _ color: ChartColor, width: Double, dash: [Double] = []) {
        guard !dash.isEmpty, dash.allSatisfy({ $0 > 0 }) else { add(.polyline(points, color, width: width)); return }
        for piece in Self.dashed(points, dash) where piece.count >= 2 { add(.polyline(piece, color, width: width)) }
    }

    /// The "on" pieces of a polyline under a dash pattern.
    static func dashed(_ points: [ChartPoint], _ dash: [Double]) -> [[ChartPoint]] {
        var pieces: [[ChartPoint]] = [], current: [ChartPoint] = []
        var k = 0, left = dash[0]            // current dash entry and the length left in it
        func on() -> Bool { k % 2 == 0 }
        if let first = points.first { current = [first] }
        for (a, b) in zip(points, points.dropFirst()) {
            let length = ((b.x - a.x) * (b.x - a.x) + (b.y - a.y) * (b.y - a.y)).squareRoot()
            guard length.isFinite, length > 0 else { continue }
            var t = 0.0
            while length - t > left {
                t += left
                let p = ChartPoint(a.x + (b.x - a.x) * t / length, a.y + (b.y - a.y) * t / length)
                if on() { current.append(p); pieces.append(current); current = [] } else { current = [p] }
                k = (k + 1) % dash.count; left = dash[k]
            }
            left -= length - t
            if on() { current.append(b) }
        }
        if on(), current.count >= 2 { pieces.append(current) }
        return pieces
    }

    mutating func addMarker(_ marker: ChartMarker, at p: ChartPoint, color: ChartColor) {
        let r = 3.5
        switch marker {
        case .circle: add(.circle(p, radius: r, color))
        case .square: add(.rect(x: p.x - r + 0.5, y: p.y - r + 0.5, width: 2 * r - 1, height: 2 * r - 1, fill: color, opacity: 1, stroke: nil))
        case .diamond: add(.polygon([.init(p.x, p.y - r - 0.5), .init(p.x + r + 0.5, p.y), .init(p.x, p.y + r + 0.5), .init(p.x - r - 0.5, p.y)], color, opacity: 1))
        case .triangle: add(.polygon([.init(p.x, p.y - r - 0.5), .init(p.x + r + 0.5, p.y + r - 0.5), .init(p.x - r - 0.5, p.y + r - 0.5)], color, opacity: 1))
        }
    }

    /// The scene as an SVG document.
    public func svg() -> String {
        func n(_ v: Double) -> String {
            let s = String(format: "%.2f", v)
            return s.hasSuffix(".00") ? String(s.dropLast(3)) : s
        }
        func points(_ ps: [ChartPoint]) -> String { ps.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ") }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        for e in elements {
            switch e {
            case let .line(a, b, c, w):
                out += "<line x1=\"\(n(a.x))\" y1=\"\(n(a.y))\" x2=\"\(n(b.x))\" y2=\"\(n(b.y))\" stroke=\"\(c.hex)\" stroke-width=\"\(n(w))\"/>\n"
            case let .polyline(ps, c, w):
                out += "<polyline points=\"\(points(ps))\" fill=\"none\" stroke=\"\(c.hex)\" stroke-width=\"\(n(w))\" stroke-linejoin=\"round\"/>\n"
            case let .polygon(ps, c, opacity):
                out += "<polygon points=\"\(points(ps))\" fill=\"\(c.hex)\"\(opacity < 1 ? " fill-opacity=\"\(n(opacity))\"" : "") stroke=\"none\"/>\n"
            case let .rect(x, y, w, h, fill, opacity, stroke):
                out += "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(h))\" fill=\"\(fill.hex)\""
                out += (opacity < 1 ? " fill-opacity=\"\(n(opacity))\"" : "") + (stroke.map { " stroke=\"\($0.hex)\"" } ?? "") + "/>\n"
            case let .circle(p, r, c):
                out += "<circle cx=\"\(n(p.x))\" cy=\"\(n(p.y))\" r=\"\(n(r))\" fill=\"\(c.hex)\"/>\n"
            case let .text(text, p, anchor, style, vertical):
                guard !text.isEmpty else { continue }
                let a = anchor == .start ? "start" : anchor == .middle ? "middle" : "end"
                let size = style == .title ? " font-size=\"15\"" : ""
                let place = vertical ? "transform=\"translate(\(n(p.x)),\(n(p.y))) rotate(-90)\"" : "x=\"\(n(p.x))\" y=\"\(n(p.y))\""
                out += "<text \(place) text-anchor=\"\(a)\"\(size) fill=\"\(Self.ink.hex)\">\(Self.escape(text))</text>\n"
            case let .raster(image, x, y, w, h):
                guard let png = try? image.pngData() else { continue }
                out += "<image x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(w))\" height=\"\(n(h))\" preserveAspectRatio=\"none\" "
                out += "style=\"image-rendering:pixelated\" href=\"data:image/png;base64,\(Data(png).base64EncodedString())\"/>\n"
            }
        }
        return out + "</svg>\n"
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
