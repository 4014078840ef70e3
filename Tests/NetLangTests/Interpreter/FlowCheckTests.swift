import XCTest
import NetLibrary
@testable import NetLang

/// The flow check (issue 9): every built-in that needs a flow or an invertible network
/// refuses a model that is not one, at the call, naming the first layer that breaks it
/// and why, with a note at the layer's definition.
final class FlowCheckTests: XCTestCase {
    let data = "data d = generate(\"moons\", n: 8, seed: 0)\n"

    /// The error of `call` on a model defined by `layers`, input [2].
    func refusal(_ layers: String, _ call: String = "print flow_nll(m, d)", file: StaticString = #filePath, line: UInt = #line) -> String {
        scriptError(data + "model m(input: [2]) {\n\(layers)\n}\n" + call, file: file, line: line)
    }

    func testTopLevelDenseIsNotInvertible() {
        let e = refusal("  actnorm\n  dense(2)")
        XCTAssertTrue(e.contains("test.net:6:16: error: flow_nll needs a flow; 'm' is not one: layer 2 (dense1) — not invertible"), e)
        XCTAssertTrue(e.contains("test.net:4:3: note: the dense is defined here"), e)
    }

    func testPaddingHasNoLogDetButInverts() throws {
        let e = refusal("  pad_channels(1)\n  residual lipschitz(c: 0.5) { dense(4) elu dense(3) }")
        XCTAssertTrue(e.contains("layer 1 (pad_channels1) — no log-det"), e)
        XCTAssertTrue(e.contains("test.net:3:3: note: the pad_channels is defined here"), e)
        // Injective padding is fine for the inverse: it needs an invertible network only.
        let out = try runScript(data + """
        model m(input: [2]) { pad_channels(1) residual lipschitz(c: 0.5) { dense(4) elu dense(3) } }
        let r = inverse(m, predict(m, d.x))
        print r.converged, max(abs(r.x - d.x)) < 1e-5
        """)
        XCTAssertEqual(out, "true true")
    }

    func testUnconstrainedBodyAndBatchnormAreNotLipschitzConstrained() {
        let e = refusal("  residual { dense(8) elu dense(2) }")
        XCTAssertTrue(e.contains("layer 1 (residual1) — body not Lipschitz-constrained: dense(8) has no lipschitz constraint"), e)
        XCTAssertTrue(e.contains("test.net:3:14: note: the dense is defined here"), e)
        let b = refusal("  residual lipschitz(c: 0.5) { dense(8) batchnorm elu dense(2) }")
        XCTAssertTrue(b.contains("body not Lipschitz-constrained: batchnorm scales by γ/√(var + ε)"), b)
        XCTAssertTrue(b.contains("test.net:3:41: note: the batchnorm is defined here"), b)
    }

    func testActivationWithSlopeAboveOne() {
        let e = refusal("  residual lipschitz(c: 0.5) { dense(8) elu(alpha: 2) dense(2) }")
        XCTAssertTrue(e.contains("activation not 1-Lipschitz: elu(alpha 2.0) has slope up to 2.0"), e)
        XCTAssertTrue(e.contains("test.net:3:41: note: the elu is defined here"), e)
    }

    func testProjectionResidualIsNotInvertible() {
        let e = refusal("  residual lipschitz(c: 0.5) { dense(8) elu dense(3) }\n  residual lipschitz(c: 0.5) { dense(2) }")
        XCTAssertTrue(e.contains("layer 1 (residual1) — not invertible: the body changes the shape"), e)
    }

    func testBodyWhoseBoundIsNotBelowOne() {
        let e = refusal("  residual lipschitz(c: 1) { dense(8) elu dense(2) }")
        XCTAssertTrue(e.contains("residual body not contractive: the product of the body's Lipschitz bounds is 1.0"), e)
    }

    /// Each of the seven flow built-ins (and logdet) refuses a non-flow at its model argument.
    func testEveryFlowBuiltinRefusesANonFlow() {
        let calls = [
            "print flow_nll(m, d)", "print log_likelihood(m, d)", "print bits_per_dim(m, d)",
            "print inverse(m, d.x)", "print sample(m, 3)", "print logdet_bounds(m)", "print check_lipschitz(m)",
            "print logdet(m, d.x)",
        ]
        for call in calls {
            let e = refusal("  residual lipschitz(c: 0.5) { dense(8) elu(alpha: 3) dense(2) }", call)
            let column = call.firstIndex(of: "(")!.utf16Offset(in: call) + 2
            XCTAssertTrue(e.contains("test.net:5:\(column): error:"), "\(call): \(e)")
            XCTAssertTrue(e.contains("'m' is not one: layer 1 (residual1) — activation not 1-Lipschitz"), "\(call): \(e)")
        }
    }

    /// A flow passes, and `inverse(…, unchecked: true)` is the explicit way to try an
    /// uncertified network (its result reports non-convergence rather than hiding it).
    func testUncheckedInverseOfAnUnconstrainedResNet() throws {
        let out = try runScript(data + """
        model m(input: [2]) { residual { dense(8) elu dense(2) } }
        let r = inverse(m, predict(m, d.x), unchecked: true)
        print r.blocks[0].lipschitz_nominal, r.blocks[0].lipschitz > 0
        """)
        XCTAssertEqual(out, "nothing true")
    }
}
