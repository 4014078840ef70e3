/// Adamax, the infinity-norm variant of Adam (Kingma & Ba 2015, Sec. 7.1).
///
/// Exactly `torch.optim.Adamax` (used by the Residual Flows reference trainers), at step t:
///
///     g ← g + λ·p                      (L2 weight decay, if λ ≠ 0)
///     m ← m + (1−β1)·(g − m)
///     u ← max(β2·u, |g| + ε)
///     p ← p − lr/(1−β1^t) · m / u
public final class Adamax<T: NetScalar>: Optimizer<T> {
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double

    private var stepSize: T = 0

    public init(parameterSizes: [Int], learningRate: Double = 2e-3, beta1: Double = 0.9,
                beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0) {
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2),
                     "Adamax betas must lie in [0, 1), got \(beta1), \(beta2)")
        precondition(epsilon >= 0 && weightDecay >= 0, "epsilon and weight decay must be non-negative")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        super.init(parameterSizes: parameterSizes, learningRate: learningRate,
                   slotNames: ["exp_avg", "exp_inf"])
    }

    public override func beginStep() {
        super.beginStep()
        stepSize = T(learningRate / (1 - Double.pow(beta1, Double(stepCount))))
    }

    public override func update(parameter index: Int, _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>) {
        adamaxKernel(count: parameterSizes[index], p, g,
                     m: state.pointer(slot: 0, parameter: index), u: state.pointer(slot: 1, parameter: index),
                     oneMinusBeta1: T(1 - beta1), beta2: T(beta2), epsilon: T(epsilon),
                     stepSize: stepSize, l2: T(weightDecay))
    }
}

/// The element loop of `Adamax`; prespecialised because a generic class's overrides run
/// unspecialised (≈100× slower per element).
@_specialize(where T == Float)
@_specialize(where T == Double)
func adamaxKernel<T: NetScalar>(count n: Int, _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>,
                                m: UnsafeMutablePointer<T>, u: UnsafeMutablePointer<T>,
                                oneMinusBeta1: T, beta2: T, epsilon: T, stepSize: T, l2: T) {
    let decay = l2 != 0
    for j in 0..<n {
        var gj = g[j]
        if decay { gj += l2 * p[j] }
        m[j] += oneMinusBeta1 * (gj - m[j])
        u[j] = Swift.max(beta2 * u[j], gj.magnitude + epsilon)
        p[j] -= stepSize * (m[j] / u[j])
    }
}
