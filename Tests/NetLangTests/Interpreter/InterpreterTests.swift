import Foundation
import XCTest
@testable import NetLang
import NetRuntime

final class InterpreterTests: XCTestCase {
    func testArithmeticFunctionsAndControlFlow() throws {
        let out = try runScript("""
        let a = 2 + 3 * 4 ^ 2 / 8
        fn square(x) = x * x
        fn clamp(x, lo = 0, hi = 1) {
          if x < lo { return lo } else if x > hi { return hi }
          return x
        }
        let total = 0
        for i in range(4) { total = total + square(i) }
        repeat 2 { total = total + 1 }
        print a, total, clamp(5), clamp(-2, lo: -1), clamp(0.5)
        let inc = fn(v) = v + 1
        print inc(41), "ab" + "c", not (1 > 2) and true
        """)
        XCTAssertEqual(out, "8 16 1 -1 0.5\n42 abc true")
    }

    func testTensorArithmeticAndIndexing() throws {
        let out = try runScript("""
        let m = [[1, 2], [3, 4]]
        print m @ m
        print sum(m * 2), mean(m, axis: 0), m[1, 0], m[:, 1], shape(m)
        print softmax([0, 0])
        let parts = split([1, 2, 3, 4, 5], 2)
        print parts[0], parts[1], concat([parts[1], parts[0]])
        """)
        XCTAssertEqual(out, "[[7, 10],\n [15, 22]]\n20 [2, 3] 3 [2, 4] [2, 2]\n[0.5, 0.5]\n[1, 2] [3, 4, 5] [3, 4, 5, 1, 2]")
    }

    func testAutodiffBuiltins() throws {
        let out = try runScript("""
        print grad(fn(x) = sum(x ^ 3), [1, 2])
        print vjp(fn(x) = x * x, [1, 2, 3], [1, 0, 1])
        print jacobian(fn(x) = [[2, 0], [1, 3]] @ x, [[1], [1]])
        """)
        XCTAssertEqual(out, "[3, 12]\n[2, 0, 6]\n[[2, 0],\n [1, 3]]")
    }

    func testLinearAlgebraBuiltins() throws {
        let out = try runScript("""
        let a = [[3, 0], [0, -2]]
        print singular_values(a), slogdet(a).logabsdet, slogdet(a).sign
        print solve([[2, 0], [0, 4]], [2, 2]), spectral_norm(a)
        """)
        XCTAssertEqual(out, "[3, 2] \(formatValue(Foundation.log(6.0))) -1\n[1, 0.5] 3")
    }

    func testModelsBlocksResidualAndConstraints() throws {
        let interpreter = Interpreter()
        interpreter.output = { _ in }
        try interpreter.run(SourceFile(name: "t.net", text: """
        block bottleneck(ch, k = 3) {
          conv2d(ch, kernel: 1) relu
          conv2d(ch, kernel: k)
        }
        model net(input: [1, 8, 8]) {
          pad_channels(3)
          repeat 2 {
            residual lipschitz(c: 0.7) { bottleneck(4) }
          }
          squeeze
          flatten
          dense(10) lipschitz(0.9, iterations: 2)
        }
        """))
        guard case let .model(m)? = interpreter.globals.lookup("net") else { return XCTFail() }
        XCTAssertEqual(m.model.outputShape, [10])
        // Per residual: conv 4→4 k1 (20) + conv 4→4 k3 (148); dense 64·4→10 (2570).
        XCTAssertEqual(m.model.parameterCount, 2 * (20 + 148) + 2570)
        let rows = m.model.layerRows()
        XCTAssertEqual(rows.map(\.kind).prefix(5), ["pad_channels", "residual", "conv2d", "relu", "conv2d"])
        XCTAssertTrue(m.model.summary().contains("lipschitz(c: 0.7"), m.model.summary())
        XCTAssertTrue(m.model.summary().contains("lipschitz(c: 0.9, iterations: 2)"))
    }

