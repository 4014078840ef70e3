import Foundation
import XCTest
@testable import NetLang

/// `netl check` and `netl run` accept the same scripts (issue 22's gaps): each snippet
/// is checked and run, and both give the same error, or both pass.
final class CheckRunAgreementTests: XCTestCase {
    /// The rendered error of checking and of running `source` (nil: it passed).
    private func outcomes(_ source: String) -> (check: String?, run: String?) {
        func outcome(_ checkOnly: Bool) -> String? {
            do { _ = try runScript(source, checkOnly: checkOnly); return nil } catch { return "\(error)" }
        }
        return (outcome(true), outcome(false))
    }

    private func assertBothFail(_ source: String, with message: String, file: StaticString = #filePath, line: UInt = #line) {
        let (check, run) = outcomes(source)
        XCTAssertEqual(check, run, "check and run disagree", file: file, line: line)
        XCTAssertTrue(run?.contains(message) == true, run ?? "run passed", file: file, line: line)
    }

    private func assertBothPass(_ source: String, file: StaticString = #filePath, line: UInt = #line) {
        let (check, run) = outcomes(source)
        XCTAssertNil(check, file: file, line: line)
        XCTAssertNil(run, file: file, line: line)
    }

    static let models = """
    model feat(input: [4]) { dense(3) relu dense(2) }
    model clf(input: [4]) { feat dense(5) }

    """

    // MARK: Indexing a model by a layer name

    /// `m["dense1"]` is `m.dense1`, in both modes; a dotted name walks the path.
    func testModelIndexedByNameIsItsMember() throws {
        let source = Self.models + """
        print feat["dense1"].weight.shape, feat["dense2.bias"].shape
        print clf["feat"]["dense1"].weight.shape, clf["dense1"]["bias"].shape
        let same = max(abs(clf["feat.dense1.weight"] - clf.feat.dense1.weight))
        print same
        for name in ["dense1", "dense2"] { print name, feat[name].weight.shape }
        """
        assertBothPass(source)
        XCTAssertEqual(try runScript(source), "[3, 4] [2]\n[3, 4] [5]\n0\ndense1 [3, 4]\ndense2 [2, 3]")
    }

    func testUnknownLayerNameFailsInBothWithASuggestion() {
        assertBothFail(Self.models + "let w = feat[\"dense3\"].weight\n",
                       with: "test.net:3:14: error: model 'feat' has no 'dense3'; it has dense1, dense2; did you mean 'dense1'?")
        assertBothFail(Self.models + "let w = clf[\"feat\"][\"dens1\"]\n", with: "did you mean 'dense1'?")
    }

    func testModelIndexedByANumberOrSliceFailsInBoth() {
        assertBothFail(Self.models + "let w = feat[0]\n", with: "a model is indexed by a layer name: m[\"dense1\"], not the number 0")
        assertBothFail(Self.models + "let w = feat[0:1]\n", with: "a model is indexed by a layer name")
        assertBothFail("let r = svd([[2, 0], [0, 1]])\nlet v = r[\"uu\"]\n", with: "no field 'uu'; fields: u, s, vt; did you mean 'u'?")
    }

    // MARK: print is evaluated by the check too

    /// The check used to look only at the names a `print` uses, so `print m[0]` or a
    /// missing member passed `netl check` and failed `netl run`. Members and indices
    /// through models, records and data sets are now checked (PrintCheck.swift).
    func testPrintItemsAreCheckedThroughModelsRecordsAndDataSets() {
        assertBothFail(Self.models + "print feat[0]\n", with: "a model is indexed by a layer name")
        assertBothFail(Self.models + "print feat.dense7\n", with: "model 'feat' has no 'dense7'")
        assertBothFail(Self.models + "for p in [[\"a\", feat]] { print p[1].dense7 }\n", with: "model 'feat' has no 'dense7'")
        assertBothFail(Self.models + "let k = \"dense9\"\nprint 1 + sum(feat[k].weight)\n", with: "model 'feat' has no 'dense9'")
        assertBothFail("data d = generate(\"blobs\", n: 10, seed: 1)\nprint d.z\n", with: "data set 'blobs' has no 'z'")
        assertBothFail("let r = svd([[2, 0], [0, 1]])\nprint r.uu\n", with: "no field 'uu'")
        // What a check has only as placeholders is not judged: an analysis's empty lists,
        // a file the script writes first (a check writes nothing).
        assertBothPass("save_npy(zeros([2, 3]), \"v.npy\")\nprint load_npy(\"v.npy\").shape\n")
        // and prints nothing
        XCTAssertEqual(try runScript(Self.models + "print feat.dense1.weight.shape\n", checkOnly: true), "")
    }

