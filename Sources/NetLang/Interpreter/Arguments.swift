import NetRuntime

/// Reads a built-in's arguments by position or name, with errors that name the built-in,
/// the argument and what was expected.
struct Arguments {
    let function: String
    let values: [ArgumentValue]
    let span: SourceSpan
    private var used: Set<Int> = []
    /// Every argument name a reader asked for (the candidates of "did you mean").
    private var known: [String] = []

    init(_ function: String, _ values: [ArgumentValue], _ span: SourceSpan) {
        self.function = function
        self.values = values
        self.span = span
    }

    /// The argument named `name`, or else the `position`-th positional one.
    mutating func value(_ name: String, position: Int? = nil) -> ArgumentValue? {
        if !known.contains(name) { known.append(name) }
        if let i = values.firstIndex(where: { $0.label == name }) { used.insert(i); return values[i] }
        guard let position else { return nil }
        let positional = values.indices.filter { values[$0].label == nil }
        guard position < positional.count else { return nil }
        used.insert(positional[position])
        return values[positional[position]]
    }

    mutating func required(_ name: String, position: Int? = nil) throws -> ArgumentValue {
        guard let v = value(name, position: position) else {
            throw Diagnostic.error("\(function) needs the argument '\(name)'", at: span)
        }
        return v
    }

    mutating func number(_ name: String, position: Int? = nil, default fallback: Double? = nil) throws -> Double {
        guard let a = value(name, position: position) else {
            if let fallback { return fallback }
            throw Diagnostic.error("\(function) needs the number '\(name)'", at: span)
        }
        guard case let .number(x) = a.value else {
            throw Diagnostic.error("\(function): '\(name)' must be a number, got \(describe(a.value))", at: a.span)
        }
        // No setting means anything at NaN or ±inf, and a comparison with NaN is always
        // false, so range checks let it through (c: nan, epsilon: nan passed as valid).
        guard x.isFinite else { throw Diagnostic.error("\(function): '\(name)' must be a finite number, got \(formatValue(x))", at: a.span) }
        return x
    }

    mutating func integer(_ name: String, position: Int? = nil, default fallback: Int? = nil, minimum: Int? = nil,
                          maximum: Int? = nil) throws -> Int {
        guard let a = value(name, position: position) else {
            if let fallback { return fallback }
            throw Diagnostic.error("\(function) needs the whole number '\(name)'", at: span)
        }
        guard case let .number(x) = a.value, x.isFinite, x == x.rounded() else {
            throw Diagnostic.error("\(function): '\(name)' must be a whole number, got \(describe(a.value))", at: a.span)
        }
        guard abs(x) <= Interpreter.largestWholeNumber else {
            throw Diagnostic.error("\(function): '\(name)' is too large (\(formatValue(x)); at most \(formatValue(Interpreter.largestWholeNumber)))", at: a.span)
        }
        // Seeds are whole numbers ≥ 0 everywhere (they become UInt64 seeds); a power
        // series has at most 1000 terms everywhere (each term is a vector-Jacobian product
        // in the graph: 10⁹ terms ran out of memory instead of being reported).
        let minimum = name == "seed" ? Swift.max(minimum ?? 0, 0) : minimum
        let maximum = name == "terms" ? Swift.min(maximum ?? 1000, 1000) : maximum
        if let minimum, Int(x) < minimum {
            throw Diagnostic.error("\(function): '\(name)' must be at least \(minimum), got \(Int(x))", at: a.span)
        }
        if let maximum, Int(x) > maximum {
            throw Diagnostic.error("\(function): '\(name)' must be at most \(maximum), got \(Int(x))", at: a.span)
        }
        return Int(x)
    }

    /// A random seed: a whole number ≥ 0.
    mutating func seed(_ name: String = "seed", default fallback: Int) throws -> UInt64 {
        UInt64(try integer(name, default: fallback, minimum: 0))
    }

