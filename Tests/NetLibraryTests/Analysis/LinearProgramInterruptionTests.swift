import NetRuntime
import XCTest
@testable import NetLibrary

/// Issue 25: Ctrl-C during a large linear program was ignored until GLPK returned (~570 s
/// for a preimage in the REPL). The simplex runs in time slices and polls `Interruption`.
final class LinearProgramInterruptionTests: XCTestCase {
    override func tearDown() { Interruption.clear() }

    /// A Stiemke program of 20000 rows takes seconds; with a pending request it stops
    /// after its first slice with `Interrupted`.
    func testAPendingInterruptionStopsALargeProgramWithinASlice() throws {
        var rng = RandomGenerator(seed: 3)
        let a = Tensor<Double>.randomNormal([20000, 6], rng: &rng)
        Interruption.request()
        let start = Date()
        XCTAssertThrowsError(try Omnidirectionality.test(a)) { error in
            XCTAssertTrue(error is Interrupted, "\(error)")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5, "the program ran to its end instead of stopping")
    }

    /// Without a request the sliced simplex gives the answer of one uninterrupted run.
    func testSlicesDoNotChangeTheAnswer() throws {
        Interruption.clear()
        var rng = RandomGenerator(seed: 4)
        let a = Tensor<Double>.randomNormal([3000, 4], rng: &rng)
        XCTAssertEqual(try Omnidirectionality.test(a).verdict, .yes)   // Gaussian rows surround the origin
        let half = Tensor(shape: [3000, 4], scalars: a.scalars.enumerated().map { $0.offset % 4 == 0 ? abs($0.element) : $0.element })
        XCTAssertEqual(try Omnidirectionality.test(half).verdict, .no)   // every row has x₁ ≥ 0
    }

    /// The sparse program's memory is linear in the rows: the dense one of 200000 × 6 held
    /// (m+n+1)(m+1) ≈ 4·10¹⁰ numbers. Building it sparsely must not allocate that.
    func testTheStiemkeProgramIsBuiltSparsely() throws {
        let rows: [[(column: Int, value: Double)]] = (0..<200_000).map { [($0, 1.0)] }
        let lp = try LinearProgram(variables: Array(repeating: .atLeast(0), count: 200_000), sparseRows: rows,
                                   rowBounds: Array(repeating: .atMost(1), count: 200_000))
        XCTAssertEqual(lp.rowCount, 200_000)
    }
}
