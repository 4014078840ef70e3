import NetRuntime

extension Interpreter {
    /// The members `value.NAME` can name (completion after a dot): a record's fields, a
    /// data set's x, y, parts and columns, a model's layers and properties, a tensor's shape
    /// and size — the names `member` (Interpreter+Expressions.swift) accepts.
    func memberNames(of value: Value) -> [String] {
        switch value {
        case let .record(fields): return fields.map(\.0)
        case let .dataset(d):
            return ["x"] + (d.y == nil ? [] : ["y"]) + ["size", "count"] + (d.classCount == nil ? [] : ["classes"]) + ["shape"]
                + (d.groups == nil ? [] : ["groups"]) + d.parts.map(\.0) + d.columns.map(\.0) + d.attributes.map(\.0)
        case let .model(m):
            var layers: [String] = []
            for v in m.model.variables {
                let parts = m.model.name(of: v).split(separator: ".")
                if parts.count > 1, !layers.contains(String(parts[1])) { layers.append(String(parts[1])) }
            }
            return layers + ["parameters", "parameter_count", "input_shape", "output_shape"]
        case .tensor, .node: return ["shape", "size"]
        case .list: return isTensorLike(value) ? ["length", "size", "shape"] : ["length", "size"]
        default: return []
        }
    }

    /// The value of a chain of names in the session's globals (`digits.train`), or nil
    /// when a link is unknown or fails. Reads only: members of values already computed.
    public func value(ofPath path: [String]) -> Value? {
        guard let first = path.first, var value = globals.lookup(first) else { return nil }
        for name in path.dropFirst() {
            let span = SourceSpan(file: SourceFile(name: "<completion>", text: ""), start: 0, end: 0)
            guard let next = try? member(value, name, span: span) else { return nil }
            value = next
        }
        return value
    }

    /// The members of the value a chain of names holds (`digits.` → x, y, train, test).
    public func memberNames(ofPath path: [String]) -> [String] {
        value(ofPath: path).map(memberNames(of:)) ?? []
    }
}
