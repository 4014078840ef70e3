import Foundation
import XCTest
import NetRuntime
import NetLibrary
import NetTestSupport
@testable import NetLang

/// Every built-in reachable from `grad`, `vjp` and `jacobian` either has a correct
/// derivative — checked here against central finite differences in Float64, first and
/// second order — or fails inside them with an error naming it (issue 9: `grad` through
/// `slogdet`, `spectral_norm` and `item` used to return zeros).
///
/// The table below classifies every entry of `Builtins.all`; adding a built-in without
/// classifying it here fails `testEveryBuiltinIsClassified`.
final class BuiltinDifferentiabilityTests: XCTestCase {
    enum Kind {
        /// f(x) = the expression; checked against finite differences at the point.
        case differentiable(_ expression: String, at: String = BuiltinDifferentiabilityTests.point)
        /// The derivative is known in closed form (random noise defeats finite differences).
        case analytic(_ expression: String, gradient: String)
        /// grad(fn(x) = expression, point) must fail with an error naming the built-in.
        case notDifferentiable(_ expression: String, at: String = BuiltinDifferentiabilityTests.point)
        /// Takes no tensor whose values it depends on (loaders, optimisers, shapes, lists).
        case noTensorValues(_ why: String)
        /// Draws random numbers: anew at every step inside a loss or `jit`, checked with the
        /// expression (of x, shaped like `point`) by `RandomLeafTests`.
        case random(_ expression: String)
    }

    static let point = "[[0.3, -0.7, 1.2], [0.9, 0.4, -0.5]]"
    static let positive = "[[0.3, 0.7, 1.2], [0.9, 0.4, 1.5]]"
    static let square = "[[2, 1], [1, 3]]"
    static let flowPoint = "[[0.3, -0.7], [1.2, 0.5]]"

    /// Names every script below may use.
    static let setup = """
    model m(input: [3]) { dense(2) }
    model flow(input: [2]) { residual lipschitz(c: 0.5) { dense(4) elu dense(2) } }
    model r(input: [3]) { dense(4) relu dense(2) }
    model r2(input: [2]) { dense(3) relu dense(2) }
    data d = generate("blobs", n: 8, seed: 1)
    let fitted = lda([[0, 1], [1, 0], [0, 2], [2, 0]], [0, 1, 0, 1])
    """

