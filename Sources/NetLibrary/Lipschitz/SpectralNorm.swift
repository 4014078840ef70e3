import NetRuntime

/// Spectral normalisation of a dense weight, thesis Sec. 4.2.1 (eq. 4.9).
///
/// σ̂ is estimated by power iteration with a vector u kept between steps (state, not a
/// parameter): v = n(Wᵀu), u ← n(W·v), σ̂ = uᵀ·W·v, with n(a) = a / max(‖a‖₂, 10⁻¹²).
/// The weight used is the soft rescale W̃ = W / max(1, σ̂/c): unchanged while σ̂ ≤ c, else
/// scaled to norm c. u and v are constants for differentiation; the gradient reaches W
/// through W itself and through σ̂ (as in the i-ResNet and Residual Flows code).
/// Because the normalised weight is part of the step's graph, it is applied on every
/// training step automatically — nothing for the user to remember to call.
public struct SpectralNorm {
    /// The weight to use in the layer: W / max(1, σ̂/c).
    public let weight: Node
    /// The power-iteration estimate σ̂ of ‖W‖₂ (a scalar).
    public let sigma: Node
    /// The persistent vector u and its new value, to pass as an executor update.
    public let update: (variable: Node, value: Node)

    /// Normalises `weight` [out, in] to Lipschitz constant at most `coefficient`.
    /// `u` is a non-trainable variable of shape [out] (see `makeVector`). With
    /// `updatingVector: false` the last step u ← n(W·v) is skipped, so σ̂ = uᵀ·W·v uses the
    /// stored u (evaluation without changing state, as reference.py's check does).
    public init(weight w: Node, u: Node, coefficient c: Double, iterations: Int = 1, updatingVector: Bool = true) {
        precondition(w.rank == 2 && u.shape == [w.shape[0]], "spectral norm of \(w.shape) needs u of shape [\(w.shape[0])]")
        precondition(iterations >= 1)
        var uRow = u.reshaped([1, w.shape[0]])
        var vRow = uRow
        for i in 0..<iterations {
            vRow = normalized(uRow.matmul(w)).stoppingGradient                        // n(Wᵀu)
            if updatingVector || i < iterations - 1 {
                uRow = normalized(vRow.matmul(w, transposeB: true)).stoppingGradient  // n(W v)
            }
        }
        sigma = (uRow * vRow.matmul(w, transposeB: true)).sum()                      // uᵀ W v
        let scale = (sigma * (1 / c) - 1).relu() + 1                                  // max(1, σ̂/c)
        weight = w / scale
        update = (u, uRow.reshaped([w.shape[0]]))
    }

    /// A random unit vector for u, as a non-trainable variable.
    public static func makeVector(_ graph: Graph, name: String, size: Int, rng: inout RandomGenerator) -> Node {
        let t = Tensor<Double>.randomNormal([size], rng: &rng)
        let norm = t.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return graph.variable(name, Tensor(shape: [size], scalars: t.scalars.map { $0 / Swift.max(norm, 1e-12) }),
                              trainable: false)
    }
}

/// a / max(‖a‖₂, 10⁻¹²) over all elements.
func normalized(_ a: Node) -> Node {
    let norm = a.square().sum().sqrt()
    return a / ((norm - 1e-12).relu() + 1e-12)
}
