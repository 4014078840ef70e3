import Foundation
import NetLibrary
import NetRuntime

/// Loading, generating and splitting data sets.
extension Builtins {
    static var dataFunctions: [(String, Body)] {
        [
            ("load_digits", { context, args in
                // The UCI 8×8 digits shipped in examples/data (1797 images, pixels scaled to [0, 1]).
                let test = try args.number("test", position: 0, default: 0.2)
                let seed = try args.seed(default: 0)
                let shape = try args.value("shape") != nil ? try args.shape("shape") : [64]
                let path = args.value("path") == nil ? DataLocator.shipped("digits.csv.gz", context) : context.resolve(try args.string("path"))
                let (images, labels) = try dataError(args.span) { try loadDigits(path: path) }
                guard shape.reduce(1, *) == 64 else { throw Diagnostic.error("load_digits: shape must hold 64 pixels, got \(shape)", at: args.span) }
                let x = Tensor<Double>(shape: [labels.count] + shape, scalars: images.scalars.map { Double($0) / 16 })
                let y = Tensor<Double>(shape: [labels.count], scalars: labels.map(Double.init))
                return .dataset(try withSplit(Dataset(name: "digits", x: x, y: y), test: test, seed: seed, span: args.span))
            }),
            ("load_mnist", { context, args in
                // The MNIST subset shipped in examples/data (5,000 images, 500 per class, pixels
                // scaled from 0..255 to [0, 1]); a stratified split keeps the class proportions.
                let test = try args.number("test", position: 0, default: 0.2)
                let seed = try args.seed(default: 0)
                let shape = try args.value("shape") != nil ? try args.shape("shape") : [1, 28, 28]
                let path = args.value("path") == nil ? DataLocator.shipped("mnist_5k.csv.gz", context) : context.resolve(try args.string("path"))
                guard shape.reduce(1, *) == mnistPixelCount else {
                    throw Diagnostic.error("load_mnist: shape must hold 784 pixels, got \(shape)", at: args.span)
                }
                try args.checkAllUsed()
                let (images, labels) = try dataError(args.span) { try loadMNIST(path: path) }
                let x = Tensor<Double>(shape: [labels.count] + shape, scalars: images.scalars.map { Double($0) / 255 })
                let y = Tensor<Double>(shape: [labels.count], scalars: labels.map(Double.init))
                return .dataset(try withSplit(Dataset(name: "mnist", x: x, y: y), test: test, seed: seed, stratifiedBy: labels, span: args.span))
            }),
            ("load_csv", { context, args in
                let path = try args.string("path", position: 0)
                let header = try args.boolean("header", default: false)
                let labelColumn = try args.integer("label", default: -1)
                let test = try args.number("test", default: 0)
                let seed = try args.seed(default: 0)
                let table = try dataError(args.span) {
                    try CSVTable.load(path: context.resolve(path), hasHeader: header, maximumValues: maximumValues, maximumBytes: maximumFileBytes)
                }
                guard table.rowCount > 0 else {
                    throw Diagnostic.error("load_csv: '\(path)' is empty (it has no data rows)", at: args.span)
                }
                // NaN or infinity in the data would silently turn weights into NaN in training.
                if let bad = table.values.firstIndex(where: { !$0.isFinite }) {
                    let row = bad / table.columnCount, column = bad % table.columnCount
                    throw Diagnostic.error("load_csv: \(path):\(table.lineNumbers[row]):\(column + 1): the value \(formatValue(table.values[bad])) is not a finite number", at: args.span)
                }
                let columns = table.columnCount
                let label = labelColumn < 0 ? columns + labelColumn : labelColumn
                guard label >= 0 && label < columns else { throw Diagnostic.error("load_csv: label column \(labelColumn) is outside the \(columns) columns", at: args.span) }
                var xs: [Double] = [], ys: [Double] = []
                for r in 0..<table.rowCount {
                    for c in 0..<columns { if c == label { ys.append(table[r, c]) } else { xs.append(table[r, c]) } }
                }
                let d = Dataset(name: (path as NSString).lastPathComponent, x: Tensor(shape: [table.rowCount, columns - 1], scalars: xs),
                                y: Tensor(shape: [table.rowCount], scalars: ys))
                return .dataset(try withSplit(d, test: test, seed: seed, span: args.span))
            }),
            ("load_npy", { context, args in
                let path = try args.string("path", position: 0)
                return .tensor(try dataError(args.span) { try readNPYTensor(path: context.resolve(path), as: Double.self, maximumValues: maximumValues) })
            }),
            ("save_npy", { context, args in
                let v = try args.required("x", position: 0)
                let path = try args.string("path", position: 1)
                guard let t = context.tensorValue(v.value) else { throw Diagnostic.error("save_npy needs a tensor", at: v.span) }
                try args.checkAllUsed()   // before the file is written
                // In a data-parallel job rank 0 alone writes (every rank writing the same file
                // made renames fail and left either rank's data at random).
                if context.writesFiles {
                    let full = try dataError(args.span) { try context.outputPath(path) }
                    try dataError(args.span) { try writeNPY(t, to: full) }
                    // "wrote …" like the pictures: the full path when it leaves the output folder.
                    if context.leavesOutputFolder(path) {
                        context.announceIfOutsideOutput(path, written: full)
                    } else {
                        context.output("wrote \(context.writtenName(path))")
                    }
                }
                return .none
            }),
            ("dataset", { context, args in
                let x = try args.required("x", position: 0)
                guard let xt = context.tensorValue(x.value), xt.rank >= 1 else { throw Diagnostic.error("dataset needs x with a batch axis", at: x.span) }
                var yt: Tensor<Double>? = nil
                if let y = args.value("y", position: 1) {
                    guard let t = context.tensorValue(y.value), t.shape.first == xt.shape.first else {
                        throw Diagnostic.error("dataset: y must have as many rows as x (\(xt.shape[0]))", at: y.span)
                    }
                    // A NaN or infinite target would make every loss NaN (and trapped as a class count).
                    if let bad = t.scalars.firstIndex(where: { !$0.isFinite }) {
                        throw Diagnostic.error("dataset: y holds \(formatValue(t.scalars[bad])) (value \(bad)); targets must be finite numbers", at: y.span)
                    }
                    yt = t
                }
                var groups: [Int]? = nil
                if let g = args.value("groups") {
                    guard let t = context.tensorValue(g.value), t.count == xt.shape[0] else { throw Diagnostic.error("groups: one id per example", at: g.span) }
                    groups = t.scalars.map { exactInt($0) ?? -1 }
                }
                return .dataset(Dataset(name: try args.string("name", default: "data"), x: xt, y: yt, groups: groups))
            }),
            ("train_test_split", { context, args in
                let d = try dataset(args.required("data", position: 0))
                let copy = Dataset(name: d.name, x: d.x, y: d.y, groups: d.groups)
                return .dataset(try withSplit(copy, test: try args.number("test", position: 1, default: 0.2), seed: try args.seed(default: 0), span: args.span))
            }),
            ("kfold", { _, args in
                let d = try dataset(args.required("data", position: 0))
                let k = try args.integer("k", position: 1, minimum: 2)
                let splits = try dataError(args.span) { try kFold(count: d.count, k: k, seed: try args.seed(default: 0)) }
                return .list(splits.enumerated().map { fold(d, $0.element, $0.offset) })
            }),
            ("grouped_kfold", { _, args in
                let d = try dataset(args.required("data", position: 0))
                let k = try args.integer("k", position: 1, minimum: 2)
                guard let groups = d.groups else { throw Diagnostic.error("grouped_kfold needs a data set with groups", at: args.span) }
                let splits = try dataError(args.span) { try groupedKFold(groups: groups, k: k) }
                return .list(splits.enumerated().map { fold(d, $0.element, $0.offset) })
            }),
            ("take", { _, args in
                // take(data, n): the first n examples (parts are not kept).
                let d = try dataset(args.required("data", position: 0))
                let n = try args.integer("n", position: 1, minimum: 0)
                return .dataset(d.subset(Array(0..<min(n, d.count)), name: d.name))
            }),
            ("shuffle", { _, args in
                let d = try dataset(args.required("data", position: 0))
                var rng = RandomGenerator(seed: try args.seed(default: 0))
                return .dataset(d.subset(rng.permutation(d.count), name: d.name))
            }),
            ("generate", { _, args in
                let name = try args.string("name", position: 0)
                let n = try args.integer("n", position: 1, default: 1000, minimum: 1)
                let seed = try args.seed(default: 0)
                guard let generator = DataGenerators.registry[name] else {
                    let hint = didYouMean(name, among: Array(DataGenerators.registry.keys))
                    throw Diagnostic.error("unknown generator '\(name)'\(hint); known: \(DataGenerators.registry.keys.sorted().joined(separator: ", "))", at: args.span)
                }
                // The size limit of `zeros`: n examples of the generator's width.
                var probe = RandomGenerator(seed: seed)
                let width = max(1, generator(1, &probe).x.count)
                guard n <= Self.maximumValues / width else {
                    throw Diagnostic.error("generate: \(n) examples of \(width) values hold more than 10⁸ values", at: args.span)
                }
                var rng = RandomGenerator(seed: seed)
                let (x, y) = generator(n, &rng)
                let d = Dataset(name: name, x: x, y: y)
                return .dataset(try withSplit(d, test: try args.number("test", default: 0), seed: seed, span: args.span))
            }),
        ]
    }

