import Foundation
import NetLibrary
import NetRuntime

/// One objective of a train block: a loss minimised (or maximised) over some models'
/// parameters, compiled into a `TrainingStep` once.
struct Objective {
    var expression: Expression
    var sign: Double
    var models: [ModelValue]
    var step: TrainingStep<Float>?
    /// The term distribution of a Russian-roulette loss (its steps vary with the draw).
    var roulette: TermDistribution?
    /// Where the loss computes class labels (`cross_entropy(f(x), y * 0.5)`): they are
    /// checked only as the step runs (a label that is not a class makes the loss NaN).
    var computedLabels: SourceSpan? = nil
    /// The flow whose NLL this loss estimates by a log-det series (nil: an exact loss).
    var seriesEstimateOf: String? = nil
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
        try rejectRepeatedModels(models, t.models.map(\.span))
        guard case let .dataset(data) = try evaluate(t.data, in: env) else {
            throw Diagnostic.error("'train … on' needs a data set (e.g. digits.train)", at: t.data.span)
        }
        guard data.count > 0 else { throw Diagnostic.error("the data set '\(data.name)' is empty", at: t.data.span) }
        try checkFinite(data, span: t.data.span)

        // Settings.
        var objectives: [Objective] = []
        var optimizerSpec: OptimizerSpec? = nil
        var schedule: (any LearningRateSchedule)? = nil
        var epochs: Int? = nil, steps: Int? = nil, batch = 32, shuffle = true, batchSpan = t.span
        var logged: [Expression] = []
        var validation: Dataset? = nil, validationSpan = t.span, validateEvery = 1
        var earlyStopping: (EarlyStopping, SourceSpan)? = nil, keepBest: SourceSpan? = nil, resetOptimizer = false
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
                default: batch = n; batchSpan = e.span
                }
            case let .shuffle(e, _): shuffle = try truth(evaluate(e, in: env), span: e.span)
            case let .log(items, _): logged += items
            case let .validate(e, every, span):
                guard case let .dataset(d) = try evaluate(e, in: env) else { throw Diagnostic.error("validate needs a data set", at: span) }
                validation = d
                validationSpan = e.span
                if let every {
                    validateEvery = try integer(every, in: env, what: "every")
                    guard validateEvery >= 1 else { throw Diagnostic.error("validate … every N needs N ≥ 1 epochs, got \(validateEvery)", at: every.span) }
                }
            case let .earlyStop(arguments, span):
                var args = Arguments("early_stop", try arguments.map { ArgumentValue(label: $0.label, value: try evaluate($0.value, in: env), span: $0.value.span) }, span)
                let patience = try args.integer("patience", position: 0, default: 5, minimum: 1)
                let minDelta = try args.number("min_delta", default: 0)
                guard minDelta >= 0 else { throw Diagnostic.error("early_stop: min_delta must be ≥ 0, got \(formatValue(minDelta))", at: span) }
                try args.checkAllUsed()
                earlyStopping = (EarlyStopping(patience: patience, minDelta: minDelta), span)
            case let .keepBest(span): keepBest = span
            case .resetOptimizer: resetOptimizer = true
            }
        }
        guard !objectives.isEmpty else {
            throw Diagnostic.error("a train block needs a loss: loss cross_entropy(\(models[0].name)(x), y)", at: t.span)
        }
        for span in [earlyStopping?.1, keepBest].compactMap({ $0 }) where validation == nil {
            throw Diagnostic.error("\(span.text) watches the validation loss: add 'validate DATA' to the block", at: span)
        }
        try checkMinMaxSeparation(t.items, objectives)
        let batchSize = min(batch, data.count)
        guard batchSize % world.size == 0 else {
            throw Diagnostic.error("the batch of \(batchSize) examples cannot be split evenly over \(world.size) ranks; use a multiple of \(world.size)", at: batchSpan)
        }
        let optimizer = optimizerSpec ?? Builtins.adam(learningRate: 1e-3, weightDecay: 0, decoupled: false)

        // Compile: x, y are inputs of the batch's shape; each objective becomes a step.
        // (Under mpirun each rank computes its shard of every batch.)
        let shardSize = batchSize / world.size
        let x = graph.input("x", shape: [shardSize] + data.exampleShape)
        let y = data.y.map { graph.input("y", shape: [shardSize] + $0.shape.dropFirst()) }
        var pending: [(layer: ActNorm, input: Node)] = []
        var powerIterations: [PowerIterationRefiner.Item] = []
        let flowState = FlowTrainingState(seed: seed)
        labelRequirements = []
        defer { labelRequirements = [] }
        for i in objectives.indices {
            let requirementsBefore = labelRequirements.count
            defer { objectives[i].computedLabels = labelRequirements[requirementsBefore...].first { $0.labels.id != y?.id }?.span }
            let (step, context) = try compileStep(objectives[i], index: i, extraTerms: 0, flowState: flowState, x: x, y: y, env: env,
                                                  span: t.span, makeOptimizer: optimizer.make)
            objectives[i].step = step
            objectives[i].roulette = flowState.distribution
            objectives[i].seriesEstimateOf = flowState.seriesEstimateOf
            pending += context.pendingInitializations
            powerIterations += context.powerIterations
        }
        flowState.start(with: objectives.map { $0.step! })
        // A class label outside the classifier's outputs would make the loss nan ("training
        // diverged"): name the data set, row and value instead.
        if let y, let labels = data.y {
            for (node, classes, span) in labelRequirements where node.id == y.id {
                try Builtins.checkLabels(labels.scalars, classes: classes, data: "data set '\(data.name)'", span: span)
            }
        }
        // Optimiser state carries over from the last block that trained the same parameters
        // with the same kind of optimiser (Adam's moments and step count), unless reset.
        var shuffling: RandomGenerator? = nil, startEpoch = 0
        for i in objectives.indices where !checkOnly {
            let continued = try continueTraining(objectives[i].step!, kind: optimizer.name, reset: resetOptimizer, span: t.span)
            if i == 0 { (shuffling, startEpoch) = continued }
        }
        // A loss written for the training batch only (fixed-size noise, a constant target of
        // the batch's shape) cannot run on the validation set: validation then reports
        // accuracies alone, and says why — unless early_stop or keep best need the loss.
        var validationLoss: ValidationLoss? = nil
        if let validation {
            do {
                validationLoss = try compileValidationLoss(objectives[0], data: validation, training: data, chunk: max(batchSize, 256),
                                                           env: env, span: validationSpan)
            } catch let d as Diagnostic where earlyStopping == nil && keepBest == nil {
                output("note: validate \(validationSpan.text): no val_loss, since the loss cannot be evaluated on that set (\(d.message))")
            }
        }
        // Russian-roulette losses: the step for another draw K is compiled when first
        // drawn, sharing the parameters and the optimiser (and its moments) with the first.
        let makeVariant = { [unowned self] (i: Int, k: Int, shared: TrainingStep<Float>) throws -> TrainingStep<Float> in
            try compileStep(objectives[i], index: i, extraTerms: k, flowState: flowState, x: x, y: y, env: env, span: t.span,
                            makeOptimizer: { _ in shared.optimizer }).step
        }
        return CompiledTraining(CompiledTraining.Configuration(
            models: models, data: data, objectives: objectives, batchSize: batchSize, world: world, x: x, y: y, pending: pending,
            refiner: PowerIterationRefiner(powerIterations, variables: variables), flowState: flowState, makeVariant: makeVariant,
            schedule: schedule, epochs: epochs, steps: steps, shuffle: shuffle, logged: logged, validation: validation,
            validationLoss: validationLoss, validateEvery: validateEvery, earlyStopping: earlyStopping?.0, keepBest: keepBest != nil,
            optimizerKind: optimizer.name, shuffling: shuffling ?? RandomGenerator(seed: seed &+ 101), startEpoch: startEpoch,
            variables: variables))
    }

    /// Builds one objective's loss graph (x and y bound to the batch inputs) and plans its
    /// training step; `extraTerms` is the Russian-roulette draw K this variant is for.
    private func compileStep(_ objective: Objective, index i: Int, extraTerms: Int, flowState: FlowTrainingState, x: Node, y: Node?,
                             env: Environment, span: SourceSpan, makeOptimizer: ([Int]) -> Optimizer<Float>) throws -> (step: TrainingStep<Float>, context: ApplyContext) {
        let context = ApplyContext(training: true)
        flowState.extraTerms = extraTerms
        flowState.distribution = nil
        flowState.seriesEstimateOf = nil
        let lossNode = try lossGraph(objective, x: x, y: y, context: context, flowState: flowState, env: env)
        let parameters = objective.models.flatMap(\.model.parametersToTrain).uniqued()
        guard !parameters.isEmpty else {
            let frozen = objective.models.flatMap { [$0.model] + $0.model.composedModels }.filter(\.frozen).map { "'\($0.name)'" }
            throw Diagnostic.error(frozen.isEmpty ? "nothing to train: the models have no parameters"
                                   : "nothing to train: the parameters are those of frozen models (\(frozen.joined(separator: ", "))); unfreeze(\(frozen[0].dropFirst().dropLast())) trains them again", at: span)
        }
        let loss = objective.sign == 1 ? lossNode.reshaped([]) : -lossNode.reshaped([])
        variables.syncWithGraph()
        // Random nodes (Hutchinson probes, dropout) draw from a stream per rank: rank r adds
        // r · 0x9E3779B97F4A7C15 to the seed, so rank 0 draws what a single process draws.
        let step = TrainingStep<Float>(loss: loss, parameters: parameters, updates: context.updates, variables: variables,
                                       seed: seed &+ UInt64(i) &+ 17 &+ UInt64(extraTerms) &* 7919 &+ UInt64(world.rank) &* 0x9E37_79B9_7F4A_7C15,
                                       makeOptimizer: makeOptimizer)
        return (step, context)
    }

    /// Runs a train block; returns its history (`TrainingHistory`), the value of
    /// `let h = train …`.
    /// An objective's expression as a graph of the inputs x and y, built under `context`
    /// (a training step's, or a validation's in evaluation mode): a graph run at every
    /// step, so random built-ins in it are random leaves.
    func lossGraph(_ objective: Objective, x: Node, y: Node?, context: ApplyContext, flowState: FlowTrainingState, env: Environment) throws -> Node {
        let scope = Environment(parent: env)
        scope.define("x", .node(x))
        if let y { scope.define("y", .node(y)) }
        context.repeatsExecution = true
        symbolicContext = context
        compilingFlowTraining = flowState
        defer { symbolicContext = nil; compilingFlowTraining = nil }
        let value = try evaluate(objective.expression, in: scope)
        try checkGraphErrors(objective.expression.span)
        guard case let .node(loss) = value, loss.count == 1 else {
            throw Diagnostic.error("the loss must be a single number computed from the model, got \(describe(value))", at: objective.expression.span)
        }
        return loss
    }

    func train(_ t: TrainStatement, in env: Environment) throws -> Value {
        let training = try compileTraining(t, in: env)
        if topLevelMode == .shapeOnly {
            // Placeholders of the right kinds, so `netl check` runs what uses them.
            var history = TrainingHistory()
            if training.validation != nil { history.bestEpoch = 0; history.bestValidationLoss = .nan }
            return history.value
        }
        try checkRanksAgree(on: training, at: t.span)
        try training.broadcastFromFirstRank()
        try training.initializeActNorms()
        let reduceStart = (seconds: world.reduceSeconds, calls: world.reduceCalls, cpu: world.reduceCPUSeconds)
        let cpuStart = Communicator.processCPUSeconds
        let data = training.data, models = training.models
        let batchSize = training.batchSize, batchesPerEpoch = training.batchesPerEpoch
        let totalSteps = training.totalSteps, totalEpochs = (totalSteps + batchesPerEpoch - 1) / batchesPerEpoch
        var rng = training.configuration.shuffling   // continues the last block's on these parameters
        var step = 0
        let start = Date()
        var progress = self.progress
        // Ctrl-C (`Interruption`) stops training cleanly and keeps the model as it is — in
        // one process. Ranks would see it at different steps and wait for each other, so
        // under mpirun it ends the job (mpirun forwards it).
        Interruption.clear()
        let previousHandler = world.size == 1 ? InterruptHandler.install { _ in Interruption.request() } : nil
        defer { if let previousHandler { InterruptHandler.restore(previousHandler) } }
        let label = "train " + models.map(\.name).joined(separator: ", ")
        var lastLoss = Double.nan, lastStepLoss = Double.nan
        var history = TrainingHistory()
        history.seriesEstimate = training.objectives[0].seriesEstimateOf != nil
        var earlyStopping = training.configuration.earlyStopping
        var best: [Tensor<Float>]? = nil
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
                    if let labels = failure.computedLabels {
                        throw Diagnostic.error("the loss became \(formatValue(failure.loss)) at epoch \(epoch + 1), step \(step + 1): the class labels computed here must be whole numbers 0…classes−1 (a label such as 0.5 is not a class); the parameters are restored to the start of that epoch", at: labels)
                    }
                    throw Diagnostic.error("training diverged: the loss became \(formatValue(failure.loss)) at epoch \(epoch + 1), step \(step + 1); the parameters are restored to the start of that epoch (try a smaller learning rate)", at: failure.span)
                }
                step += 1
                progress.update(label, fraction: Double(step) / Double(totalSteps),
                                extra: "epoch \(epoch + 1)/\(totalEpochs) loss \(formatValue(sum / Double(max(count, 1))))")
                if Interruption.isRequested { break training }
            }
            lastLoss = sum / Double(max(count, 1))
            history.epochLosses.append(lastLoss)
            history.epochSeconds.append(Date().timeIntervalSince(start))
            history.steps = step
            let validates = training.validation != nil && ((epoch + 1) % training.configuration.validateEvery == 0 || epoch + 1 == totalEpochs)
            if !training.logged.isEmpty || validates {
                let scope = Environment(parent: env)
                scope.define("loss", .number(lastLoss))
                scope.define("epoch", .number(Double(epoch + 1)))
                var parts = ["epoch \(epoch + 1)/\(totalEpochs)", "\(lossLabel(training.objectives[0].seriesEstimateOf != nil)) \(formatValue(lastLoss))"]
                for e in training.logged {
                    if case .identifier("loss", _) = e { continue }
                    parts.append("\(e.span.text) \(display(try evaluate(e, in: scope)))")
                }
                if validates, let validation = training.validation {
                    let value = training.configuration.validationLoss?.evaluate() ?? .nan
                    history.validationEpochs.append(epoch + 1)
                    history.validationLosses.append(value)
                    if training.configuration.validationLoss != nil { parts.append("val_loss \(formatValue(value))") }
                    if validation.hasLabels {
                        for m in models where m.model.outputShape.count == 1 && validation.exampleShape == m.model.inputShape {
                            let accuracy = Metrics.accuracy(inference(m.model).predict(validation.x), validation.y!)
                            history.addAccuracy(accuracy, model: m.name)
                            parts.append("val accuracy(\(m.name)) \(formatValue(accuracy))")
                        }
                    }
                    // Keras' EarlyStopping(monitor="val_loss", restore_best_weights=…).
                    let improved = value < history.bestValidationLoss - (earlyStopping?.minDelta ?? 0) || history.bestEpoch == nil
                    if improved, value.isFinite {
                        history.bestValidationLoss = value
                        history.bestEpoch = epoch + 1
                        if training.configuration.keepBest { best = training.modelSnapshot() }
                    }
                    if earlyStopping?.shouldStop(improved: improved && value.isFinite) == true { history.stoppedEarly = true }
                }
                progress.finish()
                output(parts.joined(separator: "  "))
            }
            if Interruption.isRequested || history.stoppedEarly { break }
        }
        for o in training.objectives {
            rememberStreams(o.step!, kind: training.configuration.optimizerKind, shuffling: rng,
                            epochs: training.configuration.startEpoch + history.epochLosses.count)
        }
        // Ctrl-C keeps the parameters as they are (and says so), keep best or not.
        if let best, history.bestEpoch != history.epochLosses.count, !Interruption.isRequested {
            training.restoreModels(best)
            history.restoredBest = true
        }
        progress.finish()
        // A model trained as a layer of another has learned weights too (the REPL warns
        // before a redefinition discards them).
        for m in (models + models.flatMap(composedModelValues).filter { !$0.model.frozen }).uniqued(by: { ObjectIdentifier($0) }) where step > 0 { m.recordTraining(steps: step) }
        let seconds = Date().timeIntervalSince(start)
        if Interruption.isRequested {
            output("interrupted after \(counted(step, "step")); \(models.map(\.name).joined(separator: ", ")) keeps its current parameters")
            Interruption.clear()
        } else {
            output(trainingSummary(models: models.map(\.name), steps: step, epochs: history.epochLosses.count, batchesPerEpoch: batchesPerEpoch,
                                   batchSize: batchSize, seconds: seconds, epochMeanLoss: lastLoss, lastStepLoss: lastStepLoss,
                                   seriesEstimate: training.objectives[0].seriesEstimateOf.map { ($0, t.data.span.text) }))
        }
        if history.stoppedEarly, let patience = earlyStopping?.patience {
            output("stopped early after epoch \(history.epochLosses.count) of \(totalEpochs): val_loss did not improve for \(patience) validation\(patience == 1 ? "" : "s") (best \(formatValue(history.bestValidationLoss)) at epoch \(history.bestEpoch ?? 0))")
        }
        if history.restoredBest {
            output("keep best: restored the parameters of epoch \(history.bestEpoch!) (val_loss \(formatValue(history.bestValidationLoss)))")
        }
        if world.usesMPI {
            // What the scaling measurements read (scripts/scale_side_by_side.sh): the
            // all-reduce's share of the wall time, and rank 0's CPU time outside it.
            let reduce = world.reduceSeconds - reduceStart.seconds, calls = world.reduceCalls - reduceStart.calls
            let cpu = Communicator.processCPUSeconds - cpuStart - (world.reduceCPUSeconds - reduceStart.cpu)
            let floats = training.objectives.reduce(0) { $0 + ($1.step!.fusedCount) }
            output("data-parallel over \(world.size) rank\(world.size == 1 ? "" : "s"): \(training.shardSize) of each batch of \(batchSize) per rank; \(calls) all-reduces of \(floats) floats took \(String(format: "%.1f", 100 * reduce / max(seconds, 1e-9)))% of the training time; rank 0 computed for \(String(format: "%.2f", cpu)) s of CPU time")
        }
        // Inference normalises with the stored vectors u (σ̂ = ‖Wᵀu‖ ≤ ‖W‖, eq. 4.9). Training
        // moves them one power iteration per step (or to a tolerance), so σ̂ lags the final
        // weights and a layer can end above c — up to 11 % for convolutions with the default
        // one iteration per step. Converge them on the final weights once (SVD for dense
        // weights, subspace iteration on the operator for convolutions, in Float64), so every
        // constrained layer holds its c as check_lipschitz measures it (Remark 4.9).
        for m in models { m.model.refreshSpectralNorms(variables) }
        if let refiner = training.refiner, !refiner.history.isEmpty {
            let later = refiner.history.dropFirst().sorted()
            output("power iteration to tolerance: \(counted(refiner.history[0], "iteration")) before the first step, median \(later.isEmpty ? 0 : later[later.count / 2]) after" +
                   (refiner.cappedCalls > 0 ? "; the cap was reached in \(counted(refiner.cappedCalls, "step"))" : ""))
        }
        for (distribution, draws) in training.rouletteDraws {
            output("Russian roulette, K ~ \(distribution): steps compiled for K = \(draws.map(String.init).joined(separator: ", ")) (one drawn per step)")
        }
        return history.value
    }

    /// Min-max training (e.g. the nuisance classifier of Def. 6.14) needs disjoint players: a
    /// model trained by a maximize objective must not also be trained by a loss or minimize
    /// objective, or the two steps would undo each other on the same parameters.
    private func checkMinMaxSeparation(_ items: [TrainItem], _ objectives: [Objective]) throws {
        let minimized = Set(objectives.filter { $0.sign > 0 }.flatMap { $0.models.map(\.name) })
        for item in items {
            guard case let .maximize(e, over, span) = item else { continue }
            let maximized = objectives.first { $0.sign < 0 && $0.expression.span == e.span }?.models.map(\.name) ?? []
            let shared = maximized.filter(minimized.contains)
            guard !shared.isEmpty else { continue }
            let at = over.first { shared.contains($0.name) }?.span ?? span
            throw Diagnostic.error("min-max training needs separate parameter sets: \(shared.map { "'\($0)'" }.joined(separator: ", ")) is both minimised and maximised; name the models of each side with 'over' (minimize … over f  maximize … over critic)", at: at)
        }
    }

    /// The line printed after training. The loss of the last epoch is the mean over its
    /// steps (each taken with different weights), so it is labelled as such and the last
    /// step's loss is printed next to it.
    ///
    /// A flow loss built on a log-det series is an estimate of the NLL (a power series
    /// truncated after n terms is biased, Sec. 5.2; roulette is unbiased but noisy), so it
    /// is labelled "loss (series estimate)" and the line names the call giving the exact NLL.
    func trainingSummary(models: [String], steps: Int, epochs: Int, batchesPerEpoch: Int, batchSize: Int,
                         seconds: Double, epochMeanLoss: Double, lastStepLoss: Double,
                         seriesEstimate: (flow: String, data: String)? = nil) -> String {
        let exact = seriesEstimate.map { "; exact NLL: flow_nll(\($0.flow), \($0.data), method: \"exact\") (or in a log line per epoch)" } ?? ""
        return "trained \(models.joined(separator: ", ")) for \(counted(steps, "step")) (\(counted(epochs, "epoch")) of "
            + "\(counted(batchesPerEpoch, "batch", plural: "batches")) of \(batchSize)) in \(String(format: "%.1f", seconds)) s; "
            + "mean \(lossLabel(seriesEstimate != nil)) over the last epoch \(formatValue(epochMeanLoss)), last step \(formatValue(lastStepLoss))"
            + exact
    }

    func lossLabel(_ seriesEstimate: Bool) -> String { seriesEstimate ? "loss (series estimate)" : "loss" }

    private func resolveModels(_ names: [(name: String, span: SourceSpan)], _ trained: [ModelValue], _ env: Environment) throws -> [ModelValue] {
        if names.isEmpty { return trained }
        let models = try names.map { name, span in
            guard let m = trained.first(where: { $0.name == name }) else {
                throw Diagnostic.error("'\(name)' is not one of the models this block trains (\(trained.map(\.name).joined(separator: ", ")))", at: span)
            }
            return m
        }
        try rejectRepeatedModels(models, names.map(\.span))
        return models
    }

    /// A model named twice (`train f, f`, `maximize … over g, g`, or under two names of one
    /// model) had every optimiser step applied to it twice.
    private func rejectRepeatedModels(_ models: [ModelValue], _ spans: [SourceSpan]) throws {
        for i in models.indices {
            if let first = models[..<i].firstIndex(where: { $0 === models[i] }) {
                let again = models[first].name == models[i].name ? "'\(models[i].name)' is named twice" : "'\(models[i].name)' is the model '\(models[first].name)' again"
                throw Diagnostic.error("\(again); each model is trained once per step", at: spans[i])
            }
        }
    }
}

/// A loss that stopped being finite.
struct TrainingDivergence: Error {
    let loss: Double
    let span: SourceSpan
    var computedLabels: SourceSpan? = nil
}

extension Interpreter {
    /// NaN or infinity among a training set's inputs or targets would turn the weights
    /// into NaN at the first step; name the row instead.
    func checkFinite(_ data: Dataset, span: SourceSpan) throws {
        for (part, t) in [("x", data.x), ("y", data.y)] {
            guard let t, let i = t.scalars.firstIndex(where: { !$0.isFinite }) else { continue }
            let width = max(1, t.count / max(1, data.count))
            throw Diagnostic.error("data set '\(data.name)', row \(i / width): \(part) holds \(formatValue(t.scalars[i])); training needs finite numbers", at: span)
        }
    }
}
