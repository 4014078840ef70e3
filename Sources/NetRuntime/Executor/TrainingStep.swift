/// One compiled training step: loss, gradients of every trainable variable, optimiser.
///
/// Built once: the gradient graph is appended to the model's graph, an `Executor`
/// plans loss + gradients (+ any extra outputs and variable updates, such as
/// power-iteration vectors), and the optimiser is sized for the parameters. `run()` then
/// executes the plan and applies the optimiser in place; nothing is allocated per step.
public final class TrainingStep<T: NetScalar> {
    public let loss: Node
    public let parameters: [Node]
    public let gradients: [Node]
    public let executor: Executor<T>
    public let optimizer: Optimizer<T>
    /// The variables the step's updates write (power-iteration vectors, running statistics).
    public let updatedVariables: [Node]
    private let parameterBuffers: [UnsafeMutableBufferPointer<T>]
    let gradientBuffers: [UnsafeBufferPointer<T>]
    /// The fused buffer of a data-parallel step (see `GradientAllReduce.swift`).
    var fused: [T] = []

    /// - Parameters:
    ///   - loss: a scalar node.
    ///   - parameters: the variables to train (default: every trainable variable).
    ///   - extraOutputs: nodes to compute alongside (metrics), read with `executor.value`.
    ///   - updates: variable ← value assignments after each step (state, not parameters).
    ///   - makeOptimizer: builds the optimiser from the parameters' sizes.
    public init(loss: Node, parameters: [Node]? = nil, extraOutputs: [Node] = [],
                updates: [(variable: Node, value: Node)] = [], variables: VariableStore<T>? = nil,
                seed: UInt64 = 0, makeOptimizer: ([Int]) -> Optimizer<T>) {
        precondition(loss.count == 1, "the loss must be a scalar, got shape \(loss.shape)")
        let graph = loss.graph
        let parameters = parameters ?? graph.trainableVariables
        self.loss = loss
        self.parameters = parameters
        // A gradient that is a leaf (a variable, input or constant) or an alias of one
        // would share its buffer with state the optimiser writes: give it its own copy.
        let gradients = graph.gradients(of: loss, wrt: parameters).map { g in
            var root = g
            while root.operation.aliasesFirstInput { root = root.inputs[0] }
            return root.inputs.isEmpty ? g.apply(.scale(1)) : g
        }
        self.gradients = gradients
        let executor = Executor<T>(graph: graph, outputs: [loss] + gradients + extraOutputs,
                                   variables: variables, updates: updates, seed: seed)
        self.executor = executor
        updatedVariables = updates.map(\.variable)
        optimizer = makeOptimizer(parameters.map(\.count))
        parameterBuffers = parameters.map { executor.variables.buffer($0) }
        gradientBuffers = gradients.map { UnsafeBufferPointer(start: executor.pointer($0), count: $0.count) }
    }

    /// Runs forward and backward, applies the optimiser, and returns the loss (computed
    /// before the update).
    @discardableResult
    public func run() -> T {
        let value = computeGradients()
        applyUpdate()
        return value
    }

    /// Forward and backward only; returns the loss. Call `applyUpdate()` to step — or
    /// don't, when the loss is not finite (a diverging run must not corrupt the weights).
    public func computeGradients() -> T {
        executor.run()
        return executor.scalar(loss)
    }

    /// The optimiser step with the gradients of the last `computeGradients()`.
    public func applyUpdate() {
        optimizer.step(parameters: parameterBuffers, gradients: gradientBuffers)
    }
}
