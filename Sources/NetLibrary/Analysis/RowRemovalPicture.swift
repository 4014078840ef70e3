import Foundation
import NetRuntime

/// Fig. 3.3: the rows of a layer y = ReLU(A·x + b) on R² as arrows from the origin, and for
/// a marked input x the rows ReLU removes there (red crosses, aᵢ·x + bᵢ ≤ 0), the area of
/// inputs where exactly those rows are removed (shaded: the linear region of x, on which
/// the linearisation is D_I A), each row's boundary aᵢ·x + bᵢ = 0 (dashed), and κ(A)
/// against κ(D_I A) (Lemma 3.6: removing the one row the others barely correlate with
/// leaves an ill-conditioned matrix). One panel per (b, x), on equal axis scales.
public enum RowRemovalPicture {
    public struct Panel {
        public var bias: [Double]
        public var point: [Double]
        public var title: String
        public init(bias: [Double], point: [Double], title: String) { self.bias = bias; self.point = point; self.title = title }
    }

    /// What a panel shows: the removed rows I at the point, and the conditions.
    public struct Removal: Equatable {
        public let inactive: [Int]
        public let conditionBefore: Double
        public let conditionAfter: Double
        /// Vertices of the shaded area (the linear region of the point) in data units.
        public let area: [[Double]]
    }

    static let areaColor = ChartColor(hex: "#9ecae1"), crossColor = ChartColor(hex: "#d62728")

    /// The removal at one panel's point.
    public static func removal(rows a: [[Double]], _ panel: Panel, lo: Double, hi: Double) -> Removal {
        let active = a.indices.map { a[$0][0] * panel.point[0] + a[$0][1] * panel.point[1] + panel.bias[$0] > 0 }
        let square = SquarePanel(left: 0, top: 0, size: 1, lo: lo, hi: hi)
        let planes = a.indices.map { j -> (w: [Double], c: Double) in
            active[j] ? (a[j], panel.bias[j]) : (a[j].map { -$0 }, -panel.bias[j])
        }
        return Removal(inactive: a.indices.filter { !active[$0] }, conditionBefore: PlanarSingularValues.condition(a).condition,
                       conditionAfter: PlanarSingularValues.condition(a.indices.filter { active[$0] }.map { a[$0] }).condition,
                       area: square.clip(planes))
    }

    /// The panels side by side over [−range, range]², `scale` pixels per unit.
    public static func render(rows a: [[Double]], panels: [Panel], range: Double, scale: Int = 2) -> (image: RGBImage, removals: [Removal]) {
        precondition(!panels.isEmpty && a.allSatisfy { $0.count == 2 })
        let size = 330.0, legendLines = 3.0
        let panelWidth = SquarePanel.marginLeft + size + SquarePanel.marginRight
        var scene = ChartScene(width: panelWidth * Double(panels.count) + 10,
                               height: SquarePanel.marginTop + size + SquarePanel.marginBottom + 16 * legendLines + 6)
        var removals: [Removal] = []
        for (k, panel) in panels.enumerated() {
            let sq = SquarePanel(left: Double(k) * panelWidth + SquarePanel.marginLeft, top: SquarePanel.marginTop, size: size, lo: -range, hi: range)
            let r = removal(rows: a, panel, lo: -range, hi: range)
            removals.append(r)
            if r.area.count >= 3 { scene.add(.polygon(r.area.map { sq.point($0[0], $0[1]) }, areaColor, opacity: 0.55)) }
            // The coordinate axes through the origin, light.
            scene.add(.line(sq.point(-range, 0), sq.point(range, 0), ChartColor(200, 200, 200), width: 1))
            scene.add(.line(sq.point(0, -range), sq.point(0, range), ChartColor(200, 200, 200), width: 1))
            for (j, row) in a.enumerated() {
                let color = Chart.color(j)
                if let (p, q) = sq.segment(w: row, c: panel.bias[j]) { scene.addStroke([p, q], color, width: 1, dash: [5, 4]) }
                let tip = sq.point(row[0], row[1])
                scene.addArrow(from: sq.point(0, 0), to: tip, color)
                scene.add(.text("a\(j)", at: ChartPoint(tip.x + 6, tip.y - 6), anchor: .start, style: .body))
                if r.inactive.contains(j) { scene.addCross(at: sq.point(row[0] / 2, row[1] / 2), crossColor) }
            }
            let x = sq.point(panel.point[0], panel.point[1])
            scene.add(.circle(x, radius: 4.5, ChartScene.ink))
            scene.add(.text("x", at: ChartPoint(x.x + 7, x.y + 12), anchor: .start, style: .title))
            sq.addAxes(to: &scene, title: panel.title)
            let below = SquarePanel.marginTop + size + SquarePanel.marginBottom + 10
            let names = r.inactive.map { "a\($0)" }.joined(separator: ", ")
            let lines = ["removed by ReLU at x (red x): " + (names.isEmpty ? "none" : names),
                         "shaded: inputs where exactly these rows are removed",
                         "cond(A) = \(format(r.conditionBefore)), cond(D_I A) = \(format(r.conditionAfter))"]
            for (i, line) in lines.enumerated() {
                scene.add(.text(line, at: ChartPoint(sq.left - 40, below + 16 * Double(i)), anchor: .start, style: .body))
            }
        }
        return (ChartRaster.render(scene, scale: scale), removals)
    }

    static func format(_ v: Double) -> String {
        v.isNaN ? "none (no row left)" : v >= 100 ? String(format: "%.0f", v) : String(format: "%.2f", v)
    }
}
