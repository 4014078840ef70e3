import Foundation
import NetLibrary
import NetRuntime

/// `validate DATA`: a train block's first objective evaluated on a validation set in
/// evaluation mode (dropout off, batch norm on its running statistics), planned once per
/// block. The set runs in chunks of at most `chunk` examples (a second plan takes the
/// remainder) and the chunk losses are averaged by size, which is the loss on the whole
/// set for a loss that is a mean over the batch (cross_entropy, mse, flow_nll). A Russian-
/// roulette flow loss is evaluated with its exact terms only (K = 0); series and exact
/// losses are evaluated as in training.
final class ValidationLoss {
    private struct Plan {
        let executor: Executor<Float>
        let loss: Node
        let x: Node
        let y: Node?
        let size: Int
    }
    let data: Dataset
    private let plans: [Plan]

    fileprivate init(data: Dataset, plans: [(Executor<Float>, Node, Node, Node?, Int)]) {
        self.data = data
        self.plans = plans.map { Plan(executor: $0.0, loss: $0.1, x: $0.2, y: $0.3, size: $0.4) }
    }

    /// The mean loss over the whole validation set.
    func evaluate() -> Double {
        let width = data.x.count / data.count, yWidth = data.y.map { $0.count / data.count } ?? 0
        var total = 0.0, start = 0
        while start < data.count {
            let plan = plans.first { start + $0.size <= data.count }!
            let exec = plan.executor
            if exec.uses(plan.x) {
                let p = exec.inputPointer(plan.x)
                for i in 0..<(plan.size * width) { p[i] = Float(data.x.scalars[start * width + i]) }
            }
            if let y = plan.y, let ys = data.y, exec.uses(y) {
                let p = exec.inputPointer(y)
                for i in 0..<(plan.size * yWidth) { p[i] = Float(ys.scalars[start * yWidth + i]) }
            }
            exec.run()
            total += Double(exec.pointer(plan.loss)[0]) * Double(plan.size)
            start += plan.size
        }
        return total / Double(data.count)
    }
}

extension Interpreter {
    /// Plans the validation loss of `objective` on `data` (see `ValidationLoss`).
    func compileValidationLoss(_ objective: Objective, data: Dataset, training: Dataset, chunk: Int,
                               env: Environment, span: SourceSpan) throws -> ValidationLoss {
        guard data.count > 0 else { throw Diagnostic.error("the validation set '\(data.name)' is empty", at: span) }
        guard data.exampleShape == training.exampleShape else {
            throw Diagnostic.error("the validation set '\(data.name)' has examples of shape \(data.exampleShape), the training set \(training.exampleShape)", at: span)
        }
        guard (data.y == nil) == (training.y == nil), data.y.map({ Array($0.shape.dropFirst()) }) == training.y.map({ Array($0.shape.dropFirst()) }) else {
            throw Diagnostic.error("the validation set '\(data.name)' must have targets like the training set '\(training.name)'", at: span)
        }
        let size = min(chunk, data.count), remainder = data.count % size
        var plans: [(Executor<Float>, Node, Node, Node?, Int)] = []
        for n in [size] + (remainder > 0 ? [remainder] : []) {
            let x = graph.input("val_x", shape: [n] + data.exampleShape)
            let y = data.y.map { graph.input("val_y", shape: [n] + $0.shape.dropFirst()) }
            let flowState = FlowTrainingState(seed: seed)
            flowState.notedNeumannSurrogate = true   // noted by the training step
            let loss = try lossGraph(objective, x: x, y: y, context: ApplyContext(training: false), flowState: flowState, env: env)
            // The expression's value as written (as the training loss is reported), also
            // for a maximised objective.
            let scalar = loss.reshaped([])
            plans.append((Executor<Float>(graph: graph, outputs: [scalar], variables: variables, seed: seed &+ 53), scalar, x, y, n))
        }
        if let labels = data.y {
            for (node, classes, at) in labelRequirements where plans.contains(where: { $0.3?.id == node.id }) {
                try Builtins.checkLabels(labels.scalars, classes: classes, data: "data set '\(data.name)'", span: at)
            }
        }
        return ValidationLoss(data: data, plans: plans)
    }
}
