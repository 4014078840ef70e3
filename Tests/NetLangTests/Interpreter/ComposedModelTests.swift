import Foundation
import XCTest
import NetRuntime
@testable import NetLang

/// A model used by name as a layer of another (issue 24 item 5): the same numbers as
/// calling the models in sequence, shared parameters, gradients through the inner model,
/// checkpoints and the flow check seeing through it.
final class ComposedModelTests: XCTestCase {
    static let models = """
    model feat(input: [3]) { dense(16) tanh dense(8) relu }
    model head(input: [8]) { dense(4) }
    model clf(input: [3]) { feat head }
    let x = [[0.5, -1, 2], [1, 0.3, -0.2], [-2, 0.1, 0.7]]
    """

    /// Runs `source` in a fresh interpreter (seed 0, output discarded, files in a scratch folder).
    private func interpreter(_ source: String, output: URL = temporaryFolder("netl-compose")) throws -> Interpreter {
        let interpreter = Interpreter(seed: 0, outputDirectory: output.path)
        interpreter.output = { _ in }
        interpreter.progress.enabled = false
        try interpreter.run(SourceFile(name: "composed.net", text: source))
        return interpreter
    }

    private func tensor(_ interpreter: Interpreter, _ name: String, file: StaticString = #filePath, line: UInt = #line) -> Tensor<Double> {
        guard case let .tensor(t)? = interpreter.globals.lookup(name) else {
            XCTFail("'\(name)' is not a tensor", file: file, line: line)
            return Tensor.zeros([1])
        }
        return t
    }

    func testComposedForwardEqualsTheModelsInSequenceBitForBit() throws {
        let run = try interpreter(Self.models + """

        let composed = clf(x)
        let chained = head(feat(x))
        let one = clf(x[0])
        """)
        let composed = tensor(run, "composed"), chained = tensor(run, "chained")
        XCTAssertEqual(composed.shape, [3, 4])
        XCTAssertEqual(composed.scalars, chained.scalars)
        XCTAssertEqual(tensor(run, "one").scalars, Array(chained.scalars[0..<4]))
        guard case let .model(clf)? = run.globals.lookup("clf") else { return XCTFail("no clf") }
        // Shared, not copied: clf holds feat's and head's variables and creates none.
        XCTAssertEqual(clf.model.parameterCount, (3 * 16 + 16) + (16 * 8 + 8) + (8 * 4 + 4))
        XCTAssertEqual(clf.model.variables.map { clf.model.name(of: $0) },
                       ["clf.feat.dense1.weight", "clf.feat.dense1.bias", "clf.feat.dense2.weight", "clf.feat.dense2.bias",
                        "clf.head.dense1.weight", "clf.head.dense1.bias"])
        XCTAssertEqual(clf.model.variables.map { ($0.operation as! VariableOp).label }.first, "feat.dense1.weight")
    }

    /// At widths where the executor fuses dense chains (`DenseChainFusion`), a composed
    /// model is its layers written inline, bit for bit; called in sequence the models are
    /// two chains, so the two agree bit for bit only without fusion (with it, to the
    /// rounding of the BLAS blocking).
    func testAComposedModelIsItsLayersInline() throws {
        let source = """
        model feat(input: [64]) { dense(256) relu dense(128) relu }
        model head(input: [128]) { dense(10) }
        model clf(input: [64]) { feat head }
        model flat(input: [64]) { dense(256) relu dense(128) relu dense(10) }
        assign(flat.dense1.weight, feat.dense1.weight)
        assign(flat.dense1.bias, feat.dense1.bias)
        assign(flat.dense2.weight, feat.dense2.weight)
        assign(flat.dense2.bias, feat.dense2.bias)
        assign(flat.dense3.weight, head.dense1.weight)
        assign(flat.dense3.bias, head.dense1.bias)
        let x = randn([200, 64], seed: 3)
        let composed = clf(x)
        let inline = flat(x)
        let chained = head(feat(x))
        """
        let fused = try interpreter(source)
        XCTAssertEqual(tensor(fused, "composed").scalars, tensor(fused, "inline").scalars)
        let saved = DenseChainFusion.isEnabled
        DenseChainFusion.isEnabled = false
        defer { DenseChainFusion.isEnabled = saved }
        let unfused = try interpreter(source)
        XCTAssertEqual(tensor(unfused, "composed").scalars, tensor(unfused, "chained").scalars)
        XCTAssertEqual(tensor(unfused, "composed").scalars, tensor(unfused, "inline").scalars)
    }

