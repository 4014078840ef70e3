import Foundation
import NetLibrary
import NetRuntime

/// 3. Density training of the 2-D toy i-ResNet: power iterations, forward with 50
/// differentiable vector-Jacobian products, double backward, Adam.
enum IResNetToyWorkload {
    static func run(reps: Int, warmup: Int) -> [String: Any] {
        var rng = RandomGenerator(seed: 3)
        let g = Graph()
        let flow = ToyFlow(graph: g, rng: &rng)
        let x = g.input("x", shape: [500, 2])
        let (weights, updates) = flow.normalizedWeights()
        let loss = flow.negativeLogLikelihood(x, weights: weights)
        let data = eightGaussians(500, rng: &rng)
        let store = VariableStore<Float>(g)
        var result: [String: Any] = [:]
        for (k, v) in logDetCheck(flow, weights: flow.normalizedWeights(updatingVectors: false).weights, points: Tensor(shape: [16, 2], scalars: Array(data.scalars.prefix(32))), store: store) {
            result[k] = v
        }
        let step = TrainingStep<Float>(loss: loss, updates: updates, variables: store, seed: 11) {
            Adam(parameterSizes: $0, learningRate: 1e-3)
        }
        step.executor.setInput(x, data.converted())
        var first: Float? = nil, last: Float = 0
        for (k, v) in timeSteps(reps: reps, warmup: warmup, {
            last = step.run()
            if first == nil { first = last }
        }) { result[k] = v }
        result["loss_first"] = Double(first ?? .nan)
        result["loss_last"] = Double(last)
        result["params"] = step.parameters.map(\.count).reduce(0, +)
        result["kernels"] = step.executor.kernelCount
        result["arena_mb"] = Double(step.executor.arenaBytes) / 1e6
        return result
    }

    /// The validation of WORKLOADS.md: exact log|det(I + J_g)| summed over blocks (2×2
    /// Jacobians from two vector-Jacobian products) against the one-probe estimate, the
    /// mean of 1000 one-probe estimates, and the 5-term series with exact traces.
    static func logDetCheck(_ flow: ToyFlow, weights: [[Node]], points: Tensor<Double>, store: VariableStore<Float>) -> [String: Double] {
        let g = flow.graph
        let n = points.shape[0]
        let x = g.input("check_x", shape: [n, 2])
        let e1 = g.constant(Tensor(shape: [n, 2], scalars: (0..<n).flatMap { _ in [1.0, 0] }))
        let e2 = g.constant(Tensor(shape: [n, 2], scalars: (0..<n).flatMap { _ in [0.0, 1] }))
        var h = x
        var rows: [Node] = []
        var estimate: Node? = nil
        for (s, w) in zip(flow.stages, weights) {
            h = h * s.scale + s.shift
            let r = ToyFlow.residual(h, weights: w, biases: s.biases)
            rows += [g.vjp(r, wrt: h, vector: e1), g.vjp(r, wrt: h, vector: e2)]
            let probe = g.apply(RandomOp(distribution: .normal(mean: 0, std: 1), shape: h.shape), [])
            let e = PowerSeriesLogDet.estimate(block: r, input: h, probe: probe, terms: 5)
            estimate = estimate.map { $0 + e } ?? e
            h = h + r
        }
        let exec = Executor<Float>(graph: g, outputs: rows + [estimate!], variables: store, seed: 99)
        exec.setInput(x, points.converted())
        exec.run()
        var exact = [Double](repeating: 0, count: n), series = exact
        for b in 0..<flow.stages.count {
            let r1 = exec.value(rows[2 * b]).scalars.map(Double.init), r2 = exec.value(rows[2 * b + 1]).scalars.map(Double.init)
            for p in 0..<n {
                // J = [[a, b], [c, d]] (row i = e_iᵀ J).
                let a = r1[2 * p], bb = r1[2 * p + 1], c = r2[2 * p], d = r2[2 * p + 1]
                exact[p] += log(abs((1 + a) * (1 + d) - bb * c))
                var power = (a, bb, c, d)  // Jᵏ
                for k in 1...5 {
                    series[p] += (k % 2 == 1 ? 1 : -1) * (power.0 + power.3) / Double(k)
                    power = (power.0 * a + power.1 * c, power.0 * bb + power.1 * d,
                             power.2 * a + power.3 * c, power.2 * bb + power.3 * d)
                }
            }
        }
        let one = exec.value(estimate!).scalars.map(Double.init)
        var mean = [Double](repeating: 0, count: n)
        let probes = 1000
        for _ in 0..<probes {
            exec.run()
            let e = exec.pointer(estimate!)
            for p in 0..<n { mean[p] += Double(e[p]) / Double(probes) }
        }
        func mad(_ v: [Double]) -> Double { zip(v, exact).map { abs($0 - $1) }.reduce(0, +) / Double(n) }
        return ["logdet_exact_mean": exact.reduce(0, +) / Double(n), "logdet_mad_1probe": mad(one),
                "logdet_mad_1000probe": mad(mean), "logdet_mad_series_exact_trace": mad(series)]
    }
}

