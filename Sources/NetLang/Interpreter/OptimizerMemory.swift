import NetLibrary
import NetRuntime

/// Training state that outlives a train block: a second `train` on the same parameters
/// with the same kind of optimiser continues the optimiser's moments and step count (as a
/// PyTorch optimiser object or a Keras model's optimiser does across `fit` calls) and the
/// random streams of the block — the shuffling order's and the step's random leaves'
/// (dropout, noise, probes) — so two one-epoch blocks equal one two-epoch block exactly.
/// `reset optimizer` in the block starts afresh; another kind of optimiser (sgd after
/// adam) starts afresh too, its state being of another form. The hyper-parameters
/// (learning rate, betas, decay) are always the new block's.
final class OptimizerMemory {
    /// The optimiser's state: the live optimiser of the last block, or tensors loaded from
    /// a checkpoint (`load m from "f", optimizer: true`) that the next block takes up.
    enum Moments {
        case live(Optimizer<Float>)
        case loaded([String: Tensor<Float>])
        var tensors: [String: Tensor<Float>] {
            switch self {
            case let .live(o): o.stateTensors()
            case let .loaded(t): t
            }
        }
    }
    struct Entry {
        var moments: Moments
        /// `RandomGenerator.state` of the block's shuffling and of the step's random leaves.
        var streams: [[UInt64]] = []
        /// Epochs run by the blocks that built this state (schedules continue from it).
        var epochs = 0
    }
    /// By optimiser kind and the trained parameters' variable ids.
    private var entries: [String: Entry] = [:]
    /// The kind of optimiser that last trained each set of parameters.
    private var lastKind: [String: String] = [:]

    private static func signature(_ parameters: [Node]) -> String { parameters.map { String($0.id) }.joined(separator: ",") }
    private static func key(kind: String, parameters: [Node]) -> String { kind + ":" + signature(parameters) }

    func entry(kind: String, parameters: [Node]) -> Entry? { entries[Self.key(kind: kind, parameters: parameters)] }

    func remember(_ entry: Entry, kind: String, parameters: [Node]) {
        entries[Self.key(kind: kind, parameters: parameters)] = entry
        lastKind[Self.signature(parameters)] = kind
    }

    /// The state that last trained exactly these parameters, with the optimiser's kind.
    func latest(for parameters: [Node]) -> (kind: String, entry: Entry)? {
        guard let kind = lastKind[Self.signature(parameters)], let entry = entry(kind: kind, parameters: parameters) else { return nil }
        return (kind, entry)
    }

    /// Streams as text for a checkpoint's metadata: words in hex, streams separated by ';'.
    static func encode(_ streams: [[UInt64]]) -> String {
        streams.map { $0.map { String($0, radix: 16) }.joined(separator: ",") }.joined(separator: ";")
    }

    static func decode(_ text: String) -> [[UInt64]]? {
        let streams = text.split(separator: ";").map { $0.split(separator: ",").compactMap { UInt64($0, radix: 16) } }
        return streams.allSatisfy({ $0.count == 6 }) ? streams : nil
    }
}

extension Interpreter {
    /// Gives a freshly planned step the optimiser state and the random stream its
    /// parameters' last block ended with; returns that block's shuffling stream and the
    /// epochs run so far.
    @discardableResult
    func continueTraining(_ step: TrainingStep<Float>, kind: String, reset: Bool, span: SourceSpan) throws -> (shuffling: RandomGenerator?, epochs: Int) {
        var shuffling: RandomGenerator? = nil, epochs = 0
        if !reset, let previous = optimizerMemory.entry(kind: kind, parameters: step.parameters) {
            epochs = previous.epochs
            do { try step.optimizer.restoreState(previous.moments.tensors) } catch {
                throw Diagnostic.error("cannot continue the optimiser state of the last train block: \(error); add 'reset optimizer'", at: span)
            }
            if previous.streams.count == 2, let order = RandomGenerator(state: previous.streams[0]),
               let leaves = RandomGenerator(state: previous.streams[1]) {
                shuffling = order
                step.executor.randomGenerator = leaves
            }
        }
        optimizerMemory.remember(.init(moments: .live(step.optimizer), epochs: epochs), kind: kind, parameters: step.parameters)
        return (shuffling, epochs)
    }

    /// Records where a block left its random streams and epoch count, for the next block.
    func rememberStreams(_ step: TrainingStep<Float>, kind: String, shuffling: RandomGenerator, epochs: Int) {
        optimizerMemory.remember(.init(moments: .live(step.optimizer), streams: [shuffling.state, step.executor.randomGenerator.state],
                                       epochs: epochs),
                                 kind: kind, parameters: step.parameters)
    }

    /// A model's trainable parameters, in the order its training step holds them.
    func trainableParameters(_ m: ModelValue) -> [Node] {
        m.model.parameters.filter { ($0.operation as? VariableOp)?.trainable == true }
    }
}
