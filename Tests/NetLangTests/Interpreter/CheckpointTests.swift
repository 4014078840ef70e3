import Foundation
import XCTest
import NetRuntime
@testable import NetLang

/// Exact checkpoints (issue 24): save → load reproduces outputs bit for bit in Float32 and
/// Float64, power-iteration vectors included even where they had not converged; c is
/// stored and checked; `prefix:` loads another model's file; the optimiser state can be
/// saved, and training resumed from it equals uninterrupted training step for step.
final class CheckpointTests: XCTestCase {
    func run(_ source: String, in folder: URL) throws -> [String] {
        try runScript(source, baseDirectory: folder.path, outputDirectory: folder.path).split(separator: "\n").map(String.init)
    }

    /// The error a script run in `folder` fails with.
    func failure(_ source: String, in folder: URL, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try run(source, in: folder)
            XCTFail("expected an error", file: file, line: line)
            return ""
        } catch {
            return "\(error)"
        }
    }

    func folder() throws -> URL {
        let dir = temporaryFolder("netl-checkpoints")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        return dir
    }

    static let flow = "residual lipschitz(c: 0.8) { dense(16) elu dense(2) }\n  residual lipschitz(c: 0.8) { dense(16) elu dense(2) }"
    static let conv = "residual lipschitz(c: 0.7) { conv2d(2, kernel: 3) elu conv2d(1, kernel: 3) }"

    func testSaveLoadReproducesOutputsBitForBitInFloat32AndFloat64() throws {
        let dir = try folder()
        let out = try run("""
        data d = generate("moons", n: 64, seed: 1)
        model f(input: [2]) {
          \(Self.flow)
        }
        train f on d { loss flow_nll(f, x)  steps 20 }
        save f to "f.safetensors"
        model g(input: [2]) {
          \(Self.flow)
        }
        print "before", max(abs(predict(f, d.x) - predict(g, d.x))) > 0
        load g from "f.safetensors", prefix: "f"
        print "float32", max(abs(predict(f, d.x) - predict(g, d.x)))
        print "float64", max(abs(log_likelihood(f, d.x, method: "exact") - log_likelihood(g, d.x, method: "exact")))
        # A model never trained: its vectors u have not converged, and stay as they were.
        model c(input: [1, 4, 4]) { \(Self.conv) }
        save c to "c.safetensors"
        model c2(input: [1, 4, 4]) { \(Self.conv) }
        load c2 from "c.safetensors", prefix: "c"
        let images = randn([3, 1, 4, 4], seed: 2)
        print "conv", max(abs(predict(c, images) - predict(c2, images)))
        """, in: dir)
        XCTAssertTrue(out.contains("before true"), out.joined(separator: "\n"))
        XCTAssertTrue(out.contains("float32 0"), out.joined(separator: "\n"))
        XCTAssertTrue(out.contains("float64 0"), out.joined(separator: "\n"))
        XCTAssertTrue(out.contains("conv 0"), out.joined(separator: "\n"))
        // A standard safetensors file: the header is JSON, metadata string to string.
        let metadata = try Safetensors.metadata(dir.appendingPathComponent("f.safetensors").path)
        XCTAssertEqual(metadata["format"], "pt")
        XCTAssertEqual(metadata["netlang_model"], "f")
        XCTAssertEqual(metadata["netlang_lipschitz"], ["residual1.dense1", "residual1.dense2", "residual2.dense1", "residual2.dense2"]
            .map { "f.\($0).weight=0.8" }.joined(separator: ";"))
    }

    func testAFileOfAnotherNameNeedsAPrefixAndSaysSo() throws {
        let dir = try folder()
        _ = try run("model f(input: [3]) { dense(2) }\nsave f to \"f.safetensors\"", in: dir)
        let unprefixed = failure("model g(input: [3]) { dense(2) }\nload g from \"f.safetensors\"", in: dir)
        XCTAssertTrue(unprefixed.contains("it was saved from a model named 'f' (tensor names start with the model's name): load g from \"f.safetensors\", prefix: \"f\""), unprefixed)
        let out = try run("model g(input: [3]) { dense(2) }\nload g from \"f.safetensors\", prefix: \"f\"\nprint \"loaded\"", in: dir)
        XCTAssertEqual(out.last, "loaded")
        let misspelt = failure("model g(input: [3]) { dense(2) }\nload g from \"f.safetensors\", prefx: \"f\"", in: dir)
        XCTAssertTrue(misspelt.contains("prefx"), misspelt)
    }

    /// c belongs to the model's definition: weights trained under another c are refused.
    func testLoadRefusesAnotherLipschitzCoefficient() throws {
        let dir = try folder()
        _ = try run("model f(input: [2]) { residual lipschitz(c: 0.9) { dense(4) elu dense(2) } }\nsave f to \"f.safetensors\"", in: dir)
        let other = failure("model f(input: [2]) { residual lipschitz(c: 0.5) { dense(4) elu dense(2) } }\nload f from \"f.safetensors\"", in: dir)
        XCTAssertTrue(other.contains("was trained with lipschitz(c: 0.9) on 'f.residual1.dense1.weight', the model has c = 0.5"), other)
    }

    /// Two epochs in one block equal one epoch, a checkpoint with the training state, a
    /// fresh model loaded from it, and a second epoch — bit for bit: Adam's moments and step
    /// count, the schedule's epoch and step, the shuffling stream and the stream of the
    /// random leaves (dropout, input noise) are resumed. Without the optimiser state the
    /// second epoch differs.
    func testResumedTrainingEqualsUninterruptedTraining() throws {
        let dir = try folder()
        let net = "dense(16) relu dropout(0.2) dense(3)"
        func block(_ m: String, epochs: Int = 1) -> String {
            "train \(m) on d { loss cross_entropy(\(m)(x + 0.1 * randn(shape(x))), y)  optimizer adam(lr: 0.01)  epochs \(epochs) batch 16\n  schedule warmup(3, then: step_decay(0.01, 1, gamma: 0.5)) }\n"
        }
        let out = try run("""
        data d = generate("blobs", n: 64, seed: 1)
        model start(input: [2]) { \(net) }
        save start to "start.safetensors"
        model a(input: [2]) { \(net) }
        load a from "start.safetensors", prefix: "start"
        \(block("a", epochs: 2))model b(input: [2]) { \(net) }
        load b from "start.safetensors", prefix: "start"
        \(block("b"))save b to "b.safetensors", optimizer: true
        model r(input: [2]) { \(net) }
        load r from "b.safetensors", prefix: "b", optimizer: true
        \(block("r"))model w(input: [2]) { \(net) }
        load w from "b.safetensors", prefix: "b"
        \(block("w"))print "resumed", max(abs(predict(a, d.x) - predict(r, d.x))), max(abs(a.dense2.weight - r.dense2.weight))
        print "without", max(abs(a.dense2.weight - w.dense2.weight)) > 0
        """, in: dir)
        XCTAssertTrue(out.contains("resumed 0 0"), out.joined(separator: "\n"))
        XCTAssertTrue(out.contains("without true"), out.joined(separator: "\n"))
        let file = try Safetensors.read(dir.appendingPathComponent("b.safetensors").path)
        XCTAssertEqual(file["optimizer.step"]?.scalars, [4])   // 64 examples, batch 16
        let metadata = try Safetensors.metadata(dir.appendingPathComponent("b.safetensors").path)
        XCTAssertEqual(metadata["netlang_optimizer"], "adam")
        XCTAssertEqual(metadata["netlang_streams"].flatMap(OptimizerMemory.decode)?.count, 2)
        XCTAssertEqual(metadata["netlang_epochs"], "1")
    }

    func testOptimizerStateErrorsAreLocated() throws {
        let dir = try folder()
        for (script, expected) in [
            ("model f(input: [3]) { dense(2) }\nsave f to \"f.safetensors\", optimizer: true", "'f' has no optimiser state to save"),
            ("model f(input: [3]) { dense(2) }\nsave f to \"f.safetensors\"\nload f from \"f.safetensors\", optimizer: true", "holds no optimiser state"),
        ] {
            let message = failure(script, in: dir)
            XCTAssertTrue(message.contains(expected) && message.contains("test.net:"), message)
        }
    }
}
