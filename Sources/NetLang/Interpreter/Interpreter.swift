import Foundation
import NetLibrary
import NetRuntime

/// Runs NetLang programs: statements execute in order against one session (a graph holding
/// every model's parameters, their Float32 values, and the global names). The same session
/// serves `netl run`, `netl check` (`topLevelMode` `.shapeOnly`, which builds models and
/// compiles training steps but trains and evaluates nothing) and the REPL.
public final class Interpreter {
    public let graph = Graph()
    public let variables: VariableStore<Float>
    public let globals = Environment()
    /// Where `print` writes: standard output, flushed per line so that results of a long
    /// run sent to a file survive the run being stopped, and interleave with progress.
    public var output: (String) -> Void = { print($0); fflush(nil) }
    /// Where progress lines go (stderr by default, so results can be piped).
    public var progress: ProgressReporter = ProgressReporter()
    /// The seed of parameter initialisation, shuffling and random draws (`--seed`).
    public var seed: UInt64
    /// `--set NAME=VALUE`: replaces the value of `let NAME = …` wherever it is bound.
    public var overrides: [String: Value] = [:]
    /// The ranks of a data-parallel job (`mpirun -np N netl run`); one process by default.
    /// Train blocks split every batch over the ranks; only rank 0 writes files.
    public var world: Communicator = .single
    /// The mode of top-level statements: `.concrete` (`netl run`, the REPL) or `.shapeOnly`
    /// (`netl check`: build and check without training, evaluating or writing). Inside a
    /// loss or a differentiated function expressions are `.symbolic` (`mode`).
    public var topLevelMode: EvaluationMode = .concrete
    /// `netl check`: `topLevelMode == .shapeOnly` (the switch `netl check` and the tests set).
    public var checkOnly: Bool {
        get { topLevelMode == .shapeOnly }
        set { topLevelMode = newValue ? .shapeOnly : .concrete }
    }
    /// Load checkpoints whose weights hold NaN or infinity (`--allow-nonfinite`); by
    /// default such a file is an error and the model is unchanged.
    public var allowsNonFiniteWeights = false
    /// Warnings that do not stop a run, such as a redefinition that discards a trained
    /// model's weights (`Interpreter+Redefinition.swift`); nil: not reported (the REPL sets it).
    public var warning: ((Diagnostic) -> Void)?
    /// Models in definition order.
    public internal(set) var models: [ModelValue] = []
    /// The folder relative paths are resolved against (the script's folder).
    public var baseDirectory: String
    /// The folder every file a script writes goes to (pictures, checkpoints, `save_npy`):
    /// `netl run --out DIR`, `:out DIR` in the REPL. nil: next to the script, as reading.
    /// See `OutputFiles.swift`.
    public var outputDirectory: String?

    /// The context of a model application while a loss is being built (nil at top level).
    var symbolicContext: ApplyContext?
    /// Set when the running built-in asked for the numbers of a symbolic node
    /// (`tensorValue`); the built-in then fails as not differentiable.
    var neededNumbersOfNode = false
    var importStack: [String] = []
    var modelSeedCounter: UInt64 = 0
    var usedOverrides: Set<String> = []
    var inferencePlans: [ObjectIdentifier: InferencePlan] = [:]
    /// Planned flow evaluations, inverses and the random streams of evaluations (never the
    /// model-initialisation stream).
    let flowEvaluation = FlowEvaluationCache()
    /// Optimiser state carried from one train block to the next (`OptimizerMemory`).
    let optimizerMemory = OptimizerMemory()
    /// While a train block compiles its loss: the flow-training state of that block.
    var compilingFlowTraining: FlowTrainingState?
    /// Where each layer of every model was defined (for the flow check's diagnostics).
    var layerSpans: [ObjectIdentifier: SourceSpan] = [:]
    /// The model whose definition is being built (a use of its own name is an error).
    var modelBeingBuilt: String?
    /// Expressions and user-function calls being evaluated (see `Interpreter+Limits`).
    var expressionDepth = 0
    var callDepth = 0
    /// While a train block compiles: label inputs of cross-entropies with their class count.
    var labelRequirements: [(labels: Node, classes: Int, span: SourceSpan)] = []
    /// `model` statements in function bodies already warned about (file:offset).
    var warnedShadowing: Set<String> = []

