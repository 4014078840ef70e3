import Foundation
import XCTest
@testable import NetLang

/// The evaluation mode a built-in receives in its context (issue 23): concrete at the top
/// level of a run, shape-only at the top level of a check, symbolic inside a loss or a
/// differentiated function in both; and the file policy that goes with it.
final class EvaluationModeTests: XCTestCase {
    private func context(_ interpreter: Interpreter) -> BuiltinContext {
        BuiltinContext(name: "probe", span: SourceSpan(file: SourceFile(name: "t.net", text: "probe()"), start: 0, end: 7),
                       interpreter: interpreter)
    }

    func testModeFollowsTheSessionAndSymbolicEvaluation() {
        let run = Interpreter()
        XCTAssertEqual(context(run).mode, .concrete)
        XCTAssertEqual(context(run).evaluatingSymbolically { context(run).mode }, .symbolic)
        XCTAssertEqual(context(run).mode, .concrete, "symbolic evaluation ends with its body")
        XCTAssertTrue(context(run).writesFiles)

        let check = Interpreter()
        check.topLevelMode = .shapeOnly
        XCTAssertTrue(check.checkOnly, "netl check's switch reads the mode")
        XCTAssertEqual(context(check).mode, .shapeOnly)
        // Building graph nodes computes nothing, so a loss is built the same way in a check.
        XCTAssertEqual(context(check).evaluatingSymbolically { context(check).mode }, .symbolic)
        XCTAssertFalse(context(check).evaluatingSymbolically { context(check).writesFiles }, "a check never writes files")
    }

    /// A file-writing built-in inside a function `grad` differentiates: a run writes it, a
    /// check (where that call is symbolic, not shape-only) still writes nothing.
    func testCheckWritesNoFileInsideADifferentiatedFunction() throws {
        let source = """
        fn f(x) {
            save_npy([1, 2], "inner.npy")
            return sum(x * x)
        }
        print grad(f, [1, 2])
        """
        for checking in [false, true] {
            let folder = temporaryFolder("netl-mode")
            defer { try? FileManager.default.removeItem(at: folder) }
            let printed = try runScript(source, checkOnly: checking, outputDirectory: folder.path)
            let written = FileManager.default.fileExists(atPath: folder.appendingPathComponent("inner.npy").path)
            XCTAssertEqual(written, !checking, checking ? "check wrote a file" : "run did not write the file")
            // A run says where save_npy wrote, then prints the gradient.
            XCTAssertEqual(printed.split(separator: "\n").last.map(String.init) ?? "", checking ? "" : "[2, 4]")
            XCTAssertEqual(printed.contains("wrote "), !checking, printed)
        }
    }

    /// The narrow context is the only way into the interpreter: no built-in file names the
    /// interpreter's flags or the interpreter itself (Builtins.swift installs them).
    func testBuiltinsSeeOnlyTheirContext() throws {
        let folder = repositoryRoot.appendingPathComponent("Sources/NetLang/Builtins")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".swift") }
        XCTAssertGreaterThan(files.count, 20)
        for file in files where !["Builtins.swift", "BuiltinContext.swift"].contains(file) {
            let text = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            for forbidden in ["checkOnly", "isSymbolic", "symbolicContext", "recordsShapeErrors", "Interpreter"] {
                XCTAssertFalse(text.contains(forbidden), "\(file) uses '\(forbidden)'; built-ins see a BuiltinContext")
            }
        }
    }
}
