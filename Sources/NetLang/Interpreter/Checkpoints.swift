import Foundation
import NetLibrary
import NetRuntime

/// `save model to "file.safetensors"` and `load model from "…"`.
///
/// The file is a standard safetensors file: the model's variables (parameters and state:
/// power-iteration vectors, running statistics) as F32 under their names
/// `model.layer.leaf`, so save → load reproduces outputs bit for bit. The header's
/// metadata holds the model's name, every constrained layer's c (`netlang_lipschitz`,
/// checked on load) and, with `optimizer: true`, the optimiser's kind; its state is stored
/// as tensors `optimizer.<slot>.<i>` and `optimizer.step` (PyTorch's names, i counting the
/// trainable parameters in order).
extension Interpreter {
    func saveModel(_ modelExpr: Expression, _ pathExpr: Expression, options: [Argument], span: SourceSpan, in env: Environment) throws {
        let m = try modelOperand(modelExpr, in: env)
        guard case let .string(path) = try evaluate(pathExpr, in: env) else {
            throw Diagnostic.error("save needs a file name: save \(m.name) to \"\(m.name).safetensors\"", at: pathExpr.span)
        }
        var args = try statementArguments("save", options, span: span, in: env)
        let withOptimizer = try args.boolean("optimizer", default: false)
        try args.checkAllUsed()
        // In a data-parallel job every rank holds the same values: rank 0 writes the file.
        if topLevelMode == .shapeOnly || !world.isPrimary { return }
        var tensors = stateVariables(m).map { v in (m.model.name(of: v), variables.value(v)) }
        var metadata = ["format": "pt", "netlang_model": m.name]
        let constraints = lipschitzCoefficients(m)
        if !constraints.isEmpty {
            metadata["netlang_lipschitz"] = constraints.map { "\($0.name)=\($0.c)" }.joined(separator: ";")
            metadata["netlang_vectors"] = spectralChecksum(m) { variables.value($0) }
        }
        if withOptimizer {
            guard let (kind, entry) = optimizerMemory.latest(for: trainableParameters(m)) else {
                throw Diagnostic.error("'\(m.name)' has no optimiser state to save: no train block has trained exactly its parameters yet", at: span)
            }
            metadata["netlang_optimizer"] = kind
            if !entry.streams.isEmpty { metadata["netlang_streams"] = OptimizerMemory.encode(entry.streams) }
            metadata["netlang_epochs"] = String(entry.epochs)
            tensors += entry.moments.tensors.sorted { $0.key < $1.key }.map { ("optimizer.\($0.key)", $0.value) }
        }
        do {
            let full = try outputPath(path)
            try Safetensors.write(tensors, metadata: metadata, to: full)
            announceIfOutsideOutput(path, written: full)
        } catch {
            throw Diagnostic.error("cannot save '\(path)': \(error)", at: pathExpr.span)
        }
    }

