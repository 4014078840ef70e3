import Foundation
import XCTest

/// Issue 14 at the command line: how files are named and found, what `check` may write,
/// the order of output on a pipe, and the REPL under Ctrl-C on a real terminal.
final class RobustCommandLineTests: XCTestCase {
    var dir: URL!
    override func setUpWithError() throws {
        try requireNetl()
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("netl-robust-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(at: dir) }

    func write(_ text: String, _ name: String) throws {
        let url = dir.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }

    /// Runs netl in the temporary folder; `merged` sends stderr into the stdout pipe.
    func run(_ arguments: [String], input: String = "", merged: Bool = false,
             environment: [String: String] = [:]) throws -> (code: Int32, out: String, err: String) {
        let p = Process()
        p.executableURL = netl
        p.arguments = arguments
        p.currentDirectoryURL = dir
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        p.standardInput = stdin; p.standardOutput = stdout; p.standardError = merged ? stdout : stderr
        try p.run()
        stdin.fileHandleForWriting.write(input.data(using: .utf8)!)
        try stdin.fileHandleForWriting.close()
        let out = stdout.fileHandleForReading.readDataToEndOfFile()
        let err = merged ? Data() : stderr.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: out, as: UTF8.self), String(decoding: err, as: UTF8.self))
    }

    func testAScriptNameAloneRunsIt() throws {
        try write("print 6 * 7\n", "answer.net")
        let r = try run(["answer.net"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out, "42\n")
    }

    func testAMissingScriptSaysItDoesNotExist() throws {
        for arguments in [["run", "missing.net"], ["check", "missing.net"], ["missing.net"]] {
            let r = try run(arguments)
            XCTAssertEqual(r.code, 1, "\(arguments)")
            XCTAssertTrue(r.err.contains("missing.net: no such file"), r.err)
        }
    }

    func testCheckWritesNothingEvenThroughSet() throws {
        try write("let n = 2\nsave_npy(zeros([2]), \"inside.npy\")\nprint n\n", "w.net")
        let r = try run(["check", "w.net", "--set", "n=save_npy(zeros([3]), \"through_set.npy\")"])
        XCTAssertEqual(r.code, 0, r.err)
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path)
        XCTAssertEqual(files, ["w.net"])
    }

    func testUnknownSetNamesAreReportedBeforeTheRun() throws {
        try write("let epochs = 2\nprint 1\nprint [1][3]\n", "s.net")
        let r = try run(["run", "s.net", "--set", "epoch=1"], merged: true)
        XCTAssertEqual(r.code, 1)
        let warning = try XCTUnwrap(r.out.range(of: "warning: --set epoch: the script has no 'let epoch = …'; did you mean 'epochs'?"), r.out)
        let printed = try XCTUnwrap(r.out.range(of: "1\n"), r.out)
        XCTAssertLessThan(warning.lowerBound, printed.lowerBound, r.out)
    }

    func testStandardOutputIsFlushedBeforeADiagnostic() throws {
        try write("print \"first\"\nprint [1, 2][5]\n", "order.net")
        let r = try run(["run", "order.net"], merged: true)
        XCTAssertEqual(r.code, 1)
        XCTAssertTrue(r.out.hasPrefix("first\n"), r.out)
        XCTAssertTrue(r.out.contains("index 5 is outside the list of 2 values"), r.out)
    }

    func testReplLoadResolvesPathsLikeScripts() throws {
        try write("import \"helper.net\"\ndata d = load_csv(\"table.csv\", label: -1)\nprint helper_value + d.size\n", "lib/main.net")
        try write("let helper_value = 40\n", "lib/helper.net")
        try write("1,0\n2,1\n", "lib/table.csv")
        let r = try run(["repl"], input: ":load lib/main.net\n")
        XCTAssertEqual(r.code, 0)
        XCTAssertEqual(r.out.trimmingCharacters(in: .whitespacesAndNewlines), "42", r.err)
    }

    func testLoadDigitsResolvesItsPathAgainstTheScript() throws {
        let digits = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("examples/data/digits.csv.gz")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub/data"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: digits, to: dir.appendingPathComponent("sub/data/mine.csv.gz"))
        try write("data d = load_digits(path: \"data/mine.csv.gz\", test: 0)\nprint d.size\n", "sub/digits.net")
        let r = try run(["run", "sub/digits.net"])
        XCTAssertEqual(r.out, "1797\n", r.err)
    }

