import Foundation
import NetLibrary
import NetRuntime

/// `layer_norms(model)`: the measured operator norm of every linear layer of any model —
/// check_lipschitz's measurement without its precondition that the model be invertible, so
/// that a vanilla or BatchNorm ResNet's layers can be compared with an i-ResNet's (Fig. 4.2)
/// and Thm. 4.1 can be applied to the measured norms ("guaranteed inverse", Table 4.1).
/// Part of `flowFunctions`.
extension Builtins {
    static var layerNormFunctions: [(String, Body)] {
        [
            ("layer_norms", { context, args in
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("layer_norms needs a model", at: m.span) }
                if context.mode == .shapeOnly {
                    return .record([("layers", .list([])), ("blocks", .list([])), ("invertible", .boolean(false)), ("verdict", .string(""))])
                }
                let norms = LayerNorms.measure(model.model, variables: context.flowEvaluation.float64Variables(context.variables))
                return layerNormRecord(norms, context: context)
            }),
        ]
    }

    /// The record and the printed tables: per layer name, kind, c, norm and block; per
    /// residual block the bound on Lip(g) and whether Thm. 4.1 applies; the model's verdict.
    static func layerNormRecord(_ norms: LayerNorms, context: BuiltinContext) -> Value {
        let layers: [Value] = norms.rows.map { row in
            .record([("name", .string(row.name)), ("kind", .string(row.kind)), ("c", row.c.map { .number($0) } ?? .none),
                     ("norm", .number(row.norm)), ("block", row.block.map { .string($0) } ?? .none)])
        }
        let blocks: [Value] = norms.blocks.map { b in
            .record([("name", .string(b.name)), ("nominal", b.nominal.map { .number($0) } ?? .none),
                     ("lipschitz", .number(b.lipschitz)), ("invertible", .boolean(b.problem == nil))])
        }
        let verdict = norms.notInvertible.map { "not invertible: " + $0 } ?? "invertible: every residual block has measured Lip(g) < 1 (Thm. 4.1)"
        let rows = norms.rows.isEmpty ? [["(no linear layers)", "", "", ""]]
            : norms.rows.map { [$0.name, $0.kind, $0.c.map(formatValue) ?? "none", String(format: "%.9f", $0.norm)] }
        context.output(TextTable.render(headers: ["layer", "kind", "c", "measured norm"], rows: rows))
        if !norms.blocks.isEmpty {
            context.output(TextTable.render(headers: ["block", "measured Lip(g) ≤", "contraction"], rows: norms.blocks.map {
                [$0.name, String(format: "%.9f", $0.lipschitz), $0.problem == nil ? "yes" : "NO"]
            }))
        }
        context.output(verdict)
        return .record([("layers", .list(layers)), ("blocks", .list(blocks)),
                        ("invertible", .boolean(norms.notInvertible == nil)), ("verdict", .string(verdict))])
    }
}
