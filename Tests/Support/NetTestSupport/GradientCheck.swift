import XCTest
import NetRuntime

/// Float64 gradient checks against central finite differences.
///
/// First order: L(x) = Σ f(x) ⊙ w for a fixed random w; autodiff's ∂L/∂x against
/// (L(x + εeᵢ) − L(x − εeᵢ)) / 2ε for every coordinate.
/// Second order: h(x) = Σᵢ ⟨vjp(f, xᵢ, v), wᵢ⟩ — a function built from vector-Jacobian
/// products — and autodiff's ∂h/∂x against finite differences of h. This is the
/// derivative that training a power-series log-determinant needs.
///
/// Shared by the test targets (NetRuntimeTests, NetLangTests) through `NetTestSupport`.
public struct GradientCheck {
    public var shapes: [[Int]]
    public var seed: UInt64 = 1
    /// Inputs drawn from U[low, high] (e.g. positive for log, sqrt).
    public var low = -1.5, high = 1.5
    public var epsilon = 1e-6
    public var tolerance = 1e-6
    /// Inputs treated as constants (integer labels): not perturbed, not checked.
    public var constantInputs: [Int: Tensor<Double>] = [:]

    public init(shapes: [[Int]], seed: UInt64 = 1, low: Double = -1.5, high: Double = 1.5, epsilon: Double = 1e-6,
                tolerance: Double = 1e-6, constantInputs: [Int: Tensor<Double>] = [:]) {
        self.shapes = shapes; self.seed = seed; self.low = low; self.high = high
        self.epsilon = epsilon; self.tolerance = tolerance; self.constantInputs = constantInputs
    }

    /// Checks `build` at random inputs of the given shapes, in a fresh graph.
    public func run(secondOrder: Bool = true, file: StaticString = #filePath, line: UInt = #line,
                    _ build: (Graph, [Node]) -> Node) {
        var rng = RandomGenerator(seed: seed)
        let g = Graph()
        let xs = shapes.enumerated().map { g.input("x\($0.offset)", shape: $0.element) }
        let y = build(g, xs)
        check(y, of: xs, secondOrder: secondOrder, rng: &rng, file: file, line: line) { rng in
            xs.enumerated().map { i, x in
                constantInputs[i] ?? Tensor<Double>.randomUniform(x.shape, low: low, high: high, rng: &rng)
            }
        }
    }

    /// Checks y = f(xs), already built in the inputs' graph (e.g. by the interpreter), at
    /// given points (for functions with a restricted domain: inverses, logarithms).
    public func check(_ y: Node, of xs: [Node], at points: [Tensor<Double>], secondOrder: Bool = true,
                      file: StaticString = #filePath, line: UInt = #line) {
        var rng = RandomGenerator(seed: seed)
        check(y, of: xs, secondOrder: secondOrder, rng: &rng, file: file, line: line) { _ in points }
    }

    private func check(_ y: Node, of xs: [Node], secondOrder: Bool, rng: inout RandomGenerator,
                       file: StaticString, line: UInt, points: (inout RandomGenerator) -> [Tensor<Double>]) {
        let g = y.graph
        let checked = xs.indices.filter { constantInputs[$0] == nil }
        let w = g.constant(.randomNormal(y.shape, rng: &rng))
        let loss = (y * w).sum()
        var values = points(&rng)
        compare(g, loss, xs, checked, &values, "first order", file, line)

        guard secondOrder else { return }
        let v = g.constant(.randomNormal(y.shape, rng: &rng))
        let vjps = g.gradients(of: y, wrt: checked.map { xs[$0] }, seed: v)
        var h: Node? = nil
        for (k, i) in checked.enumerated() {
            let wi = g.constant(.randomNormal(xs[i].shape, rng: &rng))
            let term = (vjps[k] * wi).sum()
            h = h.map { $0 + term } ?? term
        }
        compare(g, h!, xs, checked, &values, "second order", file, line)
    }

    private func compare(_ g: Graph, _ scalar: Node, _ xs: [Node], _ checked: [Int],
                         _ values: inout [Tensor<Double>], _ what: String,
                         _ file: StaticString, _ line: UInt) {
        let grads = g.gradients(of: scalar, wrt: checked.map { xs[$0] })
        let exec = Executor<Double>(graph: g, outputs: [scalar] + grads)
        func evaluate() -> Double {
            for (x, v) in zip(xs, values) where exec.uses(x) { exec.setInput(x, v) }
            exec.run()
            return exec.scalar(scalar)
        }
        _ = evaluate()
        let analytic = grads.map { exec.value($0) }
        for (k, i) in checked.enumerated() {
            for j in 0..<values[i].count {
                let saved = values[i].scalars[j]
                values[i].scalars[j] = saved + epsilon
                let up = evaluate()
                values[i].scalars[j] = saved - epsilon
                let down = evaluate()
                values[i].scalars[j] = saved
                let numeric = (up - down) / (2 * epsilon)
                let a = analytic[k].scalars[j]
                let err = Swift.abs(a - numeric) / Swift.max(1, Swift.abs(numeric))
                if !(err < tolerance) {
                    XCTFail("\(what): input \(i) element \(j): autodiff \(a), finite differences \(numeric)",
                            file: file, line: line)
                    return
                }
            }
        }
    }
}
