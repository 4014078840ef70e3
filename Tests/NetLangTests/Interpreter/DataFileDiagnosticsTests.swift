import Foundation
import XCTest
@testable import NetLang
import NetRuntime

/// Issue 14: data and checkpoint files whose content would mislead are reported with the
/// file, row and value; pictures are PNG under .png names only.
final class DataFileDiagnosticsTests: XCTestCase {
    var dir = ""
    override func setUpWithError() throws {
        dir = NSTemporaryDirectory() + "netlang-files-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }
    override func tearDown() { try? FileManager.default.removeItem(atPath: dir) }

    func error(_ source: String) -> String {
        do { _ = try runScript(source, baseDirectory: dir); XCTFail("expected an error"); return "" } catch { return "\(error)" }
    }

    func testEmptyCSVSaysItIsEmpty() throws {
        try "".write(toFile: dir + "/empty.csv", atomically: true, encoding: .utf8)
        let message = error("data d = load_csv(\"empty.csv\")\n")
        XCTAssertTrue(message.contains("'empty.csv' is empty"), message)
    }

    func testNonFiniteCSVValuesNameLineAndColumn() throws {
        try "1,2,0\n3,nan,1\n".write(toFile: dir + "/bad.csv", atomically: true, encoding: .utf8)
        let message = error("data d = load_csv(\"bad.csv\")\n")
        XCTAssertTrue(message.contains("bad.csv:2:2: the value nan is not a finite number"), message)
    }

    func testCSVLabelsOutOfRangeStopTrainingBeforeItStarts() throws {
        try "0,1,0\n1,0,0.5\n1,1,1\n".write(toFile: dir + "/labels.csv", atomically: true, encoding: .utf8)
        let message = error("""
        data d = load_csv("labels.csv")
        model m(input: [2]) { dense(2) }
        train m on d {
          loss cross_entropy(m(x), y)
          steps 1
        }
        """)
        XCTAssertTrue(message.contains("data set 'labels.csv', row 1: label 0.5 is not a class 0…1"), message)
    }

    func testNonFiniteTrainingInputsNameTheRow() {
        let message = error("""
        data d = dataset([[0, 1], [1, 0]] / [[1, 1], [1, 0]], [0, 1], name: "pts")
        model m(input: [2]) { dense(2) }
        train m on d {
          loss cross_entropy(m(x), y)
          steps 1
        }
        """)
        XCTAssertTrue(message.contains("data set 'pts', row 1: x holds"), message)
    }

    func testCheckpointWithNaNIsRefusedUnlessAllowed() throws {
        let path = dir + "/nan.safetensors"
        try Safetensors.write([("m.dense1.weight", Tensor(shape: [1, 1], scalars: [.nan])), ("m.dense1.bias", Tensor(shape: [1], scalars: [0]))], to: path)
        let source = "model m(input: [1]) { dense(1) }\nload m from \"nan.safetensors\"\nprint m.dense1.weight\n"
        let message = error(source)
        XCTAssertTrue(message.contains("'m.dense1.weight' holds nan at element 0; the model is unchanged"), message)
        let interpreter = Interpreter(baseDirectory: dir)
        interpreter.allowsNonFiniteWeights = true
        var lines: [String] = []
        interpreter.output = { lines.append($0) }
        try interpreter.run(SourceFile(name: "t.net", text: source))
        XCTAssertTrue(lines.joined().contains("nan"), lines.joined())
    }

    func testPicturesNeedAPNGName() throws {
        let message = error("save_scatter([[0, 0], [1, 1]], \"points.jpg\")\n")
        XCTAssertTrue(message.contains("name the file '….png', not 'points.jpg'"), message)
        XCTAssertFalse(FileManager.default.fileExists(atPath: dir + "/points.jpg"))
    }
}