    public init(seed: UInt64 = 0, baseDirectory: String = FileManager.default.currentDirectoryPath, outputDirectory: String? = nil) {
        self.seed = seed
        self.baseDirectory = baseDirectory
        self.outputDirectory = outputDirectory
        variables = VariableStore<Float>(graph)
        // A shape error while a statement builds nodes is reported at its expression
        // (`checkGraphErrors`), never a trap.
        graph.recordsShapeErrors = true
        Builtins.install(in: self)
    }

    /// Parses and runs a whole file; throws a `DiagnosticList` with every parse error, or
    /// the first run-time error.
    /// Runs on a large-stack thread (`LargeStack`), so the depth limits, not the stack,
    /// stop a runaway recursion.
    public func run(_ file: SourceFile) throws {
        try LargeStack.run {
            let (statements, diagnostics) = parse(file)
            if !diagnostics.isEmpty { throw DiagnosticList(diagnostics) }
            try resolveNames(statements)
            do {
                try execute(statements, in: globals)
            } catch is ReturnSignal {
                let span = statements.lazy.compactMap { s -> SourceSpan? in if case let .returnValue(_, span) = s { span } else { nil } }.first
                throw Diagnostic.error("'return' is only allowed inside a function", at: span)
            }
        }
    }

    /// Evaluates one expression at the top level (REPL `:shape`, `--set`), on a
    /// large-stack thread like `run`.
    public func evaluateTopLevel(_ expression: Expression) throws -> Value {
        try LargeStack.run {
            // Like a statement (GraphLifetimes.swift): what it builds is released unless the
            // value holds it.
            let mark = graph.count
            defer { graph.release(from: mark) }
            return keepingNodes(try evaluate(expression, in: globals))
        }
    }

    /// Runs the script at `path` (relative to `baseDirectory`) in this session; its own
    /// relative paths (imports, data files) resolve against its folder. The REPL's `:load`.
    public func load(path: String) throws {
        let full = resolve(path)
        let text: String
        do { text = try readScript(full) } catch { throw Diagnostic.error("cannot read '\(path)': \(error)", at: nil) }
        let savedBase = baseDirectory
        baseDirectory = (full as NSString).deletingLastPathComponent
        defer { baseDirectory = savedBase }
        try run(SourceFile(name: path, text: text))
    }

    /// Override names (`--set`) that no `let` used: probably misspelt.
    public var unusedOverrides: [String] { overrides.keys.filter { !usedOverrides.contains($0) }.sorted() }

    /// Runs statements in an environment.
    public func execute(_ statements: [Statement], in env: Environment) throws {
        for s in statements { try execute(s, in: env) }
    }

    /// Resolves a path written in a script against the script's folder (imports).
    func resolveBesideScript(_ path: String) -> String {
        path.hasPrefix("/") ? path : (baseDirectory as NSString).appendingPathComponent(path)
    }

