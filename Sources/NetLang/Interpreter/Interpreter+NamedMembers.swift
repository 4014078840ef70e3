/// `m["dense1"]` is `m.dense1`: a model (or one of its scopes, a record) indexed by a
/// string is its member of that name, as PyTorch's `model.get_submodule("dense1")` and
/// Keras' `model.get_layer("dense1")` pick a layer by the name a loop or a function holds.
/// A dotted name walks the path (`clf["feat.dense1.weight"]` is `clf.feat.dense1.weight`).
/// `netl check` evaluates it the same way, so check and run accept the same scripts.
extension Interpreter {
    /// The member a string index names, or nil when `base` is not indexed by names.
    func namedMember(_ base: Value, _ items: [IndexItem], in env: Environment, span: SourceSpan) throws -> Value? {
        let what: String
        switch base {
        case .model: what = "a model is indexed by a layer name: m[\"dense1\"]"
        case .record: what = "a record is indexed by a field name: r[\"name\"]"
        default: return nil
        }
        guard items.count == 1, !items[0].isSlice, let e = items[0].start else {
            throw Diagnostic.error(what, at: span)
        }
        let key = try evaluate(e, in: env)
        guard case let .string(name) = key, !name.isEmpty else {
            throw Diagnostic.error("\(what), not \(describe(key))", at: e.span)
        }
        var value = base
        for part in name.split(separator: ".", omittingEmptySubsequences: false) {
            value = try member(value, String(part), span: e.span)
        }
        return value
    }
}