/// 4. Fixed-point inverse (thesis Alg. 1) of 10,000 outputs of the initial toy flow: per
/// stage, 20 iterations x ← y − g(x), then ActNorm inverted exactly. Each block's g is one
/// planned executor run in place; no gradients are recorded.
enum IResNetInverseWorkload {
    static func run(reps: Int, warmup: Int) -> [String: Any] {
        var rng = RandomGenerator(seed: 4)
        let g = Graph()
        let flow = ToyFlow(graph: g, rng: &rng)
        let store = VariableStore<Float>(g)
        // Exact spectral normalisation once, before timing: W / max(1, σ_max/0.9).
        for s in flow.stages {
            for w in s.weights {
                let value = store.value(w).converted(to: Double.self)
                let sigma = try! spectralNorm(value)
                store.assign(w, value.converted(to: Float.self))
                let scale = Float(max(1, sigma / ToyFlow.coefficient))
                let b = store.buffer(w)
                for i in 0..<b.count { b[i] /= scale }
            }
        }
        let n = 10_000
        let xIn = g.input("x", shape: [n, 2])
        // One executor per block: g_i(x) for x in a shared input buffer.
        let blocks: [Executor<Float>] = flow.stages.map { s in
            Executor(graph: g, outputs: [ToyFlow.residual(xIn, weights: s.weights, biases: s.biases)], variables: store)
        }
        let data = eightGaussians(n, rng: &rng).converted(to: Float.self)
        // y = f(x), untimed.
        var y = data.scalars
        for (s, e) in zip(flow.stages, blocks) {
            let sc = store.buffer(s.scale), sh = store.buffer(s.shift)
            for i in 0..<n { for d in 0..<2 { y[2 * i + d] = y[2 * i + d] * sc[d] + sh[d] } }
            let xp = e.inputPointer(xIn)
            y.withUnsafeBufferPointer { xp.update(from: $0.baseAddress!, count: 2 * n) }
            e.run()
            let gp = e.pointer(e.outputs[0])
            for i in 0..<(2 * n) { y[i] += gp[i] }
        }
        let target = y
        var reconstruction = [Float](repeating: 0, count: 2 * n)
        func invert() {
            var yy = target
            for (s, e) in zip(flow.stages, blocks).reversed() {
                let xp = e.inputPointer(xIn), gp = e.pointer(e.outputs[0])
                yy.withUnsafeBufferPointer { xp.update(from: $0.baseAddress!, count: 2 * n) }
                for _ in 0..<20 {
                    e.run()
                    for i in 0..<(2 * n) { xp[i] = yy[i] - gp[i] }
                }
                let sc = store.buffer(s.scale), sh = store.buffer(s.shift)
                for i in 0..<n { for d in 0..<2 { yy[2 * i + d] = (xp[2 * i + d] - sh[d]) / sc[d] } }
            }
            reconstruction = yy
        }
        var result: [String: Any] = timeSteps(reps: reps, warmup: warmup, invert)
        result["max_abs_recon_err"] = zip(reconstruction, data.scalars).map { Double(abs($0 - $1)) }.max() ?? .nan
        return result
    }
}

/// Prints the per-kernel profile of the inverse's block and of the toy training step.
enum ProfileWorkloads {
    static func iresnetToy() {
        var rng = RandomGenerator(seed: 3)
        let g = Graph()
        let flow = ToyFlow(graph: g, rng: &rng)
        let x = g.input("x", shape: [500, 2])
        let (weights, updates) = flow.normalizedWeights()
        let loss = flow.negativeLogLikelihood(x, weights: weights)
        let step = TrainingStep<Float>(loss: loss, updates: updates) { Adam(parameterSizes: $0, learningRate: 1e-3) }
        let data: Tensor<Float> = eightGaussians(500, rng: &rng).converted()
        step.executor.setInput(x, data)
        step.run()
        let logDet = printProfile(step.executor.profile(runs: 3), title: "iresnet_toy", top: 25)
        // The same network with the plain loss ½‖z‖² (thesis_ratios' `plain` step): the
        // FLOP ratio of the two steps is what the time ratio would be at equal efficiency.
        let (plainWeights, plainUpdates) = flow.normalizedWeights()
        let plainLoss = (flow.forward(x, weights: plainWeights).square().sum(axes: [1]) * 0.5).mean()
        let plain = TrainingStep<Float>(loss: plainLoss, updates: plainUpdates) { Adam(parameterSizes: $0, learningRate: 1e-3) }
        plain.executor.setInput(x, data)
        plain.run()
        let plainTotals = printProfile(plain.executor.profile(runs: 5), title: "plain step (same network, loss ½‖z‖²)", top: 8)
        print(String(format: "log-det step / plain step: %.2f× the time, %.2f× the FLOP of products",
                     logDet.ms / plainTotals.ms, logDet.gflop / plainTotals.gflop))
        let xi = g.input("xi", shape: [10_000, 2])
        let e = Executor<Float>(graph: g, outputs: [ToyFlow.residual(xi, weights: flow.stages[0].weights, biases: flow.stages[0].biases)])
        e.run()
        printProfile(e.profile(runs: 5), title: "one block's g on 10,000 points")
    }
}
