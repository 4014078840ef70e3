import NetLibrary
import NetRuntime

/// Losses, optimisers and learning-rate schedules.
extension Builtins {
    /// A mean loss over no examples would be 0/0 (and printed as a plausible 0).
    static func requireExamples(_ shape: [Int], _ function: String, _ span: SourceSpan) throws {
        if shape.contains(0) { throw Diagnostic.error("\(function) of no examples (shape \(shape))", at: span) }
    }

    static var trainingFunctions: [(String, Body)] {
        [
            ("cross_entropy", { context, args in
                let a = try args.required("logits", position: 0), b = try args.required("labels", position: 1)
                if case let .model(m) = a.value, case let .dataset(d) = b.value {
                    return .number(try Evaluation.meanCrossEntropy(context, m, d, span: b.span))
                }
                let ls = context.shapeOf(a.value), ys = context.shapeOf(b.value)
                guard ls.count == 2, ys == [ls[0]] else {
                    throw Diagnostic.error("cross_entropy needs logits [N, classes] and labels [N], got \(ls) and \(ys)", at: a.span.to(b.span))
                }
                try requireExamples(ls, "cross_entropy", a.span)
                // Labels out of range: concrete ones now; a training batch's when training starts.
                if case let .node(labels) = b.value {
                    context.requireLabels(labels, classes: ls[1], span: b.span)
                } else if let labels = context.tensorValue(b.value) {
                    try checkLabels(labels.scalars, classes: ls[1], data: "the labels", span: b.span)
                }
                return try context.tensorOperation([a.value, b.value], span: a.span) { $0[0].crossEntropy(labels: $0[1]) }
            }),
            ("mse", { context, args in
                let a = try args.required("prediction", position: 0), b = try args.required("target", position: 1)
                guard let shape = broadcastShapes(context.shapeOf(a.value), context.shapeOf(b.value)) else {
                    throw Diagnostic.error("mse: shapes \(context.shapeOf(a.value)) and \(context.shapeOf(b.value)) do not match", at: a.span.to(b.span))
                }
                try requireExamples(shape, "mse", a.span)
                return try context.tensorOperation([a.value, b.value], span: a.span) { $0[0].meanSquaredError($0[1]) }
            }),
            ("nll", { context, args in
                // The mean negative log-likelihood of per-example log-likelihoods.
                let a = try args.required("log_likelihood", position: 0)
                try requireExamples(context.shapeOf(a.value), "nll", a.span)
                return try context.tensorOperation([a.value], span: a.span) { -$0[0].mean() }
            }),
            ("weight_decay", { context, args in
                // λ·Σ‖W‖² over a model's weights (not biases, scales or shifts).
                let m = try args.required("model", position: 0)
                let lambda = try args.number("lambda", position: 1)
                guard case let .model(model) = m.value else { throw Diagnostic.error("weight_decay needs a model", at: m.span) }
                let weights = model.model.parameters.filter { ($0.operation as? VariableOp)?.label.hasSuffix(".weight") == true }
                guard let first = weights.first else { return .number(0) }
                let total = weights.dropFirst().reduce(first.square().sum()) { $0 + $1.square().sum() }
                return context.mode != .symbolic ? .number(context.tensorValue(.node(total * lambda))!.scalars[0]) : .node(total * lambda)
            }),
            ("sgd", { _, args in
                let lr = try args.number("lr", position: 0, default: 0.01)
                let momentum = try args.number("momentum", default: 0), decay = try args.number("weight_decay", default: 0)
                let nesterov = try args.boolean("nesterov", default: false)
                try checkHyperparameters(args, ["lr": lr, "momentum": momentum, "weight_decay": decay])
                if nesterov && momentum <= 0 { throw Diagnostic.error("sgd: nesterov needs a positive momentum", at: args.span) }
                return .optimizer(OptimizerSpec(name: "sgd", make: {
                    SGD(parameterSizes: $0, learningRate: lr, momentum: momentum, weightDecay: decay, nesterov: nesterov)
                }, learningRate: lr))
            }),
            ("adam", { _, args in
                let lr = try args.number("lr", position: 0, default: 1e-3)
                let decay = try args.number("weight_decay", default: 0)
                let decoupled = try args.boolean("decoupled", default: false)
                let b1 = try args.number("beta1", default: 0.9), b2 = try args.number("beta2", default: 0.999)
                let eps = try args.number("eps", default: 1e-8)
                try checkHyperparameters(args, ["lr": lr, "weight_decay": decay, "eps": eps], betas: [b1, b2])
                return .optimizer(OptimizerSpec(name: decoupled ? "adamw" : "adam", make: {
                    Adam(parameterSizes: $0, learningRate: lr, beta1: b1, beta2: b2, epsilon: eps, weightDecay: decay, decoupledWeightDecay: decoupled)
                }, learningRate: lr))
            }),
            ("adamw", { _, args in
                let lr = try args.number("lr", position: 0, default: 1e-3)
                let decay = try args.number("weight_decay", default: 1e-2)
                try checkHyperparameters(args, ["lr": lr, "weight_decay": decay])
                return .optimizer(OptimizerSpec(name: "adamw", make: {
                    AdamW(parameterSizes: $0, learningRate: lr, weightDecay: decay)
                }, learningRate: lr))
            }),
            ("adamax", { _, args in
                let lr = try args.number("lr", position: 0, default: 2e-3)
                let decay = try args.number("weight_decay", default: 0)
                try checkHyperparameters(args, ["lr": lr, "weight_decay": decay])
                return .optimizer(OptimizerSpec(name: "adamax", make: {
                    Adamax(parameterSizes: $0, learningRate: lr, weightDecay: decay)
                }, learningRate: lr))
            }),
            ("constant_lr", { _, args in .schedule(ConstantSchedule(try args.number("lr", position: 0))) }),
            ("multistep", { _, args in
                let lr = try args.number("lr", position: 0)
                let m = try args.required("milestones", position: 1)
                guard case let .list(items) = m.value else { throw Diagnostic.error("milestones is a list of epochs", at: m.span) }
                let milestones = items.compactMap { if case let .number(v) = $0 { exactInt(v) } else { nil } }
                return .schedule(MultiStepSchedule(base: lr, milestones: milestones, gamma: try args.number("gamma", position: 2, default: 0.1),
                                                   clock: try scheduleClock(&args)))
            }),
            ("step_decay", { _, args in
                .schedule(StepDecaySchedule(base: try args.number("lr", position: 0), period: try args.integer("every", position: 1, minimum: 1),
                                            gamma: try args.number("gamma", position: 2, default: 0.1), clock: try scheduleClock(&args)))
            }),
            ("exponential_lr", { _, args in
                .schedule(ExponentialSchedule(base: try args.number("lr", position: 0), gamma: try args.number("gamma", position: 1),
                                              clock: try scheduleClock(&args)))
            }),
            ("cosine_lr", { _, args in
                let lr = try args.number("lr", position: 0)
                let clock = try scheduleClock(&args)
                let length = try args.required("epochs", position: 1)
                // A length that is not whole (steps / 15) is a length in steps the user
                // meant to count in another unit: name the option instead of failing bare.
                guard case let .number(t) = length.value, let period = exactInt(t), period >= 1 else {
                    let got = if case let .number(t) = length.value { formatValue(t) } else { describe(length.value) }
                    throw Diagnostic.error("cosine_lr: the length T must be a whole number ≥ 1 of \(clock == .step ? "steps" : "epochs"), got \(got); to count optimiser steps write cosine_lr(lr, steps, unit: \"steps\")", at: length.span)
                }
                return .schedule(CosineAnnealingSchedule(base: lr, period: period, clock: clock))
            }),
            ("warmup", { _, args in
                let steps = try args.integer("steps", position: 0, minimum: 0)
                let then = try args.required("then", position: 1)
                guard case let .schedule(s) = then.value else { throw Diagnostic.error("warmup needs a schedule to follow", at: then.span) }
                return .schedule(WarmupSchedule(steps: steps, then: s))
            }),
        ]
    }

