import Foundation
import XCTest

/// Issue 25: five 10000×10000 tensors, each within the 10⁸-value limit, exhausted memory
/// (OOM killer, or "failed to allocate" and signal 6 under ulimit -v). The memory budget
/// turns the allocation that does not fit into a located "out of memory" error, exit 1.
extension RobustCommandLineTests {
    static let manyTensors = (1...5).map { "let t\($0) = zeros([5000, 5000])\n" }.joined() + "print \"all five\"\n"

    func testAnAllocationPastTheMemoryLimitIsALocatedError() throws {
        try write(Self.manyTensors, "many.net")
        let r = try run(["run", "many.net", "--memory-limit", "400M"])
        XCTAssertEqual(r.code, 1, r.err)
        XCTAssertFalse(r.out.contains("all five"), r.out)
        XCTAssertTrue(r.err.contains("many.net:"), r.err)
        XCTAssertTrue(r.err.contains("error: out of memory: 0.20 GB requested"), r.err)
        XCTAssertTrue(r.err.contains("(limit 0.42 GB; --memory-limit sets it)"), r.err)
        let bad = try run(["run", "many.net", "--memory-limit", "lots"])
        XCTAssertNotEqual(bad.code, 0)
        XCTAssertTrue(bad.err.contains("--memory-limit expects a size"), bad.err)
    }

    func testUnderUlimitTheDefaultBudgetStopsBeforeTheAllocatorAborts() throws {
        try write(Self.manyTensors.replacingOccurrences(of: "5000, 5000", with: "10000, 10000"), "many.net")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "ulimit -v 3000000 && exec \"$0\" run many.net", netl.path]
        p.currentDirectoryURL = dir
        p.environment = ProcessInfo.processInfo.environment.merging(["SWIFT_BACKTRACE": "enable=no"]) { $1 }
        let stderr = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = stderr
        try p.run()
        let err = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 1, "not a diagnostic: \(err)")
        XCTAssertTrue(err.contains("error: out of memory"), err)
        XCTAssertFalse(err.contains("Fatal error"), err)
    }
}
