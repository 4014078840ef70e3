import XCTest
import NetLibrary
import NetRuntime
@testable import NetLang

/// Coupling flows in scripts (issue 20): the layers with bodies, their located errors, the
/// capabilities the built-ins ask, the mixed coupling/residual inverse report, and bits/dim
/// with dequantisation and pre-processing against a hand computation.
final class CouplingFlowScriptTests: XCTestCase {
    /// A model mixing every new layer with residual blocks, actnorm, squeeze and factor-out.
    let mixed = """
    let x = randn([6, 1, 4, 4], seed: 1)
    model mixed(input: [1, 4, 4]) {
      affine_coupling(mask: "checkerboard") { conv2d(4, kernel: 3) tanh conv2d(2, kernel: 3) }
      squeeze
      actnorm(data_init: false)
      invertible_conv1x1
      additive_coupling(mask: "channel", flip: true) { conv2d(8, kernel: 3) relu conv2d(2, kernel: 3) }
      residual lipschitz(c: 0.7) { conv2d(8, kernel: 3) elu conv2d(4, kernel: 3) }
      factor_out(2)
      affine_coupling(mask: "checkerboard") { conv2d(4, kernel: 3) relu conv2d(4, kernel: 3) }
    }

    """

    /// `inverse` reports coupling and 1×1-convolution blocks as analytic (exact, no
    /// iterations) and the residual block with its fixed-point iterations.
    func testMixedModelInverseReportsAnalyticAndFixedPointBlocks() throws {
        let out = try runScript(mixed + """
        let inv = inverse(mixed, mixed(x), tolerance: 1e-5)
        print inv.converged, max(abs(inv.x - x)) < 1e-5
        for b in inv.blocks { print b.name, b.method, b.iterations, b.converged }
        """)
        XCTAssertEqual(out, """
        true true
        affine_coupling1 analytic 0 true
        invertible_conv1x11 analytic 0 true
        additive_coupling1 analytic 0 true
        residual1 fixed point \(try iterationsOfResidual()) true
        affine_coupling2 analytic 0 true
        """)
    }

    private func iterationsOfResidual() throws -> String {
        try runScript(mixed + "print inverse(mixed, mixed(x), tolerance: 1e-5).blocks[3].iterations")
    }

    /// Every flow built-in takes the mixed model: densities, samples, Lipschitz checks,
    /// bounds, and the capabilities record.
    func testEveryFlowBuiltinWorksOnTheMixedModel() throws {
        let out = try runScript(mixed + """
        let nll = flow_nll(mixed, x, terms: 10)
        let exact = flow_nll(mixed, x, method: "exact")
        print abs(nll - exact) < 0.5, shape(log_likelihood(mixed, x)), shape(logdet(mixed, x, method: "exact"))
        print shape(sample(mixed, 5, seed: 1))
        let b = logdet_bounds(mixed)
        print b.lower < -1e300, b.upper < 1e300
        let caps = flow_capabilities(mixed)
        print caps.exact_log_likelihood, caps.analytic_inverse, caps.volume_preserving, caps.unbiased, flow_capabilities(mixed, method: "roulette").unbiased
        for l in caps.layers { print l.name, l.inverse, l.log_det }
        """)
        // check_lipschitz prints its tables; it measures the residual block only.
        let check = try runScript(mixed + "print check_lipschitz(mixed).ok")
        XCTAssertTrue(check.hasSuffix("true"), check)
        XCTAssertFalse(check.contains("coupling"), check)
        XCTAssertEqual(out, """
        true [6] [6]
        [5, 1, 4, 4]
        true true
        false false false false true
        affine_coupling1 analytic exact
        squeeze1 analytic zero
        actnorm1 analytic exact
        invertible_conv1x11 analytic exact
        additive_coupling1 analytic zero
        residual1 fixed point estimated
        factor_out1 analytic zero
        affine_coupling2 analytic exact
        """)
    }

    /// A flow of coupling layers only: exact log-likelihood, analytic inverse, and the
    /// series settings change nothing (no probes are drawn: every method gives one value).
    func testCouplingOnlyFlowHasExactLogLikelihood() throws {
        let out = try runScript("""
        let x = randn([5, 6], seed: 2)
        model nice(input: [6]) {
          additive_coupling { dense(16) tanh dense(3) }
          additive_coupling(flip: true) { dense(16) tanh dense(3) }
        }
        model glow(input: [6]) {
          actnorm(data_init: false)
          invertible_conv1x1
          affine_coupling(mask: "checkerboard") { dense(16) tanh dense(12) }
        }
        let a = flow_nll(glow, x, terms: 1, probes: 1)
        print abs(a - flow_nll(glow, x, terms: 20, probes: 7)) < 1e-5, abs(a - flow_nll(glow, x, method: "roulette")) < 1e-5, abs(a - flow_nll(glow, x, method: "exact")) < 1e-4
        print max(abs(logdet(nice, x))), flow_capabilities(nice).volume_preserving, flow_capabilities(glow).volume_preserving
        print flow_capabilities(glow).exact_log_likelihood, flow_capabilities(glow).analytic_inverse, flow_capabilities(glow).unbiased
        """)
        XCTAssertEqual(out, "true true true\n0 true false\ntrue true true")
    }

