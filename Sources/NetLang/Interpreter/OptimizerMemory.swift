import NetLibrary
import NetRuntime

/// Optimiser state that outlives a train block: a second `train` on the same parameters
/// with the same kind of optimiser continues its moments and step count (as a PyTorch
/// optimiser object or a Keras model's optimiser does across `fit` calls) instead of
/// silently restarting Adam. `reset optimizer` in the block starts afresh; another kind of
/// optimiser (sgd after adam) starts afresh too, its state being of another form. The
/// hyper-parameters (learning rate, betas, decay) are always the new block's.
final class OptimizerMemory {
    /// The state of one optimiser: the live one of the last block, or one loaded from a
    /// checkpoint (`load m from "f", optimizer: true`) that the next block takes up.
    enum State {
        case live(Optimizer<Float>)
        case loaded([String: Tensor<Float>])
        var tensors: [String: Tensor<Float>] {
            switch self {
            case let .live(o): o.stateTensors()
            case let .loaded(t): t
            }
        }
    }
    /// By optimiser kind and the trained parameters' variable ids.
    private var states: [String: State] = [:]
    /// The kind of optimiser that last trained each set of parameters.
    private var lastKind: [String: String] = [:]

    private static func signature(_ parameters: [Node]) -> String { parameters.map { String($0.id) }.joined(separator: ",") }
    static func key(kind: String, parameters: [Node]) -> String { kind + ":" + signature(parameters) }

    func remembered(_ key: String) -> State? { states[key] }
    func remember(_ state: State, kind: String, parameters: [Node]) {
        states[Self.key(kind: kind, parameters: parameters)] = state
        lastKind[Self.signature(parameters)] = kind
    }
    /// The optimiser that last trained exactly these parameters, with its kind.
    func latest(for parameters: [Node]) -> (kind: String, state: State)? {
        guard let kind = lastKind[Self.signature(parameters)], let state = states[Self.key(kind: kind, parameters: parameters)] else { return nil }
        return (kind, state)
    }
}

extension Interpreter {
    /// Gives a freshly planned step the state its parameters' last optimiser ended with.
    func continueOptimizer(_ step: TrainingStep<Float>, kind: String, reset: Bool, span: SourceSpan) throws {
        let key = OptimizerMemory.key(kind: kind, parameters: step.parameters)
        if !reset, let previous = optimizerMemory.remembered(key) {
            if case let .live(o) = previous, o === step.optimizer { return }
            do { try step.optimizer.restoreState(previous.tensors) } catch {
                throw Diagnostic.error("cannot continue the optimiser state of the last train block: \(error); add 'reset optimizer'", at: span)
            }
        }
        optimizerMemory.remember(.live(step.optimizer), kind: kind, parameters: step.parameters)
    }

    /// A model's trainable parameters, in the order its training step holds them.
    func trainableParameters(_ m: ModelValue) -> [Node] {
        m.model.parameters.filter { ($0.operation as? VariableOp)?.trainable == true }
    }
}
