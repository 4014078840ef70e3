/// `assert(condition, "message")`: a script states what its results must satisfy (the
/// examples: accuracy above a floor, inverse error below a ceiling, every norm within c), and
/// a run where it does not hold fails with a located error instead of printing a wrong
/// number that looks right.
extension Builtins {
    static var assertFunctions: [(String, Body)] {
        [
            ("assert", { context, args in
                let condition = try args.required("condition", position: 0)
                let message = try args.string("message", position: 1, default: "")
                // `netl check` evaluates nothing: results are placeholders there, so the
                // condition says nothing yet.
                if context.mode == .shapeOnly { return .none }
                guard case let .boolean(holds) = condition.value else {
                    throw Diagnostic.error("assert needs a condition that is true or false, got \(describe(condition.value)); compare numbers, e.g. assert(acc > 0.9, \"…\")",
                                           at: condition.span)
                }
                if holds { return .none }
                throw Diagnostic.error("assertion failed" + (message.isEmpty ? "" : ": " + message), at: condition.span)
            }),
        ]
    }
}
