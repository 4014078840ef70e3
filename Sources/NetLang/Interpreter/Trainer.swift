import Foundation
import NetLibrary
import NetRuntime

/// Set by the SIGINT handler while training runs: Ctrl-C stops training cleanly and keeps
/// the model as it is.
nonisolated(unsafe) var interruptRequested = false

/// One objective of a train block: a loss minimised (or maximised) over some models'
/// parameters, compiled into a `TrainingStep` once.
struct Objective {
    var expression: Expression
    var sign: Double
    var models: [ModelValue]
    var step: TrainingStep<Float>?
    /// The term distribution of a Russian-roulette loss (its steps vary with the draw).
    var roulette: TermDistribution?
}

extension Interpreter {
    /// Compiles a train block: evaluates its settings, builds every objective's loss graph
    /// with x and y bound to batch inputs, and plans one `TrainingStep` per objective.
    func compileTraining(_ t: TrainStatement, in env: Environment) throws -> CompiledTraining {
        let models: [ModelValue] = try t.models.map { name, span in
            guard case let .model(m)? = env.lookup(name) else {
                throw Diagnostic.error("'\(name)' is not a model", at: span)
            }
            return m
        }
        guard case let .dataset(data) = try evaluate(t.data, in: env) else {
            throw Diagnostic.error("'train … on' needs a data set (e.g. digits.train)", at: t.data.span)
        }
        guard data.count > 0 else { throw Diagnostic.error("the data set '\(data.name)' is empty", at: t.data.span) }

        // Settings.
        var objectives: [Objective] = []
        var optimizerSpec: OptimizerSpec? = nil
        var schedule: (any LearningRateSchedule)? = nil
        var epochs: Int? = nil, steps: Int? = nil, batch = 32, shuffle = true
        var logged: [Expression] = []
        var validation: Dataset? = nil
        for item in t.items {
            switch item {
            case let .loss(e, _): objectives.append(Objective(expression: e, sign: 1, models: models))
            case let .minimize(e, over, _): objectives.append(Objective(expression: e, sign: 1, models: try resolveModels(over, models, env)))
            case let .maximize(e, over, _): objectives.append(Objective(expression: e, sign: -1, models: try resolveModels(over, models, env)))
            case let .optimizer(e, span):
                guard case let .optimizer(o) = try evaluate(e, in: env) else { throw Diagnostic.error("expected an optimizer such as adam(lr: 1e-3)", at: span) }
                optimizerSpec = o
            case let .schedule(e, span):
                guard case let .schedule(s) = try evaluate(e, in: env) else { throw Diagnostic.error("expected a schedule such as multistep(…)", at: span) }
                schedule = s
            case let .setting(name, e, _):
                let n = try integer(e, in: env, what: name)
                guard n >= 1 else { throw Diagnostic.error("\(name) must be at least 1, got \(n)", at: e.span) }
                switch name {
                case "epochs": epochs = n
                case "steps": steps = n
                default: batch = n
                }
            case let .shuffle(e, _): shuffle = try truth(evaluate(e, in: env), span: e.span)
            case let .log(items, _): logged += items
            case let .validate(e, span):
                guard case let .dataset(d) = try evaluate(e, in: env) else { throw Diagnostic.error("validate needs a data set", at: span) }
                validation = d
            }
        }
        guard !objectives.isEmpty else {
            throw Diagnostic.error("a train block needs a loss: loss cross_entropy(\(models[0].name)(x), y)", at: t.span)
        }
        let batchSize = min(batch, data.count)
        let optimizer = optimizerSpec ?? Builtins.adam(learningRate: 1e-3, weightDecay: 0, decoupled: false)

        // Compile: x, y are inputs of the batch's shape; each objective becomes a step.
        let x = graph.input("x", shape: [batchSize] + data.exampleShape)
        let y = data.y.map { graph.input("y", shape: [batchSize] + $0.shape.dropFirst()) }
        var pending: [(layer: ActNorm, input: Node)] = []
        var powerIterations: [PowerIterationRefiner.Item] = []
        for i in objectives.indices {
            rouletteDistribution = nil
            defer { rouletteDistribution = nil }
            let (step, context) = try compileStep(objectives[i], index: i, extraTerms: 0, x: x, y: y, env: env, span: t.span,
                                                  makeOptimizer: optimizer.make)
            objectives[i].step = step
            objectives[i].roulette = rouletteDistribution
            pending += context.pendingInitializations
            powerIterations += context.powerIterations
        }
        // Russian-roulette losses: the step for another draw K is compiled when first
        // drawn, sharing the parameters and the optimiser (and its moments) with the first.
        let makeVariant = { [unowned self] (i: Int, k: Int, shared: TrainingStep<Float>) throws -> TrainingStep<Float> in
            rouletteDistribution = nil
            defer { rouletteDistribution = nil }
            return try compileStep(objectives[i], index: i, extraTerms: k, x: x, y: y, env: env, span: t.span,
                                   makeOptimizer: { _ in shared.optimizer }).step
        }
        return CompiledTraining(models: models, data: data, objectives: objectives, batchSize: batchSize, x: x, y: y,
                                pending: pending, refiner: PowerIterationRefiner(powerIterations, variables: variables),
                                makeVariant: makeVariant, schedule: schedule, epochs: epochs, steps: steps, shuffle: shuffle,
                                logged: logged, validation: validation, variables: variables, seed: seed)
    }

