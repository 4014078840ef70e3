import NetRuntime

/// The inverse of an invertible network by fixed-point iteration (thesis Alg. 1).
///
/// Layers are inverted in reverse order: a residual block y = x + g(x) with Lip(g) = L < 1
/// by the iteration x ← y − g(x) from x₀ = y, which converges by Banach's theorem; ActNorm,
/// squeeze and channel padding exactly. Each block reports its residuals ‖x_{k+1} − x_k‖₂
/// (per example, the largest over the batch), and the a-priori error bound of Lemma 4.5,
/// ‖x − x_k‖₂ ≤ Lᵏ/(1 − L)·‖x₁ − x₀‖₂, from an upper bound L on Lip(g).
/// A block whose iteration does not converge (an unconstrained ResNet) is reported as such,
/// never returned silently.
public struct FixedPointInverse<T: NetScalar> {
    /// When to stop iterating a block.
    public struct Stopping: Sendable {
        /// Fixed number of iterations (when `tolerance` is nil), or the cap.
        public var maxIterations: Int
        /// Stop when the residual falls below this (nil: always `maxIterations`).
        public var tolerance: Double?
        public init(maxIterations: Int = 100, tolerance: Double? = 1e-6) {
            self.maxIterations = maxIterations
            self.tolerance = tolerance
        }
    }

