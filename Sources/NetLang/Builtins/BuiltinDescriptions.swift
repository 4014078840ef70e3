/// The described built-ins (see `BuiltinDescription`). A built-in registered in
/// `Builtins.all` without a description still runs; `BuiltinDescriptionTests` lists the
/// ones missing so they can be added.
public enum BuiltinDescriptions {
    typealias P = BuiltinDescription.Parameter

    /// Options of the density built-ins (flow_nll, log_likelihood, logdet, bits_per_dim);
    /// `FlowArguments.swift` reads them.
    static let densityOptions: [P] = [
        P("method", "string", default: "\"series\""), P("terms", "integer", default: "5 (roulette: 2)"),
        P("probes", "integer or tensor", default: "1"), P("rademacher", "boolean", default: "false"),
        P("gradient", "string", default: "\"backprop\""), P("precision", "string", default: "\"float32\" (exact: \"float64\")"),
        P("distribution", "string", default: "\"geometric\""), P("p", "number", default: "0.5"), P("lambda", "number", default: "2"),
    ]

    public static let all: [BuiltinDescription] = [
        .init(name: "flow_nll", parameters: [P("model", position: 0, "flow model"), P("x", position: 1, "tensor or data set")] + densityOptions,
              returns: "number", differentiability: .differentiable,
              summary: "mean −log p(x) in nats under a standard normal base (Lemma 5.2); the loss of a density flow",
              example: "loss flow_nll(flow, x, terms: 5)"),
        .init(name: "log_likelihood", parameters: [P("model", position: 0, "flow model"), P("x", position: 1, "tensor or data set")] + densityOptions,
              returns: "tensor [N]", differentiability: .numeric,
              summary: "log p(x) per example under a flow with a standard normal base",
              example: "print mean(log_likelihood(flow, points.x))"),
        .init(name: "logdet", parameters: [P("model", position: 0, "flow model"), P("x", position: 1, "tensor or data set")] + densityOptions,
              returns: "tensor [N]", differentiability: .numeric,
              summary: "Σ over the flow's layers of the log-determinant of the Jacobian, per example, by the chosen method",
              example: "print logdet(flow, points.x, method: \"exact\")"),
        .init(name: "grad", parameters: [P("f", position: 0, "function"), P("x", position: 1, "tensor or model")],
              returns: "tensor or record", differentiability: .differentiable,
              summary: "∂f/∂x of a function returning one number, or ∂f/∂θ for a model's parameters θ",
              example: "print grad(fn(v) = sum(v^2), [1, 2])"),
        .init(name: "vjp", parameters: [P("f", position: 0, "function"), P("x", position: 1, "tensor"), P("v", position: 2, "tensor")],
              returns: "tensor", differentiability: .differentiable,
              summary: "vᵀ·J_f(x), the vector-Jacobian product (Def. 2.28)",
              example: "print vjp(fn(v) = v * 3, [1, 2], [1, 1])"),
        .init(name: "jacobian", parameters: [P("f", position: 0, "function"), P("x", position: 1, "tensor")],
              returns: "tensor [size of f(x), size of x]", differentiability: .differentiable,
              summary: "the Jacobian matrix of f at x",
              example: "print jacobian(fn(v) = v^2, [1, 2])"),
        .init(name: "randn", parameters: [P("shape", position: 0, "shape"), P("seed", "integer", default: "--seed")],
              returns: "tensor", differentiability: .notApplicable,
              summary: "N(0, 1) samples of the given shape",
              example: "let x = randn([32, 8], seed: 1)"),
        .init(name: "rand", parameters: [P("shape", position: 0, "shape"), P("seed", "integer", default: "--seed")],
              returns: "tensor", differentiability: .notApplicable,
              summary: "U(0, 1) samples of the given shape",
              example: "let u = rand([4], seed: 2)"),
        .init(name: "dequantize", parameters: [P("x", position: 0, "tensor"), P("levels", position: 1, "number", default: "256")],
              returns: "tensor", differentiability: .differentiable,
              summary: "(x·(L − 1) + u)/L with u ~ U[0, 1): uniform dequantisation of data in L levels",
              example: "loss flow_nll(flow, dequantize(x, 4))"),
        .init(name: "solve", parameters: [P("a", position: 0, "square matrix"), P("b", position: 1, "tensor")],
              returns: "tensor", differentiability: .differentiable,
              summary: "a⁻¹·b by LU decomposition (differentiable in a and b inside grad)",
              example: "print solve([[2, 0], [0, 4]], [2, 2])"),
        .init(name: "slogdet", parameters: [P("a", position: 0, "square matrix")],
              returns: "record {sign, logabsdet}", differentiability: .differentiable,
              summary: "the sign and the log of the absolute determinant of a square matrix",
              example: "print slogdet([[2, 0], [0, 3]]).logabsdet"),
        .init(name: "clock", parameters: [],
              returns: "number", differentiability: .notApplicable,
              summary: "wall-clock seconds since 1970; differences time parts of a script",
              example: "let start = clock()"),
    ]

    /// Registered built-ins not described yet: they run as before, and the resolver checks
    /// only their names, not their arguments (BuiltinDescriptionTests keeps this list exact).
    public static let pending: [String] = [
        "abs", "accuracy", "adam", "adamax", "adamw", "admissible", "append", "argmax", "assert", "assign",
        "balanced_accuracy", "bits_per_dim", "check_lipschitz", "concat", "condition_number", "constant_lr",
        "cosine_lr", "cross_entropy", "dataset", "elu", "exp", "exponential_lr", "format", "forward_logdet",
        "generate", "generate_spectra", "generate_spheres", "greater", "group_majority", "grouped_kfold",
        "inactive_set", "inverse", "iqr", "isotope_pattern", "item", "jit", "kfold", "layer_operator",
        "layer_spectra", "layers", "lda", "lda_predict", "leaky_relu", "len", "linearize", "load_csv",
        "load_digits", "load_npy", "log", "log_softmax", "logdet_bounds", "logdet_estimator_stats",
        "logsumexp", "matmul", "max", "maximum", "mean", "median", "metameric_sample", "minimum", "mse",
        "multistep", "mww_auc", "nll", "omnidirectional", "ones", "parameter_count", "predict", "preimage",
        "quantile", "range", "receptive_field", "relu", "relu_bounds", "reshape", "sample", "save_boxplot",
        "save_chart", "save_density", "save_images", "save_npy", "save_panels", "save_regions",
        "save_scatter", "save_spectra_decay", "save_spectra_panels", "select_features", "series",
        "series_error_bound", "sgd", "shape", "shuffle", "sigmoid", "singular_values", "softmax", "softplus",
        "spectral_norm", "split", "sqrt", "square", "step_decay", "stop_gradient", "sum", "summary", "svd",
        "table", "take", "tanh", "tensor", "tof_grid", "top_k", "train_test_split", "transpose", "warmup",
        "weak_correlation_bound", "weakly_correlated_rows", "weight_decay", "world", "zeros",
    ]

    /// The description of each described built-in, by name.
    public static let byName: [String: BuiltinDescription] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
