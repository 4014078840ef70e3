import Foundation
import NetLang

/// Issue 21's performance workloads on the MNIST i-ResNet classifier of examples/ch4/mnist.net
/// (c = 0.9, width 32): squeeze to [4, 14, 14], zero channel padding to 8, two residual
/// blocks conv3×3(32) → ELU → conv3×3(8), squeeze to [32, 7, 7], two blocks conv3×3(32) →
/// ELU → conv3×3(32), a dense read-out to 10 classes. The pixels are seeded uniform values
/// (scripts/reference_mnist_iresnet.py draws its own of the same shape): the time of a step
/// does not depend on them.
///
/// One difference from the example, on both sides: the constraint runs one power iteration
/// per step (as iresnet_flow_mnist and conv_iresnet do) instead of iterating to the
/// tolerance 1e-3, so that the work of a step is fixed and the same in every framework.
enum ClassifierWorkloads {
    /// The feature extractor, as in examples/ch4/mnist.net with c = 0.9.
    static let features = """
    model iresnet(input: [1, 28, 28]) {
      squeeze
      pad_channels(4)
      repeat 2 { residual lipschitz(c: 0.9) { conv2d(32, kernel: 3) elu conv2d(8, kernel: 3) } }
      squeeze
      repeat 2 { residual lipschitz(c: 0.9) { conv2d(32, kernel: 3) elu conv2d(32, kernel: 3) } }
    }
    """

    /// One training step: cross-entropy of the read-out, Adam lr 1e-3, batch 128.
    static let trainingScript = """
    # Issue 21: a training step of the MNIST i-ResNet classifier (c = 0.9, batch 128).
    data batch = dataset(rand([128, 1, 28, 28], seed: 1), argmax(randn([128, 10], seed: 2)))
    \(features)
    model iresnet_head(input: [32, 7, 7]) { flatten dense(10) }
    train iresnet, iresnet_head on batch {
      loss cross_entropy(iresnet_head(iresnet(x)), y)
      optimizer adam(lr: 1e-3)
      batch 128  shuffle false  steps 1
    }
    """

    /// The thesis's cost claim (Sec. 4.3.2, examples/ch4/inverse_cost.net): the inverse of
    /// 100 images with 20 fixed-point iterations per block against 20 forward passes.
    static let inverseScript = """
    let x = rand([100, 1, 28, 28], seed: 1)
    \(features)
    let z = predict(iresnet, x)
    let back = inverse(iresnet, z, iterations: 20)
    """

    static func training(reps: Int, warmup: Int) -> [String: Any] {
        ScriptWorkloads.trainingStep(trainingScript, name: "mnist_iresnet", reps: reps, warmup: warmup) { interpreter in
            let counts = ["iresnet", "iresnet_head"].compactMap { name -> Int? in
                guard case let .model(m)? = interpreter.globals.lookup(name) else { return nil }
                return m.model.parameterCount
            }
            return ["params": counts.reduce(0, +)]
        }
    }

    /// Times `inverse(iresnet, z, iterations: 20)` (the step) and, interleaved with it in
    /// the same process, 20 calls of `predict(iresnet, x)`; reports both medians and their
    /// ratio (the thesis: about 1).
    static func inverse(reps: Int, warmup: Int) -> [String: Any] {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        try! interpreter.run(SourceFile(name: "mnist_iresnet_inverse_bench.net", text: inverseScript))
        let inverseStep = SourceFile(name: "mnist_iresnet_inverse_step.net", text: "back = inverse(iresnet, z, iterations: 20)")
        let forwardStep = SourceFile(name: "mnist_iresnet_forward_step.net", text: "for k in range(20) { z = predict(iresnet, x) }")
        func timed(_ file: SourceFile) -> Double {
            let start = DispatchTime.now().uptimeNanoseconds
            try! interpreter.run(file)
            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
        }
        let first = timed(inverseStep)
        for _ in 0..<max(warmup - 1, 0) { _ = timed(inverseStep) }
        _ = timed(forwardStep)
        var inverseTimes: [Double] = [], forwardTimes: [Double] = []
        for _ in 0..<reps {
            inverseTimes.append(timed(inverseStep))
            forwardTimes.append(timed(forwardStep))
        }
        let (inverseMs, forwardMs) = (median(inverseTimes), median(forwardTimes))
        var result: [String: Any] = ["ms": inverseMs, "min_ms": inverseTimes.min() ?? .nan, "first_ms": first,
                                     "forward20_ms": forwardMs, "inverse_over_forward": inverseMs / forwardMs]
        guard case let .record(fields)? = interpreter.globals.lookup("back"), case let .tensor(back)? = fields.first(where: { $0.0 == "x" })?.1,
              case let .tensor(x)? = interpreter.globals.lookup("x") else { fatalError("the inverse script did not define back and x") }
        result["max_abs_recon_err"] = zip(back.scalars, x.scalars).map { abs($0 - $1) }.max() ?? .nan
        result["path"] = "script"
        return result
    }
}
