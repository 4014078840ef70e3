import Foundation
import XCTest
import NetRuntime
@testable import NetLang

/// Training as a value and training that continues (issue 24): `let h = train …` returns
/// the history; `validate DATA every N`, `early_stop(patience:)`, `keep best`; optimiser
/// state carried across train blocks unless `reset optimizer`; schedules in steps.
final class TrainingHistoryTests: XCTestCase {
    static let classifier = """
    data blobs = generate("blobs", n: 300, seed: 1, test: 0.3)
    model clf(input: [2]) { dense(16) relu dense(3) }

    """

    /// `let h = train clf …` with Adam at 0.05 and the given settings.
    static func trainClassifier(_ settings: String) -> String {
        classifier + "let h = train clf on blobs.train {\n  loss cross_entropy(clf(x), y)\n  optimizer adam(lr: 0.05)\n" + settings + "\n}\n"
    }

    func numbers(_ line: Substring) -> [Double] {
        line.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces))! }
    }

    func testHistoryRecordsEveryEpochAndValidation() throws {
        let out = try runScript(Self.trainClassifier("epochs 5 batch 64\nvalidate on blobs.test every 2") + """
        print len(h.loss), h.steps, h.val_epoch, h.stopped_early, h.restored_best
        print h.val_loss
        print h.val_accuracy
        print cross_entropy(clf, blobs.test), accuracy(clf, blobs.test)
        print h.seconds[4] >= h.seconds[0]
        """)
        let lines = out.split(separator: "\n").filter { !$0.hasPrefix("epoch") && !$0.hasPrefix("trained") }
        XCTAssertEqual(lines[0], "5 15 [2, 4, 5] false false", out)   // every 2nd epoch and the last
        let valLoss = numbers(lines[1]), valAccuracy = numbers(lines[2])
        let final = lines[3].split(separator: " ").map { Double($0)! }
        // The last validation ran on the final parameters: it equals the top-level evaluation
        // (Float32 in training, Float64 at the top level).
        XCTAssertEqual(valLoss.count, 3)
        XCTAssertEqual(valLoss[2], final[0], accuracy: 1e-5 * max(1, final[0]))
        XCTAssertEqual(valAccuracy[2], final[1])
        XCTAssertEqual(lines[4], "true")
        XCTAssertTrue(out.contains("epoch 2/5  loss"), out)
        XCTAssertTrue(out.contains("val_loss"), out)
        XCTAssertFalse(out.contains("epoch 1/5"), "epoch 1 is not validated under every 2: \(out)")
    }

    /// The validation set runs in chunks of max(batch, 256) and a remainder plan: 390
    /// examples with batch 8 are one chunk of 256 and one of 134, averaged by size.
    func testValidationLossOfASetLargerThanAChunkIsTheWholeSetsLoss() throws {
        let out = try runScript("""
        data blobs = generate("blobs", n: 400, seed: 2, test: 0.975)
        model clf(input: [2]) { dense(8) relu dense(3) }
        let h = train clf on blobs.train {
          loss cross_entropy(clf(x), y)
          epochs 1 batch 8
          validate blobs.test
        }
        print len(blobs.test), h.val_loss[0], cross_entropy(clf, blobs.test)
        """)
        let last = out.split(separator: "\n").last!.split(separator: " ").map { Double($0)! }
        XCTAssertEqual(last[0], 390)
        XCTAssertEqual(last[1], last[2], accuracy: 1e-5)
    }

    /// Keras' EarlyStopping(monitor="val_loss", patience, restore_best_weights=True).
    func testEarlyStoppingStopsAfterPatienceValidationsAndKeepBestRestoresTheBest() throws {
        let out = try runScript(Self.trainClassifier("epochs 60 batch 64\nvalidate blobs.test\nearly_stop(patience: 3)\nkeep best") + """
        print h.best_epoch, h.stopped_early, h.restored_best, len(h.loss)
        print h.best_val_loss, cross_entropy(clf, blobs.test)
        for i in range(len(h.val_loss)) { print "val", h.val_loss[i] }
        """)
        let all = out.split(separator: "\n").filter { !$0.hasPrefix("epoch") && !$0.hasPrefix("trained") && !$0.hasPrefix("stopped") && !$0.hasPrefix("keep") }
        let valLoss = all.filter { $0.hasPrefix("val ") }.map { Double($0.dropFirst(4))! }
        let lines = [""] + all.filter { !$0.hasPrefix("val ") }
        // Where the rule stops: three validations in a row without a new best.
        var best = Double.infinity, bestEpoch = 0, waited = 0, stop = valLoss.count
        for (i, v) in valLoss.enumerated() {
            if v < best { best = v; bestEpoch = i + 1; waited = 0 } else { waited += 1 }
            if waited == 3 { stop = i + 1; break }
        }
        XCTAssertLessThan(stop, 60, "the run should stop early: \(valLoss)")
        XCTAssertEqual(valLoss.count, stop)
        XCTAssertEqual(lines[1], "\(bestEpoch) true true \(stop)", out)
        let restored = lines[2].split(separator: " ").map { Double($0)! }
        XCTAssertEqual(restored[0], best, accuracy: 1e-6)
        XCTAssertEqual(restored[1], best, accuracy: 1e-5 * max(1, best), "keep best restored other parameters")
        XCTAssertTrue(out.contains("stopped early after epoch \(stop) of 60"), out)
        XCTAssertTrue(out.contains("keep best: restored the parameters of epoch \(bestEpoch)"), out)
    }

    /// Two one-epoch blocks continue Adam (moments, step count), the schedule (its epoch
    /// and step) and the random streams (shuffling, dropout): they equal one two-epoch
    /// block exactly; `reset optimizer` restarts them, as every block did before.
    func testOptimizerStateContinuesAcrossTrainBlocksUnlessReset() throws {
        var script = """
        data blobs = generate("blobs", n: 128, seed: 1)
        model a(input: [2]) { dense(8) relu dropout(0.1) dense(3) }
        model b(input: [2]) { dense(8) relu dropout(0.1) dense(3) }
        model c(input: [2]) { dense(8) relu dropout(0.1) dense(3) }

        """
        for m in ["b", "c"] {
            for p in ["dense1.weight", "dense1.bias", "dense2.weight", "dense2.bias"] { script += "assign(\(m).\(p), a.\(p))\n" }
        }
        func block(_ m: String, _ epochs: Int, _ extra: String = "") -> String {
            "train \(m) on blobs { loss cross_entropy(\(m)(x), y)  optimizer adam(lr: 0.01)  epochs \(epochs) batch 32\n schedule warmup(3, then: step_decay(0.01, 1, gamma: 0.5)) \(extra) }\n"
        }
        script += block("a", 2) + block("b", 1) + block("b", 1) + block("c", 1) + block("c", 1, "\n reset optimizer")
        script += "print max(abs(a.dense2.weight - b.dense2.weight)) == 0, max(abs(a.dense2.weight - c.dense2.weight)) > 1e-4\n"
        // Another kind of optimiser starts afresh (its state has another form).
        script += "train a on blobs { loss cross_entropy(a(x), y)  optimizer sgd(lr: 0.01)  steps 2 }\nprint \"ok\""
        let out = try runScript(script)
        XCTAssertTrue(out.contains("\ntrue true\n"), out)
        XCTAssertTrue(out.hasSuffix("ok"), out)
    }

    func testSchedulesCountStepsOrEpochs() throws {
        let interpreter = Interpreter(seed: 0, baseDirectory: FileManager.default.temporaryDirectory.path)
        interpreter.output = { _ in }
        try interpreter.run(SourceFile(name: "s.net", text: """
        let by_steps = cosine_lr(0.1, 10, unit: "steps")
        let by_epochs = cosine_lr(0.1, 10)
        let decay = step_decay(1, 4, gamma: 0.5, unit: "steps")
        """))
        func schedule(_ name: String) -> any LearningRateSchedule {
            guard case let .schedule(s)? = interpreter.globals.lookup(name) else { fatalError(name) }
            return s
        }
        // Epoch 0, step 5: half of the steps' cosine, none of the epochs'.
        XCTAssertEqual(schedule("by_steps").learningRate(epoch: 0, step: 5), 0.05, accuracy: 1e-12)
        XCTAssertEqual(schedule("by_epochs").learningRate(epoch: 0, step: 5), 0.1, accuracy: 1e-12)
        XCTAssertEqual(schedule("decay").learningRate(epoch: 0, step: 9), 0.25, accuracy: 1e-12)
        let message = scriptError("let s = cosine_lr(0.1, 400 / 3)")
        XCTAssertTrue(message.contains("got 133.333; to count optimiser steps write cosine_lr(lr, steps, unit: \"steps\")"), message)
        XCTAssertTrue(scriptError("let s = cosine_lr(0.1, 10, unit: \"step\")").contains("step"))
    }

    func testEarlyStopAndKeepBestNeedAValidationSet() {
        for item in ["early_stop(patience: 2)", "keep best"] {
            let message = scriptError(Self.classifier + "train clf on blobs.train {\n  loss cross_entropy(clf(x), y)\n  \(item)\n}")
            XCTAssertTrue(message.contains("test.net:5:3: error: \(item) watches the validation loss: add 'validate DATA' to the block"), message)
        }
        let misspelt = scriptError(Self.classifier + "train clf on blobs.train {\n  loss cross_entropy(clf(x), y)\n  validate blobs.test\n  early_stop(patince: 2)\n}")
        XCTAssertTrue(misspelt.contains("patince"), misspelt)
        XCTAssertTrue(scriptError(Self.classifier + "train clf on blobs.train {\n  loss cross_entropy(clf(x), y)\n  reset optimiser\n}")
            .contains("expected 'optimizer' after 'reset'"))
        XCTAssertTrue(scriptError(Self.classifier + "train clf on blobs.train {\n  loss cross_entropy(clf(x), y)\n  validate blobs.test every 0\n}")
            .contains("every N needs N ≥ 1"))
    }

    /// A flow's series loss is an estimate of the NLL (biased when truncated): the summary
    /// says so and names the exact call; exact losses and coupling flows are plain losses.
    func testFlowSeriesLossIsLabelledAnEstimate() throws {
        let out = try runScript("""
        data moons = generate("moons", n: 64, seed: 1)
        model f(input: [2]) { residual lipschitz(c: 0.9) { dense(8) elu dense(2) } }
        let h = train f on moons { loss flow_nll(f, x)  epochs 2 batch 32  log epoch }
        let e = train f on moons { loss flow_nll(f, x, method: "exact")  steps 1 }
        print h.loss_kind, "/", e.loss_kind
        """)
        let lines = out.split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("epoch 1/2  loss (series estimate) "), out)
        XCTAssertTrue(lines[2].contains("mean loss (series estimate) over the last epoch"), out)
        XCTAssertTrue(lines[2].hasSuffix("; exact NLL: flow_nll(f, moons, method: \"exact\") (or in a log line per epoch)"), out)
        XCTAssertTrue(lines[3].contains("mean loss over the last epoch") && !lines[3].contains("exact NLL"), out)
        XCTAssertEqual(lines[4], "series estimate / loss")
    }

    /// A loss written for the training batch alone still trains under `validate`: the
    /// accuracies are reported, val_loss is not, and a note says why.
    func testALossThatCannotRunOnTheValidationSetStillValidatesAccuracy() throws {
        let out = try runScript("""
        data blobs = generate("blobs", n: 164, seed: 1, test: 100 / 164)
        model clf(input: [2]) { dense(3) }
        let h = train clf on blobs.train {
          loss cross_entropy(clf(x), y) + 0 * sum(zeros([64, 3]) * clf(x))
          epochs 1 batch 64
          validate blobs.test
        }
        print len(h.val_accuracy), h.val_loss
        """)
        XCTAssertTrue(out.hasPrefix("note: validate blobs.test: no val_loss, since the loss cannot be evaluated on that set"), out)
        XCTAssertTrue(out.contains("val accuracy(clf)") && !out.contains("val_loss 0"), out)
        XCTAssertTrue(out.hasSuffix("1 [nan]"), out)
        let needed = scriptError("""
        data blobs = generate("blobs", n: 164, seed: 1, test: 100 / 164)
        model clf(input: [2]) { dense(3) }
        train clf on blobs.train {
          loss cross_entropy(clf(x), y) + 0 * sum(zeros([64, 3]) * clf(x))
          epochs 1 batch 64
          validate blobs.test
          keep best
        }
        """)
        XCTAssertTrue(needed.contains("test.net:4:"), needed)
    }
}
