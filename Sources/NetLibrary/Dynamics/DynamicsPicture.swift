import Foundation
import NetRuntime

/// Fig. 4.1: the paths of `ResidualDynamics` in the plane, one panel per network side by
/// side on common axes; each path starts at a dot, and the places where two paths meet are
/// circled in red.
public struct DynamicsPicture {
    public struct Panel {
        public var title: String
        public var dynamics: ResidualDynamics
        public var meetings: [ResidualDynamics.Meeting]
        public init(title: String, dynamics: ResidualDynamics, meetings: [ResidualDynamics.Meeting]) {
            self.title = title; self.dynamics = dynamics; self.meetings = meetings
        }
    }

    public var panels: [Panel]
    /// The most meetings circled per panel (all are counted in the caption).
    public var maximumCircles = 400

    public init(panels: [Panel]) { self.panels = panels }

    static let meetingColor = ChartColor(214, 39, 40)

    /// The panels as one picture, `scale` pixels per scene unit.
    public func image(scale: Int = 2) -> RGBImage {
        let all = panels.flatMap { $0.dynamics.paths.flatMap { $0 } }.filter { $0.count >= 2 && $0[0].isFinite && $0[1].isFinite }
        var lo = (all.map { $0[0] }.min() ?? -1, all.map { $0[1] }.min() ?? -1)
        var hi = (all.map { $0[0] }.max() ?? 1, all.map { $0[1] }.max() ?? 1)
        if hi.0 - lo.0 < 1e-9 { lo.0 -= 1; hi.0 += 1 }
        if hi.1 - lo.1 < 1e-9 { lo.1 -= 1; hi.1 += 1 }
        let pad = 0.04 * max(hi.0 - lo.0, hi.1 - lo.1)
        let range = (x0: lo.0 - pad, x1: hi.0 + pad, y0: lo.1 - pad, y1: hi.1 + pad)
        return ChartPanels.row(panels.map { ChartRaster.render(scene($0, range: range), scale: scale) })
    }

    func scene(_ panel: Panel, range: (x0: Double, x1: Double, y0: Double, y1: Double)) -> ChartScene {
        let (left, right, top, bottom) = (70.0, 20.0, 40.0, 66.0)
        let plot = 420.0
        let width = max(left + plot + right, ChartScene.textWidth(panel.title, .title) + 16), height = top + plot + bottom
        var s = ChartScene(width: width, height: height)
        func px(_ x: Double) -> Double { left + (x - range.x0) / (range.x1 - range.x0) * plot }
        func py(_ y: Double) -> Double { top + plot - (y - range.y0) / (range.y1 - range.y0) * plot }
        for (v, label) in ChartTicks.linear(range.y0, range.y1) {
            s.add(.line(.init(left, py(v)), .init(left + plot, py(v)), ChartScene.grid, width: 1))
            s.add(.line(.init(left - 5, py(v)), .init(left, py(v)), ChartScene.ink, width: 1))
            s.add(.text(label, at: .init(left - 8, py(v) + 4), anchor: .end, style: .body))
        }
        for (v, label) in ChartTicks.linear(range.x0, range.x1) {
            s.add(.line(.init(px(v), top), .init(px(v), top + plot), ChartScene.grid, width: 1))
            s.add(.line(.init(px(v), top + plot), .init(px(v), top + plot + 5), ChartScene.ink, width: 1))
            s.add(.text(label, at: .init(px(v), top + plot + 18), anchor: .middle, style: .body))
        }
        s.add(.line(.init(left, top + plot), .init(left + plot, top + plot), ChartScene.ink, width: 1))
        s.add(.line(.init(left, top), .init(left, top + plot), ChartScene.ink, width: 1))
        s.add(.text(panel.title, at: .init(width / 2, 24), anchor: .middle, style: .title))
        s.add(.text("x1", at: .init(left + plot / 2, top + plot + 34), anchor: .middle, style: .body))
        s.add(.text("x2", at: .init(18, top + plot / 2), anchor: .middle, style: .body, vertical: true))
        let paths = panel.dynamics.paths
        let starts = paths.compactMap { $0.first }.filter { $0.count >= 2 }
        let centre = (starts.map { $0[0] }.reduce(0, +) / Double(max(starts.count, 1)), starts.map { $0[1] }.reduce(0, +) / Double(max(starts.count, 1)))
        func radius(_ p: [Double]) -> Double { p.count >= 2 ? ((p[0] - centre.0) * (p[0] - centre.0) + (p[1] - centre.1) * (p[1] - centre.1)).squareRoot() : 0 }
        let largest = max(starts.map(radius).max() ?? 1, 1e-12)
        for path in paths {
            let points = path.filter { $0.count >= 2 && $0[0].isFinite && $0[1].isFinite }.map { ChartPoint(px($0[0]), py($0[1])) }
            let (r, g, b) = Colormap.color(0.9 * radius(path.first ?? []) / largest)
            let color = ChartColor(r, g, b)
            if points.count >= 2 { s.add(.polyline(points, color, width: 1)) }
            if let first = points.first { s.add(.circle(first, radius: 2, color)) }
        }
        var circled: [ChartPoint] = []
        for m in panel.meetings where m.position.count >= 2 && circled.count < maximumCircles {
            let c = ChartPoint(px(m.position[0]), py(m.position[1]))
            guard !circled.contains(where: { ($0.x - c.x) * ($0.x - c.x) + ($0.y - c.y) * ($0.y - c.y) < 100 }) else { continue }
            circled.append(c)
            let ring = (0...24).map { k -> ChartPoint in
                let a = Double(k) / 24 * 2 * Double.pi
                return ChartPoint(c.x + 6 * cos(a), c.y + 6 * sin(a))
            }
            s.add(.polyline(ring, Self.meetingColor, width: 1.5))
        }
        let pairs = Set(panel.meetings.map { [$0.a, $0.b] }).count
        let caption = pairs == 0 ? "no paths meet (\(paths.count) paths, \(panel.dynamics.layers.count) layers)"
            : "\(pairs) pairs of paths meet (circled), \(paths.count) paths, \(panel.dynamics.layers.count) layers"
        s.add(.text(caption, at: .init(left + plot / 2, top + plot + 54), anchor: .middle, style: .body))
        return s
    }
}