    func testTrainingEvaluationSaveAndLoad() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("netl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try runScript("""
        data blobs = generate("blobs", n: 600, seed: 1, test: 0.25)
        model clf(input: [2]) { dense(16) tanh dense(3) }
        train clf on blobs.train {
          loss cross_entropy(clf(x), y) + weight_decay(clf, 1e-4)
          optimizer adam(lr: 0.02)
          epochs 20 batch 50
        }
        let before = accuracy(clf, blobs.test)
        print before > 0.9
        save clf to "clf.safetensors"
        model other(input: [2]) { dense(16) tanh dense(3) }
        print accuracy(other, blobs.test) == before
        """, baseDirectory: dir.path, outputDirectory: dir.path)
        XCTAssertTrue(out.hasSuffix("true\nfalse"), out)
        // Loading into a model with other names fails clearly and changes nothing.
        let error = scriptError("""
        model other(input: [2]) { dense(16) tanh dense(3) }
        load other from "\(dir.path)/clf.safetensors"
        """)
        XCTAssertTrue(error.contains("has no tensor 'other.dense1.weight'"), error)
        // Loading into a model of the same name restores its accuracy.
        let restored = try runScript("""
        data blobs = generate("blobs", n: 600, seed: 1, test: 0.25)
        model clf(input: [2]) { dense(16) tanh dense(3) }
        load clf from "clf.safetensors"
        print accuracy(clf, blobs.test) > 0.9
        """, seed: 5, baseDirectory: dir.path)
        XCTAssertEqual(restored, "true")
    }

    func testOverridesAndImports() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("netl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "let width = 7\nfn double(x) = 2 * x\n".write(to: dir.appendingPathComponent("lib.net"), atomically: true, encoding: .utf8)
        let out = try runScript("import \"lib.net\"\nlet epochs = 30\nprint double(width), epochs",
                                overrides: ["epochs": .number(2)], baseDirectory: dir.path)
        XCTAssertEqual(out, "14 2")
    }

    func testMinMaxTrainingRunsBothObjectives() throws {
        // A classifier and an adversary that tries to recover the label from the
        // classifier's first output only: minimise over clf, maximise over adv.
        let out = try runScript("""
        data blobs = generate("blobs", n: 300, seed: 2)
        model clf(input: [2]) { dense(8) tanh dense(3) }
        model adv(input: [3]) { dense(3) }
        train clf, adv on blobs {
          minimize cross_entropy(clf(x), y) - 0.1 * cross_entropy(adv(clf(x)), y) over clf
          maximize -cross_entropy(adv(clf(x)), y) over adv
          epochs 2 batch 50
        }
        print "done"
        """)
        XCTAssertTrue(out.hasSuffix("done"), out)
    }

    func testDivergingTrainingStopsCleanly() throws {
        let error = scriptError("""
        data blobs = generate("blobs", n: 200, seed: 2)
        model clf(input: [2]) { dense(3) }
        train clf on blobs {
          loss cross_entropy(clf(x), y) * 1e30 * 1e30
          optimizer sgd(lr: 1e30)
          epochs 3
        }
        """)
        XCTAssertTrue(error.contains("training diverged"), error)
    }
}

final class HyperparameterValidationTests: XCTestCase {
    /// Found by the fuzz test: a negative learning rate reached the optimiser's precondition.
    func testBadOptimizerSettingsAreDiagnostics() {
        XCTAssertTrue(scriptError("let o = sgd(lr: -0.9)").contains("'lr' must be a finite number ≥ 0"))
        XCTAssertTrue(scriptError("let o = adam(beta1: 1.5)").contains("betas must be in [0, 1)"))
        XCTAssertTrue(scriptError("let o = sgd(lr: 0.1, nesterov: true)").contains("nesterov needs a positive momentum"))
        XCTAssertTrue(scriptError("let o = adamax(weight_decay: -1)").contains("'weight_decay' must be"))
    }
}
