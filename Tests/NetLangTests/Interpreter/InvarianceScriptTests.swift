import XCTest
import NetLibrary
import NetRuntime
@testable import NetLang

/// Chapter 6 from scripts: the analytic sphere attacks of examples/ch6/spheres_attacks.net,
/// metameric sampling, the independence cross-entropy's loss and gradients, and the errors.
final class InvarianceScriptTests: XCTestCase {
    private var attacksFile: String { repositoryRoot.appendingPathComponent("examples/ch6/spheres_attacks.net").path }

    /// The numbers a script printed, one line each.
    private func numbers(_ out: String) -> [Double] {
        out.split(separator: "\n").compactMap { Double($0.trimmingCharacters(in: .whitespaces)) }
    }

    func testAnalyticAttacksLandOnTheTargetSphereAndFlipExactlyTheIntendedDecision() throws {
        // Small d: the script's b, the attacked points' norms and decisions, and monotone curves.
        let out = try runScript("""
        import "\(attacksFile)"
        let n = 1
        data points = generate_spheres(300, d: 30, seed: 4)
        data test_points = generate_spheres(200, d: 30, seed: 5)
        let m = max_margin_threshold(points, n)
        print format(m[0], 15)
        print format(m[1], 15)
        print format(m[2], 15)
        let b = m[2]
        let outer = test_points.outer.x
        let inner = test_points.inner.x
        let p = perturbation_attack(outer, b, 1.3, n)
        let v = invariance_attack(inner, 1.3, n)
        print format(max(abs(row_norms(p[0]) - 1.3)), 15)
        print format(max(abs(row_norms(v[0]) - 1.3)), 15)
        # Perturbation: D said outer, now says inner. Invariance: D's decision is unchanged.
        print sum(misaligned(outer, b, n) * misaligned(p[0], b, n))
        print sum(abs(misaligned(v[0], b, n) - misaligned(inner, b, n)))
        # The used coordinates of invariance-attacked points did not move.
        print format(max(abs(used_part(v[0], n) - used_part(inner, n))), 15)
        let budgets = []
        for i in range(21) { budgets = append(budgets, i * 0.05) }
        let c1 = accuracy_curve(misaligned(outer, b, n), 1 - misaligned(p[0], b, n), p[1], budgets)
        let c2 = accuracy_curve(1 - misaligned(inner, b, n), 1 - misaligned(v[0], b, n), v[1], budgets)
        for i in range(21) { print c1[i] }
        for i in range(21) { print c2[i] }
        """)
        let values = numbers(out)
        XCTAssertEqual(values.count, 8 + 42, out)
        let (x, y) = AdversarialSpheres.generate(perSphere: 300, dimension: 30, inner: 1, outer: 1.3, seed: 4)
        let expected = try XCTUnwrap(AdversarialSpheres.maxMarginThreshold(x: x, labels: y, used: 29))
        XCTAssertEqual(values[0], expected.l, accuracy: 1e-12)
        XCTAssertEqual(values[1], expected.u, accuracy: 1e-12)
        XCTAssertEqual(values[2], expected.b, accuracy: 1e-12)
        XCTAssertEqual(values[2] - values[0], values[1] - values[2], accuracy: 1e-12, "b has equal margin to both spheres")
        XCTAssertLessThan(values[3], 1e-12, "perturbed points stay on the outer sphere")
        XCTAssertLessThan(values[4], 1e-12, "invariance-attacked points land on the outer sphere")
        XCTAssertEqual(values[5], 0, "no perturbed point is still called outer")
        XCTAssertEqual(values[6], 0, "the invariance attack never changes D's decision")
        XCTAssertEqual(values[7], 0, "the used coordinates are untouched")
        for curve in [Array(values[8..<29]), Array(values[29..<50])] {
            for i in 1..<curve.count { XCTAssertLessThanOrEqual(curve[i], curve[i - 1], "accuracy falls with the budget: \(curve)") }
            XCTAssertEqual(curve.last!, 0, "every point falls within budget 1 at d = 30")
        }
    }

    func testImpossibleAttacksAreMarkedUnreachable() throws {
        // b > R1: no perturbation attack on the inner sphere, no invariance attack outward-in.
        let out = try runScript("""
        import "\(attacksFile)"
        data points = generate_spheres(100, d: 200, seed: 1)
        let b = max_margin_threshold(points, 10)[2]
        print b > 1
        print -max(-perturbation_attack(points.inner.x, b, 1, 10)[1]) >= unreachable
        print -max(-invariance_attack(points.outer.x, 1, 10)[1]) >= unreachable
        """)
        XCTAssertEqual(out, "true\ntrue\ntrue")
    }

