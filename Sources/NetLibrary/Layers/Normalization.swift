import NetRuntime

/// ActNorm (Glow; thesis App. A.2): y = s ⊙ x + b per channel, an invertible affine map
/// with log|det| = (spatial size)·Σ log|s|. With data-dependent initialisation, s and b are
/// set from the first batch so that each channel has zero mean and unit variance.
public final class ActNorm: Layer {
    public private(set) var scale: Node?
    public private(set) var shift: Node?
    public let dataInitialization: Bool
    /// Whether the data-dependent initialisation still has to run.
    public var needsInitialization: Bool
    private var channelShape: [Int] = []
    private(set) var spatialSize = 1

    public init(dataInitialization: Bool = true) {
        self.dataInitialization = dataInitialization
        needsInitialization = dataInitialization
    }

    public var kind: String { "actnorm" }
    public var parameters: [Node] { [scale, shift].compactMap { $0 } }
    public func outputShape(for input: [Int]) throws -> [Int] {
        guard !input.isEmpty else { throw LayerError("actnorm needs at least a channel axis") }
        return input
    }

    public func build(_ builder: ModelBuilder, input: [Int]) throws {
        channelShape = [input[0]] + Array(repeating: 1, count: input.count - 1)
        spatialSize = input.dropFirst().reduce(1, *)
        scale = try builder.parameter("scale", Tensor(repeating: 1, shape: channelShape))
        shift = try builder.parameter("shift", Tensor.zeros(channelShape))
    }

    public func apply(_ x: Node, _ context: ApplyContext) -> Node {
        guard let settings = context.logDet else { return forward(x, context) }
        let (y, logDet) = applyWithLogDet(x, context, settings: settings)
        if let logDet { context.addLogDet(logDet) }
        return y
    }

    /// s ⊙ x + b, noting a pending data-dependent initialisation.
    func forward(_ x: Node, _ context: ApplyContext) -> Node {
        if needsInitialization && context.training { context.addPendingInitialization(self, input: x) }
        return x * scale! + shift!
    }

    /// The data-dependent initialisation from a batch of this layer's inputs.
    public func initialize(from batch: Tensor<Double>) -> (scale: Tensor<Double>, shift: Tensor<Double>) {
        initialize(fromMoments: moments(of: batch))
    }

    /// Per-channel sums [Σx…, Σx²…, n] of a batch: summed over the ranks of a data-parallel
    /// job they give the statistics of the whole batch.
    public func moments(of batch: Tensor<Double>) -> [Double] {
        let c = channelShape[0]
        var sums = [Double](repeating: 0, count: 2 * c + 1)
        let n = batch.shape[0], inner = batch.count / (n * c)
        for s in 0..<n { for ch in 0..<c { for i in 0..<inner {
            let v = batch.scalars[(s * c + ch) * inner + i]
            sums[ch] += v; sums[c + ch] += v * v
        } } }
        sums[2 * c] = Double(batch.count / c)
        return sums
    }

    /// The initialisation from `moments(of:)` (possibly summed over ranks): scale 1/std,
    /// shift −mean/std per channel.
    public func initialize(fromMoments sums: [Double]) -> (scale: Tensor<Double>, shift: Tensor<Double>) {
        let c = channelShape[0]
        let perChannel = sums[2 * c]
        var scale = Tensor<Double>.zeros(channelShape), shift = Tensor<Double>.zeros(channelShape)
        for ch in 0..<c {
            let m = sums[ch] / perChannel
            // Clamp: rounding can make the variance of a constant channel slightly negative.
            let std = max(max(sums[c + ch] / perChannel - m * m, 0).squareRoot(), 1e-6)
            scale.scalars[ch] = 1 / std
            shift.scalars[ch] = -m / std
        }
        needsInitialization = false
        return (scale, shift)
    }
}

/// Batch normalisation: batch statistics while training (running averages with
/// momentum 0.1 updated after each step), running statistics otherwise; learned γ, β.
public final class BatchNorm: Layer {
    public let momentum: Double
    public let epsilon: Double
    public private(set) var gamma: Node?, beta: Node?
    public private(set) var runningMean: Node?, runningVariance: Node?
    private var channelShape: [Int] = []

    public init(momentum: Double = 0.1, epsilon: Double = 1e-5) {
        self.momentum = momentum; self.epsilon = epsilon
    }

    public var kind: String { "batchnorm" }
    public var parameters: [Node] { [gamma, beta].compactMap { $0 } }
    public func outputShape(for input: [Int]) throws -> [Int] {
        guard !input.isEmpty else { throw LayerError("batchnorm needs at least a feature axis") }
        return input
    }

    public func build(_ builder: ModelBuilder, input: [Int]) throws {
        channelShape = [input[0]] + Array(repeating: 1, count: input.count - 1)
        gamma = try builder.parameter("gamma", Tensor(repeating: 1, shape: channelShape))
        beta = try builder.parameter("beta", Tensor.zeros(channelShape))
        runningMean = try builder.parameter("running_mean", Tensor.zeros(channelShape), trainable: false)
        runningVariance = try builder.parameter("running_var", Tensor(repeating: 1, shape: channelShape), trainable: false)
    }

    public func apply(_ x: Node, _ context: ApplyContext) -> Node {
        let axes = [0] + Array(2..<max(2, x.rank))
        let mean: Node, variance: Node
        if context.training {
            mean = x.mean(axes: axes, keepDims: true).reshaped(channelShape)
            variance = (x - mean).square().mean(axes: axes, keepDims: true).reshaped(channelShape)
            let n = Double(x.count / channelShape[0])
            let unbiased = variance.stoppingGradient * (n / max(n - 1, 1))
            context.addUpdate(runningMean!, runningMean! * (1 - momentum) + mean.stoppingGradient * momentum)
            context.addUpdate(runningVariance!, runningVariance! * (1 - momentum) + unbiased * momentum)
        } else {
            mean = runningMean!
            variance = runningVariance!
        }
        return (x - mean) / (variance + epsilon).sqrt() * gamma! + beta!
    }
}
