import Foundation
import NetRuntime

extension Builtins {
    /// `int(x)`: x rounded toward zero, as Python's `int` — a number, a tensor element-wise
    /// (zero gradient, like `floor` and `round`), or a string of a whole number ("42").
    /// An infinite or NaN number has no whole value and is an error at the argument.
    static var wholeNumber: (String, Body) {
        ("int", { context, args in
            let x = try args.required("x", position: 0)
            switch x.value {
            case let .number(v):
                guard v.isFinite else { throw Diagnostic.error("int: \(formatValue(v)) has no whole-number value", at: x.span) }
                return .number(v.rounded(.towardZero))
            case let .string(s):
                let text = s.trimmingCharacters(in: .whitespaces)
                guard let n = Int(text) else {
                    throw Diagnostic.error("int: \"\(s)\" is not a whole number written in digits", at: x.span)
                }
                return .number(Double(n))
            default:
                guard context.isTensorLike(x.value) else {
                    throw Diagnostic.error("int needs a number, a tensor or a string, got \(describe(x.value))", at: x.span)
                }
                return try context.tensorOperation([x.value], span: x.span) { $0[0].truncated() }
            }
        })
    }
}
