import Foundation
import NetLibrary
import NetRuntime

/// Chapter 7 (mass spectra): the synthetic spectra generator, isotope patterns, the
/// ROC/LDA baseline (Mann-Whitney-Wilcoxon statistic per bin, top-K selection, linear
/// discriminant analysis), per-core majority votes, order statistics of repeated runs and
/// receptive fields.
extension Builtins {
    static var spectraFunctions: [(String, Body)] {
        [
            ("generate_spectra", { context, args in
                let task = try args.string("task", position: 0, default: "adsq")
                guard var s = SpectraSettings.preset(task) else {
                    let hint = didYouMean(task, among: SpectraSettings.presetNames)
                    throw Diagnostic.error("generate_spectra: unknown task '\(task)'\(hint); known: \(SpectraSettings.presetNames.joined(separator: ", "))", at: args.span)
                }
                let seed = UInt64(try args.integer("seed", default: 0, minimum: 0))
                s.bins = try args.integer("bins", default: s.bins, minimum: 16)
                s.mzLow = try positive(&args, "mz_min", s.mzLow)
                s.meanBinWidth = try positive(&args, "bin_width", s.meanBinWidth)
                s.tmas = try args.integer("tmas", default: s.tmas, minimum: 1)
                s.coresPerTMA = try args.integer("cores_per_tma", default: s.coresPerTMA, minimum: 2)
                s.spectraPerCore = try args.integer("spectra_per_core", default: s.spectraPerCore, minimum: 1)
                s.peptidesPerKDa = try nonNegative(&args, "peptides_per_kda", s.peptidesPerKDa)
                s.discriminativePeptides = try args.integer("discriminative", default: s.discriminativePeptides, minimum: 0)
                s.foldChange = try positive(&args, "fold_change", s.foldChange)
                s.tumourFraction = try fraction(&args, "tumour_fraction", s.tumourFraction)
                s.resolution = try positive(&args, "resolution", s.resolution)
                s.noise = try nonNegative(&args, "noise", s.noise)
                s.shotNoise = try nonNegative(&args, "shot_noise", s.shotNoise)
                s.baseline = try nonNegative(&args, "baseline", s.baseline)
                s.misalignmentPPM = try nonNegative(&args, "misalignment_ppm", s.misalignmentPPM)
                s.coreVariation = try nonNegative(&args, "core_variation", s.coreVariation)
                s.spotVariation = try nonNegative(&args, "spot_variation", s.spotVariation)
                s.normalizeTIC = try args.boolean("normalize", default: s.normalizeTIC)
                let spectra = Double(s.tmas) * Double(s.coresPerTMA) * Double(s.spectraPerCore)
                guard spectra * Double(s.bins) <= 5e7 else {
                    throw Diagnostic.error("generate_spectra: \(formatValue(spectra)) spectra of \(s.bins) bins exceed 5·10⁷ numbers; use fewer bins or spectra", at: args.span)
                }
                guard s.peptidesPerKDa <= 1000, s.discriminativePeptides <= 1000 else {
                    throw Diagnostic.error("generate_spectra: at most 1000 peptides per kDa and 1000 discriminative peptides", at: args.span)
                }
                guard s.mzLow + s.meanBinWidth * Double(s.bins - 1) < 1e6 else {
                    throw Diagnostic.error("generate_spectra: the m/z grid would end beyond 10⁶", at: args.span)
                }
                // A bin width too small to move the end of the grid above its start (in
                // floating point) gives no grid at all.
                guard s.mzLow + s.meanBinWidth * Double(s.bins - 1) > s.mzLow * (1 + 1e-9) else {
                    throw Diagnostic.error("generate_spectra: bin_width \(formatValue(s.meanBinWidth)) is too small for a grid starting at \(formatValue(s.mzLow))", at: args.span)
                }
                let g: GeneratedSpectra
                if context.mode == .shapeOnly {
                    // Shapes and groups only: nothing is evaluated under `netl check`.
                    let n = s.spectrumCount
                    let cores = (0..<n).map { $0 / s.spectraPerCore }
                    g = GeneratedSpectra(intensities: [Double](repeating: 0, count: n * s.bins), labels: cores.map { $0 % 2 },
                                         cores: cores, tmas: cores.map { $0 / s.coresPerTMA }, grid: s.grid,
                                         peptideMasses: [], discriminativeMasses: [])
                } else {
                    g = SpectrumGenerator.generate(s, seed: seed)
                }
                let n = g.count
                // Extreme noise or variation settings overflow to NaN or infinity.
                if let bad = g.intensities.firstIndex(where: { !$0.isFinite }) {
                    throw Diagnostic.error("generate_spectra: these settings make non-finite intensities (spectrum \(bad / s.bins) holds \(formatValue(g.intensities[bad]))); use smaller noise, variation or fold change", at: args.span)
                }
                let d = Dataset(name: task, x: Tensor(shape: [n, 1, s.bins], scalars: g.intensities),
                                y: Tensor(shape: [n], scalars: g.labels.map(Double.init)), groups: g.tmas)
                d.columns = [("core", Tensor(shape: [n], scalars: g.cores.map(Double.init))),
                             ("tma", Tensor(shape: [n], scalars: g.tmas.map(Double.init)))]
                d.attributes = [("mz", Tensor(shape: [s.bins], scalars: g.grid.mz)),
                                ("peptides", Tensor(shape: [g.peptideMasses.count], scalars: g.peptideMasses)),
                                ("discriminative", Tensor(shape: [g.discriminativeMasses.count], scalars: g.discriminativeMasses))]
                return .dataset(d)
            }),
            ("isotope_pattern", { _, args in
                // isotope_pattern(mass, threshold: 0.005): the averagine pattern {offsets, abundances, carbons}.
                let mass = try args.number("mass", position: 0)
                guard mass > 0, mass <= 100_000 else { throw Diagnostic.error("isotope_pattern: the mass must be in (0, 100000] Da, got \(formatValue(mass))", at: args.span) }
                let threshold = try args.number("threshold", default: Averagine.defaultThreshold)
                guard threshold >= 0, threshold < 1 else { throw Diagnostic.error("isotope_pattern: the threshold must be in [0, 1), got \(formatValue(threshold))", at: args.span) }
                let p = IsotopePattern(mass: mass, threshold: threshold)
                return .record([("offsets", .tensor(Tensor(shape: [p.count], scalars: p.offsets))),
                                ("abundances", .tensor(Tensor(shape: [p.count], scalars: p.abundances))),
                                ("carbons", .number(Double(Averagine.carbonCount(mass: mass))))])
            }),
            ("tof_grid", { _, args in
                // tof_grid(bins, mz_min: 800, bin_width: 0.163): the bin centres of a TOF grid.
                let bins = try args.integer("bins", position: 0, minimum: 2)
                guard bins <= 1_000_000 else { throw Diagnostic.error("tof_grid: at most 10⁶ bins", at: args.span) }
                let low = try positive(&args, "mz_min", 800), width = try positive(&args, "bin_width", 0.163)
                guard low + width * Double(bins - 1) > low * (1 + 1e-9), low + width * Double(bins - 1) < 1e12 else {
                    throw Diagnostic.error("tof_grid: mz_min \(formatValue(low)) and bin_width \(formatValue(width)) give no usable grid", at: args.span)
                }
                return .tensor(Tensor(shape: [bins], scalars: TOFGrid(low: low, meanWidth: width, bins: bins).mz))
            }),
            ("mww_auc", { context, args in
                // mww_auc(data) or mww_auc(x, labels): U/(n₀n₁) of every feature (bin).
                let (x, labels, span) = try featuresAndLabels(&args, context)
                let (n, d) = (x.shape[0], x.count / max(x.shape[0], 1))
                guard Set(labels).isSubset(of: [0, 1]), Set(labels).count == 2 else {
                    throw Diagnostic.error("mww_auc needs labels 0 and 1 (both present)", at: span)
                }
                if context.mode == .shapeOnly { return .tensor(Tensor(repeating: 0.5, shape: [d])) }
                return .tensor(Tensor(shape: [d], scalars: RankStatistics.areaUnderCurve(x: x.scalars, rows: n, columns: d, labels: labels)))
            }),
            ("top_k", { context, args in
                // top_k(values, k): the indices of the k largest values, largest first.
                let v = try args.required("values", position: 0)
                guard let t = context.tensorValue(v.value), t.rank == 1 else { throw Diagnostic.error("top_k needs a vector of values", at: v.span) }
                let k = try args.integer("k", position: 1, minimum: 1)
                guard k <= t.count else { throw Diagnostic.error("top_k: k = \(k) but there are only \(t.count) values", at: args.span) }
                let top = RankStatistics.topK(t.scalars, k)
                return .tensor(Tensor(shape: [k], scalars: top.map(Double.init)))
            }),
            ("select_features", { context, args in
                // select_features(data or x, indices): the chosen features of each example, [N, k].
                let a = try args.required("data", position: 0)
                let i = try args.required("indices", position: 1)
                guard let idx = context.tensorValue(i.value), idx.rank <= 1 else { throw Diagnostic.error("select_features needs a list of feature indices", at: i.span) }
                let source: Tensor<Double>
                var dataset: Dataset? = nil
                if case let .dataset(d) = a.value { source = d.x; dataset = d } else {
                    guard let t = context.tensorValue(a.value), t.rank >= 2 else { throw Diagnostic.error("select_features needs a data set or x [N, …]", at: a.span) }
                    source = t
                }
                let n = source.shape[0], d = source.count / max(n, 1)
                let columns = try idx.scalars.map { v -> Int in
                    guard let c = exactInt(v), c >= 0, c < d else { throw Diagnostic.error("select_features: index \(formatValue(v)) is outside 0…\(d - 1)", at: i.span) }
                    return c
                }
                var out = [Double](); out.reserveCapacity(n * columns.count)
                for r in 0..<n { for c in columns { out.append(source.scalars[r * d + c]) } }
                let selected = Tensor(shape: [n, columns.count], scalars: out)
                guard let dataset else { return .tensor(selected) }
                let result = Dataset(name: dataset.name, x: selected, y: dataset.y, groups: dataset.groups)
                result.columns = dataset.columns
                result.attributes = dataset.attributes
                return .dataset(result)
            }),
            ("lda", { context, args in
                // lda(data) or lda(x, labels, shrinkage: 0.01): {weights [C, d], bias [C], means [C, d], classes}.
                let (x, labels, span) = try featuresAndLabels(&args, context)
                let shrinkage = try fraction(&args, "shrinkage", 0.01)
                let (n, d) = (x.shape[0], x.count / max(x.shape[0], 1))
                guard d <= 5000 else { throw Diagnostic.error("lda: \(d) features is too many (at most 5000); select features first", at: span) }
                guard labels.allSatisfy({ $0 >= 0 && $0 < 1000 }) else { throw Diagnostic.error("lda needs class labels 0, 1, … (below 1000)", at: span) }
                let fit: LinearDiscriminant
                if context.mode == .shapeOnly {
                    let classes = max(2, (labels.max() ?? 1) + 1)
                    return ldaRecord(weights: [[Double]](repeating: [Double](repeating: 0, count: d), count: classes),
                                     biases: [Double](repeating: 0, count: classes), means: [[Double]](repeating: [Double](repeating: 0, count: d), count: classes))
                }
                do { fit = try LinearDiscriminant(x: x.scalars, rows: n, columns: d, labels: labels, shrinkage: shrinkage) } catch {
                    throw Diagnostic.error("\(error)", at: span)
                }
                return ldaRecord(weights: fit.weights, biases: fit.biases, means: fit.means)
            }),
            ("lda_predict", { context, args in
                // lda_predict(fit, data or x): the predicted class of each example [N].
                let f = try args.required("model", position: 0)
                guard case let .record(fields) = f.value,
                      case let .tensor(w)? = fields.first(where: { $0.0 == "weights" })?.1,
                      case let .tensor(b)? = fields.first(where: { $0.0 == "bias" })?.1, w.rank == 2 else {
                    throw Diagnostic.error("lda_predict needs the result of lda(…)", at: f.span)
                }
                let a = try args.required("x", position: 1)
                let xv: Value = if case let .dataset(d) = a.value { .tensor(d.x) } else { a.value }
                guard let x = context.tensorValue(xv), x.rank >= 1 else { throw Diagnostic.error("lda_predict needs a data set or x [N, d]", at: a.span) }
                let n = x.rank == 1 ? 1 : x.shape[0], d = x.count / max(n, 1)
                guard d == w.shape[1] else { throw Diagnostic.error("lda_predict: the fit has \(w.shape[1]) features, x has \(d)", at: a.span) }
                let c = w.shape[0]
                var scores = [Double](repeating: 0, count: n * c)
                for i in 0..<n { for k in 0..<c {
                    var s = b.scalars[k]
                    for j in 0..<d { s += w.scalars[k * d + j] * x.scalars[i * d + j] }
                    scores[i * c + k] = s
                } }
                return .tensor(Tensor(shape: [n], scalars: Metrics.predictedClasses(Tensor(shape: [n, c], scalars: scores)).map(Double.init)))
            }),
            ("group_majority", { context, args in
                // group_majority(values, groups): the most frequent value in each group (groups in
                // order of first appearance; ties: the smallest value) — per-core votes.
                let v = try args.required("values", position: 0), g = try args.required("groups", position: 1)
                let values = try integers(v, context), groups = try integers(g, context)
                guard values.count == groups.count else { throw Diagnostic.error("group_majority: \(values.count) values but \(groups.count) group ids", at: args.span) }
                let result = SampleStatistics.groupMajority(values, groups: groups)
                return .tensor(Tensor(shape: [result.majority.count], scalars: result.majority.map(Double.init)))
            }),
            ("median", { context, args in
                let v = try numbers(args.required("values", position: 0), context)
                return .number(SampleStatistics.median(v))
            }),
            ("quantile", { context, args in
                let v = try numbers(args.required("values", position: 0), context)
                let q = try fraction(&args, "q", nil, position: 1)
                return .number(SampleStatistics.quantile(v, q))
            }),
            ("iqr", { context, args in
                let v = try numbers(args.required("values", position: 0), context)
                return .number(SampleStatistics.interquartileRange(v))
            }),
            ("receptive_field", { _, args in
                // receptive_field(model, layers: n): input positions seen by one output position
                // after the first n layers (default: up to the first flatten/dense/global pooling).
                let m = try args.required("model", position: 0)
                guard case let .model(model) = m.value else { throw Diagnostic.error("receptive_field needs a model, got \(describe(m.value))", at: m.span) }
                let layers = try args.optionalInteger("layers", position: 1)
                if let layers, layers < 0 || layers > model.model.root.layers.count {
                    throw Diagnostic.error("receptive_field: '\(model.name)' has \(model.model.root.layers.count) layers, got layers: \(layers)", at: args.span)
                }
                guard model.model.inputShape.count >= 2 else {
                    throw Diagnostic.error("receptive_field needs a model on [channels, positions…] inputs; '\(model.name)' takes \(model.model.inputShape)", at: m.span)
                }
                return .number(Double(ReceptiveField.of(model.model, layers: layers).size))
            }),
        ]
    }

