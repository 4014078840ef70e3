/// Names bound to values, with lexical nesting (function bodies, loops, blocks).
public final class Environment {
    public let parent: Environment?
    private var values: [String: Value] = [:]

    /// The function whose body this scope is (nil: the top level or a block). A `model`
    /// statement rebinds a model of enclosing blocks but not across a function body.
    public let functionName: String?

    public init(parent: Environment? = nil, functionName: String? = nil) {
        self.parent = parent
        self.functionName = functionName
    }

    public func define(_ name: String, _ value: Value) { values[name] = value }

    public func lookup(_ name: String) -> Value? { values[name] ?? parent?.lookup(name) }

    /// Rebinds an existing name where it is defined; false when it is not defined.
    public func assign(_ name: String, _ value: Value) -> Bool {
        if values[name] != nil { values[name] = value; return true }
        return parent?.assign(name, value) ?? false
    }

    /// Where a `model` statement in this scope binds `name`: the nearest scope, up to the
    /// enclosing function body, where it names a model (nil: none, define it here).
    func scopeOfModel(named name: String) -> Environment? {
        if let v = values[name] {
            if case .model = v { return self }
            return nil
        }
        return functionName == nil ? parent?.scopeOfModel(named: name) : nil
    }

    /// The innermost function body this scope is in (nil at the top level).
    var enclosingFunction: Environment? { functionName == nil ? parent?.enclosingFunction : self }

    /// The names bound in this scope alone (a shape-only check's loop signature).
    var bindings: [String: Value] { values }

    /// Every name visible here (for REPL completion and "did you mean" suggestions).
    public var allNames: [String] { Array(Set(values.keys).union(parent?.allNames ?? [])) }

    /// Removes every binding (REPL `:reset`).
    public func removeAll() { values.removeAll() }

    /// Removes one binding of this scope (REPL `:reset NAME`); false when it has none.
    public func remove(_ name: String) -> Bool { values.removeValue(forKey: name) != nil }
}

/// "; did you mean 'x'?" when `name` looks like a typo of one of `candidates`, else "":
/// the tail every "unknown name" message puts after itself.
func didYouMean(_ name: String, among candidates: [String]) -> String {
    suggestion(for: name, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
}

/// The closest name to `name` among `candidates` by edit distance, if close enough to be
/// a plausible typo ("did you mean 'dense'?"). Letter case does not count (`Relu` → `relu`)
/// and swapping two neighbouring letters is one edit (`rleu` → `relu`): the optimal string
/// alignment distance on lower-cased names.
func suggestion(for name: String, among candidates: [String]) -> String? {
    let a = Array(name.lowercased())
    guard !a.isEmpty else { return nil }
    let scored = candidates.filter { $0 != name }.map { ($0, editDistance(a, Array($0.lowercased()))) }
    let best = scored.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
    guard let best, best.1 <= max(1, a.count / 3) else { return nil }
    return best.0
}

/// Insertions, deletions, substitutions and transpositions of adjacent characters
/// needed to turn `a` into `b` (optimal string alignment).
func editDistance(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var before = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var row = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        row[0] = i
        for j in 1...b.count {
            var d = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { d = min(d, before[j - 2] + 1) }
            row[j] = d
        }
        (before, previous, row) = (previous, row, before)
    }
    return previous[b.count]
}