    static let table: [String: [Kind]] = [
        // Tensor built-ins (§15).
        "exp": [.differentiable("exp(x)")], "log": [.differentiable("log(x)", at: positive)],
        "tanh": [.differentiable("tanh(x)")], "sigmoid": [.differentiable("sigmoid(x)")],
        "relu": [.differentiable("relu(x)")], "softplus": [.differentiable("softplus(x)")],
        "sqrt": [.differentiable("sqrt(x)", at: positive)], "abs": [.differentiable("abs(x)")],
        "square": [.differentiable("square(x)")],
        "stop_gradient": [.analytic("stop_gradient(x) * 3", gradient: "zeros([2, 3])")],
        // Piecewise constant: gradient 0 (as PyTorch and JAX), also at the jumps.
        "floor": [.analytic("floor(x * 3) + x", gradient: "ones([2, 3])")],
        "round": [.analytic("round(x * 3) + x", gradient: "ones([2, 3])")],
        "int": [.analytic("int(x * 3) + x", gradient: "ones([2, 3])")],
        "elu": [.differentiable("elu(x, alpha: 2)")], "leaky_relu": [.differentiable("leaky_relu(x, 0.1)")],
        "sum": [.differentiable("sum(x, 1)")], "mean": [.differentiable("mean(x, axis: 0)")],
        "max": [.differentiable("max(x, 1)")], "logsumexp": [.differentiable("logsumexp(x, 1)")],
        "maximum": [.differentiable("maximum(x, [0.5, 0, 0])")], "minimum": [.differentiable("minimum(0.5, x)")],
        "softmax": [.differentiable("softmax(x)")], "log_softmax": [.differentiable("log_softmax(x, 0)")],
        "transpose": [.differentiable("transpose(x)")], "reshape": [.differentiable("reshape(x, [3, -1])")],
        "matmul": [.differentiable("matmul(x, [[1, 2], [0, 1], [3, -1]])")],
        "concat": [.differentiable("concat([x, x * 2], axis: 1)")],
        "split": [.differentiable("split(x, [1, 2], axis: 1)[1]")],
        "tensor": [.differentiable("tensor([x[0], x[1] * 2])")],
        "item": [.differentiable("item(x[1, 2]) * x")],
        "append": [.differentiable("concat(append([x], x * 3))")],
        "argmax": [.notDifferentiable("argmax(x)")], "format": [.notDifferentiable("format(x[0, 0])")],
        "zeros": [.noTensorValues("a tensor of a shape")], "ones": [.noTensorValues("a tensor of a shape")],
        "randn": [.random("randn(shape(x))"), .random("randn(shape(x), seed: 5)")],
        "rand": [.random("rand(shape(x))"), .random("rand([2, 3], seed: 5)")],
        "bernoulli": [.random("bernoulli(shape(x), 0.3)"), .random("bernoulli(shape(x), p: 0.7, seed: 2)")],
        "shape": [.noTensorValues("the shape only")], "len": [.noTensorValues("a length only")],
        "range": [.noTensorValues("a list of whole numbers")],
        // Losses, optimisers and schedules (§9–11).
        "cross_entropy": [.differentiable("cross_entropy(x, [0, 2])")],
        "mse": [.differentiable("mse(x, [[1, 0, 0], [0, 1, 0]])")], "nll": [.differentiable("nll(x)")],
        "weight_decay": [.differentiable("weight_decay(m, 0.1) * x")],
        "sgd": [.noTensorValues("optimiser")], "adam": [.noTensorValues("optimiser")],
        "adamw": [.noTensorValues("optimiser")], "adamax": [.noTensorValues("optimiser")],
        "constant_lr": [.noTensorValues("schedule")], "multistep": [.noTensorValues("schedule")],
        "step_decay": [.noTensorValues("schedule")], "exponential_lr": [.noTensorValues("schedule")],
        "cosine_lr": [.noTensorValues("schedule")], "warmup": [.noTensorValues("schedule")],
        // Data (§7).
        "load_digits": [.noTensorValues("reads a file")], "load_mnist": [.noTensorValues("reads a file")], "load_csv": [.noTensorValues("reads a file")],
        "load_npy": [.noTensorValues("reads a file")], "generate": [.noTensorValues("a data set from a generator")],
        "train_test_split": [.noTensorValues("splits a data set")], "kfold": [.noTensorValues("splits a data set")],
        "grouped_kfold": [.noTensorValues("splits a data set")], "take": [.noTensorValues("a data set")],
        "shuffle": [.noTensorValues("a data set")],
        "save_npy": [.notDifferentiable("save_npy(x, \"never_written.npy\")")],
        "dataset": [.notDifferentiable("dataset(x, [0, 1])")],
        // Evaluation (§12–13).
        "accuracy": [.notDifferentiable("accuracy(x, [0, 1])")],
        "balanced_accuracy": [.notDifferentiable("balanced_accuracy(x, [0, 1])")],
        "predict": [.differentiable("predict(m, x)")],
        "parameter_count": [.noTensorValues("a model")], "summary": [.noTensorValues("a model")],
        "assign": [.notDifferentiable("assign(m.dense1.weight, x)")],
        "freeze": [.noTensorValues("a model; sets whether train blocks update it")],
        "unfreeze": [.noTensorValues("a model; sets whether train blocks update it")],
        "table": [.notDifferentiable("table([\"a\", \"b\", \"c\"], x)")],
        // Autodiff and linear algebra (§14).
        // Inside a loss or another grad they build graph nodes (double backprop, issue 24).
        "grad": [.differentiable("grad(fn(y) = sum(y^3 + tanh(y) * y), x)")],
        "vjp": [.differentiable("vjp(fn(y) = tanh(y) * y, x, x)")],
        "jacobian": [.differentiable("jacobian(fn(y) = y^2 * sum(y), x)")],
        "jit": [.notDifferentiable("jit(fn(y) = y, x)")],
        "singular_values": [.notDifferentiable("singular_values(x)")], "svd": [.notDifferentiable("svd(x)")],
        "spectral_norm": [.notDifferentiable("spectral_norm(x)")],
        "condition_number": [.notDifferentiable("condition_number(x)")],
        "slogdet": [.differentiable("slogdet(x).logabsdet", at: square), .differentiable("slogdet(x).sign * x", at: square)],
        "solve": [.differentiable("solve(x, [1, 2])", at: square), .differentiable("solve(x, x * x)", at: square),
                  .differentiable("solve([[2, 1], [1, 3]], x)", at: square)],
        "inverse": [.differentiable("inverse(x)", at: square), .notDifferentiable("inverse(flow, x).x", at: flowPoint)],
        // Flows (§18a).
        "flow_nll": [.differentiable("flow_nll(flow, x, method: \"exact\")", at: flowPoint)],
        "log_likelihood": [.notDifferentiable("log_likelihood(flow, x)", at: flowPoint)],
        "bits_per_dim": [.notDifferentiable("bits_per_dim(flow, x)", at: flowPoint)],
        "dequantize": [.analytic("dequantize(x, levels: 4)", gradient: "ones([2, 3]) * 0.75"), .random("dequantize(x, levels: 4)"),
                       .random("dequantize(\(point), 4)")],
        "preprocess": [.differentiable("preprocess(x, \"logit\", alpha: 0.1)", at: "[[0.3, 0.7, 0.2], [0.9, 0.4, 0.05]]"),
                       .differentiable("preprocess(x, \"affine\", scale: 2)")],
        "flow_capabilities": [.noTensorValues("a model")],
        "sample": [.noTensorValues("random draws from a model, made once: an error inside a loss or jit (RandomLeafTests)")], "check_lipschitz": [.noTensorValues("a model")],
        "logdet_bounds": [.noTensorValues("a model")], "layer_norms": [.noTensorValues("a model")],
        "dynamics": [.notDifferentiable("dynamics(flow, x)", at: flowPoint)],
        "save_dynamics": [.notDifferentiable("save_dynamics(\"never_written.png\", [flow], x)", at: flowPoint)],
        "series_error_bound": [.noTensorValues("numbers")],
        "logdet_estimator_stats": [.notDifferentiable("logdet_estimator_stats(flow, x, [1])", at: flowPoint)],
        // Pictures (§18b).
        "save_density": [.noTensorValues("a model")], "series": [.noTensorValues("a record of its arguments")],
        "save_scatter": [.notDifferentiable("save_scatter(x, \"never_written.png\")", at: flowPoint)],
        "save_images": [.notDifferentiable("save_images(x, \"never_written.png\", [1, 3])")],
        "save_chart": [.notDifferentiable("save_chart(\"never_written.png\", [series(\"s\", x[0], x[1])])")],
        "save_boxplot": [.notDifferentiable("save_boxplot(\"never_written.png\", [\"a\"], [x[0]])")],
        // Mass spectra and statistics (§18c).
        "generate_spectra": [.noTensorValues("a data set from a generator")],
        "isotope_pattern": [.noTensorValues("numbers")], "tof_grid": [.noTensorValues("numbers")],
        "receptive_field": [.noTensorValues("a model")],
        "mww_auc": [.notDifferentiable("mww_auc(x, [0, 1])")], "top_k": [.notDifferentiable("top_k(x[0], 1)")],
        "select_features": [.notDifferentiable("select_features(x, [0])")],
        "lda": [.notDifferentiable("lda(x, [0, 1])")], "lda_predict": [.notDifferentiable("lda_predict(fitted, x[0:2, 0:2])")],
        "group_majority": [.notDifferentiable("group_majority(x[0], [0, 0, 1])")],
        "median": [.notDifferentiable("median(x[0])")], "quantile": [.notDifferentiable("quantile(x[0], 0.5)")],
        "iqr": [.notDifferentiable("iqr(x[0])")],
        // ReLU analysis (chapter 3).
        "linearize": [.notDifferentiable("linearize(r, x[0])")],
        "layer_spectra": [.notDifferentiable("layer_spectra(r, x)")],
        "save_spectra_decay": [.noTensorValues("draws a layer_spectra result")],
        "save_spectra_panels": [.noTensorValues("draws layer_spectra results")],
        "layer_operator": [.noTensorValues("a model's layer as a matrix")],
        "preimage": [.notDifferentiable("preimage(x, [0, 0], x: [1, 1, 1]).nullity")],
        "omnidirectional": [.notDifferentiable("omnidirectional(x).rank")],
        "inactive_set": [.notDifferentiable("inactive_set(x, [1, 1, 1])")],
        "admissible": [.notDifferentiable("admissible(x, [0])")],
        "relu_bounds": [.notDifferentiable("relu_bounds(x, [0]).rank")],
        "weak_correlation_bound": [.notDifferentiable("weak_correlation_bound(x, [0], 0).c")],
        "weakly_correlated_rows": [.noTensorValues("a fixed matrix of a shape (the construction's seed: 0 by default, never --seed)")],
        "save_regions": [.notDifferentiable("save_regions(r2, \"never_written.png\", reshape(x, [3, 2])[0]).regions")],
        "save_row_removal": [.notDifferentiable("save_row_removal(reshape(x, [3, 2]), \"never_written.png\", [1, 1])[0].condition")],
        // Flows: the per-example log-det evaluates data.
        "logdet": [.notDifferentiable("logdet(flow, x)", at: flowPoint)],
        // Scripts.
        "assert": [.noTensorValues("checks a boolean")],
        "world": [.noTensorValues("the rank and size of a data-parallel job")],
        // Invariance (chapter 6).
        "generate_spheres": [.noTensorValues("a data set from a generator")],
        "greater": [.notDifferentiable("greater(x, 0)")],
        "forward_logdet": [.differentiable("forward_logdet(flow, x, method: \"exact\").logdet", at: flowPoint)],
        "metameric_sample": [.noTensorValues("inverts a flow at given codes")],
        "save_panels": [.noTensorValues("draws charts")],
        "clock": [.noTensorValues("the wall-clock time")],
        "layers": [.noTensorValues("a model's layers: names, kinds, constraints and the stored parameters")],
    ]