    /// `unit: "epochs"` (default) or `"steps"`: what a decay schedule counts.
    static func scheduleClock(_ args: inout Arguments) throws -> ScheduleClock {
        try args.choice("unit", among: ["epochs", "steps"], default: "epochs") == "steps" ? .step : .epoch
    }

    /// Learning rates, weight decays, momenta and ε are finite and not negative; betas are
    /// in [0, 1). (The optimisers assume so; a script gets an error instead.)
    static func checkHyperparameters(_ args: Arguments, _ values: [String: Double], betas: [Double] = []) throws {
        for (name, v) in values.sorted(by: { $0.key < $1.key }) where !(v.isFinite && v >= 0) {
            throw Diagnostic.error("\(args.function): '\(name)' must be a finite number ≥ 0, got \(formatValue(v))", at: args.span)
        }
        for b in betas where !(b >= 0 && b < 1) {
            throw Diagnostic.error("\(args.function): betas must be in [0, 1), got \(formatValue(b))", at: args.span)
        }
    }

    /// Adam with PyTorch's defaults (the train block's default optimiser).
    static func adam(learningRate: Double, weightDecay: Double, decoupled: Bool) -> OptimizerSpec {
        OptimizerSpec(name: "adam", make: {
            Adam(parameterSizes: $0, learningRate: learningRate, weightDecay: weightDecay, decoupledWeightDecay: decoupled)
        }, learningRate: learningRate)
    }
}
