import Foundation
import XCTest

/// The `netl` binary end to end: the REPL through piped standard input, `run`, `check`
/// and the exit codes and messages of bad input.
final class CommandLineTests: XCTestCase {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs netl with arguments and standard input; returns (exit code, stdout, stderr).
    func run(_ arguments: [String], input: String = "") throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = netl
        p.arguments = arguments
        p.currentDirectoryURL = root
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin; p.standardOutput = stdout; p.standardError = stderr
        try p.run()
        stdin.fileHandleForWriting.write(input.data(using: .utf8)!)
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile(), err = stderr.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    func testReplKeepsDefinitionsAndSurvivesErrors() throws {
        try requireNetl()
        let session = """
        let a = [[1, 2], [3, 4]]
        a @ a
        model m(input: [3]) {
          dense(4)
          relu
        }
        :shape a
        :summary m
        print undefined_thing
        fn twice(v) = 2 * v
        twice(21)
        :reset
        twice(1)
        :quit
        """
        let (code, out, err) = try run(["repl"], input: session)
        XCTAssertEqual(code, 0)
        XCTAssertTrue(out.contains("[[7, 10],\n [15, 22]]"), out)
        XCTAssertTrue(out.contains("[2, 2]"), out)
        XCTAssertTrue(out.contains("total parameters: 16"), out)
        XCTAssertTrue(out.contains("42"), out)
        XCTAssertTrue(out.contains("all definitions cleared"), out)
        XCTAssertTrue(err.contains("'undefined_thing' is not defined"), err)
        XCTAssertTrue(err.contains("'twice' is not defined"), err)
    }

    /// Redefining a trained model in the REPL warns on stderr, at the new definition with a
    /// note at the old one; the session goes on with the new model.
    func testReplWarnsWhenATrainedModelIsRedefined() throws {
        try requireNetl()
        let session = """
        data d = generate("blobs", n: 40, seed: 1)
        model f(input: [2]) { dense(3) }
        train f on d {
          loss cross_entropy(f(x), y)
          epochs 1 batch 20
        }
        model f(input: [2]) { dense(3) }
        :shape f
        :quit
        """
        let (code, out, err) = try run(["repl"], input: session)
        XCTAssertEqual(code, 0)
        XCTAssertTrue(err.contains("<repl:4>:1:7: warning: this redefines 'f', which was trained for 2 steps: its weights are discarded"), err)
        XCTAssertTrue(err.contains("<repl:2>:1:7: note: the model 'f' trained for 2 steps was defined here"), err)
        XCTAssertTrue(out.contains("model f: [N, 2] → [N, 3]"), out)
    }

    /// `:layers` lists every layer of the catalog with its signature.
    func testReplListsTheLayerCatalog() throws {
        try requireNetl()
        let (code, out, _) = try run(["repl"], input: ":layers\n:quit\n")
        XCTAssertEqual(code, 0)
        XCTAssertTrue(out.contains("dense(units, bias: true, init: the model's)"), out)
        XCTAssertTrue(out.contains("factor_out(channels)"), out)
        XCTAssertTrue(out.contains("takes lipschitz"), out)
    }

    /// `:help NAME` prints a described built-in's signature, summary and example; a later
    /// input's misspelt argument is refused before it runs, with the earlier names known.
    func testReplHelpShowsSignaturesAndInputsAreResolved() throws {
        try requireNetl()
        let (code, out, err) = try run(["repl"], input: ":help flow_nll\n:help dense\nlet a = 1\nprint randn([2], sead: a)\nprint a + 1\n:quit\n")
        XCTAssertEqual(code, 0)
        XCTAssertTrue(out.contains("flow_nll(model, x, method: \"series\""), out)
        XCTAssertTrue(out.contains("mean −log p(x) in nats"), out)
        XCTAssertTrue(out.contains("example: loss flow_nll(flow, x, terms: 5)"), out)
        XCTAssertTrue(out.contains("layer dense(units"), out)
        XCTAssertTrue(err.contains("randn has no argument named 'sead'; did you mean 'seed'?"), err)
        XCTAssertTrue(out.hasSuffix("2\n"), out)
    }

    func testNoArgumentsStartsTheRepl() throws {
        try requireNetl()
        let (code, out, _) = try run([], input: "1 + 2\n")
        XCTAssertEqual(code, 0)
        XCTAssertEqual(out.trimmingCharacters(in: .whitespacesAndNewlines), "3")
    }

    func testCheckPrintsSummaryAndRunReportsErrors() throws {
        try requireNetl()
        let (code, out, _) = try run(["check", "examples/ch2/mlp.net"])
        XCTAssertEqual(code, 0)
        XCTAssertTrue(out.contains("total parameters: 26122"), out)
        XCTAssertTrue(out.contains("examples/ch2/mlp.net: ok"), out)

        let bad = FileManager.default.temporaryDirectory.appendingPathComponent("bad-\(UUID().uuidString).net")
        try "model m(input: [4]) {\n  dense(3\n  relu\n}\nprint 1 +\n".write(to: bad, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: bad) }
        let (code2, _, err) = try run(["run", bad.path])
        XCTAssertEqual(code2, 1)
        XCTAssertTrue(err.contains(":2:"), err)
        XCTAssertTrue(err.contains("error"), err)

