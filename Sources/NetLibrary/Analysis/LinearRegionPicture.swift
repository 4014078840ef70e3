import Foundation
import NetRuntime

/// Fig. 3.1 for a ReLU network on R², three panels over [−range, range]² on equal axis
/// scales:
/// 1. the trained network's prediction (arg-max class per pixel) with the training data;
/// 2. the class of the first layer's preimage per point (Thm 3.3), with the preimage of the
///    first layer's output at a chosen point drawn in black over the region borders (white);
/// 3. the condition number of the first layer's linearisation D_I A per point (σ_max over
///    the smallest non-zero σ, log colour scale; grey where every unit is inactive and A
///    has no non-zero singular value left).
///
/// The preimage of a point with k = 0 is that point (a dot); with k = 1 a segment or ray
/// p + t·o, t ∈ [min, max] (clipped to the square); with k = 2 the region of inputs where
/// every unit is inactive (hatched black). The class and the condition of a region are
/// computed at one pixel of the region: both depend only on the activation pattern; the
/// single points of Thm 3.3 ii with k > 0 lie on lower-dimensional sets that pixels do
/// not resolve.
public enum LinearRegionPicture {
    public struct Result {
        public let image: RGBImage
        /// Number of distinct activation patterns seen on the grid.
        public let regions: Int
        /// The preimage at the chosen point.
        public let preimage: ReLUPreimage
        /// Per region seen: its preimage class, its nullity k and the number of non-zero
        /// singular values of D_I A and their condition number (NaN without any).
        public let classes: [ReLUPreimage.Kind]
        public let nullities: [Int]
        public let ranks: [Int]
        public let conditions: [Double]
    }

    static let classColors: [ReLUPreimage.Kind: ChartColor] = [
        .singleton: ChartColor(hex: "#8fd18f"), .bounded: ChartColor(hex: "#f2b56b"), .unbounded: ChartColor(hex: "#9fb7d9"),
    ]
    static let noSingularValue = ChartColor(205, 205, 205), border = ChartColor(255, 255, 255)

