import XCTest
@testable import NetRuntime
import NetTestSupport

/// The ELU derivative table (`TabulatedScaleOp`, `Graph.derivativeTable`): the rewritten
/// graph gives the numbers of the fused one, its op has correct first- and second-order
/// derivatives, and the table is built once per pre-activation.
final class TabulatedDerivativeTests: XCTestCase {
    /// A residual block g(x) = W₃·elu(W₂·elu(W₁·x + b₁) + b₂) + b₃ (2 → 16 → 16 → 2) with a
    /// `terms`-term power-series estimate Σ (−1)^{k+1}/k ⟨vᵀJᵏ, v⟩ (thesis Alg. 2), the loss
    /// −mean(estimate) + ½ mean‖x + g(x)‖², and its gradients with respect to every
    /// parameter (second-order autodiff through the vector-Jacobian products).
    private func seriesStep(tabulated: Bool, terms: Int = 3, alpha: Double = 1) -> (Graph, [Node], [Node: Tensor<Double>]) {
        var rng = RandomGenerator(seed: 5)
        let graph = Graph()
        graph.tabulatesActivationDerivatives = tabulated
        let x = graph.input("x", shape: [7, 2]), v = graph.input("v", shape: [7, 2])
        let sizes = [(16, 2), (16, 16), (2, 16)]
        var params: [Node] = []
        var h = x
        for (j, (out, inp)) in sizes.enumerated() {
            let w = graph.variable("W\(j)", .randomNormal([out, inp], std: 0.6 / Double(inp).squareRoot(), rng: &rng))
            let b = graph.variable("b\(j)", .randomNormal([out], std: 0.3, rng: &rng))
            params += [w, b]
            h = h.linear(w, bias: b)
            if j < 2 { h = h.elu(alpha) }
        }
        var w = v
        var estimate: Node? = nil
        for k in 1...terms {
            w = graph.vjp(h, wrt: x, vector: w)
            let term = (w * v).sum(axes: [1]) * ((k % 2 == 1 ? 1.0 : -1.0) / Double(k))
            estimate = estimate.map { $0 + term } ?? term
        }
        let z = x + h
        let loss = (z.square().sum(axes: [1]) * 0.5).mean() - estimate!.mean()
        let inputs: [Node: Tensor<Double>] = [x: .randomNormal([7, 2], std: 1.5, rng: &rng), v: .randomNormal([7, 2], rng: &rng)]
        return (graph, [loss] + graph.gradients(of: loss, wrt: params), inputs)
    }

    private func values<T: NetScalar>(tabulated: Bool, alpha: Double = 1, as: T.Type) -> [[T]] {
        let (graph, outputs, inputs) = seriesStep(tabulated: tabulated, alpha: alpha)
        return graph.evaluate(outputs, as: T.self, inputs: inputs.mapValues { $0.converted() }).map(\.scalars)
    }

    /// Loss and all gradients of the series step are identical, bit for bit, with and
    /// without the table (the same formulas in the same order), in Float64 and Float32.
    func testSameValuesAsFusedGraph() {
        for alpha in [1.0, 0.7] {
            let fused64 = values(tabulated: false, alpha: alpha, as: Double.self)
            let table64 = values(tabulated: true, alpha: alpha, as: Double.self)
            XCTAssertEqual(fused64, table64, "Float64, α = \(alpha)")
            XCTAssertTrue(fused64.joined().contains { $0 != 0 }, "the gradients must not be trivially zero")
            XCTAssertEqual(values(tabulated: false, alpha: alpha, as: Float.self), values(tabulated: true, alpha: alpha, as: Float.self),
                           "Float32, α = \(alpha)")
        }
    }

    /// The tabulated graph is the rewrite it claims: no fused ELU-derivative pass is left
    /// in the step, and elu'(x) is computed once per pre-activation (2 per block).
    func testOneTablePerPreActivation() {
        for tabulated in [false, true] {
            let (graph, outputs, _) = seriesStep(tabulated: tabulated, terms: 5)
            let exec = Executor<Double>(graph: graph, outputs: outputs)
            let names = exec.namedKernels.map(\.name)
            let fused = names.filter { $0.hasPrefix("mul_elu'") && !$0.contains("_table") }.count
            let tables = names.filter { $0.hasPrefix("elu'[") }.count
            let lookups = names.filter { $0.contains("_table") }.count
            if tabulated {
                XCTAssertEqual(fused, 0)
                XCTAssertEqual(tables, 2)
                XCTAssertGreaterThan(lookups, 20)
            } else {
                XCTAssertEqual(tables, 0)
                XCTAssertEqual(lookups, 0)
                XCTAssertGreaterThan(fused, 20)
            }
        }
    }

    /// First- and second-order finite-difference checks (Float64) of g ⊙ elu'(x) and
    /// g ⊙ elu''(x) through the table, and of elu to third order.
    func testGradients() {
        for f: UnaryFunction in [.eluDerivative(1), .eluSecondDerivative(1), .eluDerivative(0.6), .eluSecondDerivative(0.6)] {
            GradientCheck(shapes: [[3, 4], [3, 4]]).run { _, x in x[1].scaledByDerivative(f, of: x[0]) }
        }
        // The four-input form f(x) ⊙ (g ⊙ g₂), whose second-order check is elu's fourth order.
        for f: UnaryFunction in [.eluDerivative(1), .eluSecondDerivative(0.6)] {
            GradientCheck(shapes: [[3, 4], [3, 4], [3, 4]]).run { g, x in
                g.apply(TabulatedScaleOp(function: f), [x[0], g.derivativeTable(of: x[0], .eluDerivative(f == .eluDerivative(1) ? 1 : 0.6)), x[1], x[2]])
            }
        }
        GradientCheck(shapes: [[2, 3]]).run { g, x in g.gradient(of: x[0].elu(0.8).sum(), wrt: x[0]) }
        GradientCheck(shapes: [[2, 3]]).run { g, x in
            let y = x[0].elu()
            return g.gradient(of: (g.gradient(of: y.sum(), wrt: x[0]) * y).sum(), wrt: x[0])
        }
    }

    /// The kernels against the fused op on edge values (±0, large |x|, infinite and NaN
    /// cotangents), Float32 and Float64: the rewrite must not change a single number.
    func testKernelsMatchFusedOpOnEdgeValues() {
        func compare<T: NetScalar>(_: T.Type) {
            let xs: [Double] = [-100, -90, -20, -1, -0.0, 0, 1e-30, 0.5, 3, 100, -2, .nan]
            let gs: [Double] = [1, -2, .infinity, -.infinity, .nan, 3, -0.0, 0, 2.5, -1, .infinity, 1]
            for f: UnaryFunction in [.eluDerivative(1), .eluSecondDerivative(1), .eluDerivative(0.3), .eluSecondDerivative(0.3)] {
                var out: [[T]] = []
                for tabulated in [false, true] {
                    let graph = Graph()
                    graph.tabulatesActivationDerivatives = tabulated
                    let x = graph.constant(Tensor(shape: [12], scalars: xs)), g = graph.constant(Tensor(shape: [12], scalars: gs))
                    out.append(graph.evaluate([g.scaledByDerivative(f, of: x)], as: T.self)[0].scalars)
                }
                for (a, b) in zip(out[0], out[1]) {
                    XCTAssertTrue(a == b || (a.isNaN && b.isNaN), "\(f) \(T.self): fused \(out[0]) vs table \(out[1])")
                }
            }
        }
        compare(Float.self)
        compare(Double.self)
    }
}