    /// Builds one objective's loss graph (x and y bound to the batch inputs) and plans its
    /// training step; `extraTerms` is the Russian-roulette draw K this variant is for.
    private func compileStep(_ objective: Objective, index i: Int, extraTerms: Int, x: Node, y: Node?, env: Environment,
                             span: SourceSpan, makeOptimizer: ([Int]) -> Optimizer<Float>) throws -> (step: TrainingStep<Float>, context: ApplyContext) {
        let scope = Environment(parent: env)
        scope.define("x", .node(x))
        if let y { scope.define("y", .node(y)) }
        let context = ApplyContext(training: true)
        symbolicContext = context
        rouletteExtraTerms = extraTerms
        graph.recordsShapeErrors = true
        defer { symbolicContext = nil; rouletteExtraTerms = nil }
        let value = try evaluate(objective.expression, in: scope)
        try checkGraphErrors(objective.expression.span)
        guard case let .node(lossNode) = value, lossNode.count == 1 else {
            throw Diagnostic.error("the loss must be a single number computed from the model, got \(describe(value))", at: objective.expression.span)
        }
        let parameters = objective.models.flatMap(\.model.parameters).filter { ($0.operation as? VariableOp)?.trainable == true }
        guard !parameters.isEmpty else { throw Diagnostic.error("nothing to train: the models have no parameters", at: span) }
        let loss = objective.sign == 1 ? lossNode.reshaped([]) : -lossNode.reshaped([])
        variables.syncWithGraph()
        let step = TrainingStep<Float>(loss: loss, parameters: parameters, updates: context.updates, variables: variables,
                                       seed: seed &+ UInt64(i) &+ 17 &+ UInt64(extraTerms) &* 7919, makeOptimizer: makeOptimizer)
        return (step, context)
    }

    func train(_ t: TrainStatement, in env: Environment) throws {
        let training = try compileTraining(t, in: env)
        if checkOnly { return }
        try training.initializeActNorms()
        let data = training.data, models = training.models
        let batchSize = training.batchSize, batchesPerEpoch = training.batchesPerEpoch
        let totalSteps = training.totalSteps, totalEpochs = (totalSteps + batchesPerEpoch - 1) / batchesPerEpoch
        var rng = RandomGenerator(seed: seed &+ 101)
        var step = 0
        let start = Date()
        var progress = self.progress
        interruptRequested = false
        let previousHandler = signal(SIGINT) { _ in interruptRequested = true }
        defer { signal(SIGINT, previousHandler) }
        let label = "train " + models.map(\.name).joined(separator: ", ")
        var lastLoss = Double.nan, lastStepLoss = Double.nan
        training: for epoch in 0..<totalEpochs {
            let order = training.shuffle ? rng.permutation(data.count) : Array(0..<data.count)
            var sum = 0.0, count = 0
            let snapshot = training.snapshot()
            for b in 0..<batchesPerEpoch where step < totalSteps {
                let indices = order[(b * batchSize)..<((b + 1) * batchSize)]
                do {
                    lastStepLoss = try training.step(indices, epoch: epoch, step: step)
                    sum += lastStepLoss
                    count += 1
                } catch let failure as TrainingDivergence {
                    training.restore(snapshot)
                    progress.finish()
                    throw Diagnostic.error("training diverged: the loss became \(formatValue(failure.loss)) at epoch \(epoch + 1), step \(step + 1); the parameters are restored to the start of that epoch (try a smaller learning rate)", at: failure.span)
                }
                step += 1
                progress.update(label, fraction: Double(step) / Double(totalSteps),
                                extra: "epoch \(epoch + 1)/\(totalEpochs) loss \(formatValue(sum / Double(max(count, 1))))")
                if interruptRequested { break training }
            }
            lastLoss = sum / Double(max(count, 1))
            if !training.logged.isEmpty || training.validation != nil {
                let scope = Environment(parent: env)
                scope.define("loss", .number(lastLoss))
                scope.define("epoch", .number(Double(epoch + 1)))
                var parts = ["epoch \(epoch + 1)/\(totalEpochs)", "loss \(formatValue(lastLoss))"]
                for e in training.logged {
                    if case .identifier("loss", _) = e { continue }
                    parts.append("\(e.span.text) \(display(try evaluate(e, in: scope)))")
                }
                if let validation = training.validation, validation.hasLabels {
                    for m in models where m.model.outputShape.count == 1 && validation.exampleShape == m.model.inputShape {
                        parts.append("val accuracy(\(m.name)) \(formatValue(Metrics.accuracy(inference(m.model).predict(validation.x), validation.y!)))")
                    }
                }
                progress.finish()
                output(parts.joined(separator: "  "))
            }
            if interruptRequested { break }
        }
        progress.finish()
        let seconds = Date().timeIntervalSince(start)
        if interruptRequested {
            output("interrupted after \(step) steps; \(models.map(\.name).joined(separator: ", ")) keeps its current parameters")
            interruptRequested = false
        } else {
            output(trainingSummary(models: models.map(\.name), steps: step, epochs: totalEpochs, batchesPerEpoch: batchesPerEpoch,
                                   batchSize: batchSize, seconds: seconds, epochMeanLoss: lastLoss, lastStepLoss: lastStepLoss))
        }
        if let refiner = training.refiner, !refiner.history.isEmpty {
            // Inference normalises with the stored vectors: refine them for the final weights.
            refiner.refine()
            let later = refiner.history.dropFirst().sorted()
            output("power iteration to tolerance: \(refiner.history[0]) iterations before the first step, median \(later.isEmpty ? 0 : later[later.count / 2]) after" +
                   (refiner.cappedCalls > 0 ? "; the cap was reached in \(refiner.cappedCalls) steps" : ""))
        }
        for (distribution, draws) in training.rouletteDraws {
            output("Russian roulette, K ~ \(distribution): steps compiled for K = \(draws.map(String.init).joined(separator: ", ")) (one drawn per step)")
        }
    }

