import Foundation
import NetRuntime

/// The inverse of an invertible network by fixed-point iteration (thesis Alg. 1).
///
/// Layers are inverted in reverse order through `InvertibleLayer.invert`: a residual block
/// y = x + g(x) with Lip(g) = L < 1 by the iteration x ← y − g(x) from x₀ = y, which
/// converges by Banach's theorem; coupling layers, 1×1 convolutions, actnorm, squeeze,
/// factor-out and channel padding in closed form (the first two reported as exact blocks). Each block reports its residuals ‖x_{k+1} − x_k‖₂ (per example, the largest
/// over the batch) and the a-priori error bound of Lemma 4.5,
/// ‖x − x_k‖₂ ≤ Lᵏ/(1 − L)·‖x₁ − x₀‖₂, with L the **measured** Lip(g) (the product of
/// the body's measured layer constants, `LipschitzReport.measured`). A block whose
/// iteration does not converge (an unconstrained ResNet) is reported as such, never
/// returned silently; a layer that is not an `InvertibleLayer` is an error.
///
/// Generic over the scalar: `T = Float` inverts with the model's own weights; `T = Double`
/// (weights copied with `VariableStore<Double>(converting:)`) meets tolerances below
/// Float32's rounding floor of the residual.
public struct FixedPointInverse<T: NetScalar> {
    /// When to stop iterating a block, and when its result counts as converged.
    public struct Stopping: Sendable {
        /// The number of iterations when `stopsEarly` is false, else the cap.
        public var maxIterations: Int
        /// A block has converged when its last residual ‖x_k − x_{k−1}‖₂ is at most this.
        public var tolerance: Double
        /// Stop as soon as the residual is within `tolerance` (false: always `maxIterations`).
        public var stopsEarly: Bool
        public init(maxIterations: Int = 100, tolerance: Double = 1e-6, stopsEarly: Bool = true) {
            self.maxIterations = maxIterations
            self.tolerance = tolerance
            self.stopsEarly = stopsEarly
        }
    }

    /// What happened in one residual block.
    public struct BlockReport: Sendable {
        /// The layer's position in the model (from 1) and its path ("residual3").
        public var index: Int
        public var name: String
        /// max over the batch of ‖x_{k+1} − x_k‖₂, for k = 0, 1, …
        public var residuals: [Double]
        /// The last residual is within the tolerance (whether or not the iteration stopped early).
        public var converged: Bool
        /// Π of the constraints' c and activation slopes (nil: some layer unbounded).
        public var nominalLipschitz: Double?
        /// The measured bound on Lip(g) used for the error bounds.
        public var lipschitzBound: Double?
        /// Lemma 4.5's a-priori bound on ‖x − x_k‖₂ after the last iteration k (nil when L ≥ 1).
        public var errorBound: Double?
        /// The a-posteriori bound L/(1 − L)·‖x_k − x_{k−1}‖₂ from the same contraction
        /// argument; usually much tighter.
        public var aPosterioriBound: Double?
        /// Inverted in closed form (a coupling layer, a 1×1 convolution): exact, no
        /// iterations, no residuals.
        public var analytic: Bool
        /// Whether the residuals grew instead of shrinking (not a contraction), as opposed
        /// to stalling at the precision's rounding floor or running out of iterations.
        public var diverged: Bool {
            guard let last = residuals.last, let first = residuals.first else { return false }
            return !last.isFinite || last > first
        }
        public init(index: Int, name: String, residuals: [Double], converged: Bool, nominalLipschitz: Double? = nil,
                    lipschitzBound: Double?, errorBound: Double? = nil, aPosterioriBound: Double? = nil, analytic: Bool = false) {
            self.index = index; self.name = name; self.residuals = residuals; self.converged = converged
            self.nominalLipschitz = nominalLipschitz; self.lipschitzBound = lipschitzBound
            self.errorBound = errorBound; self.aPosterioriBound = aPosterioriBound; self.analytic = analytic
        }
    }

    public struct Result {
        public var x: Tensor<T>
        public var blocks: [BlockReport]
        public var converged: Bool { blocks.allSatisfy(\.converged) }
    }

    public enum InverseError: Error, CustomStringConvertible {
        case notInvertible(String)
        public var description: String {
            switch self { case let .notInvertible(m): m }
        }
    }

    public let model: Model
    public let variables: VariableStore<T>
    private var plans: [String: (executor: Executor<T>, input: Node)] = [:]
    // State of one `invert` call, used by the layers' `invert`.
    private var stopping = Stopping()
    private var factoredParts: [Tensor<T>] = []
    private var reports: [BlockReport] = []
    private var current: (index: Int, name: String) = (0, "")
    private var measuredStore: VariableStore<Double>?
    /// Each block's measured Lipschitz report with the values of the block's variables it
    /// was measured on: repeated inverses of unchanged weights skip the SVDs.
    private var measured: [Int: (values: [[T]], report: LipschitzReport?)] = [:]

