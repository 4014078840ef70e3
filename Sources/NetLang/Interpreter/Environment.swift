/// Names bound to values, with lexical nesting (function bodies, loops, blocks).
public final class Environment {
    public let parent: Environment?
    private var values: [String: Value] = [:]

    public init(parent: Environment? = nil) { self.parent = parent }

    public func define(_ name: String, _ value: Value) { values[name] = value }

    public func lookup(_ name: String) -> Value? { values[name] ?? parent?.lookup(name) }

    /// Rebinds an existing name where it is defined; false when it is not defined.
    public func assign(_ name: String, _ value: Value) -> Bool {
        if values[name] != nil { values[name] = value; return true }
        return parent?.assign(name, value) ?? false
    }

    /// Every name visible here (for REPL completion and "did you mean" suggestions).
    public var allNames: [String] { Array(Set(values.keys).union(parent?.allNames ?? [])) }

    /// Removes every binding (REPL `:reset`).
    public func removeAll() { values.removeAll() }
}

/// The closest name to `name` among `candidates` by edit distance, if close enough to be
/// a plausible typo ("did you mean 'dense'?").
func suggestion(for name: String, among candidates: [String]) -> String? {
    func distance(_ a: [Character], _ b: [Character]) -> Int {
        var row = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var previous = row[0]
            row[0] = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                let old = row[j]
                row[j] = min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] == b[j - 1] ? 0 : 1))
                previous = old
            }
        }
        return row[b.count]
    }
    let a = Array(name)
    let best = candidates.map { ($0, distance(a, Array($0))) }.min { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }
    guard let best, best.1 <= max(1, name.count / 3) else { return nil }
    return best.0
}
