import NetRuntime

/// What a shape-only check (`netl check`) can tell apart about a value: tensors by shape,
/// not by their numbers (which a check mostly does not compute: placeholders), and
/// everything else exactly — numbers, strings and booleans by value, lists by length and
/// elements (a script may index a list it accumulated, or size a tensor by a counter),
/// records by field names and values, data sets by the shapes of x and y, models by
/// definition and parameter shapes. Two loop states with equal signatures run the same
/// shape rules, so the check runs a loop body until the state before an iteration
/// repeats (`Interpreter.checkLoop`).
enum ShapeSignature {
    static func of(_ v: Value) -> String {
        switch v {
        case .none: return "-"
        case let .number(x): return "#\(x)"
        case let .string(text): return "s\(text.count):\(text)"
        case let .boolean(b): return b ? "T" : "F"
        case let .tensor(t): return "t\(t.shape)"
        case let .node(n): return "n\(n.shape)"
        case let .list(items): return "[" + items.map(of).joined(separator: ",") + "]"
        case let .record(fields): return "{" + fields.map { "\($0.0):\(of($0.1))" }.joined(separator: ",") + "}"
        case let .model(m):
            // By where it was defined and its parameters' shapes, not by identity: a loop that
            // builds a fresh model each round (`model` in a block re-initialises it) settles
            // like one that keeps it.
            guard let d = m.definition else { return "m\(ObjectIdentifier(m).hashValue)" }
            return "m\(d.nameSpan.file.name):\(d.nameSpan.start)\(m.model.variables.map(\.shape))\(m.model.frozen)"
        case let .dataset(d): return "d\(d.x.shape)\(d.y?.shape ?? [])\(d.parts.map(\.0))"
        case let .function(f): return "f:\(f.name)"
        case let .block(b): return "B:\(b.definition.name)"
        case .optimizer: return "o"
        case .schedule: return "S"
        }
    }

    /// A loop item: as `of`, but a number by kind only, so `for epoch in range(100)` can
    /// settle once the state it changes repeats. (A body that branches on the iteration
    /// number is checked for the iterations before its state repeats.)
    static func ofItem(_ v: Value) -> String {
        if case .number = v { return "#" }
        return of(v)
    }

    /// Every name visible from `env` with its signature, innermost scope first.
    static func of(_ env: Environment) -> String {
        var parts: [String] = []
        var scope: Environment? = env
        while let s = scope {
            parts.append(s.bindings.sorted { $0.key < $1.key }.map { "\($0.key)=\(of($0.value))" }.joined(separator: ";"))
            scope = s.parent
        }
        return parts.joined(separator: "|")
    }
}

extension Interpreter {
    /// Runs a loop's body for each item (nil: a `repeat` loop) in a shape-only check: an
    /// item whose signature, together with that of every name the body can reach, was
    /// already checked is skipped, so a body whose shapes reach a fixed point runs once or
    /// twice instead of `checkLoopLimit` times; one whose shapes keep changing still stops
    /// at the limit.
    func checkLoop(_ items: [Value?], in env: Environment, body: (Value?) throws -> Void) throws {
        var checked = Set<String>()
        for item in items.prefix(Self.checkLoopLimit) {
            let state = (item.map(ShapeSignature.ofItem) ?? "") + "@" + ShapeSignature.of(env)
            guard checked.insert(state).inserted else {
                // A repeat loop's next state is this one again: nothing new can follow.
                if item == nil { return } else { continue }
            }
            try body(item)
        }
    }
}
