import Foundation

/// A square plot area with the same scale on both axes, [lo, hi]² in data units: for
/// pictures about angles and regions of R² (Figs. 3.1 and 3.3), where a chart that
/// stretches one axis would misdraw the geometry. Draws its frame, ticks, tick labels and
/// axis labels into a `ChartScene`, maps data to scene coordinates, and clips half-planes
/// and lines to the square.
public struct SquarePanel {
    /// Top-left corner and side of the plot area in scene units.
    public let left: Double, top: Double, size: Double
    /// The data range shown on both axes.
    public let lo: Double, hi: Double

    /// Room a panel needs around its plot area: tick labels left, labels below, title above.
    public static let marginLeft = 52.0, marginBottom = 40.0, marginTop = 30.0, marginRight = 16.0

    public init(left: Double, top: Double, size: Double, lo: Double, hi: Double) {
        precondition(hi > lo && size > 0)
        self.left = left; self.top = top; self.size = size; self.lo = lo; self.hi = hi
    }

    public func px(_ x: Double) -> Double { left + (x - lo) / (hi - lo) * size }
    public func py(_ y: Double) -> Double { top + (hi - y) / (hi - lo) * size }
    public func point(_ x: Double, _ y: Double) -> ChartPoint { ChartPoint(px(x), py(y)) }

    /// Frame, ticks with labels on both axes (the same ticks: equal scales), the axis labels
    /// and the title above the plot area (in `titleStyle`); what it drew is appended to the
    /// scene's axes records.
    public func addAxes(to s: inout ChartScene, title: String, xLabel: String = "x1", yLabel: String = "x2",
                        titleStyle: ChartScene.TextStyle = .body) {
        let right = left + size, bottom = top + size
        let ticks = ChartTicks.linear(lo, hi)
        var record = ChartAxesRecord()
        record.xTicks = s.addXTicks(ticks, axisY: bottom, position: px)
        record.yTicks = s.addYTicks(ticks, axisX: left, position: py)
        let frame = [ChartPoint(left, top), ChartPoint(right, top), ChartPoint(right, bottom), ChartPoint(left, bottom), ChartPoint(left, top)]
        s.add(.polyline(frame, ChartScene.ink, width: 1))
        s.add(.text(xLabel, at: .init(left + size / 2, bottom + 33), anchor: .middle, style: .body))
        s.add(.text(yLabel, at: .init(left - 40, top + size / 2), anchor: .middle, style: .body, vertical: true))
        s.add(.text(title, at: .init(left + size / 2, top - 10), anchor: .middle, style: titleStyle))
        (record.title, record.xLabel, record.yLabel) = (title, xLabel, yLabel)
        (record.plotLeft, record.plotTop, record.plotRight, record.plotBottom) = (left, top, right, bottom)
        s.axes.append(record)
    }

    /// The part of the square where w·x + c ≥ 0 for every given half-plane (a convex
    /// polygon, possibly empty), by Sutherland–Hodgman clipping of the square.
    public func clip(_ halfPlanes: [(w: [Double], c: Double)]) -> [[Double]] {
        var polygon = [[lo, lo], [hi, lo], [hi, hi], [lo, hi]]
        for (w, c) in halfPlanes {
            func value(_ p: [Double]) -> Double { w[0] * p[0] + w[1] * p[1] + c }
            var next: [[Double]] = []
            for (i, p) in polygon.enumerated() {
                let q = polygon[(i + 1) % polygon.count]
                let vp = value(p), vq = value(q)
                if vp >= 0 { next.append(p) }
                if (vp >= 0) != (vq >= 0) {
                    let t = vp / (vp - vq)
                    next.append([p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])])
                }
            }
            polygon = next
            if polygon.isEmpty { break }
        }
        return polygon
    }

    /// The segment of the line w·x + c = 0 inside the square, nil when it misses it.
    public func segment(w: [Double], c: Double) -> (ChartPoint, ChartPoint)? {
        guard abs(w[0]) + abs(w[1]) > 0 else { return nil }
        // The line as the edge of the half-plane w·x + c ≥ 0 within the square: its points
        // with w·x + c = 0 are the clipped polygon's vertices on the line.
        let onLine = clip([(w, c)]).filter { abs(w[0] * $0[0] + w[1] * $0[1] + c) <= 1e-9 * max(1, abs(c), hi - lo) }
        guard let a = onLine.first, let b = onLine.last, onLine.count >= 2 else { return nil }
        return (point(a[0], a[1]), point(b[0], b[1]))
    }
}

extension ChartScene {
    /// An arrow from `from` to `to` with a filled head of `head` units at `to`.
    public mutating func addArrow(from: ChartPoint, to: ChartPoint, _ color: ChartColor, width: Double = 2, head: Double = 11) {
        let dx = to.x - from.x, dy = to.y - from.y, length = (dx * dx + dy * dy).squareRoot()
        guard length > 0 else { return }
        let ux = dx / length, uy = dy / length, h = min(head, length * 0.6)
        let base = ChartPoint(to.x - ux * h, to.y - uy * h)
        add(.line(from, base, color, width: width))
        add(.polygon([to, ChartPoint(base.x - uy * h * 0.45, base.y + ux * h * 0.45), ChartPoint(base.x + uy * h * 0.45, base.y - ux * h * 0.45)], color, opacity: 1))
    }

    /// An "×" of half-size r.
    public mutating func addCross(at p: ChartPoint, _ color: ChartColor, r: Double = 6, width: Double = 2.5) {
        add(.line(ChartPoint(p.x - r, p.y - r), ChartPoint(p.x + r, p.y + r), color, width: width))
        add(.line(ChartPoint(p.x - r, p.y + r), ChartPoint(p.x + r, p.y - r), color, width: width))
    }
}