    /// `network` must start with an affine step from R² followed by a ReLU; `data` are the
    /// training points and their classes, drawn on the prediction panel.
    public static func render(_ network: PiecewiseLinearNetwork, variables: VariableStore<Double>, point: [Double],
                              range: Double, grid: Int, data: (points: [[Double]], labels: [Int])? = nil) throws -> Result {
        guard network.model.inputShape == [2], network.steps.count >= 2, network.steps[0].kind == .affine, network.steps[1].kind == .relu else {
            throw PiecewiseLinearNetwork.Unsupported(description: "the region picture needs a network on 2-D inputs that starts with dense and relu")
        }
        let (a, b) = try LayerOperator.affine(network.steps[0], in: network, variables: variables)
        let m = a.shape[0]
        let rows = (0..<m).map { [a.scalars[2 * $0], a.scalars[2 * $0 + 1]] }
        func coordinate(_ i: Int) -> Double { -range + 2 * range * (Double(i) + 0.5) / Double(grid) }
        // Activation patterns of every pixel (row 0 at the top: y = +range).
        var pixels: [[Double]] = []
        var ids = [Int](repeating: 0, count: grid * grid)
        var index: [[Bool]: Int] = [:], representative: [[Double]] = [], patterns: [[Bool]] = []
        for r in 0..<grid { for c in 0..<grid {
            let x = [coordinate(c), -coordinate(r)]
            pixels.append(x)
            let pattern = (0..<m).map { i in rows[i][0] * x[0] + rows[i][1] * x[1] + b[i] > 0 }
            if index[pattern] == nil { index[pattern] = representative.count; representative.append(x); patterns.append(pattern) }
            ids[r * grid + c] = index[pattern]!
        } }
        let preimages = try representative.map { try ReLUPreimage.classify(weight: a, bias: b, input: $0) }
        let chosen = try ReLUPreimage.classify(weight: a, bias: b, input: point)
        let spectra = patterns.map { p in PlanarSingularValues.condition((0..<m).filter { p[$0] }.map { rows[$0] }) }
        let predicted = predictions(network, variables: variables, points: pixels)

        let size = 300.0, cell = size / Double(grid), legendHeight = 54.0
        let panelWidth = SquarePanel.marginLeft + size + SquarePanel.marginRight, colourBar = 90.0
        var scene = ChartScene(width: 3 * panelWidth + colourBar, height: SquarePanel.marginTop + size + SquarePanel.marginBottom + legendHeight)
        let panels = (0..<3).map { SquarePanel(left: Double($0) * panelWidth + SquarePanel.marginLeft, top: SquarePanel.marginTop, size: size, lo: -range, hi: range) }
        // Condition numbers on a log scale from 1 to the largest seen.
        let maxLog = max(0.5, spectra.compactMap { $0.condition.isFinite ? log10($0.condition) : nil }.max() ?? 0.5)
        func conditionColor(_ id: Int) -> ChartColor {
            guard spectra[id].condition.isFinite else { return noSingularValue }
            let c = Colormap.color(log10(spectra[id].condition) / maxLog)
            return ChartColor(c.0, c.1, c.2)
        }
        let classes = max(2, network.steps.last!.outputSize)
        for r in 0..<grid { for c in 0..<grid {
            let i = r * grid + c, id = ids[i]
            let edge = (c + 1 < grid && ids[i + 1] != id) || (r + 1 < grid && ids[i + grid] != id)
            let fills = [light(Chart.color(predicted[i] % classes)), edge ? border : classColors[preimages[id].kind]!, edge ? border : conditionColor(id)]
            for (k, fill) in fills.enumerated() {
                scene.add(.rect(x: panels[k].left + Double(c) * cell, y: panels[k].top + Double(r) * cell, width: cell, height: cell, fill: fill, opacity: 1, stroke: nil))
            }
        } }
        if let data {
            for (p, label) in zip(data.points, data.labels) where abs(p[0]) <= range && abs(p[1]) <= range {
                scene.add(.circle(panels[0].point(p[0], p[1]), radius: 1.6, Chart.color(label % classes)))
            }
        }
        drawPreimage(chosen, on: panels[1], range: range, grid: grid, ids: ids, patterns: patterns, into: &scene)
        for k in 1...2 { scene.add(.circle(panels[k].point(point[0], point[1]), radius: 4, ChartColor(220, 30, 30))) }

        panels[0].addAxes(to: &scene, title: "prediction of the trained network")
        panels[1].addAxes(to: &scene, title: "preimage class of layer 1 (Thm 3.3)")
        panels[2].addAxes(to: &scene, title: "condition number of layer 1's D_I A")
        let below = SquarePanel.marginTop + size + SquarePanel.marginBottom + 12
        scene.add(.text("dots: training data; shade: predicted class", at: ChartPoint(panels[0].left - 40, below), anchor: .start, style: .body))
        scene.add(.text("\(representative.count) linear regions (white borders)", at: ChartPoint(panels[0].left - 40, below + 16), anchor: .start, style: .body))
        var lx = panels[1].left - 40
        for kind in [ReLUPreimage.Kind.singleton, .bounded, .unbounded] {
            scene.add(.rect(x: lx, y: below - 9, width: 10, height: 10, fill: classColors[kind]!, opacity: 1, stroke: ChartScene.ink))
            scene.add(.text(kind.rawValue, at: ChartPoint(lx + 14, below), anchor: .start, style: .body))
            lx += ChartScene.textWidth(kind.rawValue, .body) + 26
        }
        scene.add(.text("black: preimage of the output at the red point", at: ChartPoint(panels[1].left - 40, below + 16), anchor: .start, style: .body))
        scene.add(.text("(\(chosen.kind.rawValue), k = \(chosen.nullity))", at: ChartPoint(panels[1].left - 40, below + 32), anchor: .start, style: .body))
        scene.add(.rect(x: panels[2].left - 40, y: below - 9, width: 10, height: 10, fill: noSingularValue, opacity: 1, stroke: ChartScene.ink))
        scene.add(.text("no non-zero singular value", at: ChartPoint(panels[2].left - 26, below), anchor: .start, style: .body))
        scene.add(.text("(every unit inactive)", at: ChartPoint(panels[2].left - 26, below + 16), anchor: .start, style: .body))
        addColourBar(to: &scene, x: panels[2].left + size + 14, top: SquarePanel.marginTop, height: size, maxLog: maxLog)
        return Result(image: ChartRaster.render(scene, scale: 2), regions: representative.count, preimage: chosen,
                      classes: preimages.map(\.kind), nullities: preimages.map(\.nullity), ranks: spectra.map(\.rank),
                      conditions: spectra.map(\.condition))
    }

