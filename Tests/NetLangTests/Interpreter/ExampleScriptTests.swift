import Foundation
import XCTest
@testable import NetLang

/// Every script under examples/ is checked (`netl check`) and run with one epoch
/// (`--set epochs=1 --set quick=true`; scripts use `quick` to shrink data and pictures, and
/// assert their headline numbers), so none of them rots. Their pictures go to a temporary
/// output directory: the test suite leaves the examples folder, and the pictures a user's
/// own runs wrote there, untouched.
final class ExampleScriptTests: XCTestCase {
    static var examples: [URL] {
        let root = repositoryRoot.appendingPathComponent("examples")
        let files = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "net" } ?? []
        return files.sorted { $0.path < $1.path }
    }

    func testThereAreExamples() {
        XCTAssertGreaterThanOrEqual(Self.examples.count, 2)
    }

    func testEveryExampleChecksAndRunsWithoutWritingIntoTheExamples() throws {
        let examplesFolder = repositoryRoot.appendingPathComponent("examples")
        let before = folderSnapshot(examplesFolder)
        let out = temporaryFolder("netl-examples")
        defer { try? FileManager.default.removeItem(at: out) }
        for url in Self.examples {
            let text = try String(contentsOf: url, encoding: .utf8)
            let base = url.deletingLastPathComponent().path
            // Each example's files in a folder of its own, as `--out DIR/<chapter>` would.
            let folder = out.appendingPathComponent(url.deletingLastPathComponent().lastPathComponent).path
            XCTAssertNoThrow(try runScript(text, checkOnly: true, baseDirectory: base, outputDirectory: folder), "check \(url.lastPathComponent)")
            // CPU time, not wall time: the suite runs beside other test processes on a
            // possibly busy machine, and the limit is about the example's own cost.
            let start = processCPUSeconds()
            XCTAssertNoThrow(try runScript(text, overrides: ["epochs": .number(1), "quick": .boolean(true)], baseDirectory: base, outputDirectory: folder),
                             "run \(url.lastPathComponent)")
            XCTAssertLessThan(processCPUSeconds() - start, 150, "\(url.lastPathComponent) is too slow for the test suite (CPU seconds)")
        }
        // The pictures went to the output folder …
        for picture in ["ch2/training_history.png", "ch4/reconstruction.png", "ch5/digits_samples.png", "ch5/checkerboard_density.png",
                        "ch4/fig4_1_dynamics.png", "ch4/fig4_2_singular_values.png", "ch4/fig4_3_reconstructions.png", "ch4/fig4_4_convergence.png",
                        "ch6/ice_mnist_ce.png", "ch6/ice_mnist_ice.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(picture).path), "\(picture) was not written to --out")
        }
        // They say they come from a quick run.
        let chart = (try? String(contentsOf: out.appendingPathComponent("ch4/reconstruction.svg"), encoding: .utf8)) ?? ""
        XCTAssertTrue(chart.contains("QUICK RUN, not the full result"), "the quick run's chart title does not say so")
        // … and nothing under examples/ was added, removed or rewritten.
        let after = folderSnapshot(examplesFolder)
        XCTAssertEqual(after, before, "running the examples changed examples/: \(Set(after.keys).symmetricDifference(before.keys).sorted())")
    }
}

/// User plus system CPU time of this process so far, in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
