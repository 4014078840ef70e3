import NetRuntime

/// Power iteration to a tolerance for `lipschitz(c:, tolerance:)`.
///
/// A planned training step has a fixed number of power iterations in its graph. With a
/// tolerance, a separate small plan runs one power iteration of every such layer at a
/// time — v = n(Aᵀu), u ← n(A v), σ̂ = ⟨u, A v⟩, on the current weights — before each
/// step, until every layer's σ̂ changes by less than its tolerance (relative) or its cap
/// is reached. The vectors are state, so this costs a few iterations on the first step and
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

    /// Iterates until every σ̂ has settled; returns the number of iterations run.
    @discardableResult
    public func refine() -> Int {
        var previous = [Double](repeating: .nan, count: items.count)
        var settled = [Bool](repeating: false, count: items.count)
        var iterations = 0, capped = false
        let cap = items.map(\.maxIterations).max() ?? 1
        while iterations < cap && settled.contains(false) {
            executor.run()
            iterations += 1
            for (i, item) in items.enumerated() where !settled[i] {
                let next = executor.pointer(item.next)
                vectors[i].baseAddress!.update(from: next, count: vectors[i].count)
                let sigma = Double(executor.scalar(item.sigma))
                if abs(sigma - previous[i]) <= item.tolerance * abs(sigma) {
                    settled[i] = true
                } else if iterations >= item.maxIterations {
                    settled[i] = true
                    capped = true
                }
                previous[i] = sigma
            }
        }
        if capped { cappedCalls += 1 }
        history.append(iterations)
        return iterations
    }
}
