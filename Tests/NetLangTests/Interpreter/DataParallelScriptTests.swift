import XCTest
@testable import NetLang

/// The single-process side of data parallelism: `world()` and per-example probes in a loss
/// (the multi-rank runs are in NetlTests/DataParallelTests, under mpirun).
final class DataParallelScriptTests: XCTestCase {
    func testWorldIsRankZeroOfOneWithoutMPI() throws {
        let out = try runScript("let w = world()\nprint w.rank, w.size")
        XCTAssertEqual(out, "0 1")
    }

    /// Probes given per example in a loss make the series estimate reproducible: two
    /// trainings from the same start end at the same loss, and a probe count does not.
    func testGivenProbesInALossAreUsed() throws {
        let script = """
        data toy = generate("8gaussians", n: 64, seed: 0)
        data points = dataset(toy.x, randn([64, 2], seed: 3))
        model flow(input: [2]) { residual lipschitz(c: 0.9) { dense(8) elu dense(2) } }
        train flow on points {
          loss flow_nll(flow, x, terms: 3, probes: y)
          steps 2  batch 32  shuffle false
        }
        """
        let a = try runScript(script, seed: 1), b = try runScript(script, seed: 1)
        XCTAssertTrue(a.contains("last step"), a)
        XCTAssertEqual(a.replacingOccurrences(of: #"in [0-9.]+ s"#, with: "", options: .regularExpression),
                       b.replacingOccurrences(of: #"in [0-9.]+ s"#, with: "", options: .regularExpression))
        // Other probes give another estimate.
        let c = try runScript(script.replacingOccurrences(of: "seed: 3", with: "seed: 4"), seed: 1)
        XCTAssertNotEqual(a.replacingOccurrences(of: #"in [0-9.]+ s"#, with: "", options: .regularExpression),
                          c.replacingOccurrences(of: #"in [0-9.]+ s"#, with: "", options: .regularExpression))
    }

    func testGivenProbesOfAnotherShapeAreRefused() {
        let message = scriptError("""
        data toy = generate("8gaussians", n: 64, seed: 0)
        data points = dataset(toy.x, randn([64, 3], seed: 3))
        model flow(input: [2]) { residual lipschitz(c: 0.9) { dense(8) elu dense(2) } }
        train flow on points {
          loss flow_nll(flow, x, probes: y)
          steps 1  batch 32
        }
        """)
        XCTAssertTrue(message.contains("one probe per example of the batch's shape [32, 2]"), message)
        XCTAssertTrue(message.contains("test.net:5:"), message)
    }
}
