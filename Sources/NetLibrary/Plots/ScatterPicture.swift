import Foundation
import NetRuntime

/// Points of R² (samples of a flow) as dots in the square [−range, range]² with ticked axes
/// x1, x2. Points outside the square (or not finite: a diverged sample can be 1e30 or NaN)
/// are left out, and a note under the plot says how many.
public struct ScatterPicture {
    public var points: Tensor<Double>
    public var range: Double
    public var title: String
    public var color: ChartColor

    public init(points: Tensor<Double>, range: Double, title: String = "", color: ChartColor = Chart.color(0)) {
        self.points = points; self.range = range; self.title = title; self.color = color
    }

    static let plotSize = 300.0, dotRadius = 1.2

    /// How many points fall outside the square or are not finite.
    public var outside: Int { (0..<points.shape[0]).filter { !inside($0) }.count }

    func inside(_ i: Int) -> Bool {
        let x = points.scalars[2 * i], y = points.scalars[2 * i + 1]
        return x.isFinite && y.isFinite && abs(x) <= range && abs(y) <= range
    }

    public func scene() -> ChartScene {
        let panel = SquarePanel(left: SquarePanel.marginLeft, top: PlanePicture.top(title), size: Self.plotSize, lo: -range, hi: range)
        let width = max(panel.left + panel.size + SquarePanel.marginRight, ChartScene.textWidth(title, .title) + 16)
        let n = points.shape[0], missing = outside
        let noteRoom = missing > 0 ? 16.0 : 0
        var s = ChartScene(width: width, height: panel.top + panel.size + SquarePanel.marginBottom + noteRoom)
        // Light axes through the origin under the dots.
        s.add(.line(panel.point(-range, 0), panel.point(range, 0), ChartScene.grid, width: 1))
        s.add(.line(panel.point(0, -range), panel.point(0, range), ChartScene.grid, width: 1))
        for i in 0..<n where inside(i) {
            s.add(.circle(panel.point(points.scalars[2 * i], points.scalars[2 * i + 1]), radius: Self.dotRadius, color))
        }
        panel.addAxes(to: &s, title: title, titleStyle: .title)
        if missing > 0 {
            s.add(.text("\(missing) of \(n) points outside the plot", at: .init(panel.left + panel.size, s.height - 6), anchor: .end, style: .body))
        }
        return s
    }

    public func image(scale: Int = 2) -> RGBImage { ChartRaster.render(scene(), scale: scale) }
}
