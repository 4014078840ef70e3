import XCTest
@testable import NetLang

/// `assert(condition, "message")`: silent when the condition holds; otherwise the run fails
/// with the message at the condition's location. `netl check` evaluates nothing, so it
/// skips the condition.
final class AssertTests: XCTestCase {
    func testAHoldingConditionIsSilent() throws {
        XCTAssertEqual(try runScript("let acc = 0.93\nassert(acc > 0.9, \"accuracy above 0.9\")\nprint \"done\""), "done")
    }

    func testAFailingConditionStopsTheRunAtItsLocation() {
        let error = scriptError("let acc = 0.4\nprint \"before\"\nassert(acc > 0.9, \"accuracy \" + format(acc, 2) + \" is below 0.9\")\nprint \"after\"")
        XCTAssertTrue(error.hasPrefix("test.net:3:8: error: assertion failed: accuracy 0.40 is below 0.9"), error)
        XCTAssertTrue(error.contains("assert(acc > 0.9"), error)
        XCTAssertTrue(scriptError("assert(1 > 2)").hasPrefix("test.net:1:8: error: assertion failed\n"))
    }

    func testTheConditionMustBeTrueOrFalse() {
        let error = scriptError("assert(0.5, \"a number\")")
        XCTAssertTrue(error.contains("assert needs a condition that is true or false, got the number 0.5"), error)
    }

    func testInsideFunctionsTheLocationIsTheAssert() {
        let error = scriptError("fn check(x) {\n  assert(x < 1, \"x below 1\")\n}\ncheck(0)\ncheck(3)")
        XCTAssertTrue(error.hasPrefix("test.net:2:10: error: assertion failed: x below 1"), error)
    }

    func testCheckModeSkipsTheCondition() throws {
        XCTAssertEqual(try runScript("assert(1 > 2, \"never\")\nprint 1", checkOnly: true), "")
    }
}
