import Foundation
import NetRuntime

/// Glow's invertible 1×1 convolution (Kingma & Dhariwal 2018): every position's C channels
/// mixed by one C×C matrix W, parametrised by its LU factors,
///
///     W = P · L · (U + diag(sign ⊙ exp(log_s))),
///
/// P a fixed permutation, L unit lower triangular, U strictly upper triangular, sign fixed
/// (P and sign are state, saved with the weights; L, U, log_s train). Then
/// log|det J| = (spatial size) · Σ log_s at every x, and W⁻¹ exists for any parameters.
/// Initialised, as Glow, at a random rotation (log_s = 0 up to its LU).
/// On a flat [d] input it is an invertible dense map y = W·x.
public final class InvertibleConv1x1: Layer {
    public private(set) var permutation: Node?
    public private(set) var lower: Node?
    public private(set) var upper: Node?
    public private(set) var logScale: Node?
    public private(set) var sign: Node?
    private var lowerMask: Node?
    private var upperMask: Node?
    private var identity: Node?
    private(set) var spatialSize = 1
    private var channels = 0

    public init() {}

    public var kind: String { "invertible_conv1x1" }
    public var parameters: [Node] { [permutation, lower, upper, logScale, sign].compactMap { $0 } }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard (1...3).contains(input.count) else {
            throw LayerError("invertible_conv1x1 needs [d], [C, L] or [C, H, W], got \(input)")
        }
        return input
    }

    public func build(_ builder: ModelBuilder, input: [Int]) throws {
        let c = input[0]
        channels = c
        spatialSize = input.dropFirst().reduce(1, *)
        let rotation = Self.randomRotation(c, rng: &builder.rng)
        let lu = try luDecomposition(rotation)
        // P·W = L·U with row i of P·W = row rowOrder[i] of W, so W = Pᵀ·L·U.
        var p = Tensor<Double>.zeros([c, c])
        for (i, row) in lu.rowOrder.enumerated() { p.scalars[row * c + i] = 1 }
        var strictlyLower = lu.lower, strictlyUpper = lu.upper
        var logS = Tensor<Double>.zeros([c]), signs = Tensor<Double>.zeros([c])
        var lowerMaskValue = Tensor<Double>.zeros([c, c]), upperMaskValue = Tensor<Double>.zeros([c, c])
        var eye = Tensor<Double>.zeros([c, c])
        for i in 0..<c {
            let d = strictlyUpper.scalars[i * c + i]
            logS.scalars[i] = Foundation.log(Swift.abs(d))
            signs.scalars[i] = d < 0 ? -1 : 1
            strictlyUpper.scalars[i * c + i] = 0
            strictlyLower.scalars[i * c + i] = 0
            eye.scalars[i * c + i] = 1
            for j in 0..<c {
                if j < i { lowerMaskValue.scalars[i * c + j] = 1 }
                if j > i { upperMaskValue.scalars[i * c + j] = 1 }
            }
        }
        permutation = try builder.parameter("permutation", p, trainable: false)
        lower = try builder.parameter("lower", strictlyLower)
        upper = try builder.parameter("upper", strictlyUpper)
        logScale = try builder.parameter("log_scale", logS)
        sign = try builder.parameter("sign", signs, trainable: false)
        lowerMask = builder.graph.constant(lowerMaskValue)
        upperMask = builder.graph.constant(upperMaskValue)
        identity = builder.graph.constant(eye)
    }

    /// A Haar-random rotation: Gram–Schmidt on a Gaussian matrix (its rows orthonormalised).
    static func randomRotation(_ c: Int, rng: inout RandomGenerator) -> Tensor<Double> {
        var q = Tensor<Double>.randomNormal([c, c], rng: &rng)
        for i in 0..<c {
            for j in 0..<i {
                let dot = (0..<c).reduce(0.0) { $0 + q.scalars[i * c + $1] * q.scalars[j * c + $1] }
                for k in 0..<c { q.scalars[i * c + k] -= dot * q.scalars[j * c + k] }
            }
            let norm = (0..<c).reduce(0.0) { $0 + q.scalars[i * c + $1] * q.scalars[i * c + $1] }.squareRoot()
            for k in 0..<c { q.scalars[i * c + k] /= norm }
        }
        return q
    }

    /// W = P · (L ⊙ lower mask + I) · (U ⊙ upper mask + diag(sign ⊙ exp(log_s))).
    public func weight() -> Node {
        let l = lower! * lowerMask! + identity!
        let diagonal = identity! * (sign! * logScale!.exp()).reshaped([1, channels])
        let u = upper! * upperMask! + diagonal
        return permutation!.matmul(l.matmul(u))
    }

    /// W⁻¹ (batched small-matrix inverse, differentiable).
    func inverseWeight() -> Node {
        weight().reshaped([1, channels, channels]).inverse().reshaped([channels, channels])
    }

    /// Every position's channels multiplied by `w`.
    func mix(_ x: Node, _ w: Node) -> Node {
        switch x.rank {
        case 2: return x.matmul(w, transposeB: true)
        case 3: return x.conv1d(w.reshaped([channels, channels, 1]))
        default: return x.conv2d(w.reshaped([channels, channels, 1, 1]))
        }
    }

    /// (spatial size) · Σ log_s for each of `batch` examples.
    func logDet(batch: Int) -> Node {
        (logScale!.sum() * Double(spatialSize)).reshaped([1]).broadcast(to: [batch])
    }

    public func apply(_ x: Node, _ context: ApplyContext) -> Node {
        if context.logDet != nil { context.addLogDet(logDet(batch: x.shape[0])) }
        return mix(x, weight())
    }
}