    func loadModel(_ modelExpr: Expression, _ pathExpr: Expression, options: [Argument], span: SourceSpan, in env: Environment) throws {
        let m = try modelOperand(modelExpr, in: env)
        guard case let .string(path) = try evaluate(pathExpr, in: env) else {
            throw Diagnostic.error("load needs a file name: load \(m.name) from \"\(m.name).safetensors\"", at: pathExpr.span)
        }
        var args = try statementArguments("load", options, span: span, in: env)
        // The file's names start with `prefix` instead of the model's name.
        let prefix = try args.string("prefix", default: m.name)
        let withOptimizer = try args.boolean("optimizer", default: false)
        try args.checkAllUsed()
        if topLevelMode == .shapeOnly { return }
        try checkRanksAgreeOnLoad(of: m, at: span)
        // In a data-parallel job rank 0 reads and checks the file and every other rank
        // receives its values (the file may exist only where rank 0 runs).
        if !world.isPrimary {
            receiveFromFirstRank(m)
            return
        }
        let file: [String: Tensor<Float>], metadata: [String: String]
        do { let full = resolve(path); file = try Safetensors.read(full); metadata = try Safetensors.metadata(full) } catch {
            throw Diagnostic.error("cannot load '\(path)': \(error)", at: pathExpr.span)
        }
        func fileName(_ v: Node) -> String { prefix + m.model.name(of: v).dropFirst(m.name.count) }
        // Check everything before assigning anything, so a bad file changes nothing.
        let wanted = stateVariables(m)
        for v in wanted {
            let name = fileName(v)
            guard let t = file[name] else {
                // Names are "model.layer.leaf": a file saved from a model of another name
                // holds the same tensors under its own first component.
                let owners = Set(file.keys.filter { !$0.hasPrefix("optimizer.") }.compactMap { $0.split(separator: ".").first.map(String.init) }).sorted()
                let hint = owners.count == 1 && owners[0] != prefix && file["\(owners[0])\(name.dropFirst(prefix.count))"] != nil
                    ? "; it was saved from a model named '\(owners[0])' (tensor names start with the model's name): load \(m.name) from \"\(path)\", prefix: \"\(owners[0])\""
                    : " (it has \(file.keys.sorted().prefix(6).joined(separator: ", "))\(file.count > 6 ? ", …" : ""))"
                throw Diagnostic.error("'\(path)' has no tensor '\(name)'\(hint)", at: pathExpr.span)
            }
            guard t.shape == v.shape else {
                throw Diagnostic.error("'\(path)': '\(name)' has shape \(t.shape), the model needs \(v.shape)", at: pathExpr.span)
            }
        }
        try checkLipschitzCoefficients(m, metadata: metadata, prefix: prefix, path: path, span: pathExpr.span)
        if !allowsNonFiniteWeights {
            for v in wanted {
                let name = fileName(v)
                if let i = file[name]!.scalars.firstIndex(where: { !$0.isFinite }) {
                    throw Diagnostic.error("'\(path)': '\(name)' holds \(formatValue(Double(file[name]!.scalars[i]))) at element \(i); the model is unchanged (netl --allow-nonfinite loads it anyway)", at: pathExpr.span)
                }
            }
        }
        var optimizerState: (kind: String, entry: OptimizerMemory.Entry)? = nil
        if withOptimizer {
            guard let kind = metadata["netlang_optimizer"] else {
                throw Diagnostic.error("'\(path)' holds no optimiser state (save it with: save \(m.name) to \"\(path)\", optimizer: true)", at: pathExpr.span)
            }
            var tensors: [String: Tensor<Float>] = [:]
            for (name, t) in file where name.hasPrefix("optimizer.") { tensors[String(name.dropFirst("optimizer.".count))] = t }
            optimizerState = (kind, .init(moments: .loaded(tensors), streams: metadata["netlang_streams"].flatMap(OptimizerMemory.decode) ?? [],
                                          epochs: metadata["netlang_epochs"].flatMap { Int($0) } ?? 0))
        }
        for v in wanted { variables.assign(v, file[fileName(v)]!) }
        for loaded in [m] + composedModelValues(m) { loaded.learnedWeights = "loaded from \"\(path)\"" }
        // Vectors saved together with these very weights (the checksum agrees) are the
        // model's state as it was, even where they had not converged: kept, so outputs
        // reproduce bit for bit.
        let unedited = metadata["netlang_vectors"] != nil && metadata["netlang_vectors"] == spectralChecksum(m) { file[fileName($0)]! }
        if let optimizerState {
            optimizerMemory.remember(optimizerState.entry, kind: optimizerState.kind, parameters: trainableParameters(m))
        }
        if world.size > 1 { receiveFromFirstRank(m) }
        // The stored power-iteration vectors may belong to other weights (an edited file):
        // where they do, make σ̂ the loaded weights' norms, so the constraints hold at once;
        // vectors that already give the norms are kept, so outputs reproduce bit for bit.
        if !unedited { m.model.refreshStaleSpectralNorms(variables) }
    }

    /// FNV-1a over the bits of every constrained layer's weight and vector u, in layer order.
    private func spectralChecksum(_ m: ModelValue, _ value: (Node) -> Tensor<Float>) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for layer in m.model.spectrallyNormalizedLayers where layer.constraint != nil {
            for v in [layer.weight, layer.vectorVariable].compactMap({ $0 }) {
                for x in value(v).scalars { hash = (hash ^ UInt64(x.bitPattern)) &* 0x100_0000_01b3 }
            }
        }
        return String(hash, radix: 16)
    }

    /// The options after save's or load's path, evaluated, as a built-in's arguments.
    private func statementArguments(_ name: String, _ options: [Argument], span: SourceSpan, in env: Environment) throws -> Arguments {
        Arguments(name, try options.map { ArgumentValue(label: $0.label, value: try evaluate($0.value, in: env), span: $0.value.span) }, span)
    }

    /// Every constrained layer's c, by the name of its weight.
    private func lipschitzCoefficients(_ m: ModelValue) -> [(name: String, c: Double)] {
        m.model.spectrallyNormalizedLayers.compactMap { layer in
            guard let c = layer.constraint?.coefficient, let w = layer.weight else { return nil }
            return (m.model.name(of: w), c)
        }
    }

    /// c is part of a model's definition, not of its parameters: loading weights trained
    /// under another c would silently change what the model computes.
    private func checkLipschitzCoefficients(_ m: ModelValue, metadata: [String: String], prefix: String, path: String, span: SourceSpan) throws {
        guard let stored = metadata["netlang_lipschitz"] else { return }
        var saved: [String: Double] = [:]
        for entry in stored.split(separator: ";") {
            let parts = entry.split(separator: "=")
            if parts.count == 2, let c = Double(parts[1]) { saved[String(parts[0])] = c }
        }
        for (name, c) in lipschitzCoefficients(m) {
            let inFile = prefix + name.dropFirst(m.name.count)
            if let s = saved[inFile], s != c {
                throw Diagnostic.error("'\(path)' was trained with lipschitz(c: \(formatValue(s))) on '\(inFile)', the model has c = \(formatValue(c)); define the layer with c: \(formatValue(s)) to load it", at: span)
            }
        }
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
}