    /// The line printed after training. The loss of the last epoch is the mean over its
    /// steps (each taken with different weights), so it is labelled as such and the last
    /// step's loss is printed next to it.
    func trainingSummary(models: [String], steps: Int, epochs: Int, batchesPerEpoch: Int, batchSize: Int,
                         seconds: Double, epochMeanLoss: Double, lastStepLoss: Double) -> String {
        func count(_ n: Int, _ word: String, plural: String? = nil) -> String { "\(n) " + (n == 1 ? word : plural ?? word + "s") }
        return "trained \(models.joined(separator: ", ")) for \(count(steps, "step")) (\(count(epochs, "epoch")) of "
            + "\(count(batchesPerEpoch, "batch", plural: "batches")) of \(batchSize)) in \(String(format: "%.1f", seconds)) s; "
            + "mean loss over the last epoch \(formatValue(epochMeanLoss)), last step \(formatValue(lastStepLoss))"
    }

    private func resolveModels(_ names: [(name: String, span: SourceSpan)], _ trained: [ModelValue], _ env: Environment) throws -> [ModelValue] {
        if names.isEmpty { return trained }
        return try names.map { name, span in
            guard let m = trained.first(where: { $0.name == name }) else {
                throw Diagnostic.error("'\(name)' is not one of the models this block trains (\(trained.map(\.name).joined(separator: ", ")))", at: span)
            }
            return m
        }
    }
}

/// A loss that stopped being finite.
struct TrainingDivergence: Error {
    let loss: Double
    let span: SourceSpan
}

/// A train block compiled once: one planned `TrainingStep` per objective, sharing the batch
/// inputs x and y. `netl bench` times its `step` directly.
public final class CompiledTraining {
    let models: [ModelValue]
    let data: Dataset
    let objectives: [Objective]
    let batchSize: Int
    let x: Node
    let y: Node?
    let pending: [(layer: ActNorm, input: Node)]
    /// Power iteration to a tolerance before each step (`lipschitz(c:, tolerance:)`).
    let refiner: PowerIterationRefiner?
    /// Compiles objective i's step for the Russian-roulette draw K, sharing the optimiser.
    let makeVariant: (Int, Int, TrainingStep<Float>) throws -> TrainingStep<Float>
    /// Steps compiled per objective and draw K (K = 0 is `objectives[i].step`).
    private var variants: [[Int: TrainingStep<Float>]]
    private var rouletteRandom: RandomGenerator
    let schedule: (any LearningRateSchedule)?
    let shuffle: Bool
    let logged: [Expression]
    let validation: Dataset?
    let variables: VariableStore<Float>
    let batchesPerEpoch: Int
    let totalSteps: Int
    private let width: Int, yWidth: Int

