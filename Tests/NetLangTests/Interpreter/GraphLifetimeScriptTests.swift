import XCTest
@testable import NetLang

/// Statements outside a loss release the graph nodes they built (issue 23): a loop of
/// `grad` calls leaves the session graph as it found it, with the same results at every
/// iteration; nodes a statement stores or returns stay usable.
final class GraphLifetimeScriptTests: XCTestCase {
    private func interpreter() -> (Interpreter, () -> [String]) {
        let interp = Interpreter(seed: 3)
        interp.progress.enabled = false
        var lines: [String] = []
        interp.output = { lines.append($0) }
        return (interp, { lines })
    }

    func testAGradLoopDoesNotGrowTheSessionGraph() throws {
        let (interp, lines) = interpreter()
        try interp.run(SourceFile(name: "a.net", text: """
            model m(input: [3]) {
              dense(4) elu
              dense(1)
            }
            let x = randn([5, 3], seed: 1)
            let first = grad(fn(v) = sum(m(v)), x)
            """))
        let size = interp.graph.count
        try interp.run(SourceFile(name: "b.net", text: """
            let same = true
            for i in 50 {
              let g = grad(fn(v) = sum(m(v)), x)
              let h = vjp(fn(v) = m(v), x, ones([5, 1]))
              same = same and max(abs(g - first)) == 0 and max(abs(h - first)) == 0
            }
            print same
            """))
        XCTAssertEqual(interp.graph.count, size)
        XCTAssertEqual(lines(), ["true"])

        // The REPL's :shape and --set evaluate expressions outside statements: the same.
        let parsed = parseExpression(SourceFile(name: "<repl>", text: "grad(fn(v) = sum(m(v)), x)"))
        let value = try interp.evaluateTopLevel(try XCTUnwrap(parsed.expression))
        XCTAssertEqual(interp.shapeDescription(value), "[5, 3]")
        XCTAssertEqual(interp.graph.count, size)
    }

    func testNodesAStatementStoresOrReturnsStayUsable() throws {
        let (interp, lines) = interpreter()
        try interp.run(SourceFile(name: "a.net", text: """
            model m(input: [2]) { dense(3) }
            fn noisy() {
              return dequantize(m.dense1.weight, levels: 4)
            }
            let q = dequantize(m.dense1.weight, levels: 4)
            let r = noisy()
            let rows = [q, r]
            for i in 20 { let g = grad(fn(v) = sum(m(v)), ones([2])) }
            print shape(q), shape(r), shape(tensor(rows)), sum(q) == sum(q)
            """))
        XCTAssertEqual(lines(), ["[3, 2] [3, 2] [2, 3, 2] true"])
    }
}

extension GraphLifetimeScriptTests {
    /// A layer's own constants (the 1×1 convolution's masks and identity, created after its
    /// model's last variable) live as long as its model: statements after the model's definition must not
    /// release them and reuse their ids (a crash, "shapes [4, 4] and [3, 4] do not
    /// broadcast", when they did).
    func testLayerConstantsOutliveLaterStatements() throws {
        let out = try runScript("""
        let x = randn([3, 4], seed: 1)
        model f(input: [4]) {
          affine_coupling(mask: "checkerboard") { dense(8) tanh dense(8) }
          invertible_conv1x1
        }
        let y = randn([3, 4], seed: 2) * 2
        print max(abs(inverse(f, predict(f, x)).x - x)) < 1e-5
        """)
        XCTAssertEqual(out, "true")
    }
}
