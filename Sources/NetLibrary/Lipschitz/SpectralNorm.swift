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

    /// Normalises a dense `weight` [out, in] to Lipschitz constant at most `coefficient`.
    /// `u` is a non-trainable variable of shape [out] (see `makeVector`). With
    /// `updatingVector: false` the last step u ← n(W·v) is skipped, so σ̂ = uᵀ·W·v uses the
    /// stored u (evaluation without changing state, as reference.py's check does).
    public init(weight w: Node, u: Node, coefficient c: Double, iterations: Int = 1, updatingVector: Bool = true) {
        precondition(w.rank == 2 && u.shape == [w.shape[0]], "spectral norm of \(w.shape) needs u of shape [\(w.shape[0])]")
        self.init(weight: w, u: u, coefficient: c, iterations: iterations, updatingVector: updatingVector,
                  vectorShape: [1, w.shape[0]],
                  apply: { v in v.matmul(w, transposeB: true) },     // v ↦ W v
                  adjoint: { u in u.matmul(w) })                    // u ↦ Wᵀu
    }

    /// Normalises a convolution by power iteration on the operator itself — with the
    /// layer's stride and padding on its input size — rather than on the reshaped kernel
    /// (whose norm only bounds the operator's, eq. 4.8). `u` has the output's shape
    /// [C_out, …]; `inputShape` is the layer's input [C_in, …].
    public init(convolutionWeight w: Node, u: Node, coefficient c: Double, iterations: Int = 1,
                updatingVector: Bool = true, inputShape: [Int], stride: Int, padding: Int) {
        let outputShape = [1] + u.shape
        let oneD = inputShape.count == 2
        self.init(weight: w, u: u, coefficient: c, iterations: iterations, updatingVector: updatingVector,
                  vectorShape: outputShape,
                  apply: { v in oneD ? v.conv1d(w, stride: stride, padding: padding) : v.conv2d(w, stride: stride, padding: padding) },
                  adjoint: { u in
                      oneD ? u.transposedConv1d(w, stride: stride, padding: padding, outputLength: inputShape[1])
                           : u.transposedConv2d(w, stride: stride, padding: padding, outputSize: (inputShape[1], inputShape[2]))
                  })
    }

    /// Power iteration for any linear operator A (`apply`) with adjoint Aᵀ (`adjoint`):
    /// v = n(Aᵀu), u ← n(A v), σ̂ = ⟨u, A v⟩; u and v constants for differentiation.
    init(weight w: Node, u: Node, coefficient c: Double, iterations: Int, updatingVector: Bool,
         vectorShape: [Int], apply: (Node) -> Node, adjoint: (Node) -> Node) {
        precondition(iterations >= 1)
        var uValue = u.reshaped(vectorShape)
        var vValue = uValue
        for i in 0..<iterations {
            vValue = normalized(adjoint(uValue)).stoppingGradient
            if updatingVector || i < iterations - 1 {
                uValue = normalized(apply(vValue)).stoppingGradient
            }
        }
        sigma = (uValue * apply(vValue)).sum()
        let scale = (sigma * (1 / c) - 1).relu() + 1                                  // max(1, σ̂/c)
        weight = w / scale
        update = (u, uValue.reshaped(u.shape))
    }

    /// A random unit vector for u, as a non-trainable variable.
    public static func makeVector(_ graph: Graph, name: String, size: Int, rng: inout RandomGenerator) -> Node {
        makeVector(graph, name: name, shape: [size], rng: &rng)
    }

    /// A random unit tensor of any shape for u (a convolution's output shape).
    public static func makeVector(_ graph: Graph, name: String, shape: [Int], rng: inout RandomGenerator) -> Node {
        let size = shape.reduce(1, *)
        let t = Tensor<Double>.randomNormal([size], rng: &rng)
        let norm = t.scalars.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return graph.variable(name, Tensor(shape: shape, scalars: t.scalars.map { $0 / Swift.max(norm, 1e-12) }),
                              trainable: false)
    }
}

/// a / max(‖a‖₂, 10⁻¹²) over all elements.
func normalized(_ a: Node) -> Node {
    let norm = a.square().sum().sqrt()
    return a / ((norm - 1e-12).relu() + 1e-12)
}