    func testEveryBuiltinIsClassified() {
        let names = Set(Builtins.all.map(\.0))
        let unclassified = names.subtracting(Self.table.keys).sorted()
        XCTAssertEqual(unclassified, [], "classify these built-ins in BuiltinDifferentiabilityTests.table (differentiable, with a finite-difference check, or an error inside grad)")
        XCTAssertEqual(Set(Self.table.keys).subtracting(names).sorted(), [], "the table names built-ins that do not exist")
    }

    func testDifferentiableBuiltinsMatchFiniteDifferences() throws {
        var checked = 0
        defer { XCTAssertEqual(checked, Self.table.values.joined().filter { if case .differentiable = $0 { true } else { false } }.count) }
        for (name, kinds) in Self.table.sorted(by: { $0.key < $1.key }) {
            for case let .differentiable(expression, point) in kinds {
                let interpreter = try Self.interpreter()
                let (y, input, x) = try Self.symbolic(expression, at: point, in: interpreter)
                XCTAssertGreaterThan(y.count, 0, name)
                checked += 1
                let before = testRun?.totalFailureCount ?? 0
                GradientCheck(shapes: [x.shape], tolerance: 1e-5).check(y, of: [input], at: [x])
                if (testRun?.totalFailureCount ?? 0) > before {
                    XCTFail("\(name): \(expression) at \(point) does not match finite differences (above)")
                }
            }
        }
    }

