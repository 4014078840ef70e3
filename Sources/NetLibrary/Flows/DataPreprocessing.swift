import Foundation
import NetRuntime

/// The map from dequantised data y ∈ [0, 1)^D to the space a flow models, with its log
/// Jacobian, which the change of variables (Lemma 5.2) adds to log p: log p(y) =
/// log p_flow(pre(y)) + Σ_i log pre′(y_i).
///
/// - `logit(α)` (Real-NVP): p = α + (1 − 2α)·y, pre(y) = log p − log(1 − p), so
///   log pre′(y) = log(1 − 2α) − log p − log(1 − p). α keeps the logit finite at 0 and 1.
/// - `affine(scale)`: pre(y) = scale·(y − ½), log pre′ = log|scale|.
/// - `none`: the identity.
public enum DataPreprocessing: Sendable, Equatable {
    case none
    case logit(alpha: Double)
    case affine(scale: Double)

    /// pre(y) for one value.
    public func transform(_ y: Double) -> Double {
        switch self {
        case .none: return y
        case let .logit(alpha):
            let p = alpha + (1 - 2 * alpha) * y
            return Foundation.log(p) - Foundation.log(1 - p)
        case let .affine(scale): return scale * (y - 0.5)
        }
    }

    /// log pre′(y) for one value.
    public func logDerivative(_ y: Double) -> Double {
        switch self {
        case .none: return 0
        case let .logit(alpha):
            let p = alpha + (1 - 2 * alpha) * y
            return Foundation.log(1 - 2 * alpha) - Foundation.log(p) - Foundation.log(1 - p)
        case let .affine(scale): return Foundation.log(Swift.abs(scale))
        }
    }

    /// pre(y) as graph nodes (inside a loss: the dequantised batch, fresh noise every step).
    public func transform(_ y: Node) -> Node {
        switch self {
        case .none: return y
        case let .logit(alpha):
            let p = y * (1 - 2 * alpha) + alpha
            return p.log() - (1 - p).log()
        case let .affine(scale): return (y - 0.5) * scale
        }
    }

    /// pre(y) of every value of a batch [N, …] and Σ log pre′ per example [N].
    public func apply(_ y: Tensor<Double>) -> (transformed: Tensor<Double>, logJacobian: [Double]) {
        let n = y.shape[0], d = y.count / Swift.max(n, 1)
        var out = y
        var logJacobian = [Double](repeating: 0, count: n)
        for i in 0..<n {
            for j in (i * d)..<((i + 1) * d) {
                out.scalars[j] = transform(y.scalars[j])
                logJacobian[i] += logDerivative(y.scalars[j])
            }
        }
        return (out, logJacobian)
    }
}
