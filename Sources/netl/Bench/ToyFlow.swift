import NetLibrary
import NetRuntime

/// The 2-D i-ResNet flow of the `iresnet_toy` and `iresnet_inverse` workloads: 10 stages of
/// ActNorm then a residual block x + g(x), g = W₃·elu(W₂·elu(W₁·x + b₁) + b₂) + b₃ with
/// spectrally normalised weights (c = 0.9).
struct ToyFlow {
    struct Stage {
        var scale, shift: Node          // ActNorm s, b ∈ ℝ²
        var weights: [Node]             // W₁ 128×2, W₂ 128×128, W₃ 2×128
        var biases: [Node]
        var vectors: [Node]             // power-iteration u per weight (state)
    }
    let graph: Graph
    var stages: [Stage] = []
    static let coefficient = 0.9

    init(graph: Graph, stages count: Int = 10, hidden: Int = 128, rng: inout RandomGenerator) {
        self.graph = graph
        for i in 0..<count {
            let sizes = [(hidden, 2), (hidden, hidden), (2, hidden)]
            var stage = Stage(scale: graph.variable("s\(i)", Tensor(repeating: 1, shape: [2])),
                              shift: graph.variable("b\(i)", Tensor.zeros([2])), weights: [], biases: [], vectors: [])
            for (j, (out, inp)) in sizes.enumerated() {
                stage.weights.append(graph.variable("W\(i).\(j)", torchUniform([out, inp], fanIn: inp, rng: &rng)))
                stage.biases.append(graph.variable("b\(i).\(j)", torchUniform([out], fanIn: inp, rng: &rng)))
                stage.vectors.append(SpectralNorm.makeVector(graph, name: "u\(i).\(j)", size: out, rng: &rng))
            }
            stages.append(stage)
        }
    }

    /// g(x) with the given (normalised) weights.
    static func residual(_ x: Node, weights: [Node], biases: [Node]) -> Node {
        var h = x
        for j in 0..<3 {
            h = h.linear(weights[j], bias: biases[j])
            if j < 2 { h = h.elu() }
        }
        return h
    }

    /// Spectrally normalised weights of every stage, with the u-updates of one power
    /// iteration each.
    func normalizedWeights(updatingVectors: Bool = true) -> (weights: [[Node]], updates: [(variable: Node, value: Node)]) {
        var all: [[Node]] = [], updates: [(variable: Node, value: Node)] = []
        for s in stages {
            let norms = zip(s.weights, s.vectors).map {
                SpectralNorm(weight: $0, u: $1, coefficient: Self.coefficient, updatingVector: updatingVectors)
            }
            all.append(norms.map(\.weight))
            updates += norms.map(\.update)
        }
        return (all, updates)
    }

    /// The negative log-likelihood (mean over the batch) with a `terms`-term power series
    /// and one Gaussian probe per sample per block (`ResidualLogDet`, as a flow in a script).
    /// With `neumann`, the log-det's gradient is the Neumann series' (`NeumannLogDetGradient`):
    /// the series' vector-Jacobian products are then not differentiated, only one surrogate
    /// product per block.
    func negativeLogLikelihood(_ x: Node, weights: [[Node]], terms: Int = 5, neumann: Bool = false) -> Node {
        var h = x
        var logDet: Node? = nil
        for (s, w) in zip(stages, weights) {
            h = h * s.scale + s.shift
            let actNorm = s.scale.abs().log().sum()
            let g = Self.residual(h, weights: w, biases: s.biases)
            let settings = LogDetSettings(method: .powerSeries(terms: terms), gradient: neumann ? .neumann : .backpropagation)
            let estimate = ResidualLogDet.estimate(block: g, input: h, settings: settings) + actNorm
            logDet = logDet.map { $0 + estimate } ?? estimate
            h = h + g
        }
        return -FlowDensity.logProbability(z: h, logDetTerms: [logDet!]).mean()
    }
}

