import Foundation
import XCTest

/// Tab in the interactive REPL (GNU readline on a pseudo-terminal): colon commands and
/// members after a dot complete through the engine `netl lsp` uses (issue 24, item 7).
final class ReplTabCompletionTests: XCTestCase {
    func testTabCompletesCommandsAndDataSetParts() throws {
        try requireNetl()
        var master: Int32 = 0, slave: Int32 = 0
        guard openpty(&master, &slave, nil, nil, nil) == 0 else { throw XCTSkip("no pseudo-terminal available") }
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("netl-tab-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: home) }
        let process = Process()
        process.executableURL = netl
        process.arguments = ["repl"]
        process.environment = ["HOME": home.path, "TERM": "dumb", "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin"]
        let terminal = FileHandle(fileDescriptor: slave, closeOnDealloc: false)
        process.standardInput = terminal
        process.standardOutput = terminal
        process.standardError = terminal
        try process.run()
        close(slave)
        defer { if process.isRunning { process.terminate() }; close(master) }

        /// Everything the REPL prints within `seconds` (or until `expected` shows up).
        func read(until expected: String, seconds: Double = 20) -> String {
            var text = "", buffer = [UInt8](repeating: 0, count: 4096)
            let end = Date().addingTimeInterval(seconds)
            while Date() < end, !text.contains(expected) {
                var poller = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
                guard poll(&poller, 1, 100) > 0 else { continue }
                let n = Foundation.read(master, &buffer, buffer.count)
                if n <= 0 { break }
                text += String(decoding: buffer[0..<n], as: UTF8.self)
            }
            return text
        }
        func type(_ s: String) { _ = s.withCString { write(master, $0, strlen($0)) } }

        XCTAssertTrue(read(until: "netl> ").contains("netl> "))
        type("data d = load_digits(test: 0.2, seed: 0)\n")
        _ = read(until: "netl> ")
        type("print d.tr\t")
        XCTAssertTrue(read(until: "d.train").contains("print d.train"), "d.tr<Tab>")
        type("\u{15}:he\t")   // Ctrl-U clears the line
        XCTAssertTrue(read(until: ":help").contains(":help"), ":he<Tab>")
        type("\u{15}:quit\n")
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
    }
}