    /// One statement's effect; `execute(_:in:)` (GraphLifetimes.swift) runs it and then
    /// releases the graph nodes it built that nothing reaches.
    func perform(_ statement: Statement, in env: Environment) throws {
        try pollInterruption(at: statement.span)
        switch statement {
        case let .importFile(path, span):
            try importFile(path, span: span)
        case let .letBinding(name, _, value, _):
            if let o = overrides[name] { usedOverrides.insert(name); env.define(name, o) } else { env.define(name, try keepingNodes(evaluate(value, in: env))) }
        case let .assignment(name, nameSpan, value, _):
            let v = try keepingNodes(evaluate(value, in: env))
            guard env.assign(name, v) else {
                throw Diagnostic.error("'\(name)' is not defined; use 'let \(name) = …' to define it", at: nameSpan)
            }
        case let .function(f):
            env.define(f.name, .function(userFunction(f, closure: env)))
        case let .block(b):
            env.define(b.name, .block(BlockValue(definition: b, environment: env)))
        case let .model(m):
            try defineModel(m, in: env)
        case let .data(name, _, value, _):
            let v = try evaluate(value, in: env)
            guard case .dataset = v else {
                throw Diagnostic.error("'data \(name) = …' needs a data set (load_digits, load_csv, generate, …), got \(describe(v))", at: value.span)
            }
            env.define(name, v)
        case let .train(t):
            let history = try train(t, in: env)
            if let result = t.result { env.define(result.name, history) }
        case let .print(items, _):
            if topLevelMode == .shapeOnly { for e in items { try checkPrintItem(e, in: env) }; return }
            output(try items.map { try display(evaluate($0, in: env)) }.joined(separator: " "))
        case let .repeatLoop(count, body, _):
            let n = try integer(count, in: env, what: "repeat count")
            if topLevelMode == .shapeOnly {
                // `netl check`: until the body's shapes repeat (ShapeSignature.swift).
                return try checkLoop(Array(repeating: nil, count: min(Self.checkLoopLimit, max(0, n))), in: env) { _ in
                    try execute(body, in: Environment(parent: env))
                }
            }
            for _ in 0..<max(0, n) { try execute(body, in: Environment(parent: env)) }
        case let .forLoop(variable, _, sequence, body, span):
            let seq = try evaluate(sequence, in: env)
            let items = try iterate(seq, span: span)
            func runBody(_ item: Value) throws {
                let inner = Environment(parent: env)
                inner.define(variable, item)
                try execute(body, in: inner)
            }
            if topLevelMode == .shapeOnly { return try checkLoop(items, in: env) { try runBody($0!) } }
            for item in items { try runBody(item) }
        case let .ifElse(condition, then, otherwise, _):
            if try truth(evaluate(condition, in: env), span: condition.span) {
                try execute(then, in: Environment(parent: env))
            } else if let otherwise {
                try execute(otherwise, in: Environment(parent: env))
            }
        case let .returnValue(e, _):
            throw ReturnSignal(value: try keepingNodes(evaluate(e, in: env)))
        case let .save(model, path, options, span):
            try saveModel(model, path, options: options, span: span, in: env)
        case let .load(model, path, options, span):
            try loadModel(model, path, options: options, span: span, in: env)
        case let .expression(e):
            lastValue = try keepingNodes(evaluate(e, in: env))
        }
    }

    /// The most iterations a loop runs under `netl check` (fewer once its shapes repeat).
    static let checkLoopLimit = 1000

    /// The value of the last expression statement (the REPL prints it).
    public var lastValue: Value?

    private func importFile(_ path: String, span: SourceSpan) throws {
        let full = resolveBesideScript(path)
        if importStack.contains(full) {
            throw Diagnostic.error("import cycle: \(path) imports itself through \(importStack.map { ($0 as NSString).lastPathComponent }.joined(separator: " → "))", at: span)
        }
        let text: String
        do { text = try readScript(full) } catch {
            throw Diagnostic.error("cannot read '\(path)' (looked for \(full)): \(error)", at: span)
        }
        importStack.append(full)
        defer { importStack.removeLast() }
        let savedBase = baseDirectory
        baseDirectory = (full as NSString).deletingLastPathComponent
        defer { baseDirectory = savedBase }
        let file = SourceFile(name: path, text: text)
        let (statements, diagnostics) = parse(file)
        if !diagnostics.isEmpty { throw DiagnosticList(diagnostics) }
        try resolveNames(statements)
        try execute(statements, in: globals)
    }

    private func userFunction(_ f: FunctionDefinition, closure: Environment) -> Callable {
        Callable(name: f.name) { [unowned self] args, span in
            try enterCall(f.name, at: span)
            defer { leaveCall() }
            let env = Environment(parent: closure, functionName: f.name)
            try bind(parameters: f.parameters, arguments: args, into: env, function: f.name, span: span, defaultsIn: closure)
            do {
                try execute(f.body, in: env)
            } catch let signal as ReturnSignal {
                return signal.value
            }
            return .none
        }
    }

