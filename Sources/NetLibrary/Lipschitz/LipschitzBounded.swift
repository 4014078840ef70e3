import NetRuntime

/// A layer that may sit in a residual block's body g: Lip(g) ≤ Π of its layers' Lipschitz
/// constants (the composition rule behind Thm. 4.1). Each layer states the bound its
/// definition guarantees (`nominalLipschitz`: c for a constrained weight, the largest
/// slope of an activation) and measures the one its current values give.
public protocol LipschitzBounded: Layer {
    /// The bound the definition guarantees; nil when nothing bounds it (then
    /// `unboundedReason` says why, for the flow check's diagnostic).
    var nominalLipschitz: Double? { get }
    var unboundedReason: String { get }
    /// The Lipschitz constant the current values give, in Float64 (inference mode), and
    /// for a constrained weight the training-time estimate of it (σ̂ from the stored u).
    func measuredLipschitz(_ variables: VariableStore<Double>) -> (norm: Double, estimate: Double?)
}

extension LipschitzBounded {
    public var unboundedReason: String { "\(kind) has no Lipschitz bound" }
}

extension Dense: LipschitzBounded {
    public var nominalLipschitz: Double? { constraint?.coefficient }
    public var unboundedReason: String { "dense(\(units)) has no lipschitz constraint, so nothing bounds its norm" }
    public func measuredLipschitz(_ variables: VariableStore<Double>) -> (norm: Double, estimate: Double?) {
        measureWeight(variables)
    }
}

extension Convolution: LipschitzBounded {
    public var nominalLipschitz: Double? { constraint?.coefficient }
    public var unboundedReason: String { "\(kind)(\(channels)) has no lipschitz constraint, so nothing bounds its operator norm" }
    public func measuredLipschitz(_ variables: VariableStore<Double>) -> (norm: Double, estimate: Double?) {
        measureWeight(variables)
    }
}

extension SpectrallyNormalized {
    /// The effective weight's operator norm (unconstrained: the raw weight's).
    func measureWeight(_ variables: VariableStore<Double>) -> (norm: Double, estimate: Double?) {
        let start = vectorVariable.map { variables.value($0) }
        if let (w, estimate) = effectiveWeight(variables) { return (operatorNorm(w, start: start), estimate) }
        guard let w = weight else { return (.nan, nil) }
        return (operatorNorm(variables.value(w), start: start), nil)
    }
}

extension Activation: LipschitzBounded {
    public var nominalLipschitz: Double? { slope }
    public func measuredLipschitz(_ variables: VariableStore<Double>) -> (norm: Double, estimate: Double?) { (slope ?? .nan, nil) }
}

extension LipSwish: LipschitzBounded {
    /// x·σ(βx)/1.1 is 1-Lipschitz for every β ≥ 0 (Chen et al. 2019, App. D); β = softplus(b) ≥ 0.
    public var nominalLipschitz: Double? { 1 }
    public func measuredLipschitz(_ variables: VariableStore<Double>) -> (norm: Double, estimate: Double?) { (1, nil) }
}

extension BatchNorm: LipschitzBounded {
    public var nominalLipschitz: Double? { nil }
    public var unboundedReason: String { "batchnorm scales by γ/√(var + ε), which no constraint bounds" }
    /// max over channels of |γ|/√(running var + ε) (inference).
    public func measuredLipschitz(_ variables: VariableStore<Double>) -> (norm: Double, estimate: Double?) {
        guard let gamma, let runningVariance else { return (.nan, nil) }
        let g = variables.value(gamma).scalars, v = variables.value(runningVariance).scalars
        return (zip(g, v).map { abs($0) / ($1 + epsilon).squareRoot() }.max() ?? 0, nil)
    }
}

extension ActNorm: LipschitzBounded {
    public var nominalLipschitz: Double? { nil }
    public var unboundedReason: String { "actnorm scales by a learned s, which no constraint bounds" }
    public func measuredLipschitz(_ variables: VariableStore<Double>) -> (norm: Double, estimate: Double?) {
        guard let scale else { return (.nan, nil) }
        return (variables.value(scale).scalars.map(abs).max() ?? 0, nil)
    }
}

extension Flatten: LipschitzBounded {
    public var nominalLipschitz: Double? { 1 }
    public func measuredLipschitz(_ variables: VariableStore<Double>) -> (norm: Double, estimate: Double?) { (1, nil) }
}

extension Reshape: LipschitzBounded {
    public var nominalLipschitz: Double? { 1 }
    public func measuredLipschitz(_ variables: VariableStore<Double>) -> (norm: Double, estimate: Double?) { (1, nil) }
}

extension Dropout: LipschitzBounded {
    /// The identity at inference, where invertibility is used.
    public var nominalLipschitz: Double? { 1 }
    public func measuredLipschitz(_ variables: VariableStore<Double>) -> (norm: Double, estimate: Double?) { (1, nil) }
}