    /// What happened in one residual block.
    public struct BlockReport: Sendable {
        public var index: Int
        /// max over the batch of ‖x_{k+1} − x_k‖₂, for k = 0, 1, …
        public var residuals: [Double]
        public var converged: Bool
        /// The upper bound on Lip(g) used for the error bound (product of the constrained
        /// layers' norms, c where a constraint holds), nil when unknown.
        public var lipschitzBound: Double?
        /// Lemma 4.5's a-priori bound on ‖x − x_k‖₂ after the last iteration k (nil when
        /// L ≥ 1 or unknown).
        public var errorBound: Double?
        /// The a-posteriori bound L/(1 − L)·‖x_k − x_{k−1}‖₂ from the same contraction
        /// argument; usually much tighter.
        public var aPosterioriBound: Double?
        /// Whether the residuals grew instead of shrinking (not a contraction), as opposed
        /// to stalling at the precision's rounding floor or running out of iterations.
        public var diverged: Bool {
            guard let last = residuals.last, let first = residuals.first else { return false }
            return !last.isFinite || last > first
        }
        public init(index: Int, residuals: [Double], converged: Bool, lipschitzBound: Double?,
                    errorBound: Double? = nil, aPosterioriBound: Double? = nil) {
            self.index = index; self.residuals = residuals; self.converged = converged
            self.lipschitzBound = lipschitzBound; self.errorBound = errorBound; self.aPosterioriBound = aPosterioriBound
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

    public init(model: Model, variables: VariableStore<T>) {
        self.model = model
        self.variables = variables
    }

    /// x with model(x) = y, for y [N] + outputShape.
    public mutating func invert(_ y: Tensor<T>, stopping: Stopping = Stopping()) throws -> Result {
        precondition(Array(y.shape.dropFirst()) == model.outputShape, "inverse expects [N] + \(model.outputShape), got \(y.shape)")
        let layers = model.root.layers, shapes = model.root.inputShapes
        var current = y
        // A multi-scale flow: z = [factored parts…, last output]; peel the last output off
        // and hand each part back to its factor_out layer on the way down.
        var factoredParts: [Tensor<T>] = []
        if model.hasFactorOut {
            let n = y.shape[0]
            var sizes = zip(layers, shapes).compactMap { layer, shape in (layer as? FactorOut)?.factoredShape(for: shape) }
            let lastShape = try! model.root.outputShape(for: model.inputShape)
            sizes.append(lastShape)
            var offset = 0
            let width = y.count / max(n, 1)
            for shape in sizes {
                let size = shape.reduce(1, *)
                var part = [T](); part.reserveCapacity(n * size)
                for i in 0..<n { part += y.scalars[(i * width + offset)..<(i * width + offset + size)] }
                factoredParts.append(Tensor(shape: [n] + shape, scalars: part))
                offset += size
            }
            current = factoredParts.removeLast()
        }
        var reports: [BlockReport] = []
        for (index, (layer, inputShape)) in zip(layers, shapes).enumerated().reversed() {
            let n = current.shape[0]
            switch layer {
            case let residual as Residual:
                guard residual.projection == nil else {
                    throw InverseError.notInvertible("layer \(index + 1) is a residual block with a projection shortcut, which is not invertible")
                }
                var report = BlockReport(index: index + 1, residuals: [], converged: false, lipschitzBound: Self.lipschitzBound(residual), errorBound: nil)
                current = try fixedPoint(residual, current, inputShape: inputShape, batch: n, stopping: stopping, report: &report)
                reports.append(report)
            case let actnorm as ActNorm:
                let s = variables.value(actnorm.scale!), b = variables.value(actnorm.shift!)
                current = Self.channelwise(current, s, b) { y, s, b in (y - b) / s }
            case let squeeze as Squeeze:
                current = try evaluate(key: "unsqueeze\(index)", current, inputShape: Array(current.shape.dropFirst())) { $0.unsqueezed(squeeze.factor) }
            case let unsqueeze as Unsqueeze:
                current = try evaluate(key: "squeeze\(index)", current, inputShape: Array(current.shape.dropFirst())) { $0.squeezed(unsqueeze.factor) }
            case is PadChannels:
                current = try evaluate(key: "unpad\(index)", current, inputShape: Array(current.shape.dropFirst())) {
                    $0.droppingPaddedChannels(keeping: inputShape[0])
                }
            case is Flatten, is Reshape:
                current = current.reshaped([n] + inputShape)
            case is FactorOut:
                // Channels: the factored part first, then the rest (FactorOut's order).
                let part = factoredParts.removeLast()
                let a = part.count / n, b = current.count / n
                var joined = [T](); joined.reserveCapacity(n * (a + b))
                for i in 0..<n {
                    joined += part.scalars[(i * a)..<((i + 1) * a)]
                    joined += current.scalars[(i * b)..<((i + 1) * b)]
                }
                current = Tensor(shape: [n] + inputShape, scalars: joined)
            default:
                throw InverseError.notInvertible("layer \(index + 1) (\(layer.kind)) is not invertible; invertible networks use residual blocks with Lipschitz constraints, actnorm, squeeze and pad_channels")
            }
        }
        return Result(x: current, blocks: reports.reversed())
    }

    /// x ← y − g(x), x₀ = y.
    private mutating func fixedPoint(_ block: Residual, _ y: Tensor<T>, inputShape: [Int], batch: Int,
                                     stopping: Stopping, report: inout BlockReport) throws -> Tensor<T> {
        let key = "block\(report.index)x\(batch)"
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
            exec.run()
            var change = 0.0
            y.scalars.withUnsafeBufferPointer { yb in
                for n in 0..<batch {
                    var sq = 0.0
                    for i in (n * width)..<((n + 1) * width) {
                        let next = yb[i] - gp[i]
                        let d = Double(next - xp[i])
                        sq += d * d
                        xp[i] = next
                    }
                    change = Swift.max(change, sq.squareRoot())
                }
            }
            let r = change
            report.residuals.append(r)
            if k == 0 { first = r }
            if !r.isFinite { break }
            if let tol = stopping.tolerance, r <= tol { report.converged = true; break }
            // Diverging: residuals growing for several iterations.
            if k >= 5 && r > 10 * max(first, 1e-30) { break }
        }
        if stopping.tolerance == nil, let last = report.residuals.last, last.isFinite {
            // A fixed count: converged when the residuals shrink geometrically.
            report.converged = report.residuals.count < 2 || last <= report.residuals[0]
        }
        if let L = report.lipschitzBound, L < 1 {
            // Lemma 4.5: ‖x − x_k‖ ≤ Lᵏ/(1 − L)·‖x₁ − x₀‖ (x₁ − x₀ is the first residual).
            report.errorBound = Foundation.pow(L, Double(report.residuals.count)) / (1 - L) * first
            report.aPosterioriBound = L / (1 - L) * (report.residuals.last ?? first)
        }
        return Tensor(shape: y.shape, scalars: Array(UnsafeBufferPointer(start: xp, count: count)))
    }

    /// An upper bound on Lip(g) of a residual body: the product of its constrained layers'
    /// coefficients (1-Lipschitz activations between them); nil if a layer is unconstrained.
    public static func lipschitzBound(_ block: Residual) -> Double? {
        var bound = 1.0
        for layer in block.body.layers {
            switch layer {
            case let d as Dense:
                guard let c = d.constraint else { return nil }
                bound *= c.coefficient
            case let conv as Convolution:
                guard let c = conv.constraint else { return nil }
                bound *= c.coefficient
            case is Activation, is LipSwish:
                let kind = layer.kind
                if kind == "leaky_relu" || kind == "elu" && layer.details.contains("alpha") { return nil }
            default:
                return nil
            }
        }
        return bound
    }

    private mutating func evaluate(key: String, _ x: Tensor<T>, inputShape: [Int], _ f: (Node) -> Node) throws -> Tensor<T> {
        let k = key + "x\(x.shape[0])"
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
import Foundation