    func testTrainingTheOuterModelTrainsTheInnerOneInPlace() throws {
        let run = try interpreter(Self.models + """

        data blobs = generate("blobs", n: 120, seed: 3)
        model feat2(input: [2]) { dense(8) tanh }
        model clf2(input: [2]) { feat2 dense(3) }
        let w0 = feat2.dense1.weight + 0
        let head0 = clf2.dense1.weight + 0
        train clf2 on blobs { loss cross_entropy(clf2(x), y) epochs 2 }
        let moved = max(abs(feat2.dense1.weight - w0))
        let headMoved = max(abs(clf2.dense1.weight - head0))
        let same = clf2.feat2.dense1.weight - feat2.dense1.weight
        let p = [[0.3, -0.4]]
        let composed = clf2(p)
        let chained = feat2(p) @ transpose(clf2.dense1.weight) + clf2.dense1.bias
        """)
        guard case let .number(moved)? = run.globals.lookup("moved"), case let .number(headMoved)? = run.globals.lookup("headMoved") else {
            return XCTFail("no moved")
        }
        XCTAssertGreaterThan(moved, 1e-4, "training clf2 did not change feat2's weights")
        XCTAssertGreaterThan(headMoved, 1e-4)
        XCTAssertEqual(Set(tensor(run, "same").scalars), [0])
        // feat2 called on its own afterwards sees the trained weights.
        let composed = tensor(run, "composed"), chained = tensor(run, "chained")
        for (a, b) in zip(composed.scalars, chained.scalars) { XCTAssertEqual(a, b, accuracy: 1e-6) }
    }

    func testGradientThroughTheInnerModelMatchesFiniteDifferences() throws {
        let run = try interpreter("""
        model feat(input: [2]) { dense(5) tanh dense(2) elu }
        model inner(input: [2]) { residual lipschitz(c: 0.7) { dense(6) elu dense(2) } }
        model outer(input: [2]) { actnorm(data_init: false) inner }
        model clf(input: [2]) { feat dense(2) }
        assign(outer.actnorm1.scale, [1.5, 0.5])
        let x = [[0.5, -1], [1, 0.3], [-0.4, 2]]
        let y = [[1, 0], [0, 1], [0.5, -0.5]]
        fn loss(nets) = mse(nets[0](x), y) + flow_nll(nets[1], nets[0](x), method: "exact")
        """)
        guard case let .function(f)? = run.globals.lookup("loss"), case let .model(clf)? = run.globals.lookup("clf"),
              case let .model(outer)? = run.globals.lookup("outer") else { return XCTFail("script did not define loss, clf, outer") }
        let span = SourceSpan(file: SourceFile(name: "check.net", text: "grad"), start: 0, end: 4)
        let context = BuiltinContext(name: "grad", span: span, interpreter: run)
        let (loss, entries) = try context.parameterGradientGraph(f, argument: .list([.model(clf), .model(outer)]),
                                                                  models: [clf, outer], span: span)
        let names = entries.map(\.name)
        XCTAssertTrue(names.contains("clf.feat.dense1.weight") && names.contains("outer.inner.residual1.dense2.weight"), "\(names)")
        let store = VariableStore<Double>(converting: run.variables)
        let executor = Executor<Double>(graph: run.graph, outputs: [loss] + entries.map(\.gradient), variables: store)
        executor.run()
        // Every gradient read before any parameter is perturbed.
        let reported = entries.map { executor.value($0.gradient) }
        var checked = 0
        for (entry, gradient) in zip(entries, reported) {
            checked += ParameterGradientTests.assertCentralDifferences(gradient, of: loss, in: entry.parameter, name: entry.name,
                                                                       store: store, executor: executor)
        }
        XCTAssertGreaterThan(checked, 50)
    }