    /// The preimage of the chosen output on the preimage panel: a dot (k = 0, the red point
    /// itself), a thick segment (k = 1) or the hatched region where every unit is inactive (k = 2).
    static func drawPreimage(_ chosen: ReLUPreimage, on panel: SquarePanel, range: Double, grid: Int, ids: [Int], patterns: [[Bool]],
                             into scene: inout ChartScene) {
        let black = ChartColor(0, 0, 0)
        switch chosen.nullity {
        case 0: scene.add(.circle(panel.point(chosen.point[0], chosen.point[1]), radius: 6, black))
        case 1:
            let o = chosen.directions[0], p = chosen.point
            // Clip t so that p + t·o stays in the square.
            var lo = chosen.extents[0].min, hi = chosen.extents[0].max
            for d in 0..<2 where abs(o[d]) > 1e-12 {
                let t1 = (-range - p[d]) / o[d], t2 = (range - p[d]) / o[d]
                lo = max(lo, min(t1, t2)); hi = min(hi, max(t1, t2))
            }
            if lo < hi { scene.add(.line(panel.point(p[0] + lo * o[0], p[1] + lo * o[1]), panel.point(p[0] + hi * o[0], p[1] + hi * o[1]), black, width: 3.5)) }
        default:
            let cell = panel.size / Double(grid)
            for r in 0..<grid { for c in 0..<grid where !patterns[ids[r * grid + c]].contains(true) && (r + c) % 4 < 2 {
                scene.add(.rect(x: panel.left + Double(c) * cell, y: panel.top + Double(r) * cell, width: cell, height: cell, fill: black, opacity: 0.6, stroke: nil))
            } }
        }
    }

    /// The colour scale of the condition panel: log10 κ from 0 (κ = 1) to maxLog, ticked
    /// like a log axis (κ = 1, 2, 5, 10, … or decades) and labelled with κ itself.
    static func addColourBar(to scene: inout ChartScene, x: Double, top: Double, height: Double, maxLog: Double) {
        let ticks = ChartTicks.logarithmic(0, maxLog)
        scene.addColorBar(x: x, top: top, height: height, lo: 0, hi: maxLog, ticks: ticks, label: "condition number")
    }

    /// The class the network predicts at each point: arg-max of its output (the sign for
    /// a single output).
    static func predictions(_ network: PiecewiseLinearNetwork, variables: VariableStore<Double>, points: [[Double]]) -> [Int] {
        let graph = network.model.graph, context = ApplyContext(training: false)
        let start = graph.constant(Tensor(shape: [points.count, 2], scalars: points.flatMap { $0 }))
        let out = network.steps.reduce(start) { $1.layer.apply($0, context) }
        let y = graph.evaluate([out], as: Double.self, variables: variables)[0]
        let k = y.count / max(1, points.count)
        return (0..<points.count).map { i in
            let row = y.scalars[(i * k)..<((i + 1) * k)]
            return k == 1 ? (row.first! > 0 ? 1 : 0) : row.indices.max { row[$0] < row[$1] }! - i * k
        }
    }

    /// A class colour mixed with white, for the prediction panel's background.
    static func light(_ c: ChartColor) -> ChartColor {
        func mix(_ v: UInt8) -> UInt8 { UInt8((Double(v) * 0.35 + 255 * 0.65).rounded()) }
        return ChartColor(mix(c.r), mix(c.g), mix(c.b))
    }
}
