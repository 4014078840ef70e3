import Foundation
import XCTest
@testable import NetLang

/// `Interpreter.outputDirectory` (`netl run --out DIR`): every file a script writes goes
/// there, folders created on the way; relative reads look there first, then next to the
/// script; and pictures of quick runs say so in their title.
final class OutputDirectoryTests: XCTestCase {
    var scriptFolder: URL!
    var out: URL!

    override func setUpWithError() throws {
        scriptFolder = temporaryFolder("netl-script")
        out = temporaryFolder("netl-out").appendingPathComponent("run1")
        try FileManager.default.createDirectory(at: scriptFolder, withIntermediateDirectories: true)
        try "1,2,0\n3,4,1\n5,6,0\n".write(to: scriptFolder.appendingPathComponent("points.csv"), atomically: true, encoding: .utf8)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(at: scriptFolder)
        try? FileManager.default.removeItem(at: out.deletingLastPathComponent())
    }

    func testEveryWrittenFileGoesToTheOutputDirectoryAndInputsStayBesideTheScript() throws {
        let before = folderSnapshot(scriptFolder)
        let printed = try runScript("""
        data pts = load_csv("points.csv", label: -1)
        model m(input: [2]) { dense(2) }
        save m to "m.safetensors"
        load m from "m.safetensors"
        save_npy(pts.x, "x.npy")
        print sum(load_npy("x.npy"))
        save_chart("figures/curve.svg", [series("a", [1, 2], [3, 4])], title: "a curve")
        save_scatter(pts.x, "points.png")
        """, baseDirectory: scriptFolder.path, outputDirectory: out.path)
        for name in ["m.safetensors", "x.npy", "figures/curve.svg", "points.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
        XCTAssertEqual(folderSnapshot(scriptFolder), before, "the script's folder changed")
        // The data came from beside the script; the written file came back from --out.
        XCTAssertTrue(printed.hasPrefix("wrote \(out.path)/x.npy\n21\n"), printed)
        XCTAssertTrue(printed.contains("wrote \(out.path)/figures/curve.svg"), printed)
        // A later run with the same output directory finds the checkpoint there.
        XCTAssertNoThrow(try runScript("model m(input: [2]) { dense(2) }\nload m from \"m.safetensors\"",
                                       baseDirectory: scriptFolder.path, outputDirectory: out.path))
    }

    /// A misspelt or surplus argument of a function that writes a file is reported before
    /// anything is written (it used to be reported after the file was written with defaults).
    func testAWrongArgumentStopsTheWriteBeforeAnyFileIsWritten() throws {
        let calls = [
            "save_scatter(randn([10, 2]), \"points.png\", titel: \"typo\")",
            "save_images(zeros([4, 4]), \"grid.png\", [2, 2], scale: 3)",
            "save_chart(\"curve.svg\", [series(\"a\", [1, 2], [3, 4])], x_lable: \"t\")",
            "save_boxplot(\"box.png\", [\"a\"], [[1, 2, 3]], ylabel: \"v\")",
            "save_npy([1, 2], \"x.npy\", bogus: 1)",
        ]
        let before = folderSnapshot(scriptFolder)
        for call in calls {
            XCTAssertThrowsError(try runScript(call + "\n", baseDirectory: scriptFolder.path, outputDirectory: out.path), call) {
                XCTAssertTrue("\($0)".contains("has no argument named"), "\(call): \($0)")
            }
        }
        XCTAssertEqual(folderSnapshot(out), [:], "files were written")
        XCTAssertEqual(folderSnapshot(scriptFolder), before)
    }

    func testWithoutAnOutputDirectoryFilesGoBesideTheScript() throws {
        let interpreter = Interpreter(baseDirectory: scriptFolder.path)
        interpreter.output = { _ in }
        try interpreter.run(SourceFile(name: "t.net", text: "save_npy([1, 2], \"beside.npy\")"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: scriptFolder.appendingPathComponent("beside.npy").path))
    }

    func testAnOutputDirectoryThatCannotBeCreatedIsALocatedError() throws {
        // A regular file where a folder is needed.
        let blocker = scriptFolder.appendingPathComponent("file")
        try "x".write(to: blocker, atomically: true, encoding: .utf8)
        do {
            _ = try runScript("let a = 1\nsave_chart(\"c.svg\", [series(\"a\", [1, 2], [3, 4])])",
                              baseDirectory: scriptFolder.path, outputDirectory: blocker.appendingPathComponent("sub").path)
            XCTFail("expected an error")
        } catch {
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("test.net:2:1: error: cannot write the picture: cannot create the folder"), text)
        }
    }

    func testPicturesOfQuickRunsSayItInTheirTitle() throws {
        let script = """
        let quick = false
        save_chart("c.svg", [series("a", [1, 2], [3, 4])], title: "errors")
        save_images(zeros([2, 64]), "g.png", [8, 8])
        """
        let full = try runScript(script, baseDirectory: scriptFolder.path, outputDirectory: out.path)
        XCTAssertEqual(full, "wrote \(out.path)/c.svg\nwrote \(out.path)/g.png")
        let fullChart = try String(contentsOf: out.appendingPathComponent("c.svg"), encoding: .utf8)
        XCTAssertFalse(fullChart.contains("QUICK RUN"))
        let fullGrid = try pngSize(out.appendingPathComponent("g.png"))

        _ = try runScript(script, overrides: ["quick": .boolean(true)], baseDirectory: scriptFolder.path, outputDirectory: out.path)
        let quickChart = try String(contentsOf: out.appendingPathComponent("c.svg"), encoding: .utf8)
        XCTAssertTrue(quickChart.contains(">errors — QUICK RUN, not the full result</text>"), quickChart)
        // The untitled grid gains a title line (wider than two tiles, so the canvas widens).
        let quickGrid = try pngSize(out.appendingPathComponent("g.png"))
        XCTAssertGreaterThanOrEqual(quickGrid.width, fullGrid.width)
        XCTAssertGreaterThan(quickGrid.height, fullGrid.height)
    }

    func testImageLabelsMustMatchTheImages() {
        let error = scriptError("save_images(zeros([3, 4]), \"g.png\", [2, 2], labels: [1, 2])")
        XCTAssertTrue(error.contains("labels has 2 entries for 3 images"), error)
    }

    /// Width and height from a PNG's IHDR chunk.
    func pngSize(_ url: URL) throws -> (width: Int, height: Int) {
        let png = [UInt8](try Data(contentsOf: url))
        func be32(_ i: Int) -> Int { Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3]) }
        return (be32(16), be32(20))
    }
}
