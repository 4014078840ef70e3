import Foundation
import NetLibrary
import NetRuntime

/// A train block compiled once: one planned `TrainingStep` per objective, sharing the batch
/// inputs x and y. `netl bench` times its `step` directly.
public final class CompiledTraining {
    /// Everything a compiled train block is made of.
    struct Configuration {
        var models: [ModelValue]
        var data: Dataset
        var objectives: [Objective]
        /// The global batch: every rank of a data-parallel job takes `batchSize / world.size`
        /// consecutive examples of it (its shard), in the same shuffled order on every rank.
        var batchSize: Int
        var world: Communicator
        var x: Node
        var y: Node?
        /// ActNorm layers waiting for their data-dependent initialisation, with their inputs.
        var pending: [(layer: ActNorm, input: Node)]
        /// Power iteration to a tolerance before each step (`lipschitz(c:, tolerance:)`).
        var refiner: PowerIterationRefiner?
        /// Roulette draws and the step variants compiled for them.
        var flowState: FlowTrainingState
        /// Compiles objective i's step for the Russian-roulette draw K, sharing the optimiser.
        var makeVariant: (Int, Int, TrainingStep<Float>) throws -> TrainingStep<Float>
        var schedule: (any LearningRateSchedule)?
        var epochs: Int?
        var steps: Int?
        var shuffle: Bool
        var logged: [Expression]
        var validation: Dataset?
        /// The first objective on the validation set, every `validateEvery` epochs.
        var validationLoss: ValidationLoss?
        var validateEvery: Int
        var earlyStopping: EarlyStopping?
        /// Restore the parameters of the best validation at the end (`keep best`).
        var keepBest: Bool
        /// The optimiser's name (`OptimizerSpec.name`), under which its state is kept.
        var optimizerKind: String
        /// The stream of the epochs' shuffled orders (the last block's, continued).
        var shuffling: RandomGenerator
        /// Epochs run before this block on the same training state: schedules continue.
        var startEpoch: Int
        var variables: VariableStore<Float>
    }

    let configuration: Configuration
    var models: [ModelValue] { configuration.models }
    var data: Dataset { configuration.data }
    var objectives: [Objective] { configuration.objectives }
    var batchSize: Int { configuration.batchSize }
    var world: Communicator { configuration.world }
    /// The examples of a batch this rank computes (all of them in one process).
    var shardSize: Int { configuration.batchSize / configuration.world.size }
    var x: Node { configuration.x }
    var y: Node? { configuration.y }
    var refiner: PowerIterationRefiner? { configuration.refiner }
    var shuffle: Bool { configuration.shuffle }
    var logged: [Expression] { configuration.logged }
    var validation: Dataset? { configuration.validation }
    var variables: VariableStore<Float> { configuration.variables }
    let batchesPerEpoch: Int
    let totalSteps: Int
    private let width: Int, yWidth: Int

    init(_ configuration: Configuration) {
        self.configuration = configuration
        let data = configuration.data
        batchesPerEpoch = max(1, data.count / configuration.batchSize)
        totalSteps = configuration.steps ?? (configuration.epochs ?? 10) * batchesPerEpoch
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

    /// This rank's part of a global batch.
    func shard(_ indices: ArraySlice<Int>) -> ArraySlice<Int> {
        let start = indices.startIndex + world.rank * shardSize
        return indices[start..<(start + shardSize)]
    }

    /// ActNorm's data-dependent initialisation on the first batch, layer by layer; in a
    /// data-parallel job the per-channel sums are added over the ranks, so every rank gets
    /// the statistics of the whole first batch.
    func initializeActNorms() throws {
        let first = shard(Array(0..<batchSize)[...])
        for (layer, input) in configuration.pending where layer.needsInitialization {
            let exec = Executor<Float>(graph: x.graph, outputs: [input], variables: variables)
            load(first, into: exec)
            exec.run()
            let moments = world.sum(layer.moments(of: exec.value(input).converted()))
            let (scale, shift) = layer.initialize(fromMoments: moments)
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
            // Russian roulette: the step compiled for this step's number of further terms.
            let s = try configuration.flowState.step(k, distribution: o.roulette) { draw, base in
                try configuration.makeVariant(k, draw, base)
            }
            // Schedules continue with the training state: the epoch counts every block's
            // epochs on it, the step is the optimiser's step count (`LearningRateSchedule`'s
            // convention, Keras' optimizer.iterations); `reset optimizer` restarts both.
            if let schedule = configuration.schedule {
                s.optimizer.learningRate = schedule.learningRate(epoch: configuration.startEpoch + epoch, step: s.optimizer.stepCount)
            }
            load(shard(indices), into: s.executor, remember: true)
            // Data parallelism: the gradients of every rank's shard are averaged (one fused
            // all-reduce) before the optimiser step; a NaN on any rank is a NaN on all.
            let value = Double(s.averageOverRanks(world, loss: s.computeGradients()))
            guard value.isFinite else { throw TrainingDivergence(loss: value, span: o.expression.span, computedLabels: o.computedLabels) }
            s.applyUpdate()
            if k == 0 { first = value * o.sign }
        }
        return first
    }

    /// For each Russian-roulette objective: its distribution and the draws K compiled so far.
    var rouletteDraws: [(TermDistribution, [Int])] {
        objectives.indices.compactMap { i in objectives[i].roulette.map { ($0, configuration.flowState.draws(i)) } }
    }

    /// Makes every rank start from rank 0's parameters, model state and optimiser state.
    func broadcastFromFirstRank() throws {
        guard world.size > 1 else { return }
        let modelVariables = self.modelVariables
        var tensors = modelVariables.map { variables.value($0) }
        world.broadcast(&tensors)
        for (v, t) in zip(modelVariables, tensors) { variables.assign(v, t) }
        for o in objectives {
            let optimizer = o.step!.optimizer
            let state = optimizer.stateTensors()
            let names = state.keys.sorted()
            var values = names.map { state[$0]! }
            world.broadcast(&values)
            try optimizer.restoreState(Dictionary(uniqueKeysWithValues: zip(names, values)))
        }
    }

    /// The trained parameters' values (to restore after a divergence).
    func snapshot() -> [Tensor<Float>] { objectives.flatMap { $0.step!.parameters }.map { variables.value($0) } }

    /// Every variable of the trained models — parameters and state such as power-iteration
    /// vectors and running statistics (`keep best`).
    func modelSnapshot() -> [Tensor<Float>] { modelVariables.map { variables.value($0) } }

    func restoreModels(_ values: [Tensor<Float>]) {
        for (v, t) in zip(modelVariables, values) { variables.assign(v, t) }
    }

    /// Every variable of the trained models, each once (a composed model shared by two of
    /// them lists its variables in both).
    private var modelVariables: [Node] { models.flatMap(\.model.variables).uniqued() }

    func restore(_ values: [Tensor<Float>]) {
        for (p, v) in zip(objectives.flatMap { $0.step!.parameters }, values) { variables.assign(p, v) }
    }
}