    /// bits/dim = (NLL(y) + D·log L)/(D·log 2), y = (x·(L − 1) + u)/L dequantised, the flow
    /// modelling pre(y) with NLL(y) = NLL_flow(pre(y)) − Σ log pre′(y): by hand for the
    /// logit and the affine pre-processing and an identity flow (z = pre(y)).
    func testBitsPerDimAgainstHandComputation() throws {
        let out = try runScript("""
        model id(input: [3]) { actnorm(data_init: false) }
        let x = [[0, 0.5, 1], [0.25, 1, 0]]
        let u = [[0.1, 0.5, 0.9], [0.3, 0.7, 0.2]]
        let L = 4
        let y = (x * (L - 1) + u) / L
        let a = 0.05
        let p = a + (1 - 2 * a) * y
        let z = log(p) - log(1 - p)
        let logjac = sum(log(1 - 2 * a) - log(p) - log(1 - p), axis: 1)
        let two_pi = 6.283185307179586
        let nll = mean(0.5 * sum(z * z, axis: 1) + 1.5 * log(two_pi) - logjac)
        print (nll + 3 * log(L)) / (3 * log(2))
        print bits_per_dim(id, x, levels: L, preprocess: "logit", alpha: a, noise: u)
        let w = 3 * (y - 0.5)
        let nll_affine = mean(0.5 * sum(w * w, axis: 1) + 1.5 * log(two_pi) - 3 * log(3))
        print (nll_affine + 3 * log(L)) / (3 * log(2))
        print bits_per_dim(id, x, levels: L, preprocess: "affine", scale: 3, noise: u)
        print max(abs(preprocess(y, "logit", alpha: a) - z))
        """)
        let lines = out.split(separator: "\n").map { Double($0)! }
        XCTAssertEqual(lines[0], lines[1], accuracy: 1e-5)
        XCTAssertEqual(lines[2], lines[3], accuracy: 1e-5)
        XCTAssertNotEqual(lines[0], lines[2], accuracy: 1e-2, "the two pre-processings must differ")
        XCTAssertLessThan(lines[4], 1e-12)
    }

    /// Bad masks, bodies and arguments are located errors.
    func testLocatedErrors() {
        func error(_ layer: String, input: String = "[6]") -> String {
            scriptError("model f(input: \(input)) {\n  \(layer)\n}\n")
        }
        XCTAssertTrue(error(#"additive_coupling(mask: "chanel") { dense(3) }"#)
            .contains(#"test.net:2:27: error: additive_coupling: unknown mask "chanel"; did you mean "channel"?"#))
        XCTAssertTrue(error("affine_coupling { dense(16) relu dense(3) }")
            .contains("test.net:2:3: error: the body of affine_coupling(mask: \"channel\") on [6] must map [3] to [6] (scale and shift for the 3 transformed features: 2 × 3 along axis 0); it maps it to [3]"))
        XCTAssertTrue(error("affine_coupling").contains("test.net:2:3: error: affine_coupling needs a body"))
        XCTAssertTrue(error("dense(4) { relu }").contains("test.net:2:3: error: dense takes no body"))
        XCTAssertTrue(error("additive_coupling { }").contains("the body of additive_coupling is empty"))
        XCTAssertTrue(error("additive_coupling { conv2d(3) }")
            .contains("test.net:2:3: error: in the body of additive_coupling (which sees [3]): conv"))
        XCTAssertTrue(error("affine_coupling { conv2d(2) }", input: "[1, 4, 4]")
            .contains("mask \"channel\" splits axis 0 into two halves, but the input [1, 4, 4] has 1 channel; use squeeze first"))
        XCTAssertTrue(error("invertible_conv1x1(3)").contains("invertible_conv1x1 takes no arguments"))
        // A top-level dense in a flow now points at coupling bodies too.
        let e = scriptError("model f(input: [2]) { dense(2) }\nprint flow_nll(f, [[1, 2]])")
        XCTAssertTrue(e.contains("or in the body of a coupling layer"), e)
    }
}

/// metameric_sample through coupling layers: analytic blocks add nothing to the error
/// bound; a layer without a Lipschitz bound after a residual block leaves no bound.
final class CouplingMetamerTests: XCTestCase {
    func testMetamericSampleThroughCouplings() throws {
        let out = try runScript("""
        let x = randn([3, 4], seed: 1)
        let r = randn([3, 4], seed: 2)
        model before(input: [4]) {
          affine_coupling { dense(8) tanh dense(4) }
          residual lipschitz(c: 0.6) { dense(8) elu dense(4) }
        }
        model after(input: [4]) {
          residual lipschitz(c: 0.6) { dense(8) elu dense(4) }
          invertible_conv1x1
        }
        let a = metameric_sample(before, x, r, classes: 2, tolerance: 1e-6)
        print a.converged, a.forward_error <= a.error_bound + 1e-4
        let b = metameric_sample(after, x, r, classes: 2, tolerance: 1e-6)
        print b.converged, b.error_bound, b.forward_error < 1e-3
        """)
        XCTAssertEqual(out, "true true\ntrue nothing true")
    }
}
