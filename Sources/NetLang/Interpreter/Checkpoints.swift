import Foundation
import NetLibrary
import NetRuntime

/// `save model to "file.safetensors"` and `load model from "…"`.
extension Interpreter {
    func saveModel(_ modelExpr: Expression, _ pathExpr: Expression, span: SourceSpan, in env: Environment) throws {
        let m = try modelOperand(modelExpr, in: env)
        guard case let .string(path) = try evaluate(pathExpr, in: env) else {
            throw Diagnostic.error("save needs a file name: save \(m.name) to \"\(m.name).safetensors\"", at: pathExpr.span)
        }
        // In a data-parallel job every rank holds the same values: rank 0 writes the file.
        if checkOnly || !world.isPrimary { return }
        let tensors = stateVariables(m).map { v in ((v.operation as! VariableOp).label, variables.value(v)) }
        do {
            let full = try outputPath(path)
            try Safetensors.write(tensors, metadata: ["format": "pt", "netlang_model": m.name], to: full)
            announceIfOutsideOutput(path, written: full)
        } catch {
            throw Diagnostic.error("cannot save '\(path)': \(error)", at: pathExpr.span)
        }
    }

    func loadModel(_ modelExpr: Expression, _ pathExpr: Expression, span: SourceSpan, in env: Environment) throws {
        let m = try modelOperand(modelExpr, in: env)
        guard case let .string(path) = try evaluate(pathExpr, in: env) else {
            throw Diagnostic.error("load needs a file name: load \(m.name) from \"\(m.name).safetensors\"", at: pathExpr.span)
        }
        if checkOnly { return }
        // In a data-parallel job rank 0 reads and checks the file and every other rank
        // receives its values (the file may exist only where rank 0 runs).
        if !world.isPrimary {
            receiveFromFirstRank(m)
            return
        }
        let file: [String: Tensor<Float>]
        do { file = try Safetensors.read(resolve(path)) } catch {
            throw Diagnostic.error("cannot load '\(path)': \(error)", at: pathExpr.span)
        }
        // Check everything before assigning anything, so a bad file changes nothing.
        let wanted = stateVariables(m)
        for v in wanted {
            let name = (v.operation as! VariableOp).label
            guard let t = file[name] else {
                // Names are "model.layer.leaf": a file saved from a model of another name
                // holds the same tensors under its own first component.
                let owners = Set(file.keys.compactMap { $0.split(separator: ".").first.map(String.init) }).sorted()
                let hint = owners.count == 1 && owners[0] != m.name && file["\(owners[0])\(name.dropFirst(m.name.count))"] != nil
                    ? "; it was saved from a model named '\(owners[0])' (tensor names start with the model's name): load it into '\(owners[0])', or rename the model"
                    : " (it has \(file.keys.sorted().prefix(6).joined(separator: ", "))\(file.count > 6 ? ", …" : ""))"
                throw Diagnostic.error("'\(path)' has no tensor '\(name)'\(hint)", at: pathExpr.span)
            }
            guard t.shape == v.shape else {
                throw Diagnostic.error("'\(path)': '\(name)' has shape \(t.shape), the model needs \(v.shape)", at: pathExpr.span)
            }
        }
        if !allowsNonFiniteWeights {
            for v in wanted {
                let name = (v.operation as! VariableOp).label
                if let i = file[name]!.scalars.firstIndex(where: { !$0.isFinite }) {
                    throw Diagnostic.error("'\(path)': '\(name)' holds \(formatValue(Double(file[name]!.scalars[i]))) at element \(i); the model is unchanged (netl --allow-nonfinite loads it anyway)", at: pathExpr.span)
                }
            }
        }
        for v in wanted { variables.assign(v, file[(v.operation as! VariableOp).label]!) }
        m.learnedWeights = "loaded from \"\(path)\""
        if world.size > 1 { receiveFromFirstRank(m) }
        // The stored power-iteration vectors may belong to other weights (an edited file):
        // where they do, make σ̂ the loaded weights' norms, so the constraints hold at once;
        // vectors that already give the norms are kept, so outputs reproduce bit for bit.
        m.model.refreshStaleSpectralNorms(variables)
    }

    /// Rank 0's values of a model's variables, broadcast to every rank (σ̂ refreshed).
    private func receiveFromFirstRank(_ m: ModelValue) {
        let wanted = stateVariables(m)
        var values = wanted.map { variables.value($0) }
        world.broadcast(&values)
        for (v, t) in zip(wanted, values) { variables.assign(v, t) }
        m.model.refreshStaleSpectralNorms(variables)
    }

    private func modelOperand(_ e: Expression, in env: Environment) throws -> ModelValue {
        guard case let .model(m) = try evaluate(e, in: env) else { throw Diagnostic.error("expected a model", at: e.span) }
        return m
    }

    /// Parameters and persistent state (power-iteration vectors, running statistics).
    private func stateVariables(_ m: ModelValue) -> [Node] {
        m.model.variables
    }

    /// In `netl check`: every identifier an expression uses must be defined.
    func checkNames(_ e: Expression, in env: Environment) throws {
        switch e {
        case let .identifier(name, span):
            if env.lookup(name) == nil {
                let hint = suggestion(for: name, among: env.allNames).map { "; did you mean '\($0)'?" } ?? ""
                throw Diagnostic.error("'\(name)' is not defined\(hint)", at: span)
            }
        case let .list(items, _): for i in items { try checkNames(i, in: env) }
        case let .unary(_, operand, _): try checkNames(operand, in: env)
        case let .binary(_, l, r, _): try checkNames(l, in: env); try checkNames(r, in: env)
        case let .call(callee, args, _): try checkNames(callee, in: env); for a in args { try checkNames(a.value, in: env) }
        case let .member(base, _, _, _): try checkNames(base, in: env)
        case let .index(base, items, _):
            try checkNames(base, in: env)
            for i in items { if let s = i.start { try checkNames(s, in: env) }; if let t = i.end { try checkNames(t, in: env) } }
        default: break
        }
    }
}