    func testMetamericSamplesReproduceLogitsAndNuisancesWithinTheReportedError() throws {
        let out = try runScript("""
        model flow(input: [8]) {
          repeat 2 {
            actnorm(data_init: false)
            residual lipschitz(c: 0.8) { dense(16) elu dense(8) }
          }
        }
        assign(flow.actnorm2.scale, [1.5, 0.7, 1, 1, 2, 1, 1, 0.9])
        let x = randn([6, 8], seed: 1)
        let r = randn([6, 8], seed: 2)
        let met = metameric_sample(flow, x, r, classes: 3, iterations: 6)
        let z = predict(flow, met.x)
        print met.converged
        print format(met.forward_error, 12)
        print format(met.error_bound, 12)
        print format(max(abs(z[:, 0:3] - predict(flow, x)[:, 0:3])), 12)
        print format(max(abs(z[:, 3:] - predict(flow, r)[:, 3:])), 12)
        print format(max(abs(met.target[:, 0:3] - predict(flow, x)[:, 0:3])), 12)
        let half = metameric_sample(flow, x, r, classes: 3, mix: 0.5, tolerance: 1e-6)
        print format(max(abs(predict(flow, half.x)[:, 3:] - (predict(flow, x)[:, 3:] + predict(flow, r)[:, 3:]) / 2)), 12)
        """)
        let lines = out.split(separator: "\n").map(String.init)
        // Six fixed iterations leave a residual above the default tolerance (1e-6): a
        // fixed-count inverse reports converged only when its last residual is within it.
        XCTAssertEqual(lines.first, "false", out)
        let v = lines.dropFirst().compactMap { Double($0) }
        XCTAssertEqual(v.count, 6, out)
        let (forwardError, bound) = (v[0], v[1])
        XCTAssertGreaterThan(bound, 1e-4, "six iterations leave a visible residual: \(out)")
        // Float32 inference adds rounding of about 1e-6 on top of the bound.
        XCTAssertLessThanOrEqual(forwardError, bound + 1e-5, out)
        XCTAssertLessThanOrEqual(v[2], bound + 1e-5, "z_s(x_met) = z_s(x)")
        XCTAssertLessThanOrEqual(v[3], bound + 1e-5, "z_n(x_met) = z_n(x̃)")
        XCTAssertEqual(v[4], 0, accuracy: 1e-6, "the target keeps x's logits")
        XCTAssertLessThan(v[5], 1e-4, "mix: 0.5 lands halfway between the nuisances")
    }

