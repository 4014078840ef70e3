import XCTest
@testable import NetLang

/// The chapter 7 built-ins from scripts: the generator's data set, the ROC/LDA baseline,
/// balanced accuracy of predictions, per-core majority votes, order statistics, receptive
/// fields, and their diagnostics.
final class SpectraScriptTests: XCTestCase {
    func testGeneratedDataSetHasGroupsAndGrid() throws {
        let out = try runScript("""
        data s = generate_spectra("lp", bins: 300, tmas: 4, cores_per_tma: 4, spectra_per_core: 2, seed: 3)
        print s.x.shape, s.y.shape, s.mz.shape, s.core.shape, s.tma[0:3], s.groups[-1]
        print len(grouped_kfold(s, 4)), grouped_kfold(s, 4)[0].test.size, shape(grouped_kfold(s, 4)[0].test.core)
        print s.mz[0], s.mz[1] < s.mz[2], s.discriminative.size
        """)
        XCTAssertEqual(out, """
        [32, 1, 300] [32] [300] [32] [0, 0, 0] 3
        4 8 [8]
        800 true 6
        """)
    }

    func testBaselineOnAHandMadeCase() throws {
        // Feature 0 separates the classes except one tie; feature 1 is noise.
        let out = try runScript("""
        let x = [[1, 5], [2, 1], [3, 4], [2, 2], [4, 3]]
        let y = [0, 0, 0, 1, 1]
        print mww_auc(x, y)
        print top_k(abs(mww_auc(x, y) - 0.5), 1)
        let fit = lda(select_features(x, [0]), y, shrinkage: 0)
        print lda_predict(fit, [[0], [10]])
        print balanced_accuracy([0, 0, 0, 1], [0, 0, 1, 1]), balanced_accuracy([[2, 1], [0, 1]], [0, 1])
        print group_majority([1, 1, 0, 0, 0, 1], [5, 5, 5, 7, 7, 7])
        print median([4, 1, 3]), quantile([1, 2, 3, 4], 0.75), iqr([1, 2, 3, 4, 5])
        """)
        XCTAssertEqual(out, """
        [0.75, 0.333333]
        [0]
        [0, 1]
        0.75 1
        [1, 0]
        3 3.25 2
        """)
    }

    func testReceptiveFieldAndPattern() throws {
        let out = try runScript("""
        model m(input: [1, 100]) {
          conv1d(4, kernel: 5, stride: 2) relu
          conv1d(4, kernel: 3)
          flatten
          dense(2)
        }
        print receptive_field(m), receptive_field(m, layers: 1)
        let p = isotope_pattern(1000)
        print p.carbons, p.offsets.size
        """)
        XCTAssertEqual(out, "9 5\n44 4")
    }

    func testDiagnostics() {
        XCTAssertTrue(scriptError("data s = generate_spectra(\"adsqq\")").contains("did you mean 'adsq'"))
        XCTAssertTrue(scriptError("data s = generate_spectra(bins: 4)").contains("test.net:1:33: error: generate_spectra: 'bins' must be at least 16"))
        XCTAssertTrue(scriptError("data s = generate_spectra(bins: 200000, spectra_per_core: 100)").contains("exceed"))
        XCTAssertTrue(scriptError("data s = generate_spectra(tmas: 1e14, cores_per_tma: 1e14)").contains("exceed"))
        XCTAssertTrue(scriptError("data s = generate_spectra(peptides_per_kda: 1e9)").contains("at most 1000 peptides"))
        XCTAssertTrue(scriptError("print lda([[1], [2], [3]], [0, 1, 1e9])").contains("below 1000"))
        XCTAssertTrue(scriptError("data s = generate_spectra(fold_change: -1)").contains("'fold_change' must be a positive number"))
        XCTAssertTrue(scriptError("data s = generate_spectra(tumour_fraction: 2)").contains("must be in [0, 1]"))
        XCTAssertTrue(scriptError("print mww_auc([[1], [2], [3]], [0, 1, 2])").contains("labels 0 and 1"))
        XCTAssertTrue(scriptError("print mww_auc([[1], [2]], [0, 1, 1])").contains("labels must be [2]"))
        XCTAssertTrue(scriptError("print top_k([1, 2], 3)").contains("only 2 values"))
        XCTAssertTrue(scriptError("print select_features([[1, 2]], [2])").contains("outside 0…1"))
        XCTAssertTrue(scriptError("print lda([[1], [2]], [0, 0])").contains("at least two classes"))
        XCTAssertTrue(scriptError("print lda([[1, 1], [2, 2], [3, 3], [4, 4]], [0, 0, 1, 1], shrinkage: 0)").contains("singular"))
        XCTAssertTrue(scriptError("print lda_predict(3, [[1]])").contains("needs the result of lda"))
        XCTAssertTrue(scriptError("print lda_predict(lda([[1], [2], [3], [4]], [0, 0, 1, 1]), [[1, 2]])").contains("the fit has 1 features"))
        XCTAssertTrue(scriptError("print group_majority([1, 2], [1])").contains("2 values but 1 group ids"))
        XCTAssertTrue(scriptError("print quantile([1, 2], 1.5)").contains("must be in [0, 1]"))
        XCTAssertTrue(scriptError("print isotope_pattern(-5)").contains("mass must be in"))
        XCTAssertTrue(scriptError("model m(input: [3]) { dense(2) }\nprint receptive_field(m)").contains("[channels, positions…]"))
        XCTAssertTrue(scriptError("model m(input: [1, 9]) { conv1d(2) }\nprint receptive_field(m, layers: 5)").contains("has 1 layers"))
        XCTAssertTrue(scriptError("print balanced_accuracy([0, 1], [0])").contains("predicted classes [N]"))
    }

    /// The architecture examples print the figures quoted in docs/spectra.md: IsotopeNet
    /// 12,080 parameters for 27,286 bins (WORKLOADS.md §5), receptive fields 5/17/37/77 after
    /// its residual layers and 107 with the locally connected layer; ResidualNet 1,621,106.
    func testArchitectureExamplesParametersAndReceptiveFields() throws {
        let folder = repositoryRoot.appendingPathComponent("examples/ch7")
        func run(_ name: String) throws -> String {
            try runScript(String(contentsOf: folder.appendingPathComponent(name), encoding: .utf8), baseDirectory: folder.path)
        }
        let iso = try run("isotopenet.net")
        XCTAssertTrue(iso.contains("parameters: 12080 (thesis, Table 7.2: 13935)"), iso)
        for (n, r) in [(1, 5), (2, 17), (3, 37), (4, 77)] {
            XCTAssertTrue(iso.contains("receptive field after residual layer \(n) : \(r) bins"), iso)
        }
        XCTAssertTrue(iso.contains("receptive field of the convolutional part: 107 bins"), iso)
        let res = try run("residualnet.net")
        XCTAssertTrue(res.contains("parameters: 1621106 (thesis, Table A.1: 2132130)"), res)
        XCTAssertTrue(res.contains("[N, 256, 13]"), res)
    }

    /// `netl check` builds the data set's shapes without generating spectra.
    func testCheckModeIsCheap() throws {
        let out = try runScript("""
        data s = generate_spectra("adsq", bins: 20000, seed: 1)
        model iso(input: [1, 20000]) { conv1d(2, stride: 5) flatten dense(2) }
        let auc = mww_auc(s)
        let fit = lda(select_features(s, top_k(auc, 5)))
        print receptive_field(iso)
        """, checkOnly: true)
        XCTAssertEqual(out, "")
    }
}
