import Foundation
import NetRuntime
import XCTest

/// `mpirun -np 2 netl run`: data-parallel training gives the parameters of one process
/// with the whole batch, a failing rank stops the job, checkpoints written under mpirun
/// load in one process. Skipped (with a message) only where Open MPI's mpirun is absent.
final class DataParallelTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        try requireNetl()
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("netl-mpi-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        // `load_digits()` looks in data/ beside the script first: point it at the repository's
        // examples/data, so the tests do not depend on where netl was built (sanitizer runs
        // build into another folder).
        let examplesData = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/data")
        try FileManager.default.createSymbolicLink(at: directory.appendingPathComponent("data"), withDestinationURL: examplesData)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// Open MPI's launcher, or nil.
    static let mpirun: String? = ["/usr/bin/mpirun", "/usr/local/bin/mpirun"].first { FileManager.default.isExecutableFile(atPath: $0) }

    func requireMPI() throws {
        guard Self.mpirun != nil else { throw XCTSkip("mpirun not found: install openmpi-bin (make deps) to run the data-parallel tests") }
    }

    /// Runs netl (under `mpirun -np ranks` when ranks > 0) in the temporary folder;
    /// returns (exit code, stdout, stderr, seconds).
    func netl(_ arguments: [String], ranks: Int = 0) throws -> (code: Int32, out: String, err: String, seconds: Double) {
        let p = Process()
        if ranks > 0 {
            p.executableURL = URL(fileURLWithPath: Self.mpirun!)
            // Root in CI, and 2 ranks may exceed the cores a busy machine offers.
            p.arguments = ["--allow-run-as-root", "--oversubscribe", "-np", "\(ranks)", NetlTests.netl.path] + arguments
        } else {
            p.executableURL = NetlTests.netl
            p.arguments = arguments
        }
        p.currentDirectoryURL = directory
        var environment = ProcessInfo.processInfo.environment
        environment["OPENBLAS_NUM_THREADS"] = "1"
        p.environment = environment
        let stdout = Pipe(), stderr = Pipe()
        p.standardOutput = stdout; p.standardError = stderr
        let start = Date()
        try p.run()
        // Read stderr concurrently so neither pipe fills up; joined (at EOF) before its
        // text is read, so the two threads never touch it at once.
        let errText = Collected()
        let reader = PipeReader(stderr.fileHandleForReading, into: errText)
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        reader.join(timeout: 600)
        return (p.terminationStatus, String(decoding: out, as: UTF8.self), errText.text, Date().timeIntervalSince(start))
    }

    func write(_ name: String, _ text: String) throws -> String {
        let url = directory.appendingPathComponent(name)
        try text.write(to: url, atomically: true, encoding: .utf8)
        return url.path
    }

    /// Trains a script with 1 process × batch 64 and 2 ranks × 32 of each batch of 64 and
    /// compares every saved tensor (parameters and power-iteration vectors).
    func assertSameParameters(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try requireMPI()
        let path = try write("script.net", script)
        let one = try netl(["run", path, "--set", "out=\"one.safetensors\""])
        XCTAssertEqual(one.code, 0, one.err, file: file, line: line)
        let two = try netl(["run", path, "--set", "out=\"two.safetensors\""], ranks: 2)
        XCTAssertEqual(two.code, 0, two.err, file: file, line: line)
        XCTAssertTrue(two.out.contains("data-parallel over 2 ranks: 32 of each batch of 64 per rank"), two.out, file: file, line: line)
        // Only rank 0 prints: every line once.
        XCTAssertEqual(two.out.components(separatedBy: "world 0 2").count, 2, two.out, file: file, line: line)
        let a = try Safetensors.read(directory.appendingPathComponent("one.safetensors").path)
        let b = try Safetensors.read(directory.appendingPathComponent("two.safetensors").path)
        XCTAssertEqual(Set(a.keys), Set(b.keys), file: file, line: line)
        XCTAssertFalse(a.isEmpty, file: file, line: line)
        for (name, x) in a {
            let y = b[name]!
            let scale = max(x.scalars.map(abs).max() ?? 0, 1e-12)
            let difference = zip(x.scalars, y.scalars).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(Double(difference / scale), 1e-5, "\(name): 1 rank and 2 ranks differ", file: file, line: line)
        }
        // The printed evaluation (computed on every rank from the same parameters) agrees.
        let evaluation = { (s: String) in s.split(separator: "\n").filter { $0.hasPrefix("eval") } }
        XCTAssertEqual(evaluation(one.out).count, 1, one.out, file: file, line: line)
        XCTAssertEqual(evaluation(one.out), evaluation(two.out), file: file, line: line)
        // The loss of the global batch is the same too.
        XCTAssertNotNil(one.out.range(of: "last step"), file: file, line: line)
    }

    func testDigitsMLPMatchesOneProcess() throws {
        try assertSameParameters("""
        let out = "mlp.safetensors"
        data digits = load_digits(test: 0.2, seed: 0)
        model mlp(input: [64]) {
          dense(32) relu
          dense(10)
        }
        train mlp on digits.train {
          loss cross_entropy(mlp(x), y)
          optimizer adam(lr: 1e-2)
          steps 5  batch 64
        }
        print "world", world().rank, world().size
        print "eval", accuracy(mlp, digits.test), cross_entropy(mlp, digits.test)
        save mlp to out
        """)
    }

    func testSpectrallyNormalisedIResNetMatchesOneProcess() throws {
        try assertSameParameters("""
        let out = "iresnet.safetensors"
        data digits = load_digits(test: 0.2, seed: 0, shape: [1, 8, 8])
        data train_set = take(digits.train, 256)
        model features(input: [1, 8, 8]) {
          pad_channels(1)
          residual lipschitz(c: 0.9) { conv2d(4, kernel: 3) elu conv2d(2, kernel: 3) }
          squeeze
          residual lipschitz(c: 0.9) { conv2d(8, kernel: 3) elu conv2d(8, kernel: 3) }
          flatten
          dense(10)
        }
        train features on train_set {
          loss cross_entropy(features(x), y)
          optimizer adam(lr: 2e-3)
          steps 4  batch 64
        }
        print "world", world().rank, world().size
        print "eval", accuracy(features, digits.test), balanced_accuracy(features, digits.test)
        save features to out
        """)
    }

    /// Power series with given probes (one per example, carried as y) and actnorm's
    /// data-dependent initialisation (moments summed over the ranks).
    func testPowerSeriesFlowWithGivenProbesMatchesOneProcess() throws {
        try assertSameParameters("""
        let out = "flow.safetensors"
        data toy = generate("8gaussians", n: 256, seed: 0)
        data points = dataset(toy.x, randn([256, 2], seed: 3))
        model flow(input: [2]) {
          repeat 2 {
            actnorm
            residual lipschitz(c: 0.9) { dense(16) elu dense(2) }
          }
        }
        train flow on points {
          loss flow_nll(flow, x, terms: 5, probes: y)
          optimizer adam(lr: 5e-3)
          steps 4  batch 64
        }
        print "world", world().rank, world().size
        print "eval", flow_nll(flow, toy.x, method: "exact")
        save flow to out
        """)
    }

    func testFailingRankStopsTheJobWithItsLocatedError() throws {
        try requireMPI()
        _ = try write("good.csv", "1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
        _ = try write("bad.csv", "1,2,0\n3,oops,1\n5,6,0\n7,8,1\n")
        let path = try write("fault.net", """
        let path = "good.csv"
        if world().rank == 1 {
          path = "bad.csv"
        }
        data d = load_csv(path)
        model m(input: [2]) { dense(2) }
        train m on d {
          loss cross_entropy(m(x), y)
          steps 100000  batch 4
        }
        print "finished"
        """)
        let r = try netl(["run", path], ranks: 2)
        XCTAssertNotEqual(r.code, 0)
        XCTAssertTrue(r.err.contains("rank 1 of 2: "), r.err)
        XCTAssertTrue(r.err.contains("fault.net:5:10: error:"), r.err)
        XCTAssertTrue(r.err.contains("'oops' is not a number"), r.err)
        XCTAssertFalse(r.out.contains("finished"), r.out)
        XCTAssertLessThan(r.seconds, 30, "the job must stop, not hang in an all-reduce")
    }

    /// A loss that is not finite on one rank only (its shard holds huge inputs) stops every
    /// rank at the same step, with the parameters restored.
    func testDivergenceOnOneRankStopsAllRanks() throws {
        try requireMPI()
        _ = try write("data.csv", "1,2,0\n3,4,1\n1e38,-1e38,0\n-1e38,1e38,1\n")
        let path = try write("diverge.net", """
        data d = load_csv("data.csv")
        model m(input: [2]) { dense(2) }
        train m on d {
          loss mse(m(x), x)
          steps 3  batch 4  shuffle false
        }
        print "finished"
        """)
        let r = try netl(["run", path], ranks: 2)
        XCTAssertNotEqual(r.code, 0)
        XCTAssertTrue(r.err.contains("training diverged"), r.err)
        XCTAssertTrue(r.err.contains("step 1"), r.err)
        XCTAssertFalse(r.out.contains("finished"), r.out)
    }

    /// A checkpoint saved by rank 0 under mpirun loads in one process and evaluates the
    /// same; `load` under mpirun gives every rank rank 0's values.
    func testCheckpointFromMPILoadsInOneProcess() throws {
        try requireMPI()
        let train = try write("train.net", """
        data digits = load_digits(test: 0.2, seed: 0)
        model mlp(input: [64]) { dense(16) relu dense(10) }
        train mlp on digits.train {
          loss cross_entropy(mlp(x), y)
          steps 10  batch 64
        }
        save mlp to "mlp.safetensors"
        print "eval", accuracy(mlp, digits.test), cross_entropy(mlp, digits.test)
        """)
        let evaluate = try write("evaluate.net", """
        data digits = load_digits(test: 0.2, seed: 0)
        model mlp(input: [64]) { dense(16) relu dense(10) }
        load mlp from "mlp.safetensors"
        print "eval", accuracy(mlp, digits.test), cross_entropy(mlp, digits.test)
        """)
        let trained = try netl(["run", train], ranks: 2)
        XCTAssertEqual(trained.code, 0, trained.err)
        let single = try netl(["run", evaluate])
        XCTAssertEqual(single.code, 0, single.err)
        let reloaded = try netl(["run", evaluate], ranks: 2)
        XCTAssertEqual(reloaded.code, 0, reloaded.err)
        let line = { (s: String) in s.split(separator: "\n").first { $0.hasPrefix("eval") }.map(String.init) }
        XCTAssertNotNil(line(trained.out), trained.out)
        XCTAssertEqual(line(trained.out), line(single.out))
        XCTAssertEqual(line(trained.out), line(reloaded.out))
    }

    /// `netl check` under mpirun prints the summary once (rank 0).
    func testCheckUnderMPI() throws {
        try requireMPI()
        let path = try write("check.net", "model m(input: [3]) { dense(2) }\nprint world()\n")
        let r = try netl(["check", path], ranks: 2)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.components(separatedBy: "check.net: ok (1 model)").count, 2, r.out)
    }

    /// A plain netl links no MPI library (it starts where Open MPI is not installed).
    func testNetlDoesNotLinkMPI() throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/ldd")
        p.arguments = [NetlTests.netl.path]
        let out = Pipe()
        p.standardOutput = out
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/ldd") else { throw XCTSkip("no ldd") }
        try p.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertTrue(text.contains("libc.so"), text)
        XCTAssertFalse(text.contains("libmpi"), text)
    }
}