    /// The fi-RevNet-like classifier of examples/ch6/ice_mnist.net in small (squeezes, a 1×1
    /// convolution, convolutional and dense additive couplings, trained a few steps so that
    /// no coupling is the identity): every block is inverted in closed form, so a metameric
    /// sample carries z_s(x) and z_n(x̃) to Float32 rounding, and forward_logdet (the MLE
    /// term's log-det) equals log|det| of the Jacobian.
    func testMetamericSamplesOfACouplingClassifierAreExact() throws {
        let out = try runScript("""
        model flow(input: [16]) {
          reshape([1, 4, 4])
          squeeze                                                     # [4, 2, 2]
          actnorm
          invertible_conv1x1
          additive_coupling(mask: "channel") { conv2d(4, kernel: 3) relu conv2d(2, kernel: 3) }
          flatten
          additive_coupling { dense(8) relu dense(8) }
          additive_coupling(flip: true) { dense(8) relu dense(8) }
        }
        data points = dataset(randn([32, 16], seed: 3), [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1])
        train flow on points {
          loss cross_entropy(flow(x)[:, 0:3], y)
          optimizer adam(lr: 0.05)
          steps 20  batch 32
        }
        let x = randn([5, 16], seed: 4)
        let r = randn([5, 16], seed: 5)
        let met = metameric_sample(flow, x, r, classes: 3)
        let z = predict(flow, met.x)
        let methods = []
        for b in met.blocks { methods = append(methods, b.iterations) }
        print methods
        print format(max(abs(z[:, 0:3] - predict(flow, x)[:, 0:3])), 12)
        print format(max(abs(z[:, 3:] - predict(flow, r)[:, 3:])), 12)
        print format(max(abs(predict(flow, x) - x)), 12)
        print format(forward_logdet(flow, x[0:1]).logdet[0], 10)
        print format(slogdet(jacobian(fn(v) = flow(v), x[0:1])).logabsdet, 10)
        """)
        let lines = out.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("trained ") }
        XCTAssertEqual(lines.first, "[0, 0, 0, 0]", "every block inverted in closed form: \(out)")
        let v = lines.dropFirst().compactMap { Double($0) }
        XCTAssertEqual(v.count, 5, out)
        XCTAssertLessThan(v[0], 1e-4, "z_s(x_met) = z_s(x): \(out)")
        XCTAssertLessThan(v[1], 1e-4, "z_n(x_met) = z_n(x̃): \(out)")
        XCTAssertGreaterThan(v[2], 0.1, "the trained flow is not the identity: \(out)")
        XCTAssertEqual(v[3], v[4], accuracy: 1e-4, "forward_logdet is the exact log|det J|: \(out)")
        XCTAssertGreaterThan(abs(v[3]), 1e-3, "actnorm and the 1×1 convolution change the volume: \(out)")
    }

    func testForwardLogDetMatchesTheJacobian() throws {
        let out = try runScript("""
        model flow(input: [3]) {
          actnorm(data_init: false)
          residual lipschitz(c: 0.7) { dense(8) elu dense(3) }
        }
        assign(flow.actnorm1.scale, [1.5, -0.5, 2])
        let x = [[0.3, -1.2, 0.5]]
        let f = forward_logdet(flow, x, method: "exact")
        print format(f.logdet[0], 10)
        print format(slogdet(jacobian(fn(v) = flow(v), x)).logabsdet, 10)
        print format(max(abs(f.z - predict(flow, x))), 10)
        """)
        let v = numbers(out)
        XCTAssertEqual(v.count, 3, out)
        XCTAssertEqual(v[0], v[1], accuracy: 1e-5)
        XCTAssertLessThan(v[2], 1e-5)
    }

    /// Def. 6.14 + eq. 6.13 on a model small enough to differentiate by hand: F is one
    /// actnorm z = s⊙x + b on R³ (log|det J| = Σ log|s_k|), z_s = z_{1,2}, z_n = z_3; the
    /// nuisance classifier is W·z_n + c; the prior is N(β, γ) written as an actnorm
    /// u = s_p·z_n + b_p. One SGD step (lr 1) of each objective is checked against the
    /// hand-computed gradients, and the loss value against the formula.
    func testIndependenceCrossEntropyLossAndGradientsByHand() throws {
        let out = try runScript("""
        model flow(input: [3]) { actnorm(data_init: false) }
        model prior(input: [1]) { actnorm(data_init: false) }
        model nuisance(input: [1]) { dense(2) }
        assign(flow.actnorm1.scale, [1.5, -0.5, 2])
        assign(flow.actnorm1.shift, [0.1, 0.2, -0.3])
        assign(prior.actnorm1.scale, [0.8])
        assign(prior.actnorm1.shift, [0.25])
        assign(nuisance.dense1.weight, [[0.7], [-0.4]])
        assign(nuisance.dense1.bias, [0.05, -0.1])
        data pairs = dataset([[0.3, -1.2, 0.5], [1.1, 0.4, -0.7]], [1, 0])
        fn ice_loss(x, y) {
          let forward = forward_logdet(flow, x)
          let zn = forward.z[:, 2:]
          let mle = (flow_nll(prior, zn) - mean(forward.logdet)) / 3
          return cross_entropy(forward.z[:, 0:2], y) - cross_entropy(nuisance(zn), y) + mle
        }
        print format(ice_loss(pairs.x, pairs.y), 10)
        train flow, prior, nuisance on pairs {
          minimize ice_loss(x, y) over flow, prior
          maximize -cross_entropy(nuisance(flow(x)[:, 2:]), y) over nuisance
          optimizer sgd(lr: 1)
          steps 1  batch 2  shuffle false
        }
        for v in [flow.actnorm1.scale, flow.actnorm1.shift, prior.actnorm1.scale, prior.actnorm1.shift, reshape(nuisance.dense1.weight, [2]), nuisance.dense1.bias] {
          for i in range(shape(v)[0]) { print format(item(v[i]), 10) }
        }
        """)
        let v = numbers(out)
        XCTAssertEqual(v.count, 1 + 3 + 3 + 1 + 1 + 2 + 2, out)

        // The hand computation (Double).
        let xs: [[Double]] = [[0.3, -1.2, 0.5], [1.1, 0.4, -0.7]], ys = [1, 0]
        var s = [1.5, -0.5, 2.0], b = [0.1, 0.2, -0.3]
        var sp = 0.8, bp = 0.25
        var w = [0.7, -0.4], c = [0.05, -0.1]
        let n = 2.0, d = 3.0
        func softmax(_ a: [Double]) -> [Double] { let m = a.max()!; let e = a.map { Foundation.exp($0 - m) }; let t = e.reduce(0, +); return e.map { $0 / t } }
        func ce(_ a: [Double], _ y: Int) -> Double { -Foundation.log(softmax(a)[y]) }
        let z = xs.map { x in (0..<3).map { s[$0] * x[$0] + b[$0] } }
        var loss = 0.0
        for i in 0..<2 {
            let u = sp * z[i][2] + bp
            loss += ce([z[i][0], z[i][1]], ys[i]) / n - ce([w[0] * z[i][2] + c[0], w[1] * z[i][2] + c[1]], ys[i]) / n
            loss += (0.5 * u * u + 0.5 * Foundation.log(2 * Double.pi) - Foundation.log(abs(sp))) / (d * n)
        }
        loss -= s.map { Foundation.log(abs($0)) }.reduce(0, +) / d
        XCTAssertEqual(v[0], loss, accuracy: 1e-5)

        // ∂L/∂z per example, then the parameters of the flow and the prior.
        var gs = [0.0, 0, 0], gb = [0.0, 0, 0], gsp = -1 / (d * sp), gbp = 0.0
        for i in 0..<2 {
            let p = softmax([z[i][0], z[i][1]])
            let q = softmax([w[0] * z[i][2] + c[0], w[1] * z[i][2] + c[1]])
            let u = sp * z[i][2] + bp
            var gz = [(p[0] - (ys[i] == 0 ? 1 : 0)) / n, (p[1] - (ys[i] == 1 ? 1 : 0)) / n, 0]
            gz[2] = -(w[0] * (q[0] - (ys[i] == 0 ? 1 : 0)) + w[1] * (q[1] - (ys[i] == 1 ? 1 : 0))) / n + sp * u / (d * n)
            for k in 0..<3 { gs[k] += gz[k] * xs[i][k]; gb[k] += gz[k] }
            gsp += u * z[i][2] / (d * n)
            gbp += u / (d * n)
        }
        for k in 0..<3 { gs[k] -= 1 / (d * s[k]); s[k] -= gs[k]; b[k] -= gb[k] }
        sp -= gsp; bp -= gbp
        // The maximize step runs after, on the updated flow: it minimises CE(W·z_n + c, y).
        var gw = [0.0, 0], gc = [0.0, 0]
        for i in 0..<2 {
            let zn = s[2] * xs[i][2] + b[2]
            let q = softmax([w[0] * zn + c[0], w[1] * zn + c[1]])
            for k in 0..<2 { let e = q[k] - (ys[i] == k ? 1 : 0); gw[k] += e * zn / n; gc[k] += e / n }
        }
        for k in 0..<2 { w[k] -= gw[k]; c[k] -= gc[k] }
        let expected = s + b + [sp, bp] + w + c
        for (got, want) in zip(v.dropFirst(), expected) { XCTAssertEqual(got, want, accuracy: 1e-5, "\(v) vs \(expected)") }
    }

    func testErrors() {
        let readout = scriptError("""
        model flow(input: [4]) { residual lipschitz(c: 0.5) { dense(4) } }
        print metameric_sample(flow, randn([2, 4]), randn([2, 4]), classes: 4)
        """)
        XCTAssertTrue(readout.contains("leaves no nuisance variables"), readout)
        XCTAssertTrue(readout.contains("test.net:2:"), readout)
        let notFlow = scriptError("""
        model mlp(input: [4]) { dense(4) relu dense(4) }
        print metameric_sample(mlp, randn([2, 4]), randn([2, 4]), classes: 2)
        """)
        XCTAssertTrue(notFlow.contains("metameric_sample needs a flow; 'mlp' is not one: layer 1 (dense1) — not invertible"), notFlow)
        let unconstrained = scriptError("""
        model f(input: [4]) { residual { dense(8) relu dense(4) } }
        print metameric_sample(f, randn([2, 4]), randn([2, 4]), classes: 2)
        """)
        XCTAssertTrue(unconstrained.contains("body not Lipschitz-constrained"), unconstrained)
        let logdet = scriptError("""
        model mlp(input: [4]) { dense(4) relu dense(4) }
        print forward_logdet(mlp, randn([2, 4])).logdet
        """)
        XCTAssertTrue(logdet.contains("test.net:2:22: error: forward_logdet needs a flow; 'mlp' is not one"), logdet)
        let overlap = scriptError("""
        data blobs = generate("blobs", n: 100, seed: 2)
        model clf(input: [2]) { dense(3) }
        model adv(input: [3]) { dense(3) }
        train clf, adv on blobs {
          minimize cross_entropy(clf(x), y) over clf, adv
          maximize -cross_entropy(adv(clf(x)), y) over adv
          steps 1
        }
        """)
        XCTAssertTrue(overlap.contains("min-max training needs separate parameter sets: 'adv'"), overlap)
        XCTAssertTrue(overlap.contains("test.net:6:"), overlap)
        let comparison = scriptError("""
        model m(input: [2]) { dense(1) }
        print grad(fn(v) = sum(greater(m(v), 0)), [[1, 2]])
        """)
        XCTAssertTrue(comparison.contains("greater is not differentiable"), comparison)
    }
}
