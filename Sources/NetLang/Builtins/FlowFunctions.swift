import Foundation
import NetLibrary
import NetRuntime

/// Invertible networks and flows (thesis chapters 4 and 5): negative log-likelihood with a
/// power-series or exact log-determinant, per-example log-likelihoods and log-dets, bits
/// per dimension, dequantisation, the fixed-point inverse, sampling, the post-training
/// Lipschitz check and the log-det bounds. Every one of them first checks that the model
/// is a flow (`checkedFlow`, FlowChecking.swift) and refuses it otherwise, at the call.
extension Builtins {
    static var flowFunctions: [(String, Body)] {
        [
            ("flow_nll", { context, args in
                // Mean −log p(x) in nats under a standard normal base (Lemma 5.2).
                let call = try flowArguments(&args, context)
                return try context.flowNLL(call.flow, name: call.model.name, call.input, call.request, span: args.span)
            }),
            ("log_likelihood", { context, args in
                // log p(x) per example [N] under a flow with a standard normal base.
                let call = try flowArguments(&args, context)
                guard case let .tensor(x) = call.input else { throw Diagnostic.error("log_likelihood evaluates data", at: args.span) }
                let logp = context.flowDensity(call.flow, x, call.request).logp
                return .tensor(Tensor(shape: [logp.count], scalars: logp))
            }),
            ("logdet", { context, args in
                // Σ over the flow's layers of log|det J| per example [N], by the chosen method.
                let call = try flowArguments(&args, context)
                guard case let .tensor(x) = call.input else { throw Diagnostic.error("logdet evaluates data", at: args.span) }
                let logDet = context.flowDensity(call.flow, x, call.request).logDet
                return .tensor(Tensor(shape: [logDet.count], scalars: logDet))
            }),
            ("bits_per_dim", { context, args in
                // (NLL + D·log L) / (D·log 2) for data quantised to L levels and dequantised
                // uniformly (Sec. 5.3), y = (x·(L − 1) + u)/L; with a pre-processing (logit,
                // affine) the flow models pre(y) and NLL(y) = NLL_flow(pre(y)) − Σ log pre′(y).
                let call = try flowArguments(&args, context)
                let levels = try args.number("levels", default: 256)
                guard levels >= 2 else { throw Diagnostic.error("bits_per_dim needs at least 2 levels", at: args.span) }
                let preprocessing = try preprocessingOption(&args, position: nil)
                guard case let .tensor(x) = call.input else { throw Diagnostic.error("bits_per_dim evaluates data, not a loss", at: args.span) }
                let d = Double(call.model.model.inputShape.reduce(1, *))
                var u: Tensor<Double>
                if let noise = args.value("noise") {
                    // The dequantisation's uniforms, given: a reproducible value (tests, hand checks).
                    guard let t = context.tensorValue(noise.value), t.shape == x.shape, t.scalars.allSatisfy({ $0 >= 0 && $0 < 1 }) else {
                        throw Diagnostic.error("noise is the dequantisation's uniforms in [0, 1), one per value of x \(x.shape)", at: noise.span)
                    }
                    u = t
                } else {
                    var rng = RandomGenerator(seed: context.seed &+ 7)
                    u = Tensor<Double>.randomUniform(x.shape, rng: &rng)
                }
                // A check: every argument is checked; the value (like flow_nll's) is not computed.
                if context.mode == .shapeOnly { return .number(.nan) }
                let y = Tensor(shape: x.shape, scalars: zip(x.scalars, u.scalars).map { ($0 * (levels - 1) + $1) / levels })
                let (z, logJacobian) = preprocessing.apply(y)
                guard case let .number(nll) = try context.flowNLL(call.flow, name: call.model.name, .tensor(z), call.request, span: args.span) else { return .number(.nan) }
                let meanLogJacobian = logJacobian.reduce(0, +) / Double(Swift.max(logJacobian.count, 1))
                return .number((nll - meanLogJacobian + d * Foundation.log(levels)) / (d * Foundation.log(2)))
            }),
            ("preprocess", { context, args in
                // preprocess(y, "logit", alpha: 0.05) or (y, "affine", scale: 1): the map from
                // dequantised data in [0, 1) to the space the flow models (as bits_per_dim's
                // preprocess: option), on data or inside a loss.
                let y = try args.required("y", position: 0)
                let preprocessing = try preprocessingOption(&args, position: 1, required: true)
                if case let .node(n) = y.value { return .node(preprocessing.transform(n)) }
                guard let t = context.tensorValue(y.value) else { throw Diagnostic.error("preprocess needs a tensor", at: y.span) }
                return .tensor(preprocessing.apply(t).transformed)
            }),
            ("dequantize", { context, args in
                // (x·(L − 1) + u)/L with u ~ U[0, 1): x holds levels k/(L − 1), the result is
                // uniform within level k's bin of width 1/L; fresh noise every training step.
                let x = try args.required("x", position: 0)
                let levels = try args.number("levels", position: 1, default: 256)
                guard levels >= 2 else { throw Diagnostic.error("dequantize needs at least 2 levels", at: args.span) }
                if context.drawsRandomLeaves || context.containsNode(x.value) {
                    let n = try context.node(x.value, span: x.span)
                    return .node((n * (levels - 1) + n.graph.random(.uniform(low: 0, high: 1), shape: n.shape)) / levels)
                }
                guard let t = context.tensorValue(x.value) else { throw Diagnostic.error("dequantize needs a tensor", at: x.span) }
                var rng = RandomGenerator(seed: context.seed &+ 3)
                let u = Tensor<Double>.randomUniform(t.shape, rng: &rng)
                return .tensor(Tensor(shape: t.shape, scalars: zip(t.scalars, u.scalars).map { ($0 * (levels - 1) + $1) / levels }))
            }),
            ("inverse", { context, args in
                // inverse(model, y, tolerance: 1e-6, max_iterations: 100) or iterations: n — Alg. 1.
                let first = try args.required("model", position: 0)
                if case let .model(m) = first.value {
                    if try !args.boolean("unchecked", default: false) {
                        _ = try context.checkedFlow(m, .invertible, function: "inverse", span: first.span)
                    }
                    let y = try args.required("y", position: 1)
                    guard let t = context.tensorValue(y.value) else { throw Diagnostic.error("inverse needs outputs y", at: y.span) }
                    let stopping = try inverseStopping(&args)
                    return try context.invert(m, t, stopping: stopping, span: y.span)
                }
                // inverse(matrix): the linear-algebra inverse (InverseOp inside grad or a loss).
                if let m = try symbolicSquareMatrix(&args, context) {
                    return .node(m.reshaped([1] + m.shape).inverse().reshaped(m.shape))
                }
                guard let a = context.tensorValue(first.value), a.rank == 2 else {
                    throw Diagnostic.error("inverse needs a model and outputs, or a square matrix", at: first.span)
                }
                return .tensor(try dataError(args.span) { try NetRuntime.inverse(a) })
            }),
            ("sample", { context, args in
                // x = F⁻¹(z) for z ~ N(0, I): samples of a flow; an inverse that does not
                // converge is an error, not a sample.
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("sample needs a flow model", at: m.span) }
                try context.rejectFrozenDraw("sample", span: args.span)
                _ = try context.checkedFlow(model, .density, function: "sample", span: m.span)
                let n = try args.integer("n", position: 1, minimum: 1)
                let size = max(1, model.model.outputShape.reduce(1, *))
                guard n <= Builtins.maximumValues / size else {
                    throw Diagnostic.error("sample: \(n) samples of \(size) values hold more than 10⁸ values", at: args.value("n", position: 1)!.span)
                }
                var rng = RandomGenerator(seed: UInt64(try args.integer("seed", default: Int(context.seed % (1 << 62)))))
                let temperature = try args.number("temperature", default: 1)
                guard temperature >= 0 else {
                    throw Diagnostic.error("sample: the temperature (the standard deviation of z) must be ≥ 0, got \(formatValue(temperature))", at: args.value("temperature")!.span)
                }
                let z = Tensor<Double>.randomNormal([n] + model.model.outputShape, std: temperature, rng: &rng)
                let stopping = FixedPointInverse<Float>.Stopping(maxIterations: try args.integer("max_iterations", default: 200, minimum: 1,
                                                                                                 maximum: maximumInverseIterations),
                                                          tolerance: try args.number("tolerance", default: 1e-5))
                guard case let .record(fields) = try context.invert(model, z, stopping: stopping, span: args.span),
                      let x = fields.first(where: { $0.0 == "x" })?.1 else { return .none }
                if case let .boolean(converged)? = fields.first(where: { $0.0 == "converged" })?.1, !converged,
                   case let .list(blocks)? = fields.first(where: { $0.0 == "blocks" })?.1 {
                    let failed = blocks.compactMap { block -> String? in
                        guard case let .record(b) = block, case .boolean(false)? = b.first(where: { $0.0 == "converged" })?.1 else { return nil }
                        let name = b.first { $0.0 == "name" }.map { context.display($0.1) } ?? "?"
                        let last = b.first { $0.0 == "residual" }.map { context.display($0.1) } ?? "?"
                        return "\(name) (last residual \(last))"
                    }
                    throw Diagnostic.error("sample: the inverse did not converge to tolerance \(formatValue(stopping.tolerance)) within \(counted(stopping.maxIterations, "iteration")) in \(failed.joined(separator: ", ")); raise max_iterations or check_lipschitz the flow", at: args.span)
                }
                return x
            }),
        ] + lipschitzFunctions + flowCapabilityFunctions + layerNormFunctions + dynamicsFunctions
    }
}