    func testSaveThenLoadIntoARedefinedComposedModelIsBitExact() throws {
        let folder = temporaryFolder("netl-compose-ckpt")
        defer { try? FileManager.default.removeItem(at: folder) }
        let run = try interpreter("""
        data blobs = generate("blobs", n: 120, seed: 3)
        model feat(input: [2]) { dense(8) lipschitz(0.9) tanh }
        model clf(input: [2]) { feat dense(3) }
        train clf on blobs { loss cross_entropy(clf(x), y) epochs 1 }
        let p = [[0.3, -0.4], [2, 1]]
        let before = clf(p)
        let featBefore = feat(p)
        save clf to "clf.safetensors"
        model feat(input: [2]) { dense(8) lipschitz(0.9) tanh }
        model clf(input: [2]) { feat dense(3) }
        let fresh = clf(p)
        load clf from "clf.safetensors"
        let after = clf(p)
        let featAfter = feat(p)
        """, output: folder)
        XCTAssertNotEqual(tensor(run, "fresh").scalars, tensor(run, "before").scalars)
        XCTAssertEqual(tensor(run, "after").scalars, tensor(run, "before").scalars)
        // Loading the outer model loads the inner one it shares.
        XCTAssertEqual(tensor(run, "featAfter").scalars, tensor(run, "featBefore").scalars)
        let names = try Safetensors.read(folder.appendingPathComponent("clf.safetensors").path).keys.sorted()
        XCTAssertEqual(names, ["clf.dense1.bias", "clf.dense1.weight", "clf.feat.dense1.bias", "clf.feat.dense1.u", "clf.feat.dense1.weight"])
    }

    func testInverseOfAnIResNetInsideAnIResNet() throws {
        let run = try interpreter("""
        model inner(input: [2]) { repeat 2 { residual lipschitz(0.7) { dense(16) elu dense(2) } } }
        model outer(input: [2]) {
          actnorm(data_init: false)
          inner
          residual lipschitz(0.7) { dense(16) elu dense(2) }
        }
        assign(outer.actnorm1.scale, [2, 0.5])
        let x = [[0.5, -1], [1, 2], [0.1, 0.3]]
        let inv = inverse(outer, outer(x), tolerance: 1e-6)
        let back = inv.x
        let ok = check_lipschitz(outer).ok
        let names = [inv.blocks[0].name, inv.blocks[1].name, inv.blocks[2].name]
        let logdet = forward_logdet(outer, x, method: "exact").logdet
        let logdetInner = forward_logdet(inner, x * [2, 0.5], method: "exact").logdet
        """)
        for (a, b) in zip(tensor(run, "back").scalars, [0.5, -1, 1, 2, 0.1, 0.3]) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertEqual(run.globals.lookup("ok").map(run.display), "true")
        XCTAssertEqual(run.globals.lookup("names").map(run.display), "[inner.residual1, inner.residual2, residual1]")
        // The outer log-det holds the inner model's terms: it exceeds log 2 + log 0.5 plus the
        // inner blocks' by the last block's alone, which is bounded by Lemma 5.5.
        let outer = tensor(run, "logdet").scalars, inner = tensor(run, "logdetInner").scalars
        for (o, i) in zip(outer, inner) { XCTAssertLessThan(abs(o - i), 2 * log(1 + 0.49) + 1e-6) }
    }

