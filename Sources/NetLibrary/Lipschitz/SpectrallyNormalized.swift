import NetRuntime

/// A layer whose weight may carry a `LipschitzConstraint` (eq. 4.9): dense layers and
/// convolutions. The verification, the flow check and the refresh after `assign`/`load`
/// treat both through this protocol.
public protocol SpectrallyNormalized: Layer {
    var constraint: LipschitzConstraint? { get }
    var weight: Node? { get }
    /// The power-iteration vector u (state), present when a constraint is.
    var vectorVariable: Node? { get }
    /// The spectral normalisation as inference applies it (σ̂ from u without updating
    /// it) of `weight` with vector `u` — the layer's own variables, or constants holding
    /// their values in a small graph of its own (for measurements); nil without a constraint.
    func inferenceSpectralNorm(weight: Node, u: Node) -> SpectralNorm?
    /// ‖A‖₂ of the layer's linear operator with weight `w`, in Float64: SVD (dense) or
    /// power iteration to convergence on the operator (convolution), warm-started from
    /// `start` (the stored u) when given.
    func operatorNorm(_ w: Tensor<Double>, start: Tensor<Double>?) -> Double
    /// The unit vector u of the operator's top left singular direction (u's shape);
    /// `start` (the stored u) may warm-start an iterative method.
    func topSingularVector(_ w: Tensor<Double>, start: Tensor<Double>?) -> Tensor<Double>
}

extension Dense: SpectrallyNormalized {
    public func inferenceSpectralNorm(weight w: Node, u: Node) -> SpectralNorm? {
        guard let c = constraint else { return nil }
        return SpectralNorm(weight: w, u: u, coefficient: c.coefficient, iterations: c.iterations, updatingVector: false)
    }
    public func operatorNorm(_ w: Tensor<Double>, start: Tensor<Double>?) -> Double { (try? spectralNorm(w)) ?? .nan }
    public func topSingularVector(_ w: Tensor<Double>, start: Tensor<Double>?) -> Tensor<Double> {
        guard let r = try? svd(w) else { return vectorVariable.map { .zeros($0.shape) } ?? .zeros([units]) }
        return Tensor(shape: [units], scalars: (0..<units).map { r.u[$0, 0] })
    }
}

extension Convolution: SpectrallyNormalized {
    public func inferenceSpectralNorm(weight w: Node, u: Node) -> SpectralNorm? {
        guard let c = constraint else { return nil }
        return SpectralNorm(convolutionWeight: w, u: u, coefficient: c.coefficient, iterations: c.iterations,
                            updatingVector: false, inputShape: inputShape, stride: stride, padding: padding)
    }
    public func operatorNorm(_ w: Tensor<Double>, start: Tensor<Double>?) -> Double {
        LipschitzVerification.convolutionNorm(w, conv: self, inputShape: inputShape, start: start)
    }
    public func topSingularVector(_ w: Tensor<Double>, start: Tensor<Double>?) -> Tensor<Double> {
        OperatorSubspaceIteration.top(w, conv: self, inputShape: inputShape, start: start).u
    }
}

extension SpectrallyNormalized {
    /// The effective weight W / max(1, σ̂/c) and the training-time estimate of its norm,
    /// σ̂/max(1, σ̂/c), both in Float64 from `variables`; nil without a constraint.
    public func effectiveWeight(_ variables: VariableStore<Double>) -> (weight: Tensor<Double>, estimate: Double)? {
        guard let c = constraint, let w = weight, let u = vectorVariable else { return nil }
        // A graph of its own: planning on the session's graph would walk all its nodes.
        let graph = Graph()
        guard let sn = inferenceSpectralNorm(weight: graph.constant(variables.value(w)), u: graph.constant(variables.value(u))) else { return nil }
        let values = graph.evaluate([sn.weight, sn.sigma], as: Double.self)
        let sigma = values[1].scalars[0]
        return (values[0], sigma / Swift.max(1, sigma / c.coefficient))
    }

    /// Sets the power-iteration vector u to the top singular direction of the current
    /// weight, so that σ̂ is the weight's norm and the constraint holds at once (after
    /// `assign` or `load` put a weight that training never saw). Without a constraint,
    /// nothing to do.
    public func refreshVector(_ variables: VariableStore<Float>) {
        guard constraint != nil, let w = weight, let u = vectorVariable else { return }
        let value = variables.value(w).converted() as Tensor<Double>
        let stored: Tensor<Double> = variables.value(u).converted()
        variables.assign(u, topSingularVector(value, start: stored).reshaped(u.shape).converted())
    }

    /// Refreshes the vector only when it is stale: when σ̂ from the stored u falls short of
    /// the weight's norm by more than 1e-7 relative (an edited file, a weight training never
    /// saw). A vector converged after training is kept as it is, so save → load reproduces
    /// outputs bit for bit. Returns whether the vector was replaced.
    @discardableResult
    public func refreshVectorIfStale(_ variables: VariableStore<Float>) -> Bool {
        guard constraint != nil, let w = weight, let u = vectorVariable else { return false }
        let value = variables.value(w).converted() as Tensor<Double>
        let stored: Tensor<Double> = variables.value(u).converted()
        let graph = Graph()
        guard let sn = inferenceSpectralNorm(weight: graph.constant(value), u: graph.constant(stored)) else { return false }
        let estimate = graph.evaluate([sn.sigma], as: Double.self)[0].scalars[0]
        let norm = operatorNorm(value, start: stored)
        if estimate.isFinite && norm.isFinite && estimate >= norm * (1 - 1e-7) { return false }
        refreshVector(variables)
        return true
    }
}

/// Refreshing every constrained weight's power-iteration vector of a model.
extension Model {
    /// Every `SpectrallyNormalized` layer, depth first.
    public var spectrallyNormalizedLayers: [SpectrallyNormalized] {
        func collect(_ layer: Layer) -> [SpectrallyNormalized] {
            ((layer as? SpectrallyNormalized).map { [$0] } ?? []) + layer.children.flatMap(collect)
        }
        return collect(root)
    }

    /// Refreshes the stale vectors of every constrained layer (`refreshVectorIfStale`), as
    /// `load` does; returns how many were replaced.
    @discardableResult
    public func refreshStaleSpectralNorms(_ variables: VariableStore<Float>) -> Int {
        spectrallyNormalizedLayers.filter { $0.refreshVectorIfStale(variables) }.count
    }

    /// Refreshes the vectors of the constrained layers whose weight is in `weights` (all
    /// when nil); returns how many were refreshed.
    @discardableResult
    public func refreshSpectralNorms(_ variables: VariableStore<Float>, weights: Set<Node>? = nil) -> Int {
        var count = 0
        for layer in spectrallyNormalizedLayers where layer.constraint != nil {
            guard let w = layer.weight, weights?.contains(w) ?? true else { continue }
            layer.refreshVector(variables)
            count += 1
        }
        return count
    }
}
