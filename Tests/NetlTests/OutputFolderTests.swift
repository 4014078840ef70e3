import Foundation
import XCTest

/// Issue 25 at the command line: the output folder is made (or refused) before the first
/// statement runs, writes outside it are announced, the REPL's `:out` and `:reset NAME`,
/// and concurrent saves of one file.
extension RobustCommandLineTests {
    func testOutFolderThatDoesNotExistIsCreatedBeforeTheScriptRuns() throws {
        try write("model m(input: [2]) { dense(2) }\nsave m to \"m.safetensors\"\n", "s.net")
        let r = try run(["run", "s.net", "--out", "fresh/run1"])
        XCTAssertEqual(r.code, 0, r.err)
        var isDirectory: ObjCBool = false
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("fresh/run1").path, isDirectory: &isDirectory))
        XCTAssertTrue(isDirectory.boolValue, "--out became a file")
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("fresh/run1/m.safetensors").path))
    }

    func testOutThatIsAFileIsReportedBeforeTheFirstStatement() throws {
        try write("not a folder\n", "taken")
        try write("print \"trained\"\nsave_npy([1], \"a.npy\")\n", "s.net")
        let r = try run(["run", "s.net", "--out", "taken"])
        XCTAssertEqual(r.code, 1)
        XCTAssertEqual(r.out, "", "the script ran before the --out error")
        XCTAssertTrue(r.err.contains("--out: cannot create the folder 'taken': it is a file"), r.err)
    }

    func testWritesOutsideTheOutFolderAreAnnounced() throws {
        let outside = dir.appendingPathComponent("elsewhere.npy").path
        try write("model m(input: [2]) { dense(2) }\nsave m to \"../up.safetensors\"\nsave_npy([1], \"\(outside)\")\nsave_npy([2], \"inside.npy\")\n", "s.net")
        let r = try run(["run", "s.net", "--out", "o"])
        XCTAssertEqual(r.code, 0, r.err)
        let root = dir.standardizedFileURL.path
        XCTAssertTrue(r.out.contains("wrote \(root)/up.safetensors"), r.out)
        XCTAssertTrue(r.out.contains("wrote \(root)/elsewhere.npy"), r.out)
        XCTAssertTrue(r.out.contains("wrote o/inside.npy"), "save_npy says what it wrote, as the pictures do: \(r.out)")
    }

    func testReplOutNeedsAFolderNameAndResetForgetsOnlyTheNamesGiven() throws {
        let r = try run(["repl"], input: ":out \"\"\nlet a = 1\nlet b = 2\n:reset a\nprint b\nprint a\n:reset nothing\nlet relu = 3\n:reset relu\nprint relu([-1, 2])\n")
        XCTAssertTrue(r.out.contains("error: :out needs a folder name"), r.out)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("\"\"").path), "':out \"\"' made a folder")
        XCTAssertTrue(r.out.contains("a cleared"), r.out)
        XCTAssertTrue(r.out.contains("\n2\n"), "b was forgotten too: \(r.out)")
        XCTAssertTrue((r.out + r.err).contains("'a' is not defined"), r.out + r.err)
        XCTAssertTrue(r.out.contains("error: 'nothing' is not defined"), r.out)
        XCTAssertTrue(r.out.contains("[0, 2]"), "relu is the built-in again: \(r.out)")
    }

    /// Two processes saving the same file at once both succeed (the stale-temporary clean-up
    /// deleted the other's live temporary file: "cannot rename temporary file into place"),
    /// and the file is always one writer's whole data.
    func testConcurrentWritersOfOneFileBothSucceed() throws {
        try write("save_npy(zeros([50000]) + 1, \"same.npy\")\n", "one.net")
        try write("save_npy(zeros([50000]) + 2, \"same.npy\")\nprint sum(load_npy(\"same.npy\")) > 0\n", "two.net")
        try write("let s = sum(load_npy(\"same.npy\"))\nprint s == 50000 or s == 100000\n", "read.net")
        for attempt in 0..<20 {
            let first = try start(["run", "one.net", "--out", "shared"]), second = try start(["run", "two.net", "--out", "shared"])
            first.waitUntilExit(); second.waitUntilExit()
            XCTAssertEqual(first.terminationStatus, 0, "attempt \(attempt): the first writer failed")
            XCTAssertEqual(second.terminationStatus, 0, "attempt \(attempt): the second writer failed")
            let r = try run(["run", "read.net", "--out", "shared"])
            XCTAssertEqual(r.out, "true\n", "attempt \(attempt): a torn or mixed file: \(r.err)")
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.appendingPathComponent("shared").path).filter { $0.contains(".tmp-") }
        XCTAssertEqual(leftovers, [])
    }

    /// Starts netl in the temporary folder without waiting (its output is discarded).
    private func start(_ arguments: [String]) throws -> Process {
        let p = Process()
        p.executableURL = netl
        p.arguments = arguments
        p.currentDirectoryURL = dir
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        return p
    }
}