    public init(model: Model, variables: VariableStore<T>) {
        self.model = model
        self.variables = variables
    }

    /// x with model(x) = y, for y [N] + outputShape.
    public mutating func invert(_ y: Tensor<T>, stopping: Stopping = Stopping()) throws -> Result {
        precondition(Array(y.shape.dropFirst()) == model.outputShape, "inverse expects [N] + \(model.outputShape), got \(y.shape)")
        let root = model.root
        self.stopping = stopping
        reports = []
        measuredStore = nil
        defer { measuredStore = nil }
        var x = y
        // A multi-scale flow: z = [factored parts…, last output]; peel the last output off
        // and hand each part back to its factor_out layer on the way down.
        factoredParts = []
        if model.hasFactorOut {
            var sizes = zip(root.layers, root.inputShapes).compactMap { layer, shape in (layer as? FactorOut)?.factoredShape(for: shape) }
            sizes.append(try root.outputShape(for: model.inputShape))
            factoredParts = Self.split(y, into: sizes)
            x = factoredParts.removeLast()
        }
        // Composed models are opened, so their layers are inverted one by one too.
        let chain = root.openedLayers
        for index in chain.indices.reversed() {
            let layer = chain[index].layer
            guard let invertible = layer as? InvertibleLayer else {
                throw InverseError.notInvertible("layer \(index + 1) (\(chain[index].path), \(layer.kind)) is not invertible; invertible networks use residual blocks with Lipschitz constraints, coupling layers, invertible_conv1x1, actnorm, squeeze, factor_out and pad_channels")
            }
            current = (index + 1, chain[index].path)
            x = try invertible.invert(x, inputShape: chain[index].inputShape, &self)
            let capabilities = invertible.capabilities
            if capabilities.reportedAsBlock && capabilities.inverse == .analytic {
                reports.append(BlockReport(index: index + 1, name: chain[index].path, residuals: [], converged: true,
                                           lipschitzBound: nil, analytic: true))
            }
        }
        return Result(x: x, blocks: reports.reversed())
    }

    /// Splits z [N, Σ sizes] into parts [N] + shape.
    static func split(_ z: Tensor<T>, into shapes: [[Int]]) -> [Tensor<T>] {
        let n = z.shape[0], width = z.count / max(n, 1)
        var offset = 0
        return shapes.map { shape in
            let size = shape.reduce(1, *)
            var part = [T](); part.reserveCapacity(n * size)
            for i in 0..<n { part += z.scalars[(i * width + offset)..<(i * width + offset + size)] }
            offset += size
            return Tensor(shape: [n] + shape, scalars: part)
        }
    }

    /// The next factored-out part for a `FactorOut` layer (last in, first out).
    mutating func takeFactoredPart() -> Tensor<T> { factoredParts.removeLast() }

    /// x ← y − g(x), x₀ = y, for the residual block being inverted.
    mutating func fixedPoint(_ block: Residual, _ y: Tensor<T>, inputShape: [Int]) throws -> Tensor<T> {
        guard block.projection == nil else {
            throw InverseError.notInvertible("layer \(current.index) is a residual block with a projection shortcut, which is not invertible")
        }
        let batch = y.shape[0]
        let lipschitz = measuredLipschitz(block)
        var report = BlockReport(index: current.index, name: current.name, residuals: [], converged: false,
                                 nominalLipschitz: lipschitz?.nominal, lipschitzBound: lipschitz?.measured)
        let key = "block\(current.index)x\(batch)"
        if plans[key] == nil {
            let input = model.graph.input("inverse_x", shape: [batch] + inputShape)
            let g = block.body.apply(input, ApplyContext(training: false))
            plans[key] = (Executor<T>(graph: model.graph, outputs: [g], variables: variables), input)
        }
        let (exec, input) = plans[key]!
        let xp = exec.inputPointer(input), gp = exec.pointer(exec.outputs[0])
        let count = y.count, width = count / max(batch, 1)
        y.scalars.withUnsafeBufferPointer { xp.update(from: $0.baseAddress!, count: count) }
        var first = 0.0
        for k in 0..<stopping.maxIterations {
            // Ctrl-C in the REPL: stop between iterations (the caller reports it).
            if Interruption.isRequested { break }
            exec.run()
            let change = y.scalars.withUnsafeBufferPointer {
                fixedPointUpdate(y: $0.baseAddress!, g: gp, x: xp, batch: batch, width: width)
            }
            report.residuals.append(change)
            if k == 0 { first = change }
            if !change.isFinite { break }
            if stopping.stopsEarly && change <= stopping.tolerance { break }
            // Diverging: residuals growing for several iterations.
            if k >= 5 && change > 10 * Swift.max(first, 1e-30) { break }
        }
        // Converged means the last step moved by at most the tolerance, for a fixed count too.
        if let last = report.residuals.last { report.converged = last.isFinite && last <= stopping.tolerance }
        if let L = report.lipschitzBound, L < 1 {
            // Lemma 4.5: ‖x − x_k‖ ≤ Lᵏ/(1 − L)·‖x₁ − x₀‖ (x₁ − x₀ is the first residual).
            report.errorBound = Foundation.pow(L, Double(report.residuals.count)) / (1 - L) * first
            report.aPosterioriBound = L / (1 - L) * (report.residuals.last ?? first)
        }
        reports.append(report)
        return Tensor(shape: y.shape, scalars: Array(UnsafeBufferPointer(start: xp, count: count)))
    }

