import NetRuntime

/// Power iteration to a tolerance for `lipschitz(c:, tolerance:)`.
///
/// A planned training step has a fixed number of power iterations in its graph. With a
/// tolerance, a separate small plan runs one power iteration of every such layer at a
/// time — v = n(Aᵀu), u ← n(A v), σ̂ = ⟨u, A v⟩, on the current weights — before each
/// step, until every layer's vector u moves by less than its tolerance (which bounds σ̂'s
/// relative error by about the same amount; see `refine`) or its cap is reached. The vectors are state, so this costs a few iterations on the first step and
/// usually one or two after: the weights move little between steps.
public final class PowerIterationRefiner {
    /// One constrained layer: its vector u, the graph's next u and σ̂ from it.
    public struct Item {
        public var vector: Node
        public var next: Node
        public var sigma: Node
        public var tolerance: Double
        public var maxIterations: Int
        public init(vector: Node, next: Node, sigma: Node, tolerance: Double, maxIterations: Int) {
            self.vector = vector; self.next = next; self.sigma = sigma
            self.tolerance = tolerance; self.maxIterations = maxIterations
        }
    }

    /// The smallest tolerance a Float32 refinement can meet: rounding leaves ‖Δu‖ near
    /// 1e-7·√n even at the fixed point. `lipschitz(tolerance:)` refuses smaller ones
    /// rather than clamping them.
    public static let resolution = 1e-6

    private let items: [Item]
    private let executor: Executor<Float>
    private let vectors: [UnsafeMutableBufferPointer<Float>]
    /// Iterations run by each `refine()` call so far (for reports).
    public private(set) var history: [Int] = []
    /// Calls in which some layer reached its cap before its tolerance.
    public private(set) var cappedCalls = 0

    /// nil when there is nothing to refine.
    public init?(_ items: [Item], variables: VariableStore<Float>) {
        guard let first = items.first else { return nil }
        self.items = items
        let executor = Executor<Float>(graph: first.vector.graph, outputs: items.map(\.next) + items.map(\.sigma), variables: variables)
        self.executor = executor
        vectors = items.map { executor.variables.buffer($0.vector) }
    }

    /// Iterates until every layer's vector has settled; returns the iterations run.
    ///
    /// The test is on the vector, as in Residual Flows' adaptive spectral normalisation, not
    /// on σ̂: when the top singular values are close, σ̂ creeps up by tiny steps long
    /// before it is accurate, while u still turns visibly. In the two-vector picture
    /// u = cos θ·e₁ + sin θ·e₂ with ρ = (σ₂/σ₁)², a step moves u by about (1 − ρ)θ and σ̂
    /// is low by about (1 − ρ)θ²/2 relative, so ‖Δu‖ ≤ τ leaves a relative error of σ̂
    /// below about τ whatever ρ is (the worst case, ρ ≈ 1 − τ, gives ≈ 0.8τ).
    ///
    /// After training, the vectors inference normalises with are converged on the final
    /// weights by `Model.refreshSpectralNorms` (Float64, to convergence), not here.
    @discardableResult
    public func refine() -> Int {
        var settled = [Bool](repeating: false, count: items.count)
        var iterations = 0, capped = false
        let cap = items.map(\.maxIterations).max() ?? 1
        while iterations < cap && settled.contains(false) {
            executor.run()
            iterations += 1
            for (i, item) in items.enumerated() where !settled[i] {
                let next = executor.pointer(item.next)
                var moved = 0.0
                for j in 0..<vectors[i].count {
                    let d = Double(next[j] - vectors[i][j])
                    moved += d * d
                }
                vectors[i].baseAddress!.update(from: next, count: vectors[i].count)
                if moved.squareRoot() <= Swift.max(item.tolerance, Self.resolution) {
                    settled[i] = true
                } else if iterations >= item.maxIterations {
                    settled[i] = true
                    capped = true
                }
            }
        }
        if capped { cappedCalls += 1 }
        history.append(iterations)
        return iterations
    }
}
