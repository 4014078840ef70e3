/// How an expression is evaluated, and so what a built-in must produce (issue 23). One
/// value instead of flags on the interpreter: the interpreter derives it per call and hands
/// it to the built-in in its `BuiltinContext`.
public enum EvaluationMode: Sendable, Equatable {
    /// Numbers now: a top-level statement of `netl run` or the REPL.
    case concrete
    /// Graph nodes: inside a loss (a `train` block) or a function under `grad`, `vjp`,
    /// `jacobian` or `jit`. A built-in that needs numbers fails there as not
    /// differentiable; a differentiable one builds nodes.
    case symbolic
    /// Shapes only (`netl check`): models are built and losses compiled, so every shape
    /// rule runs, but nothing trains, evaluates, measures or writes; a built-in returns a
    /// value of the right shape (and kind) without computing it.
    case shapeOnly

    /// The mode of an expression: symbolic while a loss or a differentiated function is
    /// being built (graph building computes nothing, in a check as in a run), else the
    /// session's top-level mode.
    static func of(symbolic: Bool, topLevel: EvaluationMode) -> EvaluationMode {
        symbolic ? .symbolic : topLevel
    }
}
