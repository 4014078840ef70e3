import XCTest
import NetLibrary
import NetRuntime
@testable import NetLang

/// Bounds and verdicts from measured norms, check_lipschitz's record, the Float64 exact
/// oracle, given probes, and the options that must not fall back silently (issue 9).
final class FlowMeasurementTests: XCTestCase {
    let flow = """
    data d = generate("moons", n: 20, seed: 1)
    model flow(input: [2]) {
      repeat 2 { actnorm residual lipschitz(c: 0.9) { dense(8) elu dense(2) } }
    }

    """

    func values(_ out: String) -> [Double] { out.split(whereSeparator: { $0 == "\n" || $0 == " " }).compactMap { Double($0) } }

    /// Weights scaled far below c: Lemma 5.5, Thm 5.8 and Lemma 4.5 use the measured
    /// Lip(g) (the SVD of each weight), not the nominal c·c = 0.81.
    func testBoundsUseMeasuredNorms() throws {
        let interpreter = Interpreter(seed: 0)
        interpreter.progress.enabled = false
        var lines: [String] = []
        interpreter.output = { lines.append($0) }
        try interpreter.run(SourceFile(name: "t.net", text: flow + """
        assign(flow.residual1.dense1.weight, flow.residual1.dense1.weight * 0.1)
        assign(flow.residual2.dense2.weight, flow.residual2.dense2.weight * 0.1)
        let b = logdet_bounds(flow)
        let r = check_lipschitz(flow)
        let s = series_error_bound(flow, 3)
        let inv = inverse(flow, predict(flow, d.x), iterations: 4)
        """))
        guard case let .model(m)? = interpreter.globals.lookup("flow") else { return XCTFail() }
        // Independent measurement: SVD of each effective weight (σ̂ is exact after the assign's refresh).
        var measured: [Double] = []
        for block in ["residual1", "residual2"] {
            var product = 1.0
            for layer in ["dense1", "dense2"] {
                let w = m.model.variables.first { ($0.operation as! VariableOp).label == "flow.\(block).\(layer).weight" }!
                product *= min(try spectralNorm(interpreter.variables.value(w)), 0.9)
            }
            measured.append(product)
        }
        XCTAssertLessThan(measured.max()!, 0.2)
        func number(_ name: String, _ path: [String]) -> Double {
            var v = interpreter.globals.lookup(name)!
            for p in path {
                if let i = Int(p), case let .list(items) = v { v = items[i] } else if case let .record(f) = v { v = f.first { $0.0 == p }!.1 }
            }
            guard case let .number(x) = v else { XCTFail("\(name).\(path) is \(v)"); return .nan }
            return x
        }
        for i in 0..<2 {
            XCTAssertEqual(number("b", ["lipschitz", "\(i)"]), measured[i], accuracy: 1e-6 * measured[i])
            XCTAssertEqual(number("b", ["nominal", "\(i)"]), 0.81, accuracy: 1e-12)
            XCTAssertEqual(number("r", ["blocks", "\(i)", "lipschitz"]), measured[i], accuracy: 1e-6 * measured[i])
            XCTAssertEqual(number("inv", ["blocks", "\(i)", "lipschitz"]), measured[i], accuracy: 1e-6 * measured[i])
        }
        // Lemma 5.5 with d = 2 (actnorm s = 1 contributes 0).
        let lower = measured.map { 2 * log(1 - $0) }.reduce(0, +), upper = measured.map { 2 * log(1 + $0) }.reduce(0, +)
        XCTAssertEqual(number("b", ["lower"]), lower, accuracy: 1e-6)
        XCTAssertEqual(number("b", ["upper"]), upper, accuracy: 1e-6)
        let thm58 = measured.map { LogDetBounds.theorem58(dimension: 2, lipschitz: $0, terms: 3) }.reduce(0, +)
        XCTAssertEqual(number("s", ["bound"]), thm58, accuracy: 1e-6 * thm58)
        XCTAssertTrue(lines.contains { $0.contains("measured Lip(g) ≤") }, lines.joined(separator: "\n"))
    }

    /// check_lipschitz lists every layer of a block (weights, activation slopes) and, after
    /// training with power iteration to a tolerance, its SVD norms agree with the training
    /// step's estimate σ̂ to 1e-6 relative.
    func testCheckLipschitzRecordAgreesWithTrainingEstimate() throws {
        let interpreter = Interpreter(seed: 2)
        interpreter.progress.enabled = false
        interpreter.output = { _ in }
        try interpreter.run(SourceFile(name: "t.net", text: """
        data d = generate("rings", n: 64, seed: 0)
        model flow(input: [2]) {
          residual lipschitz(c: 0.7, tolerance: 1e-6, max_iterations: 500) { dense(8) elu dense(8) tanh dense(2) }
        }
        train flow on d {
          loss flow_nll(flow, x)
          optimizer adam(lr: 5e-2)
          steps 3 batch 32
        }
        let r = check_lipschitz(flow)
        """))
        guard case let .record(fields)? = interpreter.globals.lookup("r"),
              case let .list(layers)? = fields.first(where: { $0.0 == "layers" })?.1 else { return XCTFail() }
        let rows = layers.compactMap { v -> [String: Value]? in
            guard case let .record(f) = v else { return nil }
            return Dictionary(uniqueKeysWithValues: f)
        }
        XCTAssertEqual(rows.compactMap { if case let .string(s)? = $0["name"] { s } else { nil } },
                       ["residual1.dense1", "residual1.elu1", "residual1.dense2", "residual1.tanh1", "residual1.dense3"])
        for row in rows where row["estimate"].map({ if case .number = $0 { true } else { false } }) == true {
            guard case let .number(norm)? = row["norm"], case let .number(estimate)? = row["estimate"] else { return XCTFail() }
            XCTAssertEqual(norm, estimate, accuracy: 1e-6 * norm, "\(row)")
            XCTAssertLessThanOrEqual(norm, 0.7 * (1 + 1e-6))
        }
        XCTAssertEqual(rows.filter { if case .number? = $0["estimate"] { true } else { false } }.count, 3)
    }

