import NetRuntime

/// The registry of benchmark workloads (definitions: ../shared/bench/WORKLOADS.md).
enum Workloads {
    struct Spec {
        let reps: Int
        let warmup: Int
        /// Runs the workload with (reps, warmup) and returns the JSON fields.
        let run: (Int, Int) -> [String: Any]
    }

    static let names = ["gemm", "mlp", "iresnet_toy", "iresnet_inverse", "isotopenet", "conv_iresnet", "tiny_ops",
                        "mlp_api", "tiny_ops_api", "iresnet_toy_api", "iresnet_inverse_api", "thesis_ratios", "loop_grad",
                        "glow_mnist", "iresnet_flow_mnist", "mnist_iresnet", "mnist_iresnet_inverse"]

    static func spec(_ name: String) -> Spec {
        switch name {
        case "gemm": Spec(reps: 100, warmup: 5, run: GemmWorkload.run)
        case "mlp": Spec(reps: 300, warmup: 10, run: ScriptWorkloads.mlp)
        case "mlp_api": Spec(reps: 300, warmup: 10, run: MLPWorkload.run)
        case "iresnet_toy": Spec(reps: 50, warmup: 3, run: ScriptWorkloads.iresnetToy)
        case "iresnet_toy_api": Spec(reps: 50, warmup: 3, run: IResNetToyWorkload.run)
        case "iresnet_inverse": Spec(reps: 7, warmup: 1, run: ScriptWorkloads.iresnetInverse)
        case "iresnet_inverse_api": Spec(reps: 7, warmup: 1, run: IResNetInverseWorkload.run)
        case "isotopenet": Spec(reps: 30, warmup: 3, run: ScriptWorkloads.isotopenet)
        case "conv_iresnet": Spec(reps: 50, warmup: 3, run: ScriptWorkloads.convIResNet)
        case "thesis_ratios": Spec(reps: 15, warmup: 2, run: ThesisRatiosWorkload.run)
        case "loop_grad": Spec(reps: 4000, warmup: 0, run: LoopGradWorkload.run)
        case "tiny_ops": Spec(reps: 20, warmup: 2, run: ScriptWorkloads.tinyOps)
        case "glow_mnist": Spec(reps: 10, warmup: 2, run: FlowWorkloads.glow)
        case "iresnet_flow_mnist": Spec(reps: 10, warmup: 2, run: FlowWorkloads.iresnetFlow)
        case "mnist_iresnet": Spec(reps: 10, warmup: 2, run: ClassifierWorkloads.training)
        case "mnist_iresnet_inverse": Spec(reps: 7, warmup: 1, run: ClassifierWorkloads.inverse)
        case "tiny_ops_api": Spec(reps: 20, warmup: 2, run: TinyOpsWorkload.run)
        default: fatalError("unknown workload \(name)")
        }
    }
}

/// 1. C = A·B for 1024×1024 float32 matrices.
enum GemmWorkload {
    static func run(reps: Int, warmup: Int) -> [String: Any] {
        let n = 1024
        var rng = RandomGenerator(seed: 1)
        let g = Graph()
        let a = g.input("a", shape: [n, n]), b = g.input("b", shape: [n, n])
        let c = a.matmul(b)
        let exec = Executor<Float>(graph: g, outputs: [c])
        // The inputs are drawn straight into the executor's buffers: no other copy of the
        // matrices exists, so the peak RSS is that of A, B, C and the product's packing buffers
        // (with `--roofline`, also the peak measurement's arrays).
        rng.fillNormal(exec.inputPointer(a), count: n * n, mean: 0, std: 1)
        rng.fillNormal(exec.inputPointer(b), count: n * n, mean: 0, std: 1)
        // The roofline (`--roofline`): the plan's one product at OpenBLAS's own rate on
        // 1024³, measured before and after the timed steps.
        let rooflineBefore = RooflineReport.measuredBefore(StepCost(executors: [exec]))
        var result: [String: Any] = timeSteps(reps: reps, warmup: warmup) { exec.run() }
        result["gflops"] = 2 * Double(n * n * n) / ((result["ms"] as! Double) * 1e-3) / 1e9
        RooflineReport.addFields(rooflineBefore, to: &result)
        // max|C − C₆₄| / max|C₆₄| against a Float64 product of the same (float32) inputs, on
        // 64 rows spread over C (a row at a time, so the check adds 8 KB, not 8 MB).
        let pa = exec.inputPointer(a), pb = exec.inputPointer(b)
        let c32 = exec.value(c).scalars
        var err = 0.0, scale = 0.0
        var row = [Double](repeating: 0, count: n)
        for i in stride(from: 0, to: n, by: n / 64) {
            for j in 0..<n { row[j] = 0 }
            for k in 0..<n {
                let aik = Double(pa[i * n + k])
                for j in 0..<n { row[j] += aik * Double(pb[k * n + j]) }
            }
            for j in 0..<n { err = max(err, abs(row[j] - Double(c32[i * n + j]))); scale = max(scale, abs(row[j])) }
        }
        result["max_rel_err"] = err / scale
        result["blas_arch"] = blasCoreName()
        if let replaced = BLASKernelSelection.replacedCore { result["blas_arch_detected"] = replaced }
        return result
    }
}

/// 7. y = tanh(x·w + b), 1×16, 10,000 times per step, op by op (three planned kernels
/// per repetition, like numpy and torch eager), no gradient recording.
enum TinyOpsWorkload {
    static func run(reps: Int, warmup: Int) -> [String: Any] {
        var rng = RandomGenerator(seed: 7)
        let g = Graph()
        let x = g.input("x", shape: [1, 16]), w = g.input("w", shape: [16, 16]), b = g.input("b", shape: [16])
        let y = (x.matmul(w) + b).tanh()
        let exec = Executor<Float>(graph: g, outputs: [y])
        exec.setInput(x, Tensor<Double>.randomNormal([1, 16], rng: &rng).converted())
        exec.setInput(w, Tensor<Double>.randomNormal([16, 16], rng: &rng).converted())
        exec.setInput(b, Tensor<Double>.randomNormal([16], rng: &rng).converted())
        let repsPerStep = 10_000
        var result: [String: Any] = timeSteps(reps: reps, warmup: warmup) {
            for _ in 0..<repsPerStep { exec.run() }
        }
        result["us_per_rep"] = (result["ms"] as! Double) * 1e3 / Double(repsPerStep)
        result["reps_per_step"] = repsPerStep
        result["mode"] = "op-by-op (3 kernels per repetition)"
        return result
    }
}