    /// The REPL on a pseudo-terminal (util-linux `script`): Ctrl-C at the prompt clears the
    /// line, Ctrl-C during a long loop interrupts it and keeps the bindings, and the
    /// history goes to $HOME/.netl_history.
    func testReplSurvivesCtrlCOnATerminal() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/script") else { throw XCTSkip("util-linux script is not installed") }
        let home = dir.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/script")
        // `exec`: script(1) starts the command through $SHELL -c; a shell left waiting
        // (dash, CI's /bin/sh) gets the terminal's SIGINT too and dies of it (exit 130).
        p.arguments = ["-qfec", "exec '\(netl.path)' repl", "/dev/null"]
        p.currentDirectoryURL = dir
        p.environment = ProcessInfo.processInfo.environment.merging(["HOME": home.path, "TERM": "dumb", "SHELL": "/bin/sh"]) { $1 }
        let stdin = Pipe(), stdout = Pipe()
        p.standardInput = stdin; p.standardOutput = stdout; p.standardError = stdout
        let collected = Collected()
        try p.run()
        // One reader thread that blocks on the pipe until EOF and is joined before the test
        // returns. A `readabilityHandler` keeps firing on a dispatch thread after EOF, and
        // ours was never removed, so it could still be inside the FileHandle when the test
        // process exited: the likely cause of a test-process crash CI saw once. EOF comes
        // when script exits (Process closes our copy of the pipe's write end at launch).
        let reader = PipeReader(stdout.fileHandleForReading, into: collected)
        defer {
            if p.isRunning { p.terminate() }
            reader.join()
        }
        func send(_ s: String) { stdin.fileHandleForWriting.write(s.data(using: .utf8)!) }
        func wait(for text: String, after start: Int = 0) -> Bool {
            let deadline = Date().addingTimeInterval(30)
            while Date() < deadline {
                if collected.text.dropFirst(start).contains(text) { return true }
                Thread.sleep(forTimeInterval: 0.05)
            }
            return false
        }
        XCTAssertTrue(wait(for: "netl> "), collected.text)
        send("let keep = 41\n")
        send("print 1 + ")
        Thread.sleep(forTimeInterval: 0.5)
        send("\u{03}")
        XCTAssertTrue(wait(for: "^C"), collected.text)
        send("print keep + 1\n")
        XCTAssertTrue(wait(for: "42"), collected.text)
        let mark = collected.text.count
        send("repeat 1000000000 { let z = keep }\n")
        Thread.sleep(forTimeInterval: 1.5)
        send("\u{03}")
        XCTAssertTrue(wait(for: "interrupted", after: mark), collected.text)
        send("print keep * 2\n")
        XCTAssertTrue(wait(for: "82", after: mark), collected.text)
        send("\u{04}")
        let deadline = Date().addingTimeInterval(20)
        while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        XCTAssertFalse(p.isRunning)
        XCTAssertEqual(p.terminationStatus, 0, collected.text)
        let history = try String(contentsOf: home.appendingPathComponent(".netl_history"), encoding: .utf8)
        XCTAssertTrue(history.contains("let keep = 41"), history)
        XCTAssertFalse(history.contains("print 1 + \n"), history)
        XCTAssertTrue(history.contains("print keep * 2"), history)
    }
}

/// Output gathered from a pipe's reader thread.
final class Collected: @unchecked Sendable {
    private let lock = NSLock()
    private var data = Data()
    func append(_ d: Data) { lock.lock(); data.append(d); lock.unlock() }
    var text: String { lock.lock(); defer { lock.unlock() }; return String(decoding: data, as: UTF8.self) }
}

/// Reads a pipe on its own thread until EOF, appending to `Collected`; `join()` waits for
/// EOF (at most `timeout` seconds), so no reader outlives the test that started it.
final class PipeReader: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)

    init(_ handle: FileHandle, into collected: Collected) {
        let done = self.done
        let thread = Thread {
            while true {
                let chunk = handle.availableData   // blocks; empty only at EOF
                if chunk.isEmpty { break }
                collected.append(chunk)
            }
            done.signal()
        }
        thread.start()
    }

    func join(timeout: Double = 30) { _ = done.wait(timeout: .now() + timeout) }
}