    /// The block's measured constants, re-measured only when its variables changed.
    private mutating func measuredLipschitz(_ block: Residual) -> LipschitzReport? {
        // The block's own variables (a block of a model used twice is one set of weights
        // under two paths, so they are collected from its layers, not by name).
        func variablesOf(_ layer: Layer) -> [Node] {
            layer.parameters + ((layer as? SpectrallyNormalized)?.vectorVariable.map { [$0] } ?? []) + layer.children.flatMap(variablesOf)
        }
        let values = variablesOf(block).map { Array(variables.buffer($0).prefix($0.count)) }
        if let cached = measured[current.index], cached.values == values { return cached.report }
        if measuredStore == nil { measuredStore = VariableStore<Double>(converting: variables) }
        let report = block.lipschitzReport(name: current.name, variables: measuredStore!)
        measured[current.index] = (values, report)
        return report
    }

    /// f(x) for a parameter-free layout map, planned once per key and batch size.
    mutating func evaluate(key: String, _ x: Tensor<T>, _ f: (Node) -> Node) throws -> Tensor<T> {
        let k = key + "|\(x.shape)"
        if plans[k] == nil {
            let input = model.graph.input("inverse_" + key, shape: x.shape)
            plans[k] = (Executor<T>(graph: model.graph, outputs: [f(input)], variables: variables), input)
        }
        let (exec, input) = plans[k]!
        exec.setInput(input, x)
        exec.run()
        return exec.value(exec.outputs[0])
    }

    /// (y − b)/s per channel (axis 1), for ActNorm.
    static func channelwise(_ y: Tensor<T>, _ s: Tensor<T>, _ b: Tensor<T>, _ f: (T, T, T) -> T) -> Tensor<T> {
        let n = y.shape[0], c = s.count
        let inner = y.count / max(n * c, 1)
        var out = y
        for i in 0..<n { for ch in 0..<c { for j in 0..<inner {
            let idx = (i * c + ch) * inner + j
            out.scalars[idx] = f(y.scalars[idx], s.scalars[ch], b.scalars[ch])
        } } }
        return out
    }
}

/// Lemma 4.6: for F = I + g with Lip(g) ≤ L < 1, Lip(F) ≤ 1 + L and Lip(F⁻¹) ≤ 1/(1 − L).
public func biLipschitzBounds(lipschitz L: Double) -> (forward: Double, inverse: Double) {
    (1 + L, L < 1 ? 1 / (1 - L) : .infinity)
}

/// One step of Alg. 1 on a batch, x ← y − g(x), returning the largest per-example step
/// ‖x_new − x_old‖₂. A free function so it is specialised for Float and Double: as a
/// method of the generic `FixedPointInverse` its `Double(…)` conversions ran as unspecialised
/// generic calls, about 8 % of `iresnet_inverse` (perf).
@_specialize(where T == Float) @_specialize(where T == Double)
func fixedPointUpdate<T: NetScalar>(y: UnsafePointer<T>, g: UnsafePointer<T>, x: UnsafeMutablePointer<T>,
                                    batch: Int, width: Int) -> Double {
    var change = 0.0
    for n in 0..<batch {
        var sq = 0.0
        for i in (n * width)..<((n + 1) * width) {
            let next = y[i] - g[i]
            let d = Double(next - x[i])
            sq += d * d
            x[i] = next
        }
        // NaN-propagating: with Swift.max a block whose iterates became NaN (an input beyond
        // Float32's range) was reported converged with residual 0.
        let norm = sq.squareRoot()
        if norm.replacesMaximum(change) { change = norm }
    }
    return change
}
