import NetLibrary
import NetRuntime

/// The built-in functions of the language, installed as global names. Each family lives in
/// its own file: tensor math, losses and optimisers, data, evaluation, autodiff and
/// linear algebra.
enum Builtins {
    typealias Body = (_ interpreter: Interpreter, _ arguments: inout Arguments) throws -> Value

    /// Installs every built-in into the interpreter's globals.
    static func install(in interpreter: Interpreter) {
        for (name, body) in all {
            interpreter.globals.define(name, .function(Callable(name: name) { [unowned interpreter] values, span in
                var args = Arguments(name, values, span)
                let result = try body(interpreter, &args)
                try args.checkAllUsed()
                return result
            }))
        }
    }

    static var all: [(String, Body)] {
        tensorFunctions + trainingFunctions + dataFunctions + evaluationFunctions + autodiffFunctions + compileFunctions + flowFunctions + plotFunctions + spectraFunctions
            + scriptFunctions
    }

    /// Every built-in name (REPL completion, suggestions).
    static var names: [String] { all.map(\.0) + LayerCatalog.names }

    /// A unary tensor function that works eagerly and symbolically.
    static func elementwise(_ name: String, _ f: @escaping (Node) -> Node) -> (String, Body) {
        (name, { interp, args in
            let x = try args.required("x", position: 0)
            return try interp.tensorOperation([x.value], span: x.span) { f($0[0]) }
        })
    }
}
