import Foundation
import NetLang
import NetLibrary
import NetRuntime

/// The two cost ratios the thesis states (issue 4, item 9), measured on the `iresnet_toy`
/// architecture (10 stages of ActNorm + residual block 2→128→128→2, spectral
/// normalisation with one power iteration per step, Adam, 500 points):
///
/// * `logdet_step_ratio`: a training step with the 5-term power-series log-det (one
///   Gaussian probe, differentiable vjps: the `iresnet_toy` step) over a plain step of
///   the same net with a simple loss and no log-det. Two plain losses: ½‖z‖² (the same
///   objective without its log-det term, `plain_ms`) and a 2-class softmax
///   cross-entropy on z as logits (`classify_ms`, labels = sign of the first coordinate).
///   The thesis reports about 4×. `logdet_neumann_step_ratio`: the same step with the
///   Neumann-series gradient of the log-det (`NeumannLogDetGradient`, Residual Flows eq. 8,
///   which the thesis's conclusion of ch. 5 names as the fix for the series' memory cost):
///   the 5 series products are not differentiated, one surrogate product per block is.
/// * `inverse_iteration_ratio`: one fixed-point iteration of the inverse (Alg. 1: for
///   every block x ← y − g(x), plus ActNorm) over one forward pass f(x), both without a
///   tape on 10,000 points with exactly normalised weights. The iteration time is the full
///   inverse (20 iterations per block, as `iresnet_inverse`) divided by 20. The thesis
///   reports about 1×.
///
/// The same log-det/plain step ratio is measured for the convolutional i-ResNet of
/// `conv_iresnet` (`conv_logdet_step_ratio`, plain loss ½‖z‖² per sample).
///
/// The timed quantity `ms` is the log-det step. Each part is timed like every workload
/// (warm-up, then the median of `reps` calls), the parts interleaved round by round so
/// that a slow phase of the machine hits all of them.
enum ThesisRatiosWorkload {
    static func run(reps: Int, warmup: Int) -> [String: Any] {
        var rng = RandomGenerator(seed: 3)
        let g = Graph()
        let flow = ToyFlow(graph: g, rng: &rng)
        let x = g.input("x", shape: [500, 2])
        let labels = g.input("labels", shape: [500])
        let data = eightGaussians(500, rng: &rng)
        let labelValues = Tensor<Double>(shape: [500], scalars: (0..<500).map { data.scalars[2 * $0] > 0 ? 1 : 0 })

        // Three training steps over the same parameters (separate stores: each starts from
        // the initial weights and trains on its own).
        func makeStep(_ loss: (Node, [[Node]]) -> Node) -> TrainingStep<Float> {
            let (weights, updates) = flow.normalizedWeights()
            let step = TrainingStep<Float>(loss: loss(x, weights), updates: updates, variables: VariableStore<Float>(g), seed: 11) {
                Adam(parameterSizes: $0, learningRate: 1e-3)
            }
            step.executor.setInput(x, data.converted())
            if step.executor.uses(labels) { step.executor.setInput(labels, labelValues.converted()) }
            return step
        }
        let logDetStep = makeStep { x, w in flow.negativeLogLikelihood(x, weights: w, terms: 5) }
        let neumannStep = makeStep { x, w in flow.negativeLogLikelihood(x, weights: w, terms: 5, neumann: true) }
        let plainStep = makeStep { x, w in (flow.forward(x, weights: w).square().sum(axes: [1]) * 0.5).mean() }
        let classifyStep = makeStep { x, w in flow.forward(x, weights: w).crossEntropy(labels: labels) }

        // Forward pass and inverse of 10,000 points with exactly normalised weights.
        let n = 10_000
        let store = VariableStore<Float>(g)
        for s in flow.stages {
            for w in s.weights {
                let value = store.value(w).converted(to: Double.self)
                let sigma = try! spectralNorm(value)
                let scale = Float(max(1, sigma / ToyFlow.coefficient))
                let b = store.buffer(w)
                for i in 0..<b.count { b[i] /= scale }
            }
        }
        let xIn = g.input("x_points", shape: [n, 2])
        let forward = Executor<Float>(graph: g, outputs: [flow.forward(xIn, weights: flow.stages.map(\.weights))], variables: store)
        let points = eightGaussians(n, rng: &rng).converted(to: Float.self)
        forward.setInput(xIn, points)
        forward.run()
        let target = forward.value(forward.outputs[0]).scalars
        let blocks: [Executor<Float>] = flow.stages.map { s in
            Executor(graph: g, outputs: [ToyFlow.residual(xIn, weights: s.weights, biases: s.biases)], variables: store)
        }
        let iterations = 20
        var reconstruction: [Float] = []
        func invert() {
            var yy = target
            for (s, e) in zip(flow.stages, blocks).reversed() {
                let xp = e.inputPointer(xIn), gp = e.pointer(e.outputs[0])
                yy.withUnsafeBufferPointer { xp.update(from: $0.baseAddress!, count: 2 * n) }
                for _ in 0..<iterations {
                    e.run()
                    for i in 0..<(2 * n) { xp[i] = yy[i] - gp[i] }
                }
                let sc = store.buffer(s.scale), sh = store.buffer(s.shift)
                for i in 0..<n { for d in 0..<2 { yy[2 * i + d] = (xp[2 * i + d] - sh[d]) / sc[d] } }
            }
            reconstruction = yy
        }

        // The convolutional i-ResNet of `conv_iresnet` (a NetLang script): its log-det step
        // against the same script with the plain loss ½‖z‖² (no log-det).
        func compile(_ script: String, _ name: String) -> CompiledTraining {
            let interpreter = Interpreter(seed: 0)
            interpreter.output = { _ in }
            return try! interpreter.compileTrainingScript(SourceFile(name: name, text: script))
        }
        let logDetLoss = "loss flow_nll(flow, x, terms: 5)"
        precondition(ScriptWorkloads.convIResNetScript.contains(logDetLoss))
        let convLogDet = compile(ScriptWorkloads.convIResNetScript, "conv_logdet.net")
        let convPlain = compile(ScriptWorkloads.convIResNetScript.replacingOccurrences(
            of: logDetLoss, with: "loss 0.5 * mean(sum(square(flow(x)), axis: [1, 2, 3]))"), "conv_plain.net")

        // Interleaved timing: every round times each part once per repetition.
        let parts: [(String, () -> Void)] = [
            ("logdet", { logDetStep.run() }), ("logdet_neumann", { neumannStep.run() }), ("plain", { plainStep.run() }), ("classify", { classifyStep.run() }),
            ("forward", { forward.run() }), ("inverse", invert),
            ("conv_logdet", { _ = try! convLogDet.runStep() }), ("conv_plain", { _ = try! convPlain.runStep() }),
        ]
        var samples: [String: [Double]] = [:]
        for (_, f) in parts { for _ in 0..<warmup { f() } }
        for _ in 0..<reps {
            for (name, f) in parts {
                let t0 = DispatchTime.now().uptimeNanoseconds
                f()
                samples[name, default: []].append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
        }
        let ms = samples.mapValues(median)
        let iteration = ms["inverse"]! / Double(iterations)
        return [
            "ms": ms["logdet"]!, "logdet_step_ms": ms["logdet"]!, "plain_ms": ms["plain"]!, "classify_ms": ms["classify"]!,
            "logdet_step_ratio": ms["logdet"]! / ms["plain"]!, "logdet_vs_classify_ratio": ms["logdet"]! / ms["classify"]!,
            "logdet_neumann_step_ms": ms["logdet_neumann"]!, "logdet_neumann_step_ratio": ms["logdet_neumann"]! / ms["plain"]!,
            "logdet_neumann_vs_classify_ratio": ms["logdet_neumann"]! / ms["classify"]!,
            "forward_ms": ms["forward"]!, "inverse_iteration_ms": iteration,
            "inverse_iteration_ratio": iteration / ms["forward"]!, "points": n,
            "conv_logdet_step_ms": ms["conv_logdet"]!, "conv_plain_ms": ms["conv_plain"]!,
            "conv_logdet_step_ratio": ms["conv_logdet"]! / ms["conv_plain"]!,
            "max_abs_recon_err": zip(reconstruction, points.scalars).map { Double(abs($0 - $1)) }.max() ?? .nan,
        ]
    }
}

extension ToyFlow {
    /// z = f(x): every stage's ActNorm then x + g(x), with the given weights (no log-det).
    func forward(_ x: Node, weights: [[Node]]) -> Node {
        var h = x
        for (s, w) in zip(stages, weights) {
            h = h * s.scale + s.shift
            h = h + Self.residual(h, weights: w, biases: s.biases)
        }
        return h
    }
}
