import NetRuntime

/// Depth limits and interruption points of evaluation.
///
/// A script can recurse without end (`fn f(n) = f(n + 1)`) or nest expressions through
/// calls; both are stopped by a located diagnostic long before the (large, see
/// `LargeStack`) stack runs out. A Ctrl-C in the REPL sets `Interruption`; evaluation polls
/// it here, so it stops between two steps with every binding as it was.
extension Interpreter {
    /// The deepest chain of user-function calls in progress at once.
    public static let maximumCallDepth = 10_000
    /// The deepest nesting of expressions being evaluated at once (across calls).
    public static let maximumExpressionDepth = 100_000

    func enterExpression(_ e: Expression) throws {
        if expressionDepth >= Self.maximumExpressionDepth {
            throw Diagnostic.error("expression nested deeper than \(Self.maximumExpressionDepth) levels", at: e.span)
        }
        try pollInterruption(at: e.span)
        expressionDepth += 1
    }

    /// Counts a user-function call; `leaveCall` undoes it.
    func enterCall(_ name: String, at span: SourceSpan) throws {
        if callDepth >= Self.maximumCallDepth {
            throw Diagnostic.error("recursion deeper than \(Self.maximumCallDepth) calls (in '\(name)'); does it stop calling itself?", at: span)
        }
        callDepth += 1
    }

    func leaveCall() { callDepth -= 1 }

    /// Throws "interrupted" when Ctrl-C was pressed since the evaluation started.
    func pollInterruption(at span: SourceSpan?) throws {
        if Interruption.isRequested, Interruption.take() { throw Diagnostic.error("interrupted", at: span) }
    }

    /// Refuses an allocation of `values` numbers (8 bytes each, `factor` copies: a result and
    /// its temporaries) that would take the process past the memory budget
    /// (`MemoryBudget`, `--memory-limit`): "out of memory" at the statement, like Python's
    /// MemoryError, not the OOM killer.
    func reserveMemory(values: Int, factor: Int = 1, span: SourceSpan) throws {
        try Self.reserveMemory(values: values, factor: factor, span: span)
    }

    static func reserveMemory(values: Int, factor: Int = 1, span: SourceSpan) throws {
        let (bytes, overflow) = values.multipliedReportingOverflow(by: 8 * factor)
        guard let short = MemoryBudget.shortage(for: overflow ? .max : bytes) else { return }
        throw Diagnostic.error("out of memory: \(MemoryBudget.gigabytes(short.requested)) requested, \(MemoryBudget.gigabytes(short.inUse)) in use (limit \(MemoryBudget.gigabytes(short.limit)); --memory-limit sets it)", at: span)
    }

    /// A model applied to `batch` examples must not make an activation larger than the
    /// size limit of `zeros` (10⁸ values): the executor would allocate it (and its
    /// gradient) and the process would run out of memory instead of reporting it.
    func checkActivations(_ m: ModelValue, batch: Int, span: SourceSpan) throws {
        let shapes = [m.model.inputShape] + m.model.layerRows().map(\.output)
        for (index, shape) in shapes.enumerated() {
            let batched = [batch] + shape
            if batched.holdsMoreValues(than: Builtins.maximumValues) {
                throw Diagnostic.error("model '\(m.name)' on \(batch) examples makes \(index == 0 ? "inputs" : "activations") of shape \(batched) (\(batched.elementCountDescription) values), more than 10⁸; use smaller batches", at: span)
            }
        }
        if topLevelMode != .shapeOnly { try reserveMemory(values: shapes.map { batch * $0.reduce(1, *) }.reduce(0, +), span: span) }
    }
}
