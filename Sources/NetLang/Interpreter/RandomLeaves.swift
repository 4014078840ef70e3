import NetLibrary
import NetRuntime

/// Random built-ins (`randn`, `rand`, `bernoulli`): drawn now at the top level and under
/// `grad`/`vjp`/`jacobian` (built and run once), but random leaves of the graph inside a
/// loss or a `jit` function (planned once, run at every step), so every step draws anew —
/// a draw frozen into the training step would make `loss mse(b(x), randn(shape(x)))`
/// fit one fixed sample.
///
/// The streams (docs/language.md, "Random numbers"): at the top level the draw starts at
/// `seed:` (default: the run's `--seed`), so one call gives the same numbers every time.
/// Inside a loss or `jit` an unseeded leaf draws from its step's stream (seeded from
/// `--seed` and the objective's index, so the same seed gives the same run); a leaf with
/// `seed:` owns a stream that starts at that seed when the step is planned.
extension Interpreter {
    /// The graph being built is run many times (see `ApplyContext.repeatsExecution`).
    var drawsRandomLeaves: Bool { symbolicContext?.repeatsExecution == true }

    func randomDraw(_ distribution: RandomOp.Distribution, shape: [Int], _ args: inout Arguments) throws -> Value {
        let given = args.value("seed") != nil
        let seed = try args.seed(default: Int(self.seed % (1 << 62)))
        if drawsRandomLeaves { return .node(graph.random(distribution, shape: shape, seed: given ? seed : nil)) }
        var rng = RandomGenerator(seed: seed)
        return newTensor(shape) {
            switch distribution {
            case let .normal(mean, std): return .randomNormal(shape, mean: mean, std: std, rng: &rng)
            case let .uniform(low, high): return .randomUniform(shape, low: low, high: high, rng: &rng)
            case let .bernoulli(p):
                let n = shape.reduce(1, *)
                return Tensor(shape: shape, scalars: (0..<n).map { _ in rng.uniform() < p ? 1 : 0 })
            case .rademacher, .bernoulliMask: preconditionFailure("no built-in draws \(distribution)")
            }
        }
    }
}

extension Interpreter {
    /// A random built-in that cannot be a leaf of the graph (`sample` inverts the flow for
    /// its draw) fails inside a loss or `jit` instead of freezing one draw into every step.
    func rejectFrozenDraw(_ name: String, span: SourceSpan) throws {
        guard drawsRandomLeaves else { return }
        throw Diagnostic.error("'\(name)' draws its random numbers once, so inside a loss or jit every step would reuse one draw; draw before the train block (let s = \(name)(…)), or use randn, rand or bernoulli, which draw anew at every step", at: span)
    }
}
