/// Descriptions of the reductions, models, evaluation, linear-algebra and data built-ins
/// (see `BuiltinDescription`; the table of docs/language.md §15a lists them).
extension BuiltinDescriptions {
    typealias Q = BuiltinDescription.Parameter

    /// sum, mean, max and logsumexp (`Builtins.reduction`).
    static let reductions: [BuiltinDescription] = [
        ("sum", "the sum"), ("mean", "the mean"), ("max", "the largest value"), ("logsumexp", "log Σ eˣ, computed stably"),
    ].map { name, what in
        .init(name: name, parameters: [Q("x", position: 0, "tensor"), Q("axis", position: 1, "integer or list of integers", default: "all axes"),
                                       Q("keepdims", "boolean", default: "false")],
              returns: "number or tensor", differentiability: .differentiable,
              summary: "\(what) of x over the given axes (all by default)", example: "print \(name)([[1, 2], [3, 4]], 1)")
    }

    static let modelsAndEvaluation: [BuiltinDescription] = [
        .init(name: "maximum", parameters: [Q("a", position: 0, "tensor"), Q("b", position: 1, "tensor")],
              returns: "tensor", differentiability: .differentiable, summary: "the larger of a and b, element-wise, with broadcasting",
              example: "print maximum([1, 5], [3, 2])"),
        .init(name: "minimum", parameters: [Q("a", position: 0, "tensor"), Q("b", position: 1, "tensor")],
              returns: "tensor", differentiability: .differentiable, summary: "the smaller of a and b, element-wise, with broadcasting",
              example: "print minimum([1, 5], [3, 2])"),
        .init(name: "predict", parameters: [Q("model", position: 0, "model"), Q("x", position: 1, "tensor or data set"),
                                            Q("precision", "string", default: "\"float32\"")],
              returns: "tensor", differentiability: .differentiable,
              summary: "the model's outputs for x (in evaluation mode); precision \"float64\" runs it in double precision",
              example: "print predict(mlp, test.x)"),
        .init(name: "accuracy", parameters: [Q("model", position: 0, "model or scores [N, classes]"), Q("data", position: 1, "data set or labels [N]")],
              returns: "number", differentiability: .numeric,
              summary: "the fraction of examples whose largest score is the label: of a model on data, or of scores and labels",
              example: "print accuracy(mlp, test)"),
        .init(name: "balanced_accuracy", parameters: [Q("model", position: 0, "model, classes [N] or scores [N, classes]"),
                                                      Q("data", position: 1, "data set or labels [N]")],
              returns: "number", differentiability: .numeric, summary: "the mean over classes of the accuracy on each class",
              example: "print balanced_accuracy(mlp, test)"),
        .init(name: "summary", parameters: [Q("model", position: 0, "model")],
              returns: "string", differentiability: .notApplicable, summary: "the model's layers, output shapes and parameter counts as a table",
              example: "print summary(mlp)"),
        .init(name: "layers", parameters: [Q("model", position: 0, "model")],
              returns: "list of records {name, kind, details, parameters, c, init}", differentiability: .notApplicable,
              summary: "every layer of the model, nested ones included, depth first, with its own parameters",
              example: "print layers(mlp)"),
        .init(name: "receptive_field", parameters: [Q("model", position: 0, "model"),
                                                    Q("layers", position: 1, "integer", default: "up to the first flatten, dense or global pooling")],
              returns: "number", differentiability: .notApplicable,
              summary: "how many input positions one output position sees after the model's first layers",
              example: "print receptive_field(cnn)"),
        .init(name: "assign", parameters: [Q("parameter", position: 0, "model parameter"), Q("value", position: 1, "tensor")],
              returns: "nothing", differentiability: .numeric, summary: "overwrites a parameter's values (model.layer.weight) with a tensor of its shape",
              example: "assign(mlp.dense1.bias, zeros([16]))"),
        .init(name: "jit", parameters: [Q("f", position: 0, "function"), Q("x", position: 1, "tensor", default: "no arguments", variadic: true)],
              returns: "function", differentiability: .numeric,
              summary: "f compiled once for arguments of the example tensors' shapes (as jax.jit); calls run the planned graph",
              example: "let fast = jit(fn(v) = sum(mlp(v)), test.x)"),
        .init(name: "world", parameters: [],
              returns: "record {rank, size}", differentiability: .notApplicable,
              summary: "this process's rank and the number of processes of a data-parallel job (mpirun -np N)",
              example: "print world().size"),
    ]

