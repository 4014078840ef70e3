import NetLibrary
import NetRuntime

/// The built-in functions of the language, installed as global names. Each family lives in
/// its own file: tensor math, losses and optimisers, data, evaluation, autodiff and
/// linear algebra.
enum Builtins {
    /// A built-in's implementation: it sees the call's context (mode, services; not the
    /// interpreter) and its arguments, already checked against its description.
    typealias Body = (_ context: BuiltinContext, _ arguments: inout Arguments) throws -> Value

    /// Installs every built-in (or only the one called `only`) into the interpreter's globals.
    static func install(in interpreter: Interpreter, only: String? = nil) {
        for (name, body) in all where only == nil || name == only {
            let description = BuiltinDescriptions.byName[name]
            interpreter.globals.define(name, .function(Callable(name: name, isBuiltin: true) { [unowned interpreter] values, span in
                if let problem = description?.argumentError(values.map { ($0.label, $0.labelSpan, $0.span) }, call: span) { throw problem }
                var values = values
                if interpreter.mode == .shapeOnly, !shapeAware.contains(name) {
                    // netl check: shape-only tensors are zeros to a built-in that reads numbers.
                    for i in values.indices { values[i].value = interpreter.readableInCheck(values[i].value) }
                }
                var args = Arguments(name, values, span)
                let outer = interpreter.neededNumbersOfNode
                interpreter.neededNumbersOfNode = false
                defer { interpreter.neededNumbersOfNode = outer }
                let context = BuiltinContext(name: name, span: span, interpreter: interpreter)
                let result: Value
                do {
                    result = try body(context, &args)
                } catch {
                    if interpreter.neededNumbersOfNode { throw notDifferentiable(name, span) }
                    throw error
                }
                if interpreter.neededNumbersOfNode { throw notDifferentiable(name, span) }
                if context.mode == .symbolic, !modelStructure.contains(name), values.contains(where: { holdsModel($0.value) }),
                   holdsNumbers(result) {
                    // Numbers from a model while differentiating: computed from the current
                    // parameters, they would be constants (accuracy, log_likelihood, bounds).
                    throw notDifferentiable(name, span)
                }
                try args.checkAllUsed()
                return result
            }))
        }
    }

    static var all: [(String, Body)] {
        tensorFunctions + trainingFunctions + dataFunctions + evaluationFunctions + autodiffFunctions + compileFunctions + flowFunctions + plotFunctions + spectraFunctions + analysisFunctions + reluPictureFunctions + assertFunctions + parallelFunctions
            + invarianceFunctions + scriptFunctions
    }

    /// A built-in that needs the numbers of its tensor arguments was given a symbolic one
    /// (inside `grad`, `vjp`, `jacobian`, `jit` or a loss). Computing it on placeholder
    /// values would give a constant, and a derivative through it silently zero.
    static func notDifferentiable(_ name: String, _ span: SourceSpan) -> Diagnostic {
        .error("'\(name)' cannot be differentiated or compiled: it needs the numbers of its arguments, so it cannot be used inside grad, vjp, jacobian, jit or a loss; compute it outside, at the top level", at: span)
    }

    /// The tensor built-ins that take shape-only tensors of a check as they are
    /// (ShapeOnlyTensors.swift): they read shapes and compute through `tensorOperation`.
    static let shapeAware: Set<String> = Set(tensorFunctions.map(\.0)).subtracting(["argmax", "format", "tensor"])

    /// Built-ins that read a model's structure, not its parameters' values.
    static let modelStructure: Set<String> = ["parameter_count", "receptive_field", "summary"]

    static func holdsModel(_ v: Value) -> Bool {
        switch v {
        case .model: true
        case let .list(items): items.contains(where: holdsModel)
        default: false
        }
    }

    /// Whether a result carries computed numbers (rather than graph nodes).
    static func holdsNumbers(_ v: Value) -> Bool {
        switch v {
        case .number, .tensor: true
        case let .list(items): items.contains(where: holdsNumbers)
        case let .record(fields): fields.contains { holdsNumbers($0.1) }
        default: false
        }
    }

    /// Every built-in name (REPL completion, suggestions).
    static var names: [String] { all.map(\.0) + LayerCatalog.names }

    /// A unary tensor function that works eagerly and symbolically.
    static func elementwise(_ name: String, _ f: @escaping (Node) -> Node) -> (String, Body) {
        (name, { context, args in
            let x = try args.required("x", position: 0)
            return try context.tensorOperation([x.value], span: x.span) { f($0[0]) }
        })
    }
}