    /// A model used twice is one set of weights (tied) under two paths; the inverse's
    /// measured Lip(g) of the second use follows a change of those weights (it was cached
    /// by name, and the second path names no variable).
    func testATiedBlockIsMeasuredAfreshWhenItsWeightsChange() throws {
        let run = try interpreter("""
        model blk(input: [2]) { residual lipschitz(0.9) { dense(4) elu dense(2) } }
        model flow(input: [2]) { blk blk }
        let x = [[0.5, -1], [1, 2]]
        let a = inverse(flow, flow(x))
        assign(blk.residual1.dense1.weight, blk.residual1.dense1.weight * 0.1)
        let b = inverse(flow, flow(x))
        let names = [b.blocks[0].name, b.blocks[1].name]
        let bounds = [a.blocks[0].lipschitz, a.blocks[1].lipschitz, b.blocks[0].lipschitz, b.blocks[1].lipschitz]
        let back = b.x
        """)
        XCTAssertEqual(run.globals.lookup("names").map(run.display), "[blk.residual1, blk2.residual1]")
        guard case let .list(values)? = run.globals.lookup("bounds") else { return XCTFail("no list") }
        let l = values.compactMap { if case let .number(v) = $0 { v } else { nil } }
        XCTAssertEqual(l.count, 4)
        XCTAssertEqual(l[0], l[1]); XCTAssertEqual(l[2], l[3])
        XCTAssertLessThan(l[3], 0.5 * l[1])
        for (a, b) in zip(tensor(run, "back").scalars, [0.5, -1, 1, 2]) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        guard case let .model(flow)? = run.globals.lookup("flow") else { return XCTFail("no flow") }
        XCTAssertEqual(flow.model.parameterCount, 2 * 4 + 4 + 4 * 2 + 2)
    }

    func testReceptiveFieldWalksIntoTheInnerModel() throws {
        XCTAssertEqual(try runScript("""
        model c(input: [1, 8, 8]) { conv2d(4, kernel: 3) relu }
        model net(input: [1, 8, 8]) { c maxpool2d(2) flatten dense(3) }
        print receptive_field(net), receptive_field(c)
        """), "4 3")
    }

    func testAModelInsideAResidualBodyCountsByItsLayers() throws {
        let run = try interpreter("""
        model g(input: [2]) { dense(8) lipschitz(0.7) elu dense(2) lipschitz(0.7) }
        model f(input: [2]) { residual { g } }
        let report = check_lipschitz(f)
        let rows = [report.layers[0].name, report.layers[1].name, report.layers[2].name]
        let x = [[0.5, 1], [-1, 0.2]]
        let back = inverse(f, f(x)).x
        """)
        XCTAssertEqual(run.globals.lookup("rows").map(run.display), "[residual1.g.dense1, residual1.g.elu1, residual1.g.dense2]")
        for (a, b) in zip(tensor(run, "back").scalars, [0.5, 1, -1, 0.2]) { XCTAssertEqual(a, b, accuracy: 1e-5) }
        XCTAssertTrue(scriptError("""
        model g(input: [2]) { dense(2) }
        model f(input: [2]) { residual { g } }
        print inverse(f, [[1, 2]])
        """).contains("layer 1 (residual1) — body not Lipschitz-constrained: dense(2) has no lipschitz constraint"))
    }

    func testFreezeKeepsTheInnerModelAndTrainsTheRest() throws {
        let run = try interpreter("""
        data blobs = generate("blobs", n: 120, seed: 3)
        model feat(input: [2]) { dense(8) tanh }
        model clf(input: [2]) { feat dense(3) }
        let w0 = feat.dense1.weight + 0
        let h0 = clf.dense1.weight + 0
        freeze(feat)
        train clf on blobs { loss cross_entropy(clf(x), y) epochs 1 }
        let frozenMoved = max(abs(feat.dense1.weight - w0))
        let headMoved = max(abs(clf.dense1.weight - h0))
        unfreeze(feat)
        train clf on blobs { loss cross_entropy(clf(x), y) epochs 1 }
        let thawedMoved = max(abs(feat.dense1.weight - w0))
        """)
        XCTAssertEqual(run.globals.lookup("frozenMoved").map(run.display), "0")
        guard case let .number(head)? = run.globals.lookup("headMoved"), case let .number(thawed)? = run.globals.lookup("thawedMoved") else {
            return XCTFail("no numbers")
        }
        XCTAssertGreaterThan(head, 1e-4)
        XCTAssertGreaterThan(thawed, 1e-4)
        XCTAssertTrue(scriptError("""
        data blobs = generate("blobs", n: 60, seed: 3)
        model feat(input: [2]) { dense(3) }
        model clf(input: [2]) { feat }
        freeze(feat)
        train clf on blobs { loss cross_entropy(clf(x), y) epochs 1 }
        """).contains("5:1: error: nothing to train: the parameters are those of frozen models ('feat'); unfreeze(feat) trains them again"))
    }

