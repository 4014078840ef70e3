import NetLibrary
import NetRuntime

/// What training a flow needs beyond a planned step, owned by one train block's
/// `CompiledTraining` (not by the interpreter): the Russian-roulette draw K of the step
/// variant being compiled and the distribution its loss asked for, the steps compiled per
/// objective and K, the stream K is drawn from each step, and whether the Neumann
/// surrogate's note was printed.
final class FlowTrainingState {
    /// While a loss is compiled: the number K of further series terms of this variant.
    var extraTerms = 0
    /// While a loss is compiled: the roulette distribution it uses (one per loss).
    var distribution: TermDistribution?
    var notedNeumannSurrogate = false
    /// While a loss is compiled: the flow whose log-det it estimates by a series (power
    /// series or roulette), if any — the loss is then an estimate of the NLL, not the NLL.
    var seriesEstimateOf: String?
    /// Draws K every step; seeded from the session seed, apart from every other stream.
    private var random: RandomGenerator
    /// Steps compiled per objective and draw K (K = 0 is the objective's first step).
    private var variants: [[Int: TrainingStep<Float>]] = []

    init(seed: UInt64) { random = RandomGenerator(seed: seed &+ 4011) }

    /// Records each objective's first compiled step.
    func start(with steps: [TrainingStep<Float>]) { variants = steps.map { [0: $0] } }

    /// The step of `objective` for this training step: the first one, or — for a roulette
    /// loss — the one compiled for a fresh draw K (compiled on first use by `compile`).
    func step(_ objective: Int, distribution: TermDistribution?, compile: (Int, TrainingStep<Float>) throws -> TrainingStep<Float>) rethrows -> TrainingStep<Float> {
        let base = variants[objective][0]!
        guard let distribution else { return base }
        let k = distribution.sample(&random)
        if let s = variants[objective][k] { return s }
        let s = try compile(k, base)
        variants[objective][k] = s
        return s
    }

    /// The draws K compiled so far for an objective.
    func draws(_ objective: Int) -> [Int] { variants[objective].keys.sorted() }
}
