/// What a built-in takes and gives, as data (issue 23): its parameters (names, positions,
/// types, defaults), whether gradients flow through it, what it returns, a one-line
/// summary and an example. One table (`BuiltinDescriptions`) drives the resolver's checks
/// of calls before a script runs, REPL completion of argument names, `:help NAME`, and
/// the built-in table of docs/language.md (checked by `BuiltinDescriptionTests`).
public struct BuiltinDescription: Sendable {
    public struct Parameter: Sendable {
        public let name: String
        /// Its index among the positional arguments; nil: it can only be named.
        public let position: Int?
        /// The type in words ("tensor", "model", "number", "string", "function", …).
        public let type: String
        /// The default as written in a script; nil: the argument is required.
        public let defaultValue: String?
        /// The last positional parameter only: it takes any number of positional arguments
        /// from its position on (`jit(f, x1, x2, …)`).
        public let variadic: Bool

        public init(_ name: String, position: Int? = nil, _ type: String, default defaultValue: String? = nil, variadic: Bool = false) {
            self.name = name; self.position = position; self.type = type; self.defaultValue = defaultValue; self.variadic = variadic
        }
    }

    /// Whether a derivative passes through the built-in inside `grad`, `vjp`, `jacobian`,
    /// `jit` and losses (BuiltinDifferentiabilityTests checks each claim).
    public enum Differentiability: String, Sendable {
        case differentiable
        /// Needs the numbers of its arguments: an error inside a differentiated function.
        case numeric = "not differentiable"
        /// Returns no tensor (data, pictures, settings).
        case notApplicable = "no tensor result"
    }

    public let name: String
    public let parameters: [Parameter]
    public let returns: String
    public let differentiability: Differentiability
    public let summary: String
    /// A line of NetLang using it (`:help` prints it; the docs table runs none).
    public let example: String

    /// `flow_nll(model, x, method: "series", …) → number`
    public var signature: String {
        let positional = parameters.filter { $0.position != nil }.sorted { $0.position! < $1.position! }
        let named = parameters.filter { $0.position == nil }
        let parts = positional.map { p in p.variadic ? "\(p.name)…" : p.defaultValue.map { "\(p.name) = \($0)" } ?? p.name }
            + named.map { p in "\(p.name): \(p.defaultValue ?? "required")" }
        return "\(name)(\(parts.joined(separator: ", "))) → \(returns)"
    }

    /// Every parameter's name, positional ones first, in order (REPL completion).
    public var parameterNames: [String] {
        parameters.sorted { ($0.position ?? .max) < ($1.position ?? .max) }.map(\.name)
    }

    public var positionalCount: Int { parameters.filter { $0.position != nil }.count }

    /// The names a call may write (`name: value`): all but a variadic parameter's.
    public var namedParameterNames: [String] { parameterNames.filter { name in !parameters.contains { $0.name == name && $0.variadic } } }

    /// Whether the last positional parameter takes any number of arguments.
    public var isVariadic: Bool { parameters.contains(where: \.variadic) }
}
