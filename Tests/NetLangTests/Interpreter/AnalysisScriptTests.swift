import XCTest
@testable import NetLang

/// The chapter 3 built-ins from scripts: linearisations, spectra, preimages, omnidirectionality,
/// the Lemma 3.5/3.6 checks, and their located diagnostics.
final class AnalysisScriptTests: XCTestCase {
    /// A hand-set layer: the linearisation is the active rows of W, the preimage classes are
    /// known, the operator of the dense layer is its weight.
    func testHandSetNetwork() throws {
        let out = try runScript("""
        model net(input: [2]) { dense(3) relu dense(1) }
        assign(net.dense1.weight, [[1, 0], [0, 1], [-1, -1]])
        assign(net.dense1.bias, [0, 0, -1])
        assign(net.dense2.weight, [[1, 2, 3]])
        assign(net.dense2.bias, [0])
        let l = linearize(net, [1, -1], upto: "relu1")
        print l.jacobian
        print l.patterns.relu1, l.output
        print linearize(net, [1, 2]).jacobian, linearize(net, [1, 2], upto: 1).jacobian.shape
        print layer_operator(net, "dense1").bias
        print preimage(net, [1, 2], layer: "dense1").class, preimage(net, [1, -1], layer: "dense1").class
        let p = preimage(net, [-0.2, -0.2], layer: "dense1")
        print p.class, p.nullity, p.omnidirectional
        """)
        XCTAssertEqual(out, """
        [[1, 0],
         [0, 0],
         [0, 0]]
        [1, 0, 0] [1, 0, 0]
        [[1, 2]] [3, 2]
        [0, 0, -1]
        singleton bounded
        bounded 2 yes
        """)
    }

    func testMatrixBuiltins() throws {
        let out = try runScript("""
        let f = [[1, 0.2], [0.3, -1]]
        let a = concat([f, -f])
        print omnidirectional(a).verdict, omnidirectional(f).verdict, omnidirectional(a).rank
        print omnidirectional([[1, 0], [-1, 0], [0, 1], [0, -1]], [-1, 1, -2, 2]).point
        print preimage(a, [-1, -1, -1, -1], x: [0, 0]).class, preimage(a, [-1, -1, -1, -1], y: [0, 0, 0, 0]).class
        print preimage([[1, 2]], [-1], x: [0, 0]).class, preimage([[1, 0], [0, 1]], [0, 0], y: [1, 2]).class
        print inactive_set([[1, 0], [0, 1], [-1, 0]], [1, -1]), admissible([[1, 0], [-1, 0]], [0, 1]), admissible([[1, 0], [-1, 0]], [])
        print relu_bounds([[2, 0], [0, 1], [1, 1]], [1]).holds, weak_correlation_bound(weakly_correlated_rows(3, 2, epsilon: 0.01), [0], 0).holds
        """)
        XCTAssertEqual(out, """
        yes no 2
        [1, 2]
        bounded bounded
        unbounded singleton
        [1, 2] true false
        true true
        """)
    }

    func testSpectraOfASmallConvNet() throws {
        let out = try runScript("""
        model c(input: [1, 4, 4]) { conv2d(2, kernel: 3, stride: 2) relu flatten dense(3) }
        let s = layer_spectra(c, randn([5, 1, 4, 4], seed: 1), samples: 3)
        print s.layer, s.units, s.samples, len(s.singular_values), s.singular_values[0].shape
        """)
        XCTAssertEqual(out, """
        [conv2d1, relu1, dense1] [8, 8, 3] 3 3 [8]
        """)
    }