    /// Binds call arguments to declared parameters (positional, named, defaults).
    func bind(parameters: [Parameter], arguments: [ArgumentValue], into env: Environment,
              function: String, span: SourceSpan, defaultsIn: Environment) throws {
        var bound = Set<String>()
        var position = 0
        for a in arguments {
            if let label = a.label {
                guard parameters.contains(where: { $0.name == label }) else {
                    let hint = didYouMean(label, among: parameters.map(\.name))
                    throw Diagnostic.error("'\(function)' has no parameter named '\(label)'\(hint)", at: a.labelSpan ?? a.span)
                }
                guard !bound.contains(label) else { throw Diagnostic.error("'\(label)' is given twice", at: a.span) }
                env.define(label, a.value)
                bound.insert(label)
            } else {
                while position < parameters.count && bound.contains(parameters[position].name) { position += 1 }
                guard position < parameters.count else {
                    throw Diagnostic.error("'\(function)' takes \(parameters.count) argument\(parameters.count == 1 ? "" : "s"), got more", at: a.span)
                }
                env.define(parameters[position].name, a.value)
                bound.insert(parameters[position].name)
                position += 1
            }
        }
        for p in parameters where !bound.contains(p.name) {
            guard let d = p.defaultValue else {
                throw Diagnostic.error("'\(function)' needs the argument '\(p.name)'", at: span)
            }
            env.define(p.name, try evaluate(d, in: defaultsIn))
        }
    }

    func iterate(_ v: Value, span: SourceSpan) throws -> [Value] {
        switch v {
        case let .list(items): return items
        case let .number(n) where n >= 0 && n == n.rounded() && n <= 10_000_000: return (0..<Int(n)).map { .number(Double($0)) }
        default: throw Diagnostic.error("cannot loop over \(describe(v)); expected a list or a count", at: span)
        }
    }

    func truth(_ v: Value, span: SourceSpan) throws -> Bool {
        switch v {
        case let .boolean(b): return b
        default: throw Diagnostic.error("a condition must be true or false, got \(describe(v))", at: span)
        }
    }

    func integer(_ e: Expression, in env: Environment, what: String) throws -> Int {
        let v = try evaluate(e, in: env)
        guard case let .number(x) = v, x.isFinite, x == x.rounded() else {
            throw Diagnostic.error("the \(what) must be a whole number, got \(describe(v))", at: e.span)
        }
        guard abs(x) <= Self.largestWholeNumber else {
            throw Diagnostic.error("the \(what) \(formatValue(x)) is too large (at most \(formatValue(Self.largestWholeNumber)))", at: e.span)
        }
        return Int(x)
    }

    /// The largest whole number counts and indices may be: 2⁵³, the last one a Double
    /// holds exactly.
    static let largestWholeNumber = 9_007_199_254_740_992.0

    /// A fresh seed for each model, derived from the session seed.
    func nextModelSeed() -> UInt64 {
        modelSeedCounter += 1
        return seed &* 0x9E37_79B9_7F4A_7C15 &+ modelSeedCounter
    }

    /// Clears every definition (REPL `:reset`); parameters already created stay in memory.
    public func reset() {
        globals.removeAll()
        models.removeAll()
        Builtins.install(in: self)
    }

    /// Forgets one definition (REPL `:reset NAME`): a redefined built-in name gets its
    /// built-in back. False when the script never defined the name.
    public func reset(_ name: String) -> Bool {
        guard let value = globals.lookup(name) else { return false }
        _ = globals.remove(name)
        if case let .model(m) = value { models.removeAll { $0 === m } }
        Builtins.install(in: self, only: name)
        return true
    }
}

/// Unwinds a function body at `return`.
struct ReturnSignal: Error { let value: Value }