        let (code3, _, err3) = try run(["run", "no/such/file.net"])
        XCTAssertEqual(code3, 1)
        XCTAssertTrue(err3.contains("no/such/file.net: no such file"), err3)
    }

    func testSetOverridesAndSeed() throws {
        try requireNetl()
        let script = FileManager.default.temporaryDirectory.appendingPathComponent("set-\(UUID().uuidString).net")
        try "let n = 3\nprint n * 2, randn([1])\n".write(to: script, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: script) }
        let (_, out1, _) = try run(["run", script.path, "--set", "n=5", "--seed", "4"])
        let (_, out2, _) = try run(["run", script.path, "--set", "n=5", "--seed", "4"])
        XCTAssertTrue(out1.hasPrefix("10 "), out1)
        XCTAssertEqual(out1, out2)
        let (code, _, err) = try run(["run", script.path, "--set", "oops"])
        XCTAssertNotEqual(code, 0)
        XCTAssertTrue(err.contains("NAME=VALUE"), err)
    }

    /// `netl run FILE --out DIR`: pictures and checkpoints go to DIR (created), the script's
    /// folder is left as it was, its inputs are still read from beside it; the REPL's
    /// `--out` and `:out` do the same for a session.
    func testOutFolderTakesEveryFileTheScriptWrites() throws {
        try requireNetl()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("netl-cli-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        let scriptFolder = folder.appendingPathComponent("checkout"), out = folder.appendingPathComponent("results/run1")
        try FileManager.default.createDirectory(at: scriptFolder, withIntermediateDirectories: true)
        try "1,2\n3,4\n".write(to: scriptFolder.appendingPathComponent("in.csv"), atomically: true, encoding: .utf8)
        let script = scriptFolder.appendingPathComponent("s.net")
        try """
        data d = load_csv("in.csv")
        model m(input: [1]) { dense(1) }
        save m to "m.safetensors"
        save_scatter(d.x * [[1, 1]], "points.png")
        """.write(to: script, atomically: true, encoding: .utf8)
        let (code, stdout, stderr) = try run(["run", script.path, "--out", out.path])
        XCTAssertEqual(code, 0, stderr)
        XCTAssertEqual(stdout, "wrote \(out.path)/points.png\n")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).sorted(), ["m.safetensors", "points.png"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: scriptFolder.path).sorted(), ["in.csv", "s.net"])

        let replOut = folder.appendingPathComponent("repl")
        let (replCode, replStdout, replStderr) = try run(["repl", "--out", replOut.path],
                                                        input: "save_npy([1], \"a.npy\")\n:out \(replOut.path)/b\nsave_npy([2], \"b.npy\")\n:out\n")
        XCTAssertEqual(replCode, 0, replStderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: replOut.appendingPathComponent("a.npy").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: replOut.appendingPathComponent("b/b.npy").path))
        XCTAssertTrue(replStdout.contains("files are written to \(replOut.path)/b"), replStdout)
    }

    /// `netl bench --profile` gives each product's GFLOP/s and the step's share and rate of
    /// products, so the FLOP bound of a workload can be read off.
    func testBenchProfileReportsTheRatesOfProducts() throws {
        try requireNetl()
        let (code, stdout, stderr) = try run(["bench", "--profile", "--workload", "mlp"])
        XCTAssertEqual(code, 0, stderr)
        let lines = stdout.split(separator: "\n")
        XCTAssertTrue(lines.first?.hasPrefix("mlp total ") ?? false, stdout)
        XCTAssertTrue(lines.contains { $0.contains("2×  linear[128, 512]") && $0.hasSuffix("GFLOP/s") }, stdout)
        XCTAssertTrue(lines.contains { $0.contains("relu[128, 512]") && !$0.contains("GFLOP/s") }, stdout)
        // 128·784·512 + 128·512·512 + 128·512·10 multiply-adds forward, ×3 minus the first
        // layer's input gradient: 0.411 GFLOP per step.
        XCTAssertTrue(lines.contains { $0.hasPrefix("products and convolutions: ") && $0.contains(", 0.411 GFLOP at ") }, stdout)
    }

    /// No median exists for zero repetitions: refused before any timing (it used to stop
    /// the program with an index out of range).
    func testBenchRefusesZeroRepetitions() throws {
        try requireNetl()
        let (code, _, stderr) = try run(["bench", "--workload", "tiny_ops", "--reps", "0"])
        XCTAssertEqual(code, 64, stderr)
        XCTAssertTrue(stderr.contains("--reps must be at least 1, got 0"), stderr)
        XCTAssertFalse(stderr.contains("Backtrace"), stderr)
    }

    /// Issue 20's flow workloads run (one step each, as `--quick` would with fewer steps):
    /// one JSON line with the Glow / i-ResNet flow of examples/ch5/mnist_flows.net (their
    /// parameter counts, which scripts/reference_flows.py's models must match) and a finite
    /// loss near the initial NLL of 28×28 logit-space inputs.
    func testBenchFlowWorkloadsRunOneTrainingStep() throws {
        try requireNetl()
        for (workload, parameters) in [("glow_mnist", 11_456), ("iresnet_flow_mnist", 13_616)] {
            let (code, stdout, stderr) = try run(["bench", "--workload", workload, "--reps", "1", "--warmup", "0"])
            XCTAssertEqual(code, 0, stderr)
            let line = try XCTUnwrap(stdout.split(separator: "\n").first { $0.hasPrefix("{") }, stdout)
            let fields = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            XCTAssertEqual(fields["workload"] as? String, workload)
            XCTAssertEqual(fields["params"] as? Int, parameters, String(line))
            let loss = try XCTUnwrap(fields["loss_first"] as? Double, String(line))
            XCTAssertTrue(loss > 500 && loss < 5_000, String(line))
            XCTAssertGreaterThan(try XCTUnwrap(fields["ms"] as? Double), 0)
        }
    }

    /// `netl bench --workload W --reps 1 --warmup 0 --roofline`: its JSON line and fields.
    private func benchWithRoofline(_ workload: String) throws -> (line: String, fields: [String: Any]) {
        try requireNetl()
        let (code, stdout, stderr) = try run(["bench", "--workload", workload, "--reps", "1", "--warmup", "0", "--roofline"])
        XCTAssertEqual(code, 0, stderr)
        let line = try XCTUnwrap(stdout.split(separator: "\n").first { $0.hasPrefix("{") }, stdout)
        return (String(line), try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]))
    }

    /// Issue 21's classifier workload (one training step of the MNIST i-ResNet of
    /// examples/ch4/mnist.net, c = 0.9, batch 128) with the roofline account of issue 27:
    /// the parameter count scripts/reference_mnist_iresnet.py's model has, a loss near
    /// ln 10 at the start, the step's product FLOP (2.70 GFLOP by the hand count in that
    /// script) and a share of the bound. (mnist_iresnet_inverse is left to `make bench`: its
    /// 100-image inverse takes minutes in a debug build.)
    func testBenchMNISTIResNetWorkloadRunsWithTheRooflineAccount() throws {
        let (line, fields) = try benchWithRoofline("mnist_iresnet")
        XCTAssertEqual(fields["params"] as? Int, 61_978, String(line))
        XCTAssertEqual(try XCTUnwrap(fields["loss_first"] as? Double), log(10), accuracy: 0.2, String(line))
        // Forward 128·3,628,352 multiply-adds, backward twice that less the first
        // convolution's input gradient (128·451,584), plus four one-image convolutions per
        // layer for the power iteration (Wᵀu, Wv, Wv in σ̂ = uᵀWv, and σ̂'s weight gradient).
        let multiplyAdds = 3 * 128 * 3_628_352 - 128 * 451_584 + 8 * 4 * 451_584
        XCTAssertEqual(try XCTUnwrap(fields["product_gflop"] as? Double), 2 * Double(multiplyAdds) / 1e9, accuracy: 1e-5, String(line))
        let fraction = try XCTUnwrap(fields["roofline_fraction"] as? Double, String(line))
        XCTAssertTrue(fraction.isFinite && fraction > 0, String(line))   // its size depends on the machine's load
    }

    /// The gemm workload's roofline account: its plan's one 1024³ product (2·1024³ FLOP) at
    /// OpenBLAS's rate on that shape, and a share of that bound.
    func testBenchGemmWorkloadRunsWithTheRooflineAccount() throws {
        let (line, fields) = try benchWithRoofline("gemm")
        XCTAssertEqual(try XCTUnwrap(fields["product_gflop"] as? Double), 2 * 1024 * 1024 * 1024 / 1e9, accuracy: 1e-5, String(line))
        XCTAssertLessThan(try XCTUnwrap(fields["max_rel_err"] as? Double), 1e-5, String(line))
        let fraction = try XCTUnwrap(fields["roofline_fraction"] as? Double, String(line))
        XCTAssertTrue(fraction.isFinite && fraction > 0, String(line))   // its size depends on the machine's load
    }

    /// `netl bench --sweep` names a PNG chart; anything else is refused before any timing.
    func testBenchSweepRefusesAChartThatIsNotAPNG() throws {
        try requireNetl()
        let (code, _, stderr) = try run(["bench", "--sweep", "--chart", "sweep.jpg"])
        XCTAssertNotEqual(code, 0)
        XCTAssertTrue(stderr.contains("--chart must name a .png file, got 'sweep.jpg'"), stderr)
    }
}