    static let linearAlgebra: [BuiltinDescription] = [
        .init(name: "svd", parameters: [Q("a", position: 0, "matrix")],
              returns: "record {u, s, vt}", differentiability: .numeric, summary: "the singular value decomposition a = u·diag(s)·vt",
              example: "print svd([[3, 0], [0, 1]]).s"),
        .init(name: "singular_values", parameters: [Q("a", position: 0, "matrix")],
              returns: "tensor", differentiability: .numeric, summary: "the singular values of a, largest first",
              example: "print singular_values([[3, 0], [0, 1]])"),
        .init(name: "spectral_norm", parameters: [Q("a", position: 0, "matrix")],
              returns: "number", differentiability: .numeric, summary: "the largest singular value of a",
              example: "print spectral_norm([[3, 0], [0, 1]])"),
        .init(name: "condition_number", parameters: [Q("a", position: 0, "matrix")],
              returns: "number", differentiability: .numeric, summary: "the largest over the smallest singular value of a",
              example: "print condition_number([[3, 0], [0, 1]])"),
    ]

    static let dataSets: [BuiltinDescription] = [
        .init(name: "dataset", parameters: [Q("x", position: 0, "tensor [N, …]"), Q("y", position: 1, "tensor [N] or [N, …]", default: "none"),
                                            Q("groups", "list of integers", default: "none"), Q("name", "string", default: "\"data\"")],
              returns: "data set", differentiability: .numeric, summary: "a data set of inputs x, optional targets y and group ids",
              example: "data points = dataset([[0, 1], [1, 0]], [0, 1])"),
        .init(name: "generate", parameters: [Q("name", position: 0, "string"), Q("n", position: 1, "integer", default: "1000"),
                                             Q("seed", "integer", default: "0"), Q("test", "number", default: "0")],
              returns: "data set", differentiability: .notApplicable,
              summary: "n examples of a named toy data set (moons, rings, 2spirals, blobs, …), split into train and test by test",
              example: "data moons = generate(\"moons\", 500, test: 0.2)"),
        .init(name: "load_csv", parameters: [Q("path", position: 0, "string"), Q("header", "boolean", default: "false"),
                                             Q("label", "integer", default: "-1 (none)"), Q("test", "number", default: "0"),
                                             Q("seed", "integer", default: "0")],
              returns: "data set", differentiability: .notApplicable,
              summary: "a data set from a CSV file of numbers; label names the column of class labels",
              example: "data d = load_csv(\"points.csv\", header: true, label: 2)"),
        .init(name: "load_digits", parameters: [Q("test", position: 0, "number", default: "0.2"), Q("seed", "integer", default: "0"),
                                                Q("shape", "list", default: "[64]"), Q("path", "string", default: "the shipped digits")],
              returns: "data set", differentiability: .notApplicable,
              summary: "the 8×8 handwritten digits (1797 images, pixels in [0, 1]) split into train and test",
              example: "data digits = load_digits(0.2, shape: [1, 8, 8])"),
        .init(name: "load_npy", parameters: [Q("path", position: 0, "string")],
              returns: "tensor", differentiability: .notApplicable, summary: "a tensor from a NumPy .npy file",
              example: "let w = load_npy(\"w.npy\")"),
        .init(name: "save_npy", parameters: [Q("x", position: 0, "tensor"), Q("path", position: 1, "string")],
              returns: "nothing", differentiability: .numeric, summary: "writes a tensor to a NumPy .npy file (in the --out folder)",
              example: "save_npy([1, 2, 3], \"x.npy\")"),
    ]
}
