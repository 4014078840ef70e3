import XCTest
@testable import NetLang

/// `inverse` with a tolerance below Float32's rounding floor computes in Float64 and
/// then meets it; tolerances Float32 can meet, and fixed counts, stay in Float32.
final class InversePrecisionTests: XCTestCase {
    private let model = """
    model blk(input: [2]) { residual lipschitz(c: 0.9) { dense(64) elu dense(2) } }
    let y = randn([50, 2], seed: 3)
    """

    private func fields(_ out: String) -> [String] { out.split(separator: " ").map(String.init) }

    func testToleranceBelowFloat32FloorRunsInFloat64AndConverges() throws {
        let out = try runScript(model + """

        let inv = inverse(blk, y, tolerance: 1e-12, max_iterations: 500)
        let r = inv.blocks[0].residuals
        print inv.precision, inv.converged, r[len(r) - 1] <= 1e-12, len(r) < 500
        """)
        XCTAssertEqual(out, "float64 true true true")
    }

    func testReachableToleranceAndFixedCountsStayInFloat32() throws {
        let out = try runScript(model + """

        let a = inverse(blk, y, tolerance: 1e-3)
        let b = inverse(blk, y, iterations: 20)
        print a.precision, a.converged, b.precision
        """)
        XCTAssertEqual(out, "float32 true float32")
    }

    /// The Float64 answer is the better inverse: its reconstruction error is at the
    /// level of Float32 rounding of the forward pass, no worse than the Float32 inverse's.
    func testFloat64InverseReconstructs() throws {
        let out = try runScript(model + """

        let precise = inverse(blk, y, tolerance: 1e-12, max_iterations: 500)
        print item(max(abs(blk(precise.x) - y))) < 1e-5
        """)
        XCTAssertEqual(out, "true")
    }

    /// The Float64 retry goes through every invertible layer (actnorm, squeeze, factor-out,
    /// pad_channels, residual blocks) and keeps flow-type's record fields.
    func testMultiScaleFlowInvertsInFloat64() throws {
        let out = try runScript("""
        let images = randn([10, 1, 4, 4], seed: 4)
        model flow(input: [1, 4, 4]) {
          pad_channels(1)
          actnorm
          squeeze
          residual lipschitz(c: 0.7) { conv2d(8, kernel: 3) elu conv2d(8, kernel: 3) }
          factor_out(4)
          residual lipschitz(c: 0.7) { conv2d(8, kernel: 3) elu conv2d(4, kernel: 3) }
        }
        let inv = inverse(flow, flow(images), tolerance: 1e-12, max_iterations: 500)
        print inv.precision, inv.converged, inv.blocks[0].name, inv.blocks[1].name, max(abs(inv.x - images)) < 1e-4
        """)
        XCTAssertEqual(out, "float64 true residual1 residual2 true")
    }
}