    init(models: [ModelValue], data: Dataset, objectives: [Objective], batchSize: Int, x: Node, y: Node?,
         pending: [(layer: ActNorm, input: Node)], refiner: PowerIterationRefiner?, makeVariant: @escaping (Int, Int, TrainingStep<Float>) throws -> TrainingStep<Float>,
         schedule: (any LearningRateSchedule)?, epochs: Int?, steps: Int?,
         shuffle: Bool, logged: [Expression], validation: Dataset?, variables: VariableStore<Float>, seed: UInt64) {
        self.models = models; self.data = data; self.objectives = objectives; self.batchSize = batchSize
        self.x = x; self.y = y; self.pending = pending; self.refiner = refiner; self.makeVariant = makeVariant
        variants = objectives.map { [0: $0.step!] }
        rouletteRandom = RandomGenerator(seed: seed &+ 4011)
        self.schedule = schedule; self.shuffle = shuffle
        self.logged = logged; self.validation = validation; self.variables = variables
        batchesPerEpoch = max(1, data.count / batchSize)
        totalSteps = steps ?? (epochs ?? 10) * batchesPerEpoch
        width = data.x.count / data.count
        yWidth = data.y.map { $0.count / data.count } ?? 0
    }

    /// The batch each objective's executor holds, so an unchanged batch (full-batch
    /// training) is not copied again.
    private var loaded: [ObjectIdentifier: [Int]] = [:]

    /// Copies the examples at `indices` into an executor's x and y buffers; `objective`
    /// marks a long-lived step executor (kept alive by `variants`, so its identity is
    /// never reused) whose last batch is remembered.
    func load(_ indices: ArraySlice<Int>, into exec: Executor<Float>, remember: Bool = false) {
        if remember {
            let key = ObjectIdentifier(exec)
            if let previous = loaded[key], previous.elementsEqual(indices) { return }
            loaded[key] = Array(indices)
        }
        if exec.uses(x) {
            let p = exec.inputPointer(x)
            data.x.scalars.withUnsafeBufferPointer { xs in
                for (r, i) in indices.enumerated() { for c in 0..<width { p[r * width + c] = Float(xs[i * width + c]) } }
            }
        }
        if let y, let ys = data.y, exec.uses(y) {
            let p = exec.inputPointer(y)
            for (r, i) in indices.enumerated() { for c in 0..<yWidth { p[r * yWidth + c] = Float(ys.scalars[i * yWidth + c]) } }
        }
    }

    /// ActNorm's data-dependent initialisation on the first batch, layer by layer.
    func initializeActNorms() throws {
        let first = Array(0..<batchSize)[...]
        for (layer, input) in pending where layer.needsInitialization {
            let exec = Executor<Float>(graph: x.graph, outputs: [input], variables: variables)
            load(first, into: exec)
            exec.run()
            let (scale, shift) = layer.initialize(from: exec.value(input).converted())
            variables.assign(layer.scale!, scale.converted())
            variables.assign(layer.shift!, shift.converted())
        }
    }

    /// One optimisation step of every objective on the batch; returns the first
    /// objective's loss. Throws `TrainingDivergence` (before updating) when a loss is not finite.
    @discardableResult
    func step(_ indices: ArraySlice<Int>, epoch: Int, step: Int) throws -> Double {
        var first = Double.nan
        refiner?.refine()
        for (k, o) in objectives.enumerated() {
            var s = o.step!
            if let distribution = o.roulette {
                // Russian roulette: this step's number of further series terms.
                let draw = distribution.sample(&rouletteRandom)
                if variants[k][draw] == nil { variants[k][draw] = try makeVariant(k, draw, s) }
                s = variants[k][draw]!
            }
            if let schedule { s.optimizer.learningRate = schedule.learningRate(epoch: epoch, step: step) }
            load(indices, into: s.executor, remember: true)
            let value = Double(s.computeGradients())
            guard value.isFinite else { throw TrainingDivergence(loss: value, span: o.expression.span) }
            s.applyUpdate()
            if k == 0 { first = value * o.sign }
        }
        return first
    }

    /// For each Russian-roulette objective: its distribution and the draws K compiled so far.
    var rouletteDraws: [(TermDistribution, [Int])] {
        objectives.indices.compactMap { i in objectives[i].roulette.map { ($0, variants[i].keys.sorted()) } }
    }

    /// The trained parameters' values (to restore after a divergence).
    func snapshot() -> [Tensor<Float>] { objectives.flatMap { $0.step!.parameters }.map { variables.value($0) } }

    func restore(_ values: [Tensor<Float>]) {
        for (p, v) in zip(objectives.flatMap { $0.step!.parameters }, values) { variables.assign(p, v) }
    }
}