    /// A chain is walked once from its base (the fuzzer's 50 000-link `print a[0][0]…`
    /// took quadratic time when every link restarted the walk).
    func testALongPrintChainIsCheckedInLinearTime() throws {
        let source = "let a = [[1]]\nprint a" + String(repeating: "[0]", count: 20000) + "\n"
        let start = Date()
        XCTAssertNoThrow(try runScript(source, checkOnly: true))
        XCTAssertLessThan(Date().timeIntervalSince(start), 10)
    }

    // MARK: model statements inside blocks

    /// A `model` statement in an `if` or a loop rebinds the enclosing model, as at top level
    /// (Python's `d = Net()` in an `if` rebinds the module's `d`): re-initialised weights.
    func testModelInABlockRebindsTheEnclosingModel() throws {
        let source = """
        model d(input: [4]) { dense(3) }
        let w0 = d.dense1.weight + 0
        if true { model d(input: [4]) { dense(3) } }
        let changed = max(abs(d.dense1.weight - w0)) > 0
        for round in 2 { model d(input: [4]) { dense(6) } }
        let width = d.dense1.weight.shape
        repeat 1 { model local_only(input: [4]) { dense(1) } }
        """
        let session = WarningSession()
        try session.enter(source)
        XCTAssertEqual(session.display("changed"), "true")
        XCTAssertEqual(session.display("width"), "[6, 4]")
        XCTAssertEqual(session.warnings.count, 0)
        // A name that is no model outside stays local to the block.
        XCTAssertNil(session.display("local_only"))
        assertBothPass(source)
    }

    /// Chosen conditionally: the branch taken decides the global model.
    func testModelChosenConditionally() throws {
        let source = """
        let wide = true
        model d(input: [4]) { dense(2) }
        if wide { model d(input: [4]) { dense(8) } } else { model d(input: [4]) { dense(1) } }
        print d.dense1.weight.shape
        """
        XCTAssertEqual(try runScript(source), "[8, 4]")
        assertBothPass(source)
    }

    /// A function body is a boundary: its model is local, and a warning (once, however
    /// often it is called) says that it shadows the outer one.
    func testModelInAFunctionIsLocalAndWarns() throws {
        let source = """
        model d(input: [4]) { dense(2) }
        fn fresh() {
          model d(input: [4]) { dense(5) }
          return d
        }
        let a = fresh()
        let b = fresh()
        let outer = d.dense1.weight.shape
        let inner = a.dense1.weight.shape
        """
        for checkOnly in [false, true] {
            let session = WarningSession(checkOnly: checkOnly)
            try session.enter(source)
            XCTAssertEqual(session.display("outer"), "[2, 4]")
            XCTAssertEqual(session.display("inner"), "[5, 4]")
            XCTAssertEqual(session.warnings.map(\.description), ["""
            test.net:3:9: warning: the model 'd' defined inside the function 'fresh' is local to it and shadows the model 'd' at line 1; to replace that one, return the new model ('return d') and assign it ('d = fresh(…)'), or define it outside the function
                model d(input: [4]) { dense(5) }
                      ^
            test.net:1:7: note: the model 'd' outside 'fresh' is defined here
              model d(input: [4]) { dense(2) }
                    ^
            """])
        }
    }

    /// The REPL runs each entry in the same session: a block entered later rebinds the
    /// model an earlier entry defined, without the top level's "weights discarded" warning.
    func testReplBlockRebindsAnEarlierEntrysModel() throws {
        let session = WarningSession()
        try session.enter("""
        data blobs = generate("blobs", n: 40, seed: 1)
        model d(input: [2]) { dense(3) }
        train d on blobs { loss cross_entropy(d(x), y) epochs 1 }
        """, name: "<repl 1>")
        try session.enter("if true { model d(input: [2]) { dense(4) } }", name: "<repl 2>")
        try session.enter("let n = d.parameter_count", name: "<repl 3>")
        XCTAssertEqual(session.display("n"), "12")
        XCTAssertEqual(session.warnings.count, 0)
        // A top-level redefinition of the trained model still warns.
        try session.enter("train d on blobs { loss cross_entropy(d(x), y) epochs 1 }\nmodel d(input: [2]) { dense(4) }", name: "<repl 4>")
        XCTAssertEqual(session.warnings.count, 1)
        XCTAssertTrue(session.warnings.first?.message.contains("its weights are discarded") == true, "\(session.warnings)")
    }
}
