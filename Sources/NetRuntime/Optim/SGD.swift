/// Stochastic gradient descent with momentum, dampening, Nesterov and L2 weight decay.
///
/// Exactly `torch.optim.SGD` (so the thesis' i-ResNet classifier runs, SGD with momentum 0.9
/// and weight decay, App. A.1, can be reproduced against the PyTorch reference):
///
///     d ← g + λ·p                                   (weight decay λ, if λ ≠ 0)
///     b ← d  at the first step,  b ← μ·b + (1−τ)·d  afterwards   (momentum μ, dampening τ)
///     d ← d + μ·b  (Nesterov)   or   d ← b          (if μ ≠ 0)
///     p ← p − lr·d
///
/// Note that the first momentum step copies d undampened, as PyTorch does.
public final class SGD<T: NetScalar>: Optimizer<T> {
    public let momentum: Double
    public let dampening: Double
    public let weightDecay: Double
    public let nesterov: Bool

    public init(parameterSizes: [Int], learningRate: Double, momentum: Double = 0,
                dampening: Double = 0, weightDecay: Double = 0, nesterov: Bool = false) {
        precondition(momentum >= 0, "momentum must be non-negative, got \(momentum)")
        precondition(weightDecay >= 0, "weight decay must be non-negative, got \(weightDecay)")
        precondition(!nesterov || (momentum > 0 && dampening == 0),
                     "Nesterov momentum requires a momentum and zero dampening")
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.nesterov = nesterov
        super.init(parameterSizes: parameterSizes, learningRate: learningRate,
                   slotNames: momentum != 0 ? ["momentum_buffer"] : [])
    }

    public override func update(parameter index: Int, _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>) {
        let n = parameterSizes[index]
        let lr = T(learningRate), wd = T(weightDecay)
        let decay = weightDecay != 0
        guard momentum != 0 else {
            for j in 0..<n {
                var d = g[j]
                if decay { d += wd * p[j] }
                p[j] -= lr * d
            }
            return
        }
        let mu = T(momentum), keep = T(1 - dampening)
        let b = state.pointer(slot: 0, parameter: index)
        let first = stepCount == 1
        for j in 0..<n {
            var d = g[j]
            if decay { d += wd * p[j] }
            b[j] = first ? d : mu * b[j] + keep * d
            d = nesterov ? d + mu * b[j] : b[j]
            p[j] -= lr * d
        }
    }
}