    /// The most values a data set or tensor built by a built-in may hold (as for `zeros`).
    static let maximumValues = 100_000_000

    /// The most bytes a data file may hold, or a compressed one inflate to (1 GiB).
    static let maximumFileBytes = 1 << 30

    static func dataset(_ a: ArgumentValue) throws -> Dataset {
        guard case let .dataset(d) = a.value else { throw Diagnostic.error("expected a data set, got \(describe(a.value))", at: a.span) }
        return d
    }

    /// A cross-validation fold as a record {train, test, index}.
    static func fold(_ d: Dataset, _ split: Split, _ i: Int) -> Value {
        .record([("train", .dataset(d.subset(split.train, name: "\(d.name).fold\(i + 1).train"))),
                 ("test", .dataset(d.subset(split.test, name: "\(d.name).fold\(i + 1).test"))),
                 ("index", .number(Double(i + 1)))])
    }

    /// Adds shuffled `train` and `test` parts when `test` > 0.
    /// Gives `d` shuffled `train` and `test` parts; with `stratifiedBy` (one label per
    /// example) every class keeps its proportion in both parts.
    static func withSplit(_ d: Dataset, test: Double, seed: UInt64, stratifiedBy labels: [Int]? = nil, span: SourceSpan) throws -> Dataset {
        guard test > 0 else { return d }
        guard test < 1 else { throw Diagnostic.error("the test fraction must be below 1, got \(formatValue(test))", at: span) }
        let split = try dataError(span) {
            if let labels { return try stratifiedTrainTestSplit(labels: labels, testFraction: test, seed: seed) }
            return try trainTestSplit(count: d.count, testFraction: test, seed: seed)
        }
        d.parts = [("train", d.subset(split.train, name: "\(d.name).train")), ("test", d.subset(split.test, name: "\(d.name).test"))]
        return d
    }

    /// Runs data code, turning its errors (which name the file, line and column) into a
    /// diagnostic at the call.
    static func dataError<R>(_ span: SourceSpan, _ body: () throws -> R) throws -> R {
        do { return try body() } catch let e as Diagnostic { throw e } catch {
            if error is Interrupted { _ = Interruption.take() }   // reported once, as "interrupted"
            throw Diagnostic.error("\(error)", at: span)
        }
    }
}

/// Where shipped data lives: examples/data next to the script or the executable's
/// package, or the current folder's examples/data.
enum DataLocator {
    static func shipped(_ file: String, _ context: BuiltinContext) -> String {
        let executableFolder = ((CommandLine.arguments.first ?? "") as NSString).deletingLastPathComponent
        let candidates = [
            (context.baseDirectory as NSString).appendingPathComponent("data/\(file)"),
            (context.baseDirectory as NSString).appendingPathComponent("../data/\(file)"),
            "examples/data/\(file)",
            executableFolder + "/../../examples/data/\(file)",
            executableFolder + "/../../../examples/data/\(file)",
        ]
        return candidates.first { FileManager.default.fileExists(atPath: $0) } ?? "examples/data/\(file)"
    }
}
