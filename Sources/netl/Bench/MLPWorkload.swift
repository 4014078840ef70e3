import NetRuntime

/// 2. A 784-512-512-10 MLP on a 128 batch: forward, backward, SGD with momentum 0.9.
enum MLPWorkload {
    /// The planned training step with its batch loaded.
    static func makeStep() -> TrainingStep<Float> {
        var rng = RandomGenerator(seed: 2)
        let g = Graph()
        let x = g.input("x", shape: [128, 784]), y = g.input("y", shape: [128])
        func dense(_ h: Node, _ name: String, _ fanIn: Int, _ out: Int) -> Node {
            let w = g.variable(name + ".weight", torchUniform([out, fanIn], fanIn: fanIn, rng: &rng))
            let b = g.variable(name + ".bias", torchUniform([out], fanIn: fanIn, rng: &rng))
            return h.linear(w, bias: b)
        }
        let h1 = dense(x, "fc1", 784, 512).relu()
        let h2 = dense(h1, "fc2", 512, 512).relu()
        let loss = dense(h2, "fc3", 512, 10).crossEntropy(labels: y)
        let step = TrainingStep<Float>(loss: loss) { SGD(parameterSizes: $0, learningRate: 0.01, momentum: 0.9) }
        step.executor.setInput(x, Tensor<Double>.randomNormal([128, 784], rng: &rng).converted())
        step.executor.setInput(y, Tensor(shape: [128], scalars: (0..<128).map { _ in Float(rng.integer(below: 10)) }))
        return step
    }

    static func run(reps: Int, warmup: Int) -> [String: Any] {
        let step = makeStep()
        var first: Float? = nil, last: Float = 0
        var result: [String: Any] = timeSteps(reps: reps, warmup: warmup) {
            last = step.run()
            if first == nil { first = last }
        }
        result["loss_first"] = Double(first ?? .nan)
        result["loss_last"] = Double(last)
        result["params"] = step.parameters.map(\.count).reduce(0, +)
        result["arena_mb"] = Double(step.executor.arenaBytes) / 1e6
        return result
    }
}

extension MLPWorkload {
    /// Per-kernel profile of the training step.
    static func profile() {
        let step = makeStep()
        step.run()
        printProfile(step.executor.profile(runs: 20), title: "mlp")
        let start = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<100 { step.applyUpdate() }
        print(String(format: "optimizer %.3f ms", Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6 / 100))
    }
}
import Dispatch
