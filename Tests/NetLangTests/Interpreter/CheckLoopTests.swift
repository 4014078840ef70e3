import Foundation
import XCTest
@testable import NetLang

/// `netl check` runs a loop body until the shapes it can see repeat (ShapeSignature.swift),
/// not up to 1000 times on placeholder values; what each iteration could get wrong about
/// shapes is still found.
final class CheckLoopTests: XCTestCase {
    /// The number of times the body called `tick()`, checking (or running) the script.
    private func ticks(_ source: String, checkOnly: Bool = true) throws -> Int {
        let interpreter = Interpreter()
        interpreter.checkOnly = checkOnly
        interpreter.output = { _ in }
        var count = 0
        interpreter.globals.define("tick", .function(Callable(name: "tick") { _, _ in count += 1; return .none }))
        try interpreter.run(SourceFile(name: "loop.net", text: source))
        return count
    }

    func testABodyWithoutShapeChangesIsCheckedOnce() throws {
        XCTAssertEqual(try ticks("repeat 500 {\n  tick()\n}\n"), 1)
        XCTAssertEqual(try ticks("repeat 500 {\n  tick()\n}\n", checkOnly: false), 500)
        // A loss from placeholders keeps its value: the state repeats after one iteration.
        XCTAssertEqual(try ticks("let loss = 0\nfor epoch in 800 {\n  tick()\n  loss = mean(zeros([4]))\n}\n"), 1)
        XCTAssertEqual(try ticks("repeat 0 {\n  tick()\n}\n"), 0)
    }

    /// A script may index what a loop accumulated or size a tensor by a counter: a state
    /// that keeps changing keeps the loop running, as in a run (up to the check's limit).
    func testCountersAndAccumulatorsKeepTheLoopRunning() throws {
        XCTAssertEqual(try ticks("let acc = []\nfor i in 300 {\n  tick()\n  acc = append(acc, i)\n}\nprint acc[299]\n"), 300)
        XCTAssertEqual(try ticks("let steps = 0\nrepeat 50 {\n  tick()\n  steps = steps + 1\n}\n"), 50)
        XCTAssertEqual(try ticks("let acc = []\nrepeat 2000 {\n  tick()\n  acc = append(acc, 1)\n}\n"), Interpreter.checkLoopLimit)
    }

    /// A loop that re-initialises a model each round (a `model` statement rebinding the
    /// outer one) settles: models are told apart by definition and parameter shapes.
    func testALoopReinitialisingAModelSettles() throws {
        let reinit = "model d(input: [4]) { dense(3) }\nfor round in 500 {\n  tick()\n  model d(input: [4]) { dense(3) }\n}\n"
        XCTAssertEqual(try ticks(reinit), 2)
        XCTAssertEqual(try ticks(reinit, checkOnly: false), 500)
        // A model whose shapes change each round keeps the loop running.
        XCTAssertEqual(try ticks("let w = 1\nmodel d(input: [4]) { dense(w) }\nfor round in 5 {\n  tick()\n  w = w + 1\n  model d(input: [4]) { dense(w) }\n}\n"), 5)
    }

    func testItemsDifferingOnlyInTheirNumberSettle() throws {
        XCTAssertEqual(try ticks("for i in 100 {\n  tick()\n  let x = zeros([3]) * i\n}\n"), 1)
        XCTAssertEqual(try ticks("for name in [\"a\", \"b\", \"a\"] {\n  tick()\n}\n"), 2)
    }

    func testGrowingShapesKeepTheLoopRunning() throws {
        let source = "let x = zeros([1])\nfor i in 20 {\n  tick()\n  x = concat([x, zeros([1])])\n}\n"
        XCTAssertEqual(try ticks(source), 20)
    }

    func testEachNewItemShapeIsChecked() throws {
        let source = "for t in [zeros([2]), zeros([3]), zeros([2]), zeros([3])] {\n  tick()\n}\n"
        XCTAssertEqual(try ticks(source), 2)
    }

    func testAShapeErrorOfALaterIterationIsFound() throws {
        let source = """
        let x = zeros([2])
        repeat 3 {
          let y = x + zeros([2])
          x = zeros([3])
        }
        """
        XCTAssertThrowsError(try runScript(source, checkOnly: true)) { error in
            XCTAssertTrue("\(error)".contains("3:11"), "\(error)")
        }
    }
}