    /// One of several strings (`method: "exact"`): another (a typo such as "exakt") is an
    /// error naming the choices, never a silent fallback to some other method.
    mutating func choice(_ name: String, among choices: [String], default fallback: String) throws -> String {
        let chosen = try string(name, default: fallback)
        guard choices.contains(chosen) else {
            let hint = suggestion(for: chosen, among: choices).map { "; did you mean \"\($0)\"?" } ?? ""
            throw Diagnostic.error("\(function): '\(name)' is one of \(choices.map { "\"\($0)\"" }.joined(separator: ", ")), got \"\(chosen)\"\(hint)", at: value(name)?.span ?? span)
        }
        return chosen
    }

    mutating func optionalNumber(_ name: String, position: Int? = nil) throws -> Double? {
        guard value(name, position: position) != nil else { return nil }
        return try number(name, position: position)
    }

    mutating func optionalInteger(_ name: String, position: Int? = nil) throws -> Int? {
        guard value(name, position: position) != nil else { return nil }
        return try integer(name, position: position)
    }

    mutating func boolean(_ name: String, position: Int? = nil, default fallback: Bool) throws -> Bool {
        guard let a = value(name, position: position) else { return fallback }
        guard case let .boolean(b) = a.value else {
            throw Diagnostic.error("\(function): '\(name)' must be true or false, got \(describe(a.value))", at: a.span)
        }
        return b
    }

    mutating func string(_ name: String, position: Int? = nil, default fallback: String? = nil) throws -> String {
        guard let a = value(name, position: position) else {
            if let fallback { return fallback }
            throw Diagnostic.error("\(function) needs the string '\(name)'", at: span)
        }
        guard case let .string(s) = a.value else {
            throw Diagnostic.error("\(function): '\(name)' must be a string, got \(describe(a.value))", at: a.span)
        }
        return s
    }

    mutating func shape(_ name: String, position: Int? = nil) throws -> [Int] {
        let a = try required(name, position: position)
        let dims = try shapeDims(a)
        guard !dims.holdsMoreValues(than: Builtins.maximumValues) else {
            throw Diagnostic.error("\(function): shape \(dims) holds more than 10⁸ values", at: a.span)
        }
        try Interpreter.reserveMemory(values: dims.reduce(1, *), span: span)   // zeros, randn, …: the tensor of this shape
        return dims
    }

    private func shapeDims(_ a: ArgumentValue) throws -> [Int] {
        let name = a.label ?? "shape"
        switch a.value {
        case let .number(x) where x == x.rounded() && x > 0 && x < 1e9: return [Int(x)]
        case let .list(items):
            return try items.map {
                guard case let .number(x) = $0, x == x.rounded(), x > 0, x < 1e9 else {
                    throw Diagnostic.error("\(function): '\(name)' must be a list of positive whole numbers", at: a.span)
                }
                return Int(x)
            }
        default: throw Diagnostic.error("\(function): '\(name)' must be a shape such as [1, 8, 8], got \(describe(a.value))", at: a.span)
        }
    }

    /// Throws for arguments that no reader asked for (misspelt names, too many values).
    func checkAllUsed() throws {
        for (i, a) in values.enumerated() where !used.contains(i) {
            if let label = a.label {
                let hint = didYouMean(label, among: known)
                throw Diagnostic.error("\(function) has no argument named '\(label)'\(hint)", at: a.labelSpan ?? a.span)
            }
            throw Diagnostic.error("\(function) takes fewer positional arguments", at: a.span)
        }
    }
}

/// "a number (3)", "a string", "a tensor [2, 3]" for diagnostics.
func describe(_ v: Value) -> String {
    switch v {
    case let .number(x): "the number \(formatValue(x))"
    case let .string(s): "the string \"\(s.prefix(30))\""
    case let .boolean(b): "\(b)"
    case let .tensor(t): "a tensor of shape \(t.shape)"
    case let .node(n): "a tensor of shape \(n.shape)"
    case let .list(items): "a list of \(items.count) values"
    case let .model(m): "the model '\(m.name)'"
    default: "a \(v.typeName)"
    }
}

/// Numbers as a person writes them: 3, 0.25, 1e-08.
func formatValue(_ x: Double) -> String {
    if x.isNaN { return "nan" }
    if x.isInfinite { return x > 0 ? "inf" : "-inf" }
    if x == x.rounded() && abs(x) < 1e15 { return String(Int(x)) }
    let s = String(format: "%.6g", x)
    return s
}
import Foundation

/// A whole number that fits comfortably in an Int, or nil (no trap on 1e300 or nan).
func exactInt(_ x: Double) -> Int? {
    guard x.isFinite, x == x.rounded(), Swift.abs(x) < 1e15 else { return nil }
    return Int(x)
}
