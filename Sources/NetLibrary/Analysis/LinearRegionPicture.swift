import Foundation
import NetRuntime

/// Fig. 3.1 for a ReLU network on R²: the input square [−range, range]² coloured by the
/// activation pattern of the first ReLU layer (its linear regions), with the preimage of
/// the first layer's output at a chosen point drawn in black; beside it the same regions
/// coloured by the class of their preimages (Thm 3.3).
///
/// The preimage of a point with k = 0 is that point (a dot); with k = 1 a segment or ray
/// p + t·o, t ∈ [min, max] (clipped to the square); with k = 2 the region of inputs where
/// every unit is inactive (a translucent black overlay). The class of a region is computed
/// by `ReLUPreimage` at one pixel of the region: k and the omnidirectionality of Ā depend only
/// on the pattern; the single points of Thm 3.3 ii with k > 0 lie on lower-dimensional sets
/// that pixels do not resolve.
public enum LinearRegionPicture {
    public struct Result {
        public let image: RGBImage
        /// Number of distinct activation patterns seen on the grid.
        public let regions: Int
        /// The preimage at the chosen point.
        public let preimage: ReLUPreimage
    }

    static let classColors: [ReLUPreimage.Kind: ChartColor] = [
        .singleton: ChartColor(hex: "#8fd18f"), .bounded: ChartColor(hex: "#f2b56b"), .unbounded: ChartColor(hex: "#9fb7d9"),
    ]

    /// `network` must start with an affine step from R² followed by a ReLU.
    public static func render(_ network: PiecewiseLinearNetwork, variables: VariableStore<Double>, point: [Double],
                              range: Double, grid: Int) throws -> Result {
        guard network.model.inputShape == [2], network.steps.count >= 2, network.steps[0].kind == .affine, network.steps[1].kind == .relu else {
            throw PiecewiseLinearNetwork.Unsupported(description: "the region picture needs a network on 2-D inputs that starts with dense and relu")
        }
        let (a, b) = try LayerOperator.affine(network.steps[0], in: network, variables: variables)
        let m = a.shape[0]
        func coordinate(_ i: Int) -> Double { -range + 2 * range * (Double(i) + 0.5) / Double(grid) }
        // Activation patterns of every pixel (row 0 at the top: y = +range).
        var patterns = [[Bool]](repeating: [], count: grid * grid)
        var ids = [Int](repeating: 0, count: grid * grid)
        var index: [[Bool]: Int] = [:], representative: [[Double]] = []
        for r in 0..<grid { for c in 0..<grid {
            let x = [coordinate(c), -coordinate(r)]
            let pattern = (0..<m).map { i in a.scalars[2 * i] * x[0] + a.scalars[2 * i + 1] * x[1] + b[i] > 0 }
            patterns[r * grid + c] = pattern
            if index[pattern] == nil { index[pattern] = representative.count; representative.append(x) }
            ids[r * grid + c] = index[pattern]!
        } }
        let kinds = try representative.map { try ReLUPreimage.classify(weight: a, bias: b, input: $0).kind }
        let chosen = try ReLUPreimage.classify(weight: a, bias: b, input: point)

        let size = Double(max(grid, 300)) , margin = 20.0, top = 24.0, bottom = 44.0
        let cell = size / Double(grid)
        var scene = ChartScene(width: 2 * size + 3 * margin, height: size + top + bottom)
        let panelX = [margin, 2 * margin + size]
        func px(_ x: Double, _ panel: Int) -> Double { panelX[panel] + (x + range) / (2 * range) * size }
        func py(_ y: Double) -> Double { top + (range - y) / (2 * range) * size }
        for r in 0..<grid { for c in 0..<grid {
            let id = ids[r * grid + c]
            let edge = (c + 1 < grid && ids[r * grid + c + 1] != id) || (r + 1 < grid && ids[(r + 1) * grid + c] != id)
            let left = edge ? ChartColor(60, 60, 60) : regionColor(id)
            let right = edge ? ChartColor(60, 60, 60) : classColors[kinds[id]]!
            scene.add(.rect(x: panelX[0] + Double(c) * cell, y: top + Double(r) * cell, width: cell, height: cell, fill: left, opacity: 1, stroke: nil))
            scene.add(.rect(x: panelX[1] + Double(c) * cell, y: top + Double(r) * cell, width: cell, height: cell, fill: right, opacity: 1, stroke: nil))
        } }
        // The preimage of the chosen output, on the left panel.
        let black = ChartColor(0, 0, 0)
        switch chosen.nullity {
        case 0: break
        case 1:
            let o = chosen.directions[0], p = chosen.point
            // Clip t so that p + t·o stays in the square.
            var lo = chosen.extents[0].min, hi = chosen.extents[0].max
            for d in 0..<2 where abs(o[d]) > 1e-12 {
                let t1 = (-range - p[d]) / o[d], t2 = (range - p[d]) / o[d]
                lo = max(lo, min(t1, t2)); hi = min(hi, max(t1, t2))
            }
            if lo < hi {
                scene.add(.line(ChartPoint(px(p[0] + lo * o[0], 0), py(p[1] + lo * o[1])), ChartPoint(px(p[0] + hi * o[0], 0), py(p[1] + hi * o[1])), black, width: 3))
            }
        default:
            for r in 0..<grid { for c in 0..<grid where !patterns[r * grid + c].contains(true) {
                scene.add(.rect(x: panelX[0] + Double(c) * cell, y: top + Double(r) * cell, width: cell, height: cell, fill: black, opacity: 0.45, stroke: nil))
            } }
        }
        scene.add(.circle(ChartPoint(px(point[0], 0), py(point[1])), radius: 4, ChartColor(220, 30, 30)))
        scene.add(.circle(ChartPoint(px(point[0], 1), py(point[1])), radius: 4, ChartColor(220, 30, 30)))
        scene.add(.text("linear regions (\(representative.count) patterns)", at: ChartPoint(panelX[0], top - 10), anchor: .start, style: .body))
        scene.add(.text("preimage class (Thm 3.3)", at: ChartPoint(panelX[1], top - 10), anchor: .start, style: .body))
        var lx = panelX[1]
        for kind in [ReLUPreimage.Kind.singleton, .bounded, .unbounded] {
            scene.add(.rect(x: lx, y: top + size + 10, width: 10, height: 10, fill: classColors[kind]!, opacity: 1, stroke: ChartScene.ink))
            scene.add(.text(kind.rawValue, at: ChartPoint(lx + 14, top + size + 19), anchor: .start, style: .body))
            lx += Double(kind.rawValue.count) * 6 + 24
        }
        scene.add(.text("black: preimage of the output at the red point", at: ChartPoint(panelX[0], top + size + 19), anchor: .start, style: .body))
        scene.add(.text("(\(chosen.kind.rawValue), k = \(chosen.nullity)); square [-\(formatted(range)), \(formatted(range))]^2", at: ChartPoint(panelX[0], top + size + 33), anchor: .start, style: .body))
        return Result(image: ChartRaster.render(scene, scale: 2), regions: representative.count, preimage: chosen)
    }

    private static func formatted(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(v) }

    /// Well-separated light colours, one per region id (golden-ratio hue steps).
    static func regionColor(_ id: Int) -> ChartColor {
        let h = (Double(id) * 0.618033988749895).truncatingRemainder(dividingBy: 1) * 6
        let s = 0.45, v = 0.95
        let i = Int(h), f = h - Double(i)
        let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
        let (r, g, b): (Double, Double, Double) = [(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i % 6]
        return ChartColor(UInt8(r * 255), UInt8(g * 255), UInt8(b * 255))
    }
}