    /// The exact log-det is Float64: the 40-term series with the d scaled basis vectors
    /// as given probes (so Hutchinson's estimate is the exact trace) matches it to 1e-9,
    /// far below Float32's resolution; and the per-example log-det has shape [N].
    func testExactOracleIsFloat64AndGivenBasisProbesReproduceIt() throws {
        let out = try runScript(flow + """
        let x = take(d, 5).x
        let e = logdet(flow, x, method: "exact")
        let probes = [[[1.4142135623730951, 0]] * ones([5, 1]), [[0, 1.4142135623730951]] * ones([5, 1])]
        let s = logdet(flow, x, terms: 40, probes: probes, precision: "float64")
        print shape(e)
        print max(abs(e - s))
        print max(abs(e)) > 0.01
        """)
        let lines = out.split(separator: "\n")
        XCTAssertEqual(lines[0], "[5]")
        XCTAssertLessThan(Double(lines[1])!, 1e-9, out)
        XCTAssertEqual(lines[2], "true")
    }

    /// Given probes make the estimate reproducible exactly; random probes do not repeat.
    func testGivenProbesAreReproducible() throws {
        let out = try runScript(flow + """
        let p = randn([3, 20, 2], seed: 5)
        let a = flow_nll(flow, d, probes: p)
        let b = flow_nll(flow, d, probes: p)
        let c = flow_nll(flow, d, probes: 3)
        let e = flow_nll(flow, d, probes: 3)
        print a == b, c == e
        print max(abs(log_likelihood(flow, d, probes: p) - log_likelihood(flow, d, probes: p)))
        """)
        XCTAssertEqual(out, "true false\n0")
    }

    func testNoSilentFallbacks() throws {
        XCTAssertTrue(scriptError(flow + "print flow_nll(flow, d, method: \"exact\", gradient: \"neumann\")")
            .contains("gradient: applies to the series estimators, not to method: \"exact\""))
        XCTAssertTrue(scriptError(flow + "print flow_nll(flow, d, probes: randn([2, 3, 2]))").contains("probe vectors must have shape [P] + [20, 2]"))
        // A fixed count reports convergence only when the last residual is within tolerance.
        let out = try runScript(flow + """
        let y = predict(flow, d.x)
        print inverse(flow, y, iterations: 1).converged, inverse(flow, y, iterations: 60).converged
        """)
        XCTAssertEqual(out, "false true")
        // sample: a non-converged inverse is an error that names the block.
        let e = scriptError(flow + "print sample(flow, 5, max_iterations: 1)")
        XCTAssertTrue(e.contains("sample: the inverse did not converge to tolerance 1e-05 within 1 iteration in residual"), e)
        // The power-iteration tolerance is the one asked for (below Float32's reach is an error, not a clamp).
        XCTAssertTrue(scriptError("model f(input: [2]) { residual lipschitz(c: 0.5, tolerance: 1e-8) { dense(2) } }")
            .contains("tolerance 1e-08 is below what Float32 power iteration resolves"))
    }
}

extension FlowMeasurementTests {
    /// After a few training steps and with an actnorm scale of 0.01, every exact log-det
    /// lies within logdet_bounds: actnorm's exact terms are part of the bound.
    func testExactLogDetLiesWithinTheBounds() throws {
        let out = try runScript(flow + """
        train flow on d {
          loss flow_nll(flow, x)
          optimizer adam(lr: 1e-2)
          steps 3 batch 20
        }
        assign(flow.actnorm1.scale, [0.01, 0.01])         # log-det 2·log 0.01 ≈ −9.2, beyond the residual blocks' range
        let b = logdet_bounds(flow)
        let e = logdet(flow, d, method: "exact")
        print max(b.lower - e) <= 0, max(e) <= b.upper, b.upper - b.lower > 0
        """)
        XCTAssertEqual(out.split(separator: "\n").last, "true true true", out)
    }
}

extension FlowMeasurementTests {
    /// predict(…, precision: "float64") computes with a Float64 copy of the (Float32)
    /// parameters: 0.1f·1 + 0.2f·1 summed in Float64, not rounded to Float32.
    func testPredictInFloat64() throws {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        try interpreter.run(SourceFile(name: "t.net", text: """
        model lin(input: [2]) { dense(1, bias: false) }
        assign(lin.dense1.weight, [[0.1, 0.2]])
        let a = predict(lin, [[1, 1]], precision: "float64")
        let b = predict(lin, [[1, 1]])
        """))
        guard case let .tensor(a)? = interpreter.globals.lookup("a"), case let .tensor(b)? = interpreter.globals.lookup("b") else { return XCTFail() }
        XCTAssertEqual(a.scalars[0], Double(Float(0.1)) + Double(Float(0.2)))
        XCTAssertEqual(b.scalars[0], Double(Float(0.1) + Float(0.2)))
        XCTAssertNotEqual(a.scalars[0], b.scalars[0])
    }
}
