import Foundation
import NetLang
import NetLibrary
import NetRuntime

/// `netl bench --sweep`: how the cost of a log-det training step grows.
///
/// Times the `iresnet_toy` and `conv_iresnet` training steps (the scripts of
/// `ScriptWorkloads`, so the step a `train` block compiles) while one size grows and the
/// others stay at the workload's values: the batch, the width (hidden units; hidden
/// channels of the convolutional net) and the number of power-series terms. Prints one
/// JSON line per point and draws a chart of time against each size, with guides through
/// the workload's own point: the series grows linearly in batch and terms (Sec. 5.2: each
/// term is one more vector-Jacobian product and its backward), and quadratically in the
/// width of a dense net (the 128×128 middle layer dominates).
enum CostSweep {
    struct Axis: Sendable {
        let name: String
        let values: [Int]
        let base: Int
    }

    struct Workload: Sendable {
        let name: String
        let axes: [Axis]
        /// The training script for (batch, width, terms).
        let script: @Sendable (Int, Int, Int) -> String
    }

    static let iresnetToy = Workload(
        name: "iresnet_toy",
        axes: [Axis(name: "batch", values: [125, 250, 500, 1000, 2000], base: 500),
               Axis(name: "width", values: [32, 64, 128, 256, 512], base: 128),
               Axis(name: "terms", values: [1, 2, 3, 5, 8, 10], base: 5)]) { batch, width, terms in
        """
        data batch = generate("8gaussians", n: \(batch), seed: 1)
        model flow(input: [2]) {
          repeat 10 {
            actnorm(data_init: false)
            residual lipschitz(c: 0.9) { dense(\(width)) elu dense(\(width)) elu dense(2) }
          }
        }
        train flow on batch {
          loss flow_nll(flow, x, terms: \(terms))
          optimizer adam(lr: 1e-3)
          batch \(batch)  shuffle false  steps 1
        }
        """
    }

    static let convIResNet = Workload(
        name: "conv_iresnet",
        axes: [Axis(name: "batch", values: [4, 8, 16, 32], base: 16),
               Axis(name: "width", values: [8, 16, 32, 64], base: 32),
               Axis(name: "terms", values: [1, 2, 3, 5, 8], base: 5)]) { batch, width, terms in
        """
        data batch = dataset(randn([\(batch), 16, 16, 16], seed: 1))
        model flow(input: [16, 16, 16]) {
          repeat 3 {
            residual lipschitz(c: 0.9) {
              conv2d(\(width), kernel: 3, padding: 1) elu
              conv2d(\(width), kernel: 1, padding: 0) elu
              conv2d(16, kernel: 3, padding: 1)
            }
          }
        }
        train flow on batch {
          loss flow_nll(flow, x, terms: \(terms))
          optimizer adam(lr: 1e-3)
          batch \(batch)  shuffle false  steps 1
        }
        """
    }

    struct Point {
        let workload: String
        let axis: String
        let value: Int
        let ms: Double
        let minMs: Double
    }

    /// Runs every point (printing its JSON line as it finishes) and writes the chart.
    static func run(quick: Bool, chartPath: String) throws {
        var points: [Point] = []
        for workload in [iresnetToy, convIResNet] {
            for axis in workload.axes {
                for value in axis.values {
                    let size = workload.axes.map { $0.name == axis.name ? value : $0.base }
                    let (ms, minMs) = timeStep(workload.script(size[0], size[1], size[2]), name: workload.name, quick: quick)
                    let point = Point(workload: workload.name, axis: axis.name, value: value, ms: ms, minMs: minMs)
                    points.append(point)
                    print(jsonLine([("sweep", point.workload), ("vary", point.axis), ("value", point.value),
                                    ("batch", size[0]), ("width", size[1]), ("terms", size[2]),
                                    ("ms", point.ms), ("min_ms", point.minMs)]))
                    fflush(nil)
                }
            }
        }
        try chart(points).writePNG(to: chartPath)
        FileHandle.standardError.write("wrote \(chartPath)\n".data(using: .utf8)!)
    }

    /// The median step time over at least 3 steps and about half a second (one step
    /// untimed first), at most 15 steps; quick: 3 steps.
    static func timeStep(_ script: String, name: String, quick: Bool) -> (Double, Double) {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        let training = try! interpreter.compileTrainingScript(SourceFile(name: "\(name)_sweep.net", text: script))
        _ = try! training.runStep()
        var times: [Double] = []
        let started = DispatchTime.now().uptimeNanoseconds
        while times.count < 3 || (!quick && times.count < 15 && Double(DispatchTime.now().uptimeNanoseconds - started) < 5e8) {
            let t0 = DispatchTime.now().uptimeNanoseconds
            _ = try! training.runStep()
            times.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
        }
        times.sort()
        return (times[times.count / 2], times[0])
    }

    /// Two rows (the workloads) of three panels (the axes): time per step (log scale)
    /// against the size, with the guides through the workload's own point.
    static func chart(_ points: [Point]) -> RGBImage {
        let rows = [iresnetToy, convIResNet].map { workload in
            ChartPanels.image(workload.axes.map { axis in
                let measured = points.filter { $0.workload == workload.name && $0.axis == axis.name }
                var chart = Chart(title: "\(workload.name) step vs \(axis.name)",
                                  xLabel: axis.name == "width" && workload.name == "conv_iresnet" ? "hidden channels" : axis.name,
                                  yLabel: "ms per step (median)", logY: true)
                chart.series.append(.init(label: "measured", x: measured.map { Double($0.value) }, y: measured.map(\.ms)))
                if let base = measured.first(where: { $0.value == axis.base }) {
                    let xs = axis.values.map(Double.init), b = Double(axis.base)
                    chart.series.append(.init(label: "linear (through \(axis.base))", x: xs, y: xs.map { base.ms * $0 / b }))
                    if axis.name == "width" {
                        chart.series.append(.init(label: "quadratic", x: xs, y: xs.map { base.ms * ($0 / b) * ($0 / b) }))
                    }
                }
                return chart
            }, scale: 1)
        }
        return ChartPanels.column(rows)
    }
}
