import Foundation
import NetLang
import NetRuntime

/// The `mlp` and `tiny_ops` workloads written as NetLang scripts and run through the
/// interpreter: the training step is the one a `train` block compiles; tiny_ops calls a
/// `jit`-compiled function 10,000 times through the interpreter's call path.
enum ScriptWorkloads {
    static let mlpScript = """
    # WORKLOADS.md 2: 784-512-512-10 MLP, batch 128, SGD with momentum 0.9, lr 0.01.
    data batch = dataset(randn([128, 784], seed: 1), argmax(randn([128, 10], seed: 2)))
    model mlp(input: [784]) {
      dense(512) relu
      dense(512) relu
      dense(10)
    }
    train mlp on batch {
      loss cross_entropy(mlp(x), y)
      optimizer sgd(lr: 0.01, momentum: 0.9)
      batch 128  shuffle false  steps 1
    }
    """

    static let iresnetToyScript = """
    # WORKLOADS.md 3: 10 stages of ActNorm (s = 1, b = 0) and a residual block 2→128→128→2
    # with spectral normalisation (c = 0.9, one power iteration per step), 5-term series
    # with one Gaussian probe per sample, Adam lr 1e-3, full batch of 500 points.
    data batch = generate("8gaussians", n: 500, seed: 1)
    model flow(input: [2]) {
      repeat 10 {
        actnorm(data_init: false)
        residual lipschitz(c: 0.9) { dense(128) elu dense(128) elu dense(2) }
      }
    }
    train flow on batch {
      loss flow_nll(flow, x, terms: 5)
      optimizer adam(lr: 1e-3)
      batch 500  shuffle false  steps 1
    }
    """

    static let convIResNetScript = """
    # WORKLOADS.md 6: 3 residual blocks conv3×3(16→32) → elu → conv1×1(32→32) → elu →
    # conv3×3(32→16), spectral normalisation on each convolution operator (c = 0.9), 5-term
    # series with one Gaussian probe, Adam lr 1e-3, a fixed batch 16×16×16×16.
    data batch = dataset(randn([16, 16, 16, 16], seed: 1))
    model flow(input: [16, 16, 16]) {
      repeat 3 {
        residual lipschitz(c: 0.9) {
          conv2d(32, kernel: 3, padding: 1) elu
          conv2d(32, kernel: 1, padding: 0) elu
          conv2d(16, kernel: 3, padding: 1)
        }
      }
    }
    train flow on batch {
      loss flow_nll(flow, x, terms: 5)
      optimizer adam(lr: 1e-3)
      batch 16  shuffle false  steps 1
    }
    """

    static let isotopenetScript = """
    # WORKLOADS.md 5: IsotopeNet, 1-D residual layers (conv1d k 3 padding 1, stride on the
    # first conv; a 1-wide strided projection conv on the skip path when the shape changes),
    # relu, a locally-connected layer (kernel 3, padding 1), dropout 0.3, dense 2;
    # Adam lr 5e-4 with weight decay 0.05 as an L2 term (torch.optim.Adam), batch 32.
    data batch = dataset(rand([32, 1, 27286], seed: 1), argmax(randn([32, 2], seed: 2)))
    model isotopenet(input: [1, 27286]) {
      residual { conv1d(8, kernel: 3, padding: 1) relu conv1d(8, kernel: 3, padding: 1) }
      residual { conv1d(8, kernel: 3, stride: 5, padding: 1) relu conv1d(8, kernel: 3, padding: 1) }
      residual { conv1d(8, kernel: 3, padding: 1) relu conv1d(8, kernel: 3, padding: 1) }
      residual { conv1d(1, kernel: 3, stride: 3, padding: 1) relu conv1d(1, kernel: 3, padding: 1) }
      relu
      locally_connected(1, kernel: 3, padding: 1)
      flatten
      dropout(0.3)
      dense(2)
    }
    train isotopenet on batch {
      loss cross_entropy(isotopenet(x), y)
      optimizer adam(lr: 5e-4, weight_decay: 0.05)
      batch 32  shuffle false  steps 1
    }
    """

