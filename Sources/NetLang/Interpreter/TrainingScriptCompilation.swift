import NetLibrary
import NetRuntime

extension Interpreter {
    /// Runs a script up to its last train block and compiles that block without training:
    /// what `netl bench` times for the script workloads.
    public func compileTrainingScript(_ file: SourceFile) throws -> CompiledTraining {
        let (statements, diagnostics) = parse(file)
        if !diagnostics.isEmpty { throw DiagnosticList(diagnostics) }
        guard let last = statements.lastIndex(where: { if case .train = $0 { true } else { false } }),
              case let .train(t) = statements[last] else {
            throw Diagnostic.error("the script has no train block", at: nil)
        }
        try execute(Array(statements[..<last]), in: globals)
        let training = try compileTraining(t, in: globals)
        try training.initializeActNorms()
        return training
    }
}

extension CompiledTraining {
    /// One training step on the first batch of the data (benchmarks).
    @discardableResult
    public func runStep() throws -> Double {
        try step(Array(0..<batchSize)[...], epoch: 0, step: 0)
    }

    /// Every objective's planned step executor, with its loss node (profiling).
    public var stepExecutors: [(Executor<Float>, Node)] { objectives.map { ($0.step!.executor, $0.step!.loss) } }

    /// Every objective's planned training step (the roofline account of `netl bench --profile`).
    public var trainingSteps: [TrainingStep<Float>] { objectives.map { $0.step! } }

    /// Bytes of the planned intermediate values of every objective's step.
    public var arenaBytes: Int { objectives.map { $0.step!.executor.arenaBytes }.reduce(0, +) }
}