    func testDiagnostics() {
        XCTAssertTrue(scriptError("""
        model t(input: [2]) { dense(3) tanh dense(1) }
        print linearize(t, [1, 2])
        """).contains("test.net:2:17: error: layer 2 of 't' is tanh"))
        XCTAssertTrue(scriptError("""
        model n(input: [2]) { dense(3) relu dense(1) }
        print linearize(n, [1, 2, 3])
        """).contains("test.net:2:20: error: linearize: 'x' must have 2 values"))
        XCTAssertTrue(scriptError("""
        model n(input: [2]) { dense(3) relu dense(1) }
        print linearize(n, [1, 2], upto: "relu9")
        """).contains("test.net:2:34: error: 'n' has no layer 'relu9'"))
        XCTAssertTrue(scriptError("""
        model n(input: [2]) { dense(3) relu dense(1) }
        print preimage(n, [1, 2], layer: "dense2")
        """).contains("dense2 must be followed by relu"))
        XCTAssertTrue(scriptError("""
        print preimage([[1, 0], [0, 1], [1, 1]], [0, 0, 0], y: [1, -1, 0])
        """).contains("test.net:1:56: error: the point is not in the layer's image: unit 1 is negative"))
        XCTAssertTrue(scriptError("""
        print preimage([[1, 0], [0, 1], [1, 1]], [0, 0, 0], y: [1, 1, 0])
        """).contains("not in the layer's image"))
        XCTAssertTrue(scriptError("""
        print preimage([[1, 0], [0, 1]], [0, 0, 0], x: [1, 1])
        """).contains("test.net:1:34: error: preimage: the bias needs 2 values"))
        XCTAssertTrue(scriptError("""
        print relu_bounds([[1, 0]], [3])
        """).contains("row index 3 is outside"))
        XCTAssertTrue(scriptError("""
        model big(input: [1, 64, 64]) { conv2d(16, kernel: 3) relu }
        print linearize(big, zeros([1, 64, 64]))
        """).contains("would hold 268435456 numbers"))
        XCTAssertTrue(scriptError("""
        model n(input: [3]) { dense(3) relu }
        save_regions(n, "r.png", point: [0, 0])
        """).contains("save_regions needs a model on 2-D points"))
        XCTAssertTrue(scriptError("""
        save_row_removal([[1, 0, 0]], "r.png", [0, 0])
        """).contains("test.net:1:18: error: save_row_removal needs the rows of a layer on R²"))
        XCTAssertTrue(scriptError("""
        save_row_removal([[1, 0], [0, 1]], "r.png", [0, 0], bias: [1])
        """).contains("test.net:1:59: error: save_row_removal: the bias needs 2 values"))
        XCTAssertTrue(scriptError("""
        model n(input: [2]) { dense(3) relu dense(2) }
        save_regions(n, "r.png", point: [0, 0], examples: zeros([3, 2]))
        """).contains("test.net:2:51: error: save_regions: examples: takes a data set"))
    }

    /// Fig. 3.3 from a script: the removed rows and both condition numbers per panel, and
    /// Fig. 3.1's counts with the training data drawn.
    func testPicturesOfChapter3() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("relu_pictures_\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let out = try runScript("""
        let r = save_row_removal([[1, 0], [0.1, 1], [-0.1, 1]], "rows.png", [-0.5, 0.5], bias: [-1, 0, 0], biased_x: [0.5, 0.5])
        print r[0].inactive, r[1].inactive, format(r[0].condition, 4), format(r[0].condition_removed, 6), format(r[1].condition_removed, 6)
        model net(input: [2]) { dense(3) relu dense(2) }
        assign(net.dense1.weight, [[1, 0], [0, 1], [-1, -1]])
        assign(net.dense1.bias, [0, 0, -1])
        data d = dataset([[0, 0], [1, 1]], [0, 1])
        let g = save_regions(net, "regions.png", point: [1, 1], range: 3, grid: 30, examples: d)
        print g.regions, g.preimage.class
        """, outputDirectory: dir.path)
        XCTAssertEqual(out.split(separator: "\n").filter { !$0.hasPrefix("wrote ") }.joined(separator: "\n"), """
        [0] [0] 1.4003 10.000000 10.000000
        7 singleton
        """)
        XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("rows.png").path))
    }
}
