import XCTest
@testable import NetRuntime

/// `Graph.release(from:)` drops the nodes built since a mark unless something keeps them
/// (variables, planned executors, `keep(through:)`), and a released graph builds and
/// evaluates as if the dropped nodes had never been made.
final class GraphLifetimeTests: XCTestCase {
    func testReleaseDropsScratchNodesAndTheirMemoEntries() {
        let g = Graph()
        let w = g.variable("w", Tensor(shape: [2], scalars: [0.5, -2]))
        let before = g.count
        let x = g.input("x", shape: [2])
        let y = (x * w).elu().sum()
        let dx = g.gradient(of: y, wrt: x)   // memoizes elu'(x·w)
        XCTAssertGreaterThan(g.count, before + 3)
        let value = g.evaluate([dx], as: Double.self, inputs: [x: Tensor(shape: [2], scalars: [1, 1])])[0]
        g.release(from: before)
        XCTAssertEqual(g.count, before)
        XCTAssertEqual(g.inputs.count, 0)

        // The same computation built again gets the same ids (the memo no longer points at
        // released nodes) and the same value.
        let x2 = g.input("x", shape: [2])
        let dx2 = g.gradient(of: (x2 * w).elu().sum(), wrt: x2)
        XCTAssertEqual(dx2.id, dx.id)
        XCTAssertEqual(g.evaluate([dx2], as: Double.self, inputs: [x2: Tensor(shape: [2], scalars: [1, 1])])[0].scalars, value.scalars)
        // elu'(x·w) at x = 1: w for the positive product 0.5, w·e^(−2) for −2.
        XCTAssertEqual(value.scalars[0], 0.5, accuracy: 1e-12)
        XCTAssertEqual(value.scalars[1], -2 * exp(-2), accuracy: 1e-12)
    }

    func testVariablesPlannedExecutorsAndKeptNodesSurvive() {
        let g = Graph()
        let mark = g.count
        let x = g.input("x", shape: [3])
        let planned = (x * 2).sum()
        let executor = Executor<Double>(graph: g, outputs: [planned])
        let afterPlan = g.count
        _ = x.exp()                         // built after the plan: released
        g.release(from: mark)
        XCTAssertEqual(g.count, afterPlan)
        executor.setInput(x, Tensor(shape: [3], scalars: [1, 2, 3]))
        executor.run()
        XCTAssertEqual(executor.scalar(planned), 12)

        let mark2 = g.count
        let w = g.variable("w", Tensor(shape: [3], scalars: [1, 1, 1]))
        let escaped = (w * 3).sum()
        _ = w.exp()
        g.keep(through: escaped)
        g.release(from: mark2)
        XCTAssertEqual(g.count, escaped.id + 1)
        XCTAssertEqual(g.evaluate([escaped], as: Double.self)[0].scalars, [9])

        // A one-off evaluation keeps nothing.
        let mark3 = g.count
        let once = (w * w).sum()
        XCTAssertEqual(g.evaluate([once], as: Double.self)[0].scalars, [3])
        g.release(from: mark3)
        XCTAssertEqual(g.count, mark3)
    }
}
