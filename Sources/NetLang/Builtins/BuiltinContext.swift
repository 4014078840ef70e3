import NetLibrary
import NetRuntime

/// What a built-in sees while it runs (issue 23), instead of the whole `Interpreter`: the
/// call (name, span), the evaluation mode, and the few services built-ins need — tensor
/// values and graph nodes, the session's graph, parameters and models, the random seed and
/// streams, where files go, the printed output, and evaluating a closure symbolically.
/// Its arguments come beside it, bound and checked against the built-in's description
/// (`Arguments`).
///
/// The interpreter is private to this file: a built-in that needs something new adds a
/// member here, so what built-ins depend on stays listed in one place.
struct BuiltinContext {
    /// The built-in's name as called, and the span of the call.
    let name: String
    let span: SourceSpan
    /// Numbers now, graph nodes (a loss, a differentiated function) or shapes only
    /// (`netl check`). A built-in branches on this, never on interpreter state.
    let mode: EvaluationMode
    private unowned let interpreter: Interpreter

    init(name: String, span: SourceSpan, interpreter: Interpreter) {
        self.name = name
        self.span = span
        self.mode = interpreter.mode
        self.interpreter = interpreter
    }

    // MARK: Values

    func tensorValue(_ v: Value) -> Tensor<Double>? { interpreter.tensorValue(v) }
    func shapeOf(_ v: Value) -> [Int] { interpreter.shapeOf(v) }
    func isTensorLike(_ v: Value) -> Bool { interpreter.isTensorLike(v) }
    func containsNode(_ v: Value) -> Bool { interpreter.containsNode(v) }
    func node(_ v: Value, span: SourceSpan) throws -> Node { try interpreter.node(v, span: span) }
    func display(_ v: Value) -> String { interpreter.display(v) }
    func binary(_ op: BinaryOperator, _ a: Value, _ b: Value, span: SourceSpan) throws -> Value {
        try interpreter.binary(op, a, b, span: span)
    }
    /// A new tensor made by `make`, or one with a shape and no numbers when a check would
    /// allocate a large one (ShapeOnlyTensors.swift).
    func newTensor(_ shape: [Int], _ make: () -> Tensor<Double>) -> Value { interpreter.newTensor(shape, make) }
    /// A tensor computation: graph nodes while symbolic and an operand is a node, numbers
    /// otherwise (`Interpreter.tensorOperation`).
    func tensorOperation(_ operands: [Value], span: SourceSpan, _ build: ([Node]) -> Node) throws -> Value {
        try interpreter.tensorOperation(operands, span: span, build)
    }

    // MARK: The session: graph, parameters, models, random numbers, ranks

    var graph: Graph { interpreter.graph }
    var variables: VariableStore<Float> { interpreter.variables }
    var models: [ModelValue] { interpreter.models }
    /// The session seed (`--seed`): the default seed of random built-ins.
    var seed: UInt64 { interpreter.seed }
    /// A draw of a random built-in: a random leaf of the graph when the graph runs at every
    /// step (a loss, `jit`), otherwise numbers drawn now (RandomLeaves.swift).
    func randomDraw(_ distribution: RandomOp.Distribution, shape: [Int], _ args: inout Arguments) throws -> Value {
        try interpreter.randomDraw(distribution, shape: shape, &args)
    }
    /// Whether the graph being built runs at every step (a loss, `jit`): random built-ins
    /// become random leaves there.
    var drawsRandomLeaves: Bool { interpreter.drawsRandomLeaves }
    /// Fails inside a loss or `jit` for a random built-in that cannot be a graph leaf.
    func rejectFrozenDraw(_ name: String, span: SourceSpan) throws { try interpreter.rejectFrozenDraw(name, span: span) }
    /// Planned flow evaluations and inverses, and the evaluation random streams (probes,
    /// roulette) — never the model-initialisation stream.
    var flowEvaluation: FlowEvaluationCache { interpreter.flowEvaluation }
    var world: Communicator { interpreter.world }
    /// Throws the shape error recorded while building graph nodes, at `span`.
    func checkGraphErrors(_ span: SourceSpan) throws { try interpreter.checkGraphErrors(span) }