    private static func ldaRecord(weights: [[Double]], biases: [Double], means: [[Double]]) -> Value {
        let c = weights.count, d = weights.first?.count ?? 0
        return .record([("weights", .tensor(Tensor(shape: [c, d], scalars: weights.flatMap { $0 }))),
                        ("bias", .tensor(Tensor(shape: [c], scalars: biases))),
                        ("means", .tensor(Tensor(shape: [c, d], scalars: means.flatMap { $0 }))),
                        ("classes", .number(Double(c)))])
    }

    /// x [N, …] (flattened per example) and integer labels [N], from a data set or two tensors.
    private static func featuresAndLabels(_ args: inout Arguments, _ context: BuiltinContext) throws -> (Tensor<Double>, [Int], SourceSpan) {
        let a = try args.required("data", position: 0)
        let x: Tensor<Double>, y: Tensor<Double>
        if case let .dataset(d) = a.value {
            guard let labels = d.y, d.hasLabels else { throw Diagnostic.error("\(args.function) needs a data set with class labels", at: a.span) }
            x = d.x; y = labels
        } else {
            guard let t = context.tensorValue(a.value), t.rank >= 2 else {
                throw Diagnostic.error("\(args.function) needs a data set, or x [N, features] and labels [N]; got \(describe(a.value))", at: a.span)
            }
            let l = try args.required("labels", position: 1)
            guard let lt = context.tensorValue(l.value), lt.shape == [t.shape[0]] else {
                throw Diagnostic.error("\(args.function): labels must be [\(t.shape[0])], one per row of x", at: l.span)
            }
            x = t; y = lt
        }
        guard x.shape[0] >= 2 else { throw Diagnostic.error("\(args.function) needs at least two examples", at: a.span) }
        let labels = try y.scalars.map { v -> Int in
            guard let i = exactInt(v) else { throw Diagnostic.error("\(args.function): label \(formatValue(v)) is not a whole number", at: a.span) }
            return i
        }
        return (x, labels, a.span)
    }

