import Foundation
import NetRuntime

/// A density of R² as a picture (thesis Fig. 5.2): values on a grid over [−range, range]²
/// drawn as viridis cells in a square plot with ticked axes x1, x2, and a colour bar that
/// gives the scale (the cells' minimum to maximum).
public struct DensityPicture {
    /// values[row][column], row 0 at the top (x2 = range), column 0 at x1 = −range.
    public var values: [[Double]]
    public var range: Double
    public var title: String
    public var scaleLabel: String

    public init(values: [[Double]], range: Double, title: String = "", scaleLabel: String = "density p(x)") {
        self.values = values; self.range = range; self.title = title; self.scaleLabel = scaleLabel
    }

    /// Side of the plot area in scene units (600 pixels at the default scale 2).
    static let plotSize = 300.0

    /// The colour-bar range: the finite values' minimum and maximum (0…1 when there are none).
    public var scale: (lo: Double, hi: Double) {
        let finite = values.flatMap { $0 }.filter(\.isFinite)
        return (finite.min() ?? 0, finite.max() ?? 1)
    }

    public func scene() -> ChartScene {
        let (lo, hi) = scale
        let barTicks = ChartTicks.linear(lo, hi, count: 4...7)
        let panel = SquarePanel(left: SquarePanel.marginLeft, top: PlanePicture.top(title), size: Self.plotSize, lo: -range, hi: range)
        let barX = panel.left + panel.size + 18
        let width = max(barX + ChartScene.colorBarWidth(ticks: barTicks) + 8, ChartScene.textWidth(title, .title) + 16)
        var s = ChartScene(width: width, height: panel.top + panel.size + SquarePanel.marginBottom)
        let rows = values.count, cols = values.first?.count ?? 0
        if rows > 0, cols > 0 {
            var cells = RGBImage(width: cols, height: rows)
            for r in 0..<rows { for c in 0..<min(cols, values[r].count) {
                cells[c, r] = Colormap.color(hi > lo ? (values[r][c] - lo) / (hi - lo) : 0.5)
            } }
            s.add(.raster(cells, x: panel.left, y: panel.top, width: panel.size, height: panel.size))
        }
        panel.addAxes(to: &s, title: title, titleStyle: .title)
        let bar = s.addColorBar(x: barX, top: panel.top, height: panel.size, lo: lo, hi: hi, ticks: barTicks, label: scaleLabel)
        s.axes[s.axes.count - 1].colorBar = bar
        return s
    }

    public func image(scale: Int = 2) -> RGBImage { ChartRaster.render(scene(), scale: scale) }
}

/// Layout shared by the pictures of R² (density, scatter).
enum PlanePicture {
    /// The plot area's top: room for a title line in the title font, or a small margin.
    static func top(_ title: String) -> Double { title.isEmpty ? 14 : 40 }
}