    /// The editor's hover and go-to-definition on the inner model's name in a model body.
    func testTheInnerNameHasHoverAndDefinition() throws {
        let text = "model feat(input: [2]) { dense(4) relu }\nmodel clf(input: [2]) { feat dense(3) }\n"
        let file = SourceFile(name: "t.net", text: text)
        let index = DocumentIndex(parse(file).statements, file: file)
        let use = text.utf8.count - " dense(3) }\n".utf8.count - 2
        let definition = index.definition(of: "feat", at: use)
        XCTAssertEqual(definition?.kind, .model)
        XCTAssertEqual(definition?.nameSpan.start, 6)
        let run = try interpreter(text)
        let hover = HoverText.markdown(path: ["feat"], definition: definition, session: run) ?? ""
        XCTAssertTrue(hover.contains("model feat") && hover.contains("total parameters: 12"), hover)
    }

    func testErrorsAreLocated() {
        XCTAssertTrue(scriptError("""
        model feat(input: [2]) { dense(2) }
        model clf(input: [2]) { feat { dense(2) } }
        """).contains("2:25: error: 'feat' is a model; used as a layer it takes no body"))
        XCTAssertTrue(scriptError("""
        model feat(input: [2]) { dense(2) }
        model clf(input: [2]) { feat(3) }
        """).contains("takes no arguments"))
        XCTAssertTrue(scriptError("""
        model feat(input: [2]) { dense(2) }
        model clf(input: [2]) { feat lipschitz(0.9) }
        """).contains("2:30: error: lipschitz cannot constrain the model 'feat'"))
        XCTAssertTrue(scriptError("""
        let feat = 3
        model clf(input: [2]) { feat }
        """).contains("unknown layer 'feat'; 'feat' is the number 3, not a layer or a model"))
        // netl check builds models too: the shape error is found without running.
        XCTAssertThrowsError(try runScript("""
        model feat(input: [2]) { dense(2) }
        model clf(input: [4]) { feat }
        """, checkOnly: true)) { XCTAssertTrue("\($0)".contains("model 'feat' takes [N, 2], but gets [N, 4] here")) }
    }

    func testRedefiningAComposedModelWarnsAndTheOuterKeepsTheOldOne() throws {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        interpreter.progress.enabled = false
        var warnings: [String] = []
        interpreter.warning = { warnings.append($0.message) }
        try interpreter.run(SourceFile(name: "a.net", text: """
        data blobs = generate("blobs", n: 60, seed: 1)
        model feat(input: [2]) { dense(2) }
        model clf(input: [2]) { feat dense(3) }
        train clf on blobs { loss cross_entropy(clf(x), y) epochs 1 }
        let w = clf.feat.dense1.weight + 0
        model feat(input: [2]) { dense(2) }
        let same = max(abs(clf.feat.dense1.weight - w))
        let other = max(abs(feat.dense1.weight - w))
        """))
        // feat was trained (as clf's layer), but its weights are not discarded: clf keeps them,
        // so the one warning says that instead of "its weights are discarded".
        guard case let .model(clf)? = interpreter.globals.lookup("clf") else { return XCTFail("no clf") }
        XCTAssertEqual(interpreter.composedModelValues(clf).first?.learnedWeights, "trained for 1 step")
        XCTAssertEqual(warnings, ["this redefines 'feat', which 'clf' uses as a layer: it keeps the old 'feat' and its weights; the new 'feat' shares nothing with it"])
        XCTAssertEqual(interpreter.globals.lookup("same").map(interpreter.display), "0")
        XCTAssertNotEqual(interpreter.globals.lookup("other").map(interpreter.display), "0")
    }
}
