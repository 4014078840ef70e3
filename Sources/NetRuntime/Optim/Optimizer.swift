/// A first-order optimiser that updates parameter buffers in place from gradient buffers.
///
/// Built once with the sizes of the parameters it will update (in a fixed order); all
/// per-parameter state is allocated then, so `step` runs tight loops over raw pointers and
/// never allocates. The update rules follow PyTorch's `torch.optim` (single-tensor code path)
/// exactly, so that NetLang's benchmark workloads and the thesis' reference trainings match.
///
/// Usage per training step, after the executor has filled the gradient buffers:
///
///     optimizer.learningRate = schedule.learningRate(epoch: e, step: optimizer.stepCount)
///     optimizer.step(parameters: params, gradients: grads)
///
/// Executors that hold scattered pointers may instead call `beginStep()` once and then
/// `update(parameter:_:_:)` for every parameter index; `step` does exactly that.
///
/// Subclasses put their element loop in a free generic function marked
/// `@_specialize(where T == Float)` / `@_specialize(where T == Double)`: overrides in a generic
/// class are dispatched through the vtable and run unspecialised, about 40× slower per element.
/// (Adam's square root stays scalar on Linux — `squareRoot()` keeps errno semantics and does
/// not vectorise — at about 5 ns per element, well below a training step's other costs.)
///
/// Scalar hyper-parameters and bias corrections are computed in `Double` and rounded to `T`
/// once per step, as PyTorch does with Python floats; element-wise arithmetic is in `T`.
open class Optimizer<T: NetScalar> {
    /// Element counts of the parameters, in the order `step` expects them.
    public let parameterSizes: [Int]
    /// The learning rate used by the next step; learning-rate schedules set this.
    public var learningRate: Double
    /// Number of steps taken so far (PyTorch's `state['step']`); the first step sees 1.
    public var stepCount: Int = 0

    let state: OptimizerState<T>

    /// `slotNames` names the per-parameter state buffers the subclass needs (may be empty).
    public init(parameterSizes: [Int], learningRate: Double, slotNames: [String]) {
        precondition(learningRate >= 0, "learning rate must be non-negative, got \(learningRate)")
        self.parameterSizes = parameterSizes
        self.learningRate = learningRate
        self.state = OptimizerState(slotNames: slotNames, sizes: parameterSizes)
    }

    /// One optimisation step: updates every parameter in place from its gradient.
    ///
    /// `parameters[i]` and `gradients[i]` must both have `parameterSizes[i]` elements.
    public final func step(parameters: [UnsafeMutableBufferPointer<T>],
                           gradients: [UnsafeBufferPointer<T>]) {
        precondition(parameters.count == parameterSizes.count && gradients.count == parameterSizes.count,
                     "optimizer built for \(parameterSizes.count) parameters, got \(parameters.count) / \(gradients.count)")
        beginStep()
        for i in 0..<parameterSizes.count {
            let n = parameterSizes[i]
            precondition(parameters[i].count == n && gradients[i].count == n,
                         "parameter \(i): expected \(n) elements, got \(parameters[i].count) / \(gradients[i].count)")
            guard n > 0 else { continue }
            update(parameter: i, parameters[i].baseAddress!, gradients[i].baseAddress!)
        }
    }

    /// Advances the step counter and precomputes per-step scalars; call once per step
    /// before the `update` calls.
    open func beginStep() { stepCount += 1 }

    /// Updates parameter `index` (`parameterSizes[index]` elements at `p`) from gradient `g`.
    open func update(parameter index: Int, _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>) {
        fatalError("\(type(of: self)) must override update(parameter:_:_:)")
    }

    /// The optimiser state for checkpoints: every buffer as "<slot>.<parameter index>"
    /// (PyTorch names, e.g. "exp_avg.0", "momentum_buffer.2") plus "step" as a scalar.
    public func stateTensors() -> [String: Tensor<T>] {
        var out = state.tensors()
        out["step"] = Tensor(T(stepCount))
        return out
    }

    /// Restores a state produced by `stateTensors()` of an optimiser of the same kind and
    /// parameter sizes. Throws (leaving the state unchanged) if an entry is missing or has
    /// the wrong size.
    public func restoreState(_ tensors: [String: Tensor<T>]) throws {
        guard let step = tensors["step"], step.count == 1 else { throw OptimizerStateError.missing("step") }
        try state.restore(tensors)
        stepCount = Int(step.scalars[0])
    }

    /// Forgets all state (moments, momentum, step counter), keeping hyper-parameters.
    public func resetState() {
        state.reset()
        stepCount = 0
    }
}
