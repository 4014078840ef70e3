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
        let b = momentum != 0 ? state.pointer(slot: 0, parameter: index) : nil
        let (lr, wd, mu, keep, first) = (T(learningRate), T(weightDecay), T(momentum), T(1 - dampening), stepCount == 1)
        let nesterov = nesterov
        // Elementwise and memory-bound: large parameters are split between the threads.
        parallelChunks(parameterSizes[index]) { r in
            let o = r.lowerBound
            sgdKernel(count: r.count, p + o, g + o, momentumBuffer: b.map { $0 + o }, lr: lr, weightDecay: wd,
                      momentum: mu, keep: keep, firstStep: first, nesterov: nesterov)
        }
    }
}

/// The element loop of `SGD`; prespecialised because a generic class's overrides run
/// unspecialised (≈100× slower per element).
@_specialize(where T == Float)
@_specialize(where T == Double)
func sgdKernel<T: NetScalar>(count n: Int, _ p: UnsafeMutablePointer<T>, _ g: UnsafePointer<T>,
                             momentumBuffer b: UnsafeMutablePointer<T>?, lr: T, weightDecay wd: T,
                             momentum mu: T, keep: T, firstStep: Bool, nesterov: Bool) {
    let decay = wd != 0
    guard let b else {
        for j in 0..<n {
            var d = g[j]
            if decay { d += wd * p[j] }
            p[j] -= lr * d
        }
        return
    }
    for j in 0..<n {
        var d = g[j]
        if decay { d += wd * p[j] }
        b[j] = firstStep ? d : mu * b[j] + keep * d
        d = nesterov ? d + mu * b[j] : b[j]
        p[j] -= lr * d
    }
}