    func testAnalyticDerivatives() throws {
        var checked = 0
        defer { XCTAssertEqual(checked, 5) }
        for (name, kinds) in Self.table.sorted(by: { $0.key < $1.key }) {
            for case let .analytic(expression, gradient) in kinds {
                let out = try runScript(Self.setup + "\nprint sum(abs(grad(fn(x) = sum(\(expression)), \(Self.point)) - \(gradient)))")
                XCTAssertEqual(out, "0", "\(name): the gradient of \(expression) differs from \(gradient) by \(out)")
                checked += 1
            }
        }
    }

    func testNonDifferentiableBuiltinsFailInsideGradNamingThemselves() throws {
        var checked = 0
        defer { XCTAssertEqual(checked, 3 * Self.table.values.joined().filter { if case .notDifferentiable = $0 { true } else { false } }.count) }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netl-builtin-grad-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        for (name, kinds) in Self.table.sorted(by: { $0.key < $1.key }) {
            for case let .notDifferentiable(expression, point) in kinds {
                let calls = ["grad(fn(x) = sum(\(expression)), \(point))", "vjp(fn(x) = \(expression), \(point), 1)",
                             "jacobian(fn(x) = sum(\(expression)), \(point))"]
                for call in calls {
                    let message: String
                    do {
                        _ = try runScript(Self.setup + "\nlet r = \(call)", baseDirectory: folder.path)
                        XCTFail("\(name): \(call) gave a result instead of an error")
                        continue
                    } catch let d as Diagnostic {
                        message = d.message
                    }
                    XCTAssertTrue(message.contains(name), "\(name): \(call) failed with an error that does not name it: \(message)")
                    checked += 1
                }
            }
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [], "\(name) wrote a file inside grad")
        }
    }

    /// Built-ins that compute numbers from a model's current parameters are constants for
    /// differentiation: inside grad with respect to the parameters they fail, naming
    /// themselves; those that build the model into the graph are differentiated.
    func testBuiltinsReadingParametersInsideParameterGradients() throws {
        let failing: [(String, String)] = [
            ("accuracy", "accuracy(net, d)"), ("balanced_accuracy", "balanced_accuracy(net, d)"),
            ("cross_entropy", "cross_entropy(net, d)"), ("log_likelihood", "sum(log_likelihood(net, [[0.1, 0.2]]))"),
            ("bits_per_dim", "bits_per_dim(net, [[0.1, 0.2]])"), ("inverse", "sum(inverse(net, [[0.1, 0.2]]).x)"),
            ("sample", "sum(sample(net, 2))"), ("logdet_bounds", "logdet_bounds(net).upper"),
            ("logdet_estimator_stats", "logdet_estimator_stats(net, [[0.1, 0.2]], [1]).bias[0]"),
        ]
        for (name, expression) in failing {
            let model = ["accuracy", "balanced_accuracy", "cross_entropy"].contains(name) ? "mlp2" : "flow"
            let script = Self.setup + "\nmodel mlp2(input: [2]) { dense(3) }\nlet g = grad(fn(net) = \(expression), \(model))"
            do {
                _ = try runScript(script)
                XCTFail("\(name): grad with respect to the parameters gave a result")
            } catch let d as Diagnostic {
                XCTAssertTrue(d.message.contains("'\(name)' cannot be differentiated"), "\(name): \(d.message)")
            }
        }
        let out = try runScript(Self.setup + """

        let g = grad(fn(net) = flow_nll(net, [[0.1, 0.2], [0.5, -1]], method: "exact") + sum(predict(net, [[1, 2]])), flow)
        print parameter_count(flow) > 0, sum(abs(g.flow.residual1.dense1.weight)) > 0
        # grad with respect to the parameters inside another: nodes, differentiated again
        # (checked against finite differences in ParameterGradientsInsideLossesTests).
        let h = grad(fn(net) = grad(fn(n) = flow_nll(n, [[0.1, 0.2]], method: "exact"), net).flow.residual1.dense1.bias[0], flow)
        print sum(abs(h.flow.residual1.dense1.weight)) > 0
        """)
        XCTAssertEqual(out, "true true\ntrue")
    }

    // MARK: Helpers

    static func interpreter() throws -> Interpreter {
        let interpreter = Interpreter(seed: 0, baseDirectory: FileManager.default.temporaryDirectory.path)
        interpreter.output = { _ in }
        interpreter.progress.enabled = false
        try interpreter.run(SourceFile(name: "setup.net", text: setup))
        return interpreter
    }

    /// The expression as a graph of x, built by the interpreter as inside grad, with the
    /// point's value.
    static func symbolic(_ expression: String, at point: String, in interpreter: Interpreter) throws -> (Node, Node, Tensor<Double>) {
        try interpreter.run(SourceFile(name: "f.net", text: "fn f(x) = \(expression)\nlet p = \(point)"))
        guard case let .function(f)? = interpreter.globals.lookup("f"), let p = interpreter.globals.lookup("p"),
              let x = interpreter.tensorValue(p) else { throw XCTSkip("setup failed") }
        let file = SourceFile(name: "call.net", text: "f(x)")
        let span = SourceSpan(file: file, start: 0, end: 4)
        var captured: (Node, Node)?
        _ = try BuiltinContext(name: "grad", span: span, interpreter: interpreter).differentiate(f, at: x, span: span) { _, input, y in
            captured = (y, input)
            return y
        }
        return (captured!.0, captured!.1, x)
    }
}