    static let iresnetInverseScript = """
    # WORKLOADS.md 4: the iresnet_toy flow at its initial weights (ActNorm s = 1, b = 0);
    # each weight normalised by its exact norm (the constraint's vector starts at the top
    # singular vector, so σ̂ = σ), 10,000 points, y = f(x) computed untimed.
    data points = generate("8gaussians", n: 10000, seed: 4)
    model flow(input: [2]) {
      repeat 10 {
        actnorm(data_init: false)
        residual lipschitz(c: 0.9) { dense(128) elu dense(128) elu dense(2) }
      }
    }
    let y = predict(flow, points.x)
    """

    static let tinyOpsScript = """
    # WORKLOADS.md 7: y = tanh(x·w + b) for x 1×16, w 16×16, b 16, compiled once.
    let x = randn([1, 16], seed: 1)
    let w = randn([16, 16], seed: 2)
    let b = randn([16], seed: 3)
    let layer = jit(fn(x, w, b) = tanh(x @ w + b), x, w, b)
    """

    static func mlp(reps: Int, warmup: Int) -> [String: Any] { trainingStep(mlpScript, name: "mlp", reps: reps, warmup: warmup) }
    static func iresnetToy(reps: Int, warmup: Int) -> [String: Any] { trainingStep(iresnetToyScript, name: "iresnet_toy", reps: reps, warmup: warmup) }
    static func convIResNet(reps: Int, warmup: Int) -> [String: Any] { trainingStep(convIResNetScript, name: "conv_iresnet", reps: reps, warmup: warmup) }

    /// Times `inverse(flow, y, iterations: 20)` called through the interpreter: per stage
    /// 20 fixed-point iterations, blocks in reverse order, ActNorm inverted exactly.
    static func iresnetInverse(reps: Int, warmup: Int) -> [String: Any] {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        try! interpreter.run(SourceFile(name: "iresnet_inverse_bench.net", text: iresnetInverseScript))
        let step = SourceFile(name: "iresnet_inverse_step.net", text: "let r = inverse(flow, y, iterations: 20)")
        let rooflineBefore = RooflineReport.measuredBefore(iresnetInverseCost())
        var result: [String: Any] = timeSteps(reps: reps, warmup: warmup) { try! interpreter.run(step) }
        RooflineReport.addFields(rooflineBefore, to: &result)
        guard case let .record(fields)? = interpreter.globals.lookup("r"), case let .tensor(x)? = fields.first(where: { $0.0 == "x" })?.1,
              case let .dataset(points)? = interpreter.globals.lookup("points") else { fatalError("the inverse script did not define r and points") }
        result["max_abs_recon_err"] = zip(x.scalars, points.x.scalars).map { abs($0 - $1) }.max() ?? .nan
        result["path"] = "script"
        return result
    }

    /// The work of one iresnet_inverse step, counted by hand from `iresnetInverseScript` (the
    /// inverse runs its blocks' g through executors of its own, not one plan): 10 blocks ×
    /// 20 evaluations of g on 10,000 points, each three products (2→128, 128→128, 128→2)
    /// in one fused chain (its bias and elu passes are inside the product op, which
    /// `StepCost` does not count as elementwise work either), then x ← y − g(x) per
    /// evaluation and ActNorm's inverse per block; the compulsory bytes are y, the result
    /// and every parameter once.
    static func iresnetInverseCost() -> StepCost {
        let points = 10_000, width = 128, dimension = 2, blocks = 10, evaluations = blocks * 20
        var cost = StepCost()
        cost.productMultiplyAdds = [
            GemmShape(m: points, n: width, k: dimension): evaluations * points * width * dimension,
            GemmShape(m: points, n: width, k: width): evaluations * points * width * width,
            GemmShape(m: points, n: dimension, k: width): evaluations * points * dimension * width,
        ]
        cost.elementwiseOperations = evaluations * points * dimension + blocks * points * dimension
        let parameters = blocks * (2 * dimension + dimension * width + width + width * width + width + width * dimension + dimension)
        cost.compulsoryBytes = MemoryLayout<Float>.size * (2 * points * dimension + parameters)
        cost.kernels = evaluations + blocks
        return cost
    }

