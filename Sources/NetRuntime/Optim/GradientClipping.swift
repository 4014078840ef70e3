/// Rescales gradients in place so that their global norm is at most `maxNorm`.
///
/// Semantics of `torch.nn.utils.clip_grad_norm_`, which the flow trainers (Residual Flows,
/// chapter 5) use to keep the stochastic log-determinant gradients stable:
///
///     N = ‖(‖g₁‖, …, ‖gₖ‖)‖            (the norm of all gradients as one vector)
///     gᵢ ← gᵢ · min(1, maxNorm / (N + 1e-6))
///
/// `normType` is 2 (Euclidean, the default), any other p ≥ 1, or `.infinity` (max |gᵢⱼ|).
/// The norm is accumulated in `Double` (PyTorch accumulates in the tensor's type; the two
/// agree to rounding). Returns N, the norm *before* clipping, for logging. If N is NaN the
/// gradients become NaN, as in PyTorch with `error_if_nonfinite=False`. Does not allocate.
@discardableResult
@_specialize(where T == Float)
@_specialize(where T == Double)
public func clipGradientNorm<T: NetScalar>(_ gradients: [UnsafeMutableBufferPointer<T>],
                                           maxNorm: Double, normType: Double = 2) -> Double {
    precondition(maxNorm >= 0, "maxNorm must be non-negative, got \(maxNorm)")
    var norm = NormAccumulator(normType: normType)
    for g in gradients { norm.add(UnsafeBufferPointer(g)) }
    let total = norm.value
    let coefficient = total.isNaN ? total : Swift.min(1, maxNorm / (total + 1e-6))
    guard coefficient != 1 else { return total }   // multiplying by 1 changes nothing
    let c = T(coefficient)
    for g in gradients {
        for j in g.indices { g[j] *= c }
    }
    return total
}

/// The norm of all gradients taken together as one vector (see `clipGradientNorm`).
@_specialize(where T == Float)
@_specialize(where T == Double)
public func globalGradientNorm<T: NetScalar>(_ gradients: [UnsafeBufferPointer<T>],
                                             normType: Double = 2) -> Double {
    var norm = NormAccumulator(normType: normType)
    for g in gradients { norm.add(g) }
    return norm.value
}

/// Running p-norm over several buffers, in `Double`.
struct NormAccumulator {
    let normType: Double
    private var sum = 0.0

    init(normType: Double) {
        precondition(normType >= 1, "normType must be ≥ 1 or .infinity, got \(normType)")
        self.normType = normType
    }

    @inline(__always)
    mutating func add<T: NetScalar>(_ g: UnsafeBufferPointer<T>) {
        if normType == .infinity {
            for x in g { sum = x.isNaN ? .nan : Swift.max(sum, Double(x.magnitude)) }
        } else if normType == 2 {
            for x in g { let d = Double(x); sum += d * d }
        } else {
            for x in g { sum += Double.pow(Double(x.magnitude), normType) }
        }
    }

    var value: Double {
        if normType == .infinity { return sum }
        return normType == 2 ? sum.squareRoot() : Double.pow(sum, 1 / normType)
    }
}