    // MARK: Models and flows

    func applyModel(_ m: ModelValue, _ input: Value, span: SourceSpan) throws -> Value {
        try interpreter.applyModel(m, input, span: span)
    }
    func applyModelInFloat64(_ m: ModelValue, _ input: Value, span: SourceSpan) throws -> Value {
        try interpreter.applyModelInFloat64(m, input, span: span)
    }
    func inference(_ model: Model) -> InferencePlan { interpreter.inference(model) }
    func checkedFlow(_ m: ModelValue, _ requirement: FlowRequirement, function: String, span: SourceSpan) throws -> Flow {
        try interpreter.checkedFlow(m, requirement, function: function, span: span)
    }
    func flowDensity(_ flow: Flow, _ x: Tensor<Double>, _ request: FlowEvaluationRequest) -> (logp: [Double], logDet: [Double]) {
        interpreter.flowDensity(flow, x, request)
    }
    func flowNLL(_ flow: Flow, name: String, _ input: Value, _ request: FlowEvaluationRequest, span: SourceSpan) throws -> Value {
        try interpreter.flowNLL(flow, name: name, input, request, span: span)
    }
    func invert(_ m: ModelValue, _ y: Tensor<Double>, stopping: FixedPointInverse<Float>.Stopping, span: SourceSpan) throws -> Value {
        try interpreter.invert(m, y, stopping: stopping, span: span)
    }

    // MARK: Symbolic evaluation (grad, vjp, jacobian, jit, losses)

    /// Runs `body` with expressions symbolic (model applications in evaluation mode: no
    /// dropout, running batch statistics), as `grad` and `jit` call a script function on
    /// graph inputs. `repeatsExecution`: the graph is run at every call (`jit`), so random
    /// built-ins become random leaves that draw anew each time.
    func evaluatingSymbolically<R>(repeatsExecution: Bool = false, _ body: () throws -> R) rethrows -> R {
        let saved = interpreter.symbolicContext
        interpreter.symbolicContext = ApplyContext(training: false)
        interpreter.symbolicContext!.repeatsExecution = repeatsExecution
        defer { interpreter.symbolicContext = saved }
        return try body()
    }
    /// The model-application context of the loss being built (nil when not symbolic).
    var applyContext: ApplyContext? { interpreter.symbolicContext }
    /// The flow-training state of the train block whose loss is being compiled.
    var compilingFlowTraining: FlowTrainingState? { interpreter.compilingFlowTraining }
    /// Records that a loss compares `labels` with `classes` scores, so the train block checks
    /// its data's labels before training.
    func requireLabels(_ labels: Node, classes: Int, span: SourceSpan) {
        interpreter.labelRequirements.append((labels, classes, span))
    }

    // MARK: Files and output

    /// Whether this call may write files: never in a check (even inside a function `grad`
    /// evaluates there), and only on the first rank of a data-parallel job.
    var writesFiles: Bool { interpreter.topLevelMode != .shapeOnly && interpreter.world.isPrimary }
    /// The folder of the script, against which shipped data are looked up.
    var baseDirectory: String { interpreter.baseDirectory }
    func outputPath(_ path: String) throws -> String { try interpreter.outputPath(path) }
    func resolve(_ path: String) -> String { interpreter.resolve(path) }
    func writtenName(_ path: String) -> String { interpreter.writtenName(path) }
    /// Whether `path` is absolute or climbs out of the output folder (`..`).
    func leavesOutputFolder(_ path: String) -> Bool { interpreter.leavesOutputFolder(path) }
    func pictureTitle(_ title: String) -> String { interpreter.pictureTitle(title) }
    func announceIfOutsideOutput(_ path: String, written full: String) {
        interpreter.announceIfOutsideOutput(path, written: full)
    }
    /// Prints a line where `print` writes.
    func output(_ line: String) { interpreter.output(line) }
}
