import XCTest
@testable import NetLibrary

/// The GLPK wrapper: optimal, unbounded and infeasible programs, warm starts with changed
/// bounds, and input that must be refused before GLPK sees it.
final class LinearProgramTests: XCTestCase {
    func testOptimalUnboundedInfeasible() throws {
        // max x + y subject to x + 2y ≤ 4, 3x + y ≤ 6, x, y ≥ 0: optimum 2.8 at (1.6, 1.2).
        let lp = try LinearProgram(variables: [.atLeast(0), .atLeast(0)], rows: [[1, 2], [3, 1]], rowBounds: [.atMost(4), .atMost(6)])
        guard case let .optimal(value, x) = try lp.solve(objective: [1, 1], maximize: true) else { return XCTFail("not optimal") }
        XCTAssertEqual(value, 2.8, accuracy: 1e-12)
        XCTAssertEqual(x[0], 1.6, accuracy: 1e-12)
        XCTAssertEqual(x[1], 1.2, accuracy: 1e-12)
        // Minimising −x − y over the same set, then with a changed bound (warm start).
        guard case let .optimal(v2, _) = try lp.solve(objective: [-1, -1], maximize: false) else { return XCTFail("not optimal") }
        XCTAssertEqual(v2, -2.8, accuracy: 1e-12)
        try lp.setRowBounds(0, .atMost(2))
        guard case let .optimal(v3, _) = try lp.solve(objective: [1, 1], maximize: true) else { return XCTFail("not optimal") }
        XCTAssertEqual(v3, 2, accuracy: 1e-12)   // x + 2y ≤ 2, 3x + y ≤ 6: the vertex (2, 0)
        // max x subject to x − y ≤ 1 with y free: unbounded.
        let ray = try LinearProgram(variables: [.free, .free], rows: [[1, -1]], rowBounds: [.atMost(1)])
        XCTAssertEqual(try ray.solve(objective: [1, 0], maximize: true), .unbounded)
        // x ≥ 1 and x ≤ 0: infeasible.
        let empty = try LinearProgram(variables: [.free], rows: [[1], [1]], rowBounds: [.atLeast(1), .atMost(0)])
        XCTAssertEqual(try empty.solve(objective: [1], maximize: true), .infeasible)
    }

    func testBadInputIsRefused() {
        XCTAssertThrowsError(try LinearProgram(variables: [], rows: [], rowBounds: []))
        XCTAssertThrowsError(try LinearProgram(variables: [.free], rows: [[1, 2]], rowBounds: [.atMost(1)]))
        XCTAssertThrowsError(try LinearProgram(variables: [.free], rows: [[.nan]], rowBounds: [.atMost(1)]))
        XCTAssertThrowsError(try LinearProgram(variables: [.init(lower: 2, upper: 1)], rows: [], rowBounds: []))
        XCTAssertThrowsError(try LinearProgram(variables: [.free], rows: [[1]], rowBounds: [.atMost(.infinity)]))
        let lp = try? LinearProgram(variables: [.free], rows: [[1]], rowBounds: [.atMost(1)])
        XCTAssertThrowsError(try lp?.solve(objective: [1, 2], maximize: true))
        XCTAssertThrowsError(try lp?.setRowBounds(3, .atMost(1)))
    }
}
