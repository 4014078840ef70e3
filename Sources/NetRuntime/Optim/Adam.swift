/// Adam (Kingma & Ba 2015) with bias correction, and AdamW's decoupled weight decay.
///
/// Exactly `torch.optim.Adam` / `torch.optim.AdamW` (the flow models of chapter 5 and the
/// Residual Flows baselines are trained with these), at step t:
///
///     p ← p·(1 − lr·λ)                 (decoupled, AdamW)   or   g ← g + λ·p   (L2, Adam)
///     m ← m + (1−β1)·(g − m)           (torch's lerp, = β1·m + (1−β1)·g)
///     v ← β2·v + (1−β2)·g²
///     p ← p − lr/(1−β1^t) · m / (√v / √(1−β2^t) + ε)
///
/// ε is added outside the square root, after the bias correction of v, as in PyTorch.
public class Adam<T: NetScalar>: Optimizer<T> {
    public let beta1: Double
    public let beta2: Double
    public let epsilon: Double
    public let weightDecay: Double
    /// `true`: AdamW (decay applied to the weights); `false`: L2 penalty added to the gradient.
    public let decoupledWeightDecay: Bool

    // Per-step scalars, set by beginStep().
    private var stepSize: T = 0
    private var biasCorrection2Sqrt: T = 1

    public init(parameterSizes: [Int], learningRate: Double = 1e-3, beta1: Double = 0.9,
                beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 0,
                decoupledWeightDecay: Bool = false) {
        precondition((0..<1).contains(beta1) && (0..<1).contains(beta2),
                     "Adam betas must lie in [0, 1), got \(beta1), \(beta2)")
        precondition(epsilon >= 0 && weightDecay >= 0, "epsilon and weight decay must be non-negative")
        self.beta1 = beta1
        self.beta2 = beta2
        self.epsilon = epsilon
        self.weightDecay = weightDecay
        self.decoupledWeightDecay = decoupledWeightDecay
        super.init(parameterSizes: parameterSizes, learningRate: learningRate,
                   slotNames: ["exp_avg", "exp_avg_sq"])
    }

    public override func beginStep() {
        super.beginStep()
        let t = Double(stepCount)
        stepSize = T(learningRate / (1 - Double.pow(beta1, t)))
        biasCorrection2Sqrt = T((1 - Double.pow(beta2, t)).squareRoot())
    }

    public override func update(parameter index: Int, _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>) {
        let decoupled = weightDecay != 0 && decoupledWeightDecay
        adamKernel(count: parameterSizes[index], p, g,
                   m: state.pointer(slot: 0, parameter: index), v: state.pointer(slot: 1, parameter: index),
                   oneMinusBeta1: T(1 - beta1), beta2: T(beta2), oneMinusBeta2: T(1 - beta2),
                   epsilon: T(epsilon), stepSize: stepSize, biasCorrection2Sqrt: biasCorrection2Sqrt,
                   l2: decoupled ? 0 : T(weightDecay),
                   shrink: decoupled ? T(1 - learningRate * weightDecay) : 1)
    }
}

/// The element loop of `Adam`; prespecialised because a generic class's overrides run
/// unspecialised (≈100× slower per element). `shrink` ≠ 1 is AdamW's decay, `l2` ≠ 0 Adam's.
@_specialize(where T == Float)
@_specialize(where T == Double)
func adamKernel<T: NetScalar>(count n: Int, _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>,
                              m: UnsafeMutablePointer<T>, v: UnsafeMutablePointer<T>,
                              oneMinusBeta1: T, beta2: T, oneMinusBeta2: T, epsilon: T,
                              stepSize: T, biasCorrection2Sqrt bc2: T, l2: T, shrink: T) {
    let decay = l2 != 0
    for j in 0..<n {
        var gj = g[j]
        if decay { gj += l2 * p[j] }
        m[j] += oneMinusBeta1 * (gj - m[j])
        v[j] = beta2 * v[j] + oneMinusBeta2 * gj * gj
        let denom = v[j].squareRoot() / bc2 + epsilon
        // The decoupled decay precedes the Adam update; multiplying by shrink = 1 is exact.
        p[j] = p[j] * shrink - stepSize * (m[j] / denom)
    }
}

/// Adam with decoupled weight decay (Loshchilov & Hutter), `torch.optim.AdamW` including
/// its default λ = 0.01.
public final class AdamW<T: NetScalar>: Adam<T> {
    public init(parameterSizes: [Int], learningRate: Double = 1e-3, beta1: Double = 0.9,
                beta2: Double = 0.999, epsilon: Double = 1e-8, weightDecay: Double = 1e-2) {
        super.init(parameterSizes: parameterSizes, learningRate: learningRate, beta1: beta1,
                   beta2: beta2, epsilon: epsilon, weightDecay: weightDecay,
                   decoupledWeightDecay: true)
    }
}