    static func isotopenet(reps: Int, warmup: Int) -> [String: Any] {
        var result = trainingStep(isotopenetScript, name: "isotopenet", reps: reps, warmup: warmup) { interpreter in
            guard case let .model(m)? = interpreter.globals.lookup("isotopenet") else { return [:] }
            // The locally-connected layer's output length is its bias's length (bias [1, L]).
            let lc = m.model.parameters.first {
                guard let v = $0.operation as? VariableOp else { return false }
                return v.label.contains("locally_connected") && v.label.hasSuffix("bias")
            }
            return ["params": m.model.parameterCount, "lc_len": lc?.shape.last ?? -1]
        }
        result["peak_rss_mb"] = peakResidentMegabytes()
        return result
    }

    /// Times the training step that a script's last train block compiles.
    static func trainingStep(_ script: String, name: String, reps: Int, warmup: Int,
                             extras: (Interpreter) -> [String: Any] = { _ in [:] }) -> [String: Any] {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        let training = try! interpreter.compileTrainingScript(SourceFile(name: "\(name)_bench.net", text: script))
        var first: Double? = nil, last = 0.0
        // The machine's peaks are measured before and after the timed steps (the best of both).
        let rooflineBefore = RooflineReport.measuredBefore(StepCost(trainingSteps: training.trainingSteps))
        var result: [String: Any] = timeSteps(reps: reps, warmup: warmup) {
            last = try! training.runStep()
            if first == nil { first = last }
        }
        result["loss_first"] = first ?? .nan
        result["loss_last"] = last
        result["arena_mb"] = Double(training.arenaBytes) / 1e6
        result["path"] = "script"
        result.merge(extras(interpreter)) { a, _ in a }
        RooflineReport.addFields(rooflineBefore, to: &result)
        return result
    }

    static func tinyOps(reps: Int, warmup: Int) -> [String: Any] {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        try! interpreter.run(SourceFile(name: "tiny_ops_bench.net", text: tinyOpsScript))
        guard case let .function(layer)? = interpreter.globals.lookup("layer"),
              let x = interpreter.globals.lookup("x"), let w = interpreter.globals.lookup("w"), let b = interpreter.globals.lookup("b") else {
            fatalError("tiny_ops script did not define layer, x, w, b")
        }
        let span = SourceSpan(file: SourceFile(name: "bench", text: ""), start: 0, end: 0)
        let args = [x, w, b].map { ArgumentValue(label: nil, value: $0, span: span) }
        let repsPerStep = 10_000
        var result: [String: Any] = timeSteps(reps: reps, warmup: warmup) {
            for _ in 0..<repsPerStep { _ = try! layer.call(args, span) }
        }
        result["us_per_rep"] = (result["ms"] as! Double) * 1e3 / Double(repsPerStep)
        result["reps_per_step"] = repsPerStep
        result["mode"] = "one jit-compiled call per repetition, through the interpreter"
        result["path"] = "script"
        return result
    }
}

extension ScriptWorkloads {
    /// Per-kernel profile of the conv_iresnet training step (`netl bench --profile`).
    static func profileConvIResNet() { profile(convIResNetScript, name: "conv_iresnet") }
    static func profileIsotopenet() { profile(isotopenetScript, name: "isotopenet") }

    /// The per-kernel profile of a script's training step, then its roofline account.
    static func profile(_ script: String, name: String, top: Int = 15) {
        let training = compile(script, name: name)
        try! training.runStep()
        for (executor, _) in training.stepExecutors {
            printProfile(executor.profile(runs: 3), title: name, top: top)
        }
        printRoofline(training, name: name)
    }

    /// Times a few steps of a compiled training script and prints its roofline account.
    static func printRoofline(_ training: CompiledTraining, name: String) {
        let before = Roofline(cost: StepCost(trainingSteps: training.trainingSteps))
        let stepMs = timeSteps(reps: 5, warmup: 1) { try! training.runStep() }["ms"]!
        RooflineReport.print(before.best(Roofline(cost: before.cost)), stepMs: stepMs, title: name)
    }

    /// The roofline account alone (workloads whose profile comes from elsewhere).
    static func roofline(_ script: String, name: String) { printRoofline(compile(script, name: name), name: name) }

    private static func compile(_ script: String, name: String) -> CompiledTraining {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        return try! interpreter.compileTrainingScript(SourceFile(name: "\(name)_bench.net", text: script))
    }
}

/// The process's peak resident set size in MB (getrusage; Linux reports kilobytes).
func peakResidentMegabytes() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    return Double(usage.ru_maxrss) / 1024
}
