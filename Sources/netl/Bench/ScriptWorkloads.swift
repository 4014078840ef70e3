import Foundation
import NetLang
import NetRuntime

/// The `mlp` and `tiny_ops` workloads written as NetLang scripts and run through the
/// interpreter: the training step is the one a `train` block compiles; tiny_ops calls a
/// `jit`-compiled function 10,000 times through the interpreter's call path.
enum ScriptWorkloads {
    static let mlpScript = """
    # WORKLOADS.md 2: 784-512-512-10 MLP, batch 128, SGD with momentum 0.9, lr 0.01.
    data batch = dataset(randn([128, 784], seed: 1), argmax(randn([128, 10], seed: 2)))
    model mlp(input: [784]) {
      dense(512) relu
      dense(512) relu
      dense(10)
    }
    train mlp on batch {
      loss cross_entropy(mlp(x), y)
      optimizer sgd(lr: 0.01, momentum: 0.9)
      batch 128  shuffle false  steps 1
    }
    """

    static let tinyOpsScript = """
    # WORKLOADS.md 7: y = tanh(x·w + b) for x 1×16, w 16×16, b 16, compiled once.
    let x = randn([1, 16], seed: 1)
    let w = randn([16, 16], seed: 2)
    let b = randn([16], seed: 3)
    let layer = jit(fn(x, w, b) = tanh(x @ w + b), x, w, b)
    """

    static func mlp(reps: Int, warmup: Int) -> [String: Any] {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        let training = try! interpreter.compileTrainingScript(SourceFile(name: "mlp_bench.net", text: mlpScript))
        var first: Double? = nil, last = 0.0
        var result: [String: Any] = timeSteps(reps: reps, warmup: warmup) {
            last = try! training.runStep()
            if first == nil { first = last }
        }
        result["loss_first"] = first ?? .nan
        result["loss_last"] = last
        result["arena_mb"] = Double(training.arenaBytes) / 1e6
        result["path"] = "script"
        return result
    }

    static func tinyOps(reps: Int, warmup: Int) -> [String: Any] {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        try! interpreter.run(SourceFile(name: "tiny_ops_bench.net", text: tinyOpsScript))
        guard case let .function(layer)? = interpreter.globals.lookup("layer"),
              let x = interpreter.globals.lookup("x"), let w = interpreter.globals.lookup("w"), let b = interpreter.globals.lookup("b") else {
            fatalError("tiny_ops script did not define layer, x, w, b")
        }
        let span = SourceSpan(file: SourceFile(name: "bench", text: ""), start: 0, end: 0)
        let args = [x, w, b].map { ArgumentValue(label: nil, value: $0, span: span) }
        let repsPerStep = 10_000
        var result: [String: Any] = timeSteps(reps: reps, warmup: warmup) {
            for _ in 0..<repsPerStep { _ = try! layer.call(args, span) }
        }
        result["us_per_rep"] = (result["ms"] as! Double) * 1e3 / Double(repsPerStep)
        result["reps_per_step"] = repsPerStep
        result["mode"] = "one jit-compiled call per repetition, through the interpreter"
        result["path"] = "script"
        return result
    }
}
