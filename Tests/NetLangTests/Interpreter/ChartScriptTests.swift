import Foundation
import XCTest
@testable import NetLang

/// save_chart / save_boxplot write a PNG or an SVG by the file name's extension, and
/// refuse any other extension with an error at the file name.
final class ChartScriptTests: XCTestCase {
    func testChartsAsPNGAndSVG() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("netl-charts-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try runScript("""
        let ks = [1, 2, 3, 4]
        let curves = [series("c = 0.5", ks, [0.5, 0.25, 0.125, 0.0625], band: [0.1, 0.05, 0.02, 0.01]), series("c = 0.9", ks, [0.9, 0.81, 0.729, 0.6561])]
        save_chart("conv.png", curves, title: "Lemma 4.5", x_label: "iterations", y_label: "error", log_y: true)
        save_chart("conv.svg", curves, title: "Lemma 4.5", x_label: "iterations", y_label: "error", log_y: true)
        save_boxplot("folds.PNG", ["a", "b"], [[0.8, 0.82, 0.85], [0.9, 0.91, 0.93]], title: "folds", y_label: "accuracy")
        save_boxplot("folds.svg", ["a", "b"], [[0.8, 0.82, 0.85], [0.9, 0.91, 0.93]])
        """, baseDirectory: dir.path, outputDirectory: dir.path)
        XCTAssertEqual(out, "wrote conv.png\nwrote conv.svg\nwrote folds.PNG\nwrote folds.svg")
        for name in ["conv.png", "folds.PNG"] {
            let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
            XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], name)
            XCTAssertEqual(String(decoding: bytes[12..<16], as: UTF8.self), "IHDR", name)
        }
        // The chart is 630 × 420 units (its two-line legend inside the plot) at 2 pixels per unit.
        let png = [UInt8](try Data(contentsOf: dir.appendingPathComponent("conv.png")))
        func be32(_ i: Int) -> Int { Int(png[i]) << 24 | Int(png[i + 1]) << 16 | Int(png[i + 2]) << 8 | Int(png[i + 3]) }
        XCTAssertEqual([be32(16), be32(20)], [1260, 840])
        let svg = try String(contentsOf: dir.appendingPathComponent("conv.svg"), encoding: .utf8)
        XCTAssertTrue(svg.hasPrefix("<svg"))
        XCTAssertTrue(svg.contains(">0.1</text>") && svg.contains(">1</text>"), "decade ticks")
    }

    func testOtherExtensionsAreAnErrorAtTheFileName() throws {
        let source = """
        let ks = [1, 2]
        save_chart("curve.jpg", [series("a", ks, ks)])
        """
        let error = scriptError(source)
        XCTAssertTrue(error.hasPrefix("test.net:2:12: error: save_chart writes a .png or an .svg file, not 'curve.jpg'"), error)
        // Also under `netl check`, before anything runs.
        XCTAssertThrowsError(try runScript(source, checkOnly: true)) { e in
            XCTAssertTrue("\(e)".contains("test.net:2:12"), "\(e)")
        }
        let box = scriptError("save_boxplot(\"folds\", [\"a\"], [[1, 2]])")
        XCTAssertTrue(box.hasPrefix("test.net:1:14: error: save_boxplot writes a .png or an .svg file, not 'folds'"), box)
    }
}