    private static func numbers(_ a: ArgumentValue, _ context: BuiltinContext) throws -> [Double] {
        guard let t = context.tensorValue(a.value), t.rank <= 1 else {
            throw Diagnostic.error("expected a list of numbers, got \(describe(a.value))", at: a.span)
        }
        return t.scalars
    }

    private static func integers(_ a: ArgumentValue, _ context: BuiltinContext) throws -> [Int] {
        try numbers(a, context).map { v in
            guard let i = exactInt(v) else { throw Diagnostic.error("expected whole numbers, found \(formatValue(v))", at: a.span) }
            return i
        }
    }

    static func positive(_ args: inout Arguments, _ name: String, _ fallback: Double) throws -> Double {
        let v = try args.number(name, default: fallback)
        guard v > 0, v.isFinite else { throw Diagnostic.error("\(args.function): '\(name)' must be a positive number, got \(formatValue(v))", at: args.value(name)?.span ?? args.span) }
        return v
    }

    private static func nonNegative(_ args: inout Arguments, _ name: String, _ fallback: Double) throws -> Double {
        let v = try args.number(name, default: fallback)
        guard v >= 0, v.isFinite else { throw Diagnostic.error("\(args.function): '\(name)' must be at least 0, got \(formatValue(v))", at: args.value(name)?.span ?? args.span) }
        return v
    }

    private static func fraction(_ args: inout Arguments, _ name: String, _ fallback: Double?, position: Int? = nil) throws -> Double {
        let v = try args.number(name, position: position, default: fallback)
        guard v >= 0, v <= 1 else { throw Diagnostic.error("\(args.function): '\(name)' must be in [0, 1], got \(formatValue(v))", at: args.value(name, position: position)?.span ?? args.span) }
        return v
    }
}
