import Foundation
import XCTest

/// Issue 25: ranks whose train blocks differ (steps, a block only some ranks run, other
/// data) waited in an all-reduce forever; now every rank reports the disagreement within
/// seconds. And only rank 0 writes a file (save_npy wrote on every rank).
extension DataParallelTests {
    /// `mpirun -np 2 netl run script` under a 120 s timeout (exit 124 when it hangs).
    func runTwoRanksWithTimeout(_ script: String) throws -> (code: Int32, err: String, seconds: Double) {
        try requireMPI()
        let path = try write("agree.net", script)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        p.arguments = ["-s", "KILL", "120", Self.mpirun!, "--allow-run-as-root", "--oversubscribe", "-np", "2", NetlTests.netl.path, "run", path]
        p.currentDirectoryURL = directory
        p.environment = ProcessInfo.processInfo.environment.merging(["OPENBLAS_NUM_THREADS": "1"]) { $1 }
        let stderr = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = stderr
        let start = Date()
        try p.run()
        let err = stderr.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: err, as: UTF8.self), Date().timeIntervalSince(start))
    }

    static let agreementPrelude = """
        let w = world()
        model f(input: [2]) { dense(2) }
        data d = dataset([[1, 2], [3, 4], [5, 6], [7, 8]], [0, 1, 0, 1])

        """

    func assertBothRanksReport(_ body: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let r = try runTwoRanksWithTimeout(Self.agreementPrelude + body)
        XCTAssertNotEqual(r.code, 124, "the job hung", file: file, line: line)
        XCTAssertNotEqual(r.code, 0, r.err, file: file, line: line)
        for rank in 0..<2 {
            XCTAssertTrue(r.err.contains("rank \(rank) of 2: "), "rank \(rank) did not report: \(r.err)", file: file, line: line)
        }
        XCTAssertTrue(r.err.contains(message), r.err, file: file, line: line)
        XCTAssertTrue(r.err.contains("agree.net:4:"), "not located at the train block: \(r.err)", file: file, line: line)
        XCTAssertLessThan(r.seconds, 60, file: file, line: line)
    }

    func testRanksWithDifferentStepCountsStopWithAnError() throws {
        try assertBothRanksReport("train f on d {\n  loss mse(f(x), x)\n  steps 2 + w.rank\n  batch 4\n}\n", "ranks disagree on the number of steps")
    }

    func testATrainBlockOnlySomeRanksRunStopsWithAnError() throws {
        try assertBothRanksReport("if w.rank == 0 { train f on d {\n  loss mse(f(x), x)\n  steps 2\n  batch 4\n} }\n", "every rank must run every train block")
    }

    func testRanksWithDifferentDataStopWithAnError() throws {
        try assertBothRanksReport("train f on dataset([[1, 2], [3, 4 + w.rank]], [0, 1]) {\n  loss mse(f(x), x)\n  steps 1\n  batch 2\n}\n", "the data (a checksum of x and y)")
        try assertBothRanksReport("train f on take(d, 2 + 2 * w.rank) {\n  loss mse(f(x), x)\n  steps 1\n  batch 2\n}\n", "the number of examples")
    }

    /// Rank 0 reads a loaded file and broadcasts it; a rank that skipped the load met the
    /// others in the wrong collective.
    func testALoadOnlySomeRanksRunStopsWithAnError() throws {
        for (body, line) in [("save f to \"f.safetensors\"\nif w.rank == 0 { load f from \"f.safetensors\" }\ntrain f on d {\n  loss mse(f(x), x)\n  steps 2\n  batch 4\n}\n", 5),
                             ("save f to \"f.safetensors\"\nif w.rank == 1 { load f from \"f.safetensors\" }\n", 5)] {
            let r = try runTwoRanksWithTimeout(Self.agreementPrelude + body)
            XCTAssertNotEqual(r.code, 124, "the job hung")
            XCTAssertNotEqual(r.code, 0, r.err)
            for rank in 0..<2 { XCTAssertTrue(r.err.contains("rank \(rank) of 2: "), "rank \(rank) did not report: \(r.err)") }
            XCTAssertTrue(r.err.contains("every rank must run every load"), r.err)
            XCTAssertTrue(r.err.contains("agree.net:\(line):18: error: ranks disagree: this rank"), "not located at the load: \(r.err)")
        }
    }

    func testOnlyRankZeroWritesAFile() throws {
        let r = try runTwoRanksWithTimeout("let w = world()\nsave_npy(zeros([1000]) + w.rank, \"ranks.npy\")\n")
        XCTAssertEqual(r.code, 0, r.err)
        let check = try write("read.net", "print sum(load_npy(\"ranks.npy\"))\n")
        let one = try netl(["run", check])
        XCTAssertEqual(one.out, "0\n", "the file holds another rank's data: \(one.err)")
    }
}
