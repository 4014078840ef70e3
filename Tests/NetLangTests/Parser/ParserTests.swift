import Foundation
import XCTest
@testable import NetLang

final class ParserTests: XCTestCase {
    func testAllConstructsGolden() throws {
        let input = goldenDirectory.appendingPathComponent("parse/all_constructs.net")
        let text = try String(contentsOf: input, encoding: .utf8)
        assertGolden(ast(text) + "\n", goldenDirectory.appendingPathComponent("parse/all_constructs.expected"))
    }
}

final class ParserConstructTests: XCTestCase {
    func testPrecedenceAndAssociativity() {
        XCTAssertEqual(ast("-2^2"), "(- (^ 2 2))")
        XCTAssertEqual(ast("2^3^2"), "(^ 2 (^ 3 2))")
        XCTAssertEqual(ast("2^-1"), "(^ 2 (- 1))")
        XCTAssertEqual(ast("a - b - c"), "(- (- a b) c)")
        XCTAssertEqual(ast("a / b * c"), "(* (/ a b) c)")
        XCTAssertEqual(ast("a + b * c"), "(+ a (* b c))")
        XCTAssertEqual(ast("x @ W + b"), "(+ (@ x W) b)")
        XCTAssertEqual(ast("(a + b) * c"), "(* (+ a b) c)")
        XCTAssertEqual(ast("--x"), "(- (- x))")
        XCTAssertEqual(ast("-x[0]^2"), "(- (^ (index x 0) 2))")
        XCTAssertEqual(ast("a < b + 1"), "(< a (+ b 1))")
        XCTAssertEqual(ast("not not a"), "(not (not a))")
        XCTAssertEqual(ast("not a and b"), "(and (not a) b)")
        XCTAssertEqual(ast("a or b and c"), "(or a (and b c))")
        XCTAssertEqual(ast("a and b or c and d"), "(or (and a b) (and c d))")
        XCTAssertEqual(ast("x == -1"), "(== x (- 1))")
    }

    func testPostfixChains() {
        XCTAssertEqual(ast("m.layers[0].weight"), "(. (index (. m layers) 0) weight)")
        XCTAssertEqual(ast("f(1)(2)[3]"), "(index (call (call f 1) 2) 3)")
        XCTAssertEqual(ast("x[:, 0]"), "(index x (: _ _) 0)")
        XCTAssertEqual(ast("x[1:, :-1]"), "(index x (: 1 _) (: _ (- 1)))")
        XCTAssertEqual(ast("d.train.x"), "(. (. d train) x)")
        XCTAssertEqual(ast("f()"), "(call f)")
        XCTAssertEqual(ast("f(a, b: 2,)"), "(call f a b: 2)")
    }

    func testListsAndLambdas() {
        XCTAssertEqual(ast("[]"), "(list)")
        XCTAssertEqual(ast("[[1, 2], [3, 4]]"), "(list (list 1 2) (list 3 4))")
        XCTAssertEqual(ast("[\n  1,\n  2,\n]"), "(list 1 2)")
        XCTAssertEqual(ast("fn() = 1"), "(fn () 1)")
        XCTAssertEqual(ast("map(xs, fn(x) = x * 2)"), "(call map xs (fn (x) (* x 2)))")
        XCTAssertEqual(ast("let f = fn(x) =\n  x + 1"), "(let f (fn (x) (+ x 1)))")
        XCTAssertEqual(ast("let f = fn(x) {\n  let y = x + 1\n  return y\n}"), "(let f (fn (x) {(let y (+ x 1)); (return y)}))")
        XCTAssertEqual(ast("map(xs, fn(x) {\n  return x\n},\n  1)"), "(call map xs (fn (x) x) 1)", "a body of one return prints as the expression form")
    }

    func testNewlinesAfterOperatorsCommasAndEquals() {
        XCTAssertEqual(ast("let x =\n  1 +\n  2"), "(let x (+ 1 2))")
        XCTAssertEqual(ast("print 1,\n  2"), "(print 1 2)")
        XCTAssertEqual(ast("let y = a and\n b"), "(let y (and a b))")
        // A newline before an operator ends the statement.
        XCTAssertEqual(ast("x = a\n-b"), "(set x a)\n(- b)")
    }

    func testIfElseChains() {
        XCTAssertEqual(ast("if a { print 1 }"), "(if a\n  (then\n    (print 1)))")
        XCTAssertEqual(ast("if a { print 1 } else { print 2 }"),
                       "(if a\n  (then\n    (print 1))\n  (else\n    (print 2)))")
        // "else" may start the line after the closing brace.
        XCTAssertEqual(ast("if a {\n print 1\n}\nelse if b {\n print 2\n}\nelse {\n}"),
                       "(if a\n  (then\n    (print 1))\n  (else\n    (if b\n      (then\n        (print 2))\n      (else))))")
    }

    func testFunctionsBothForms() {
        XCTAssertEqual(ast("fn f(x) = x"), "(fn f (x)\n  (return x))")
        XCTAssertEqual(ast("fn f() {\n}"), "(fn f ())")
        XCTAssertEqual(ast("fn f(a, b = 2) {\n  let c = a\n  return c + b\n}"),
                       "(fn f (a b=2)\n  (let c a)\n  (return (+ c b)))")
    }

    func testLayerJuxtapositionAndConstraints() {
        XCTAssertEqual(ast("model m { dense(128) relu dense(10) }"), "(model m ()\n  (dense 128)\n  relu\n  (dense 10))")
        // lipschitz(…) after a layer is a constraint …
        XCTAssertEqual(ast("model m { dense(3) lipschitz(c: 0.9) relu }"),
                       "(model m ()\n  (dense 3 (lipschitz c: 0.9))\n  relu)")
        // … unless a "{" follows it: then it starts a lipschitz body.
        XCTAssertEqual(ast("model m { dense(3) lipschitz(c: 0.9) { dense(2) } }"),
                       "(model m ()\n  (dense 3)\n  (with (lipschitz c: 0.9)\n    (dense 2)))")
        // After a residual header, the constraints come before the residual's own body.
        XCTAssertEqual(ast("model m { residual lipschitz(c: 0.9) { dense(2) } }"),
                       "(model m ()\n  (residual () (lipschitz c: 0.9)\n    (dense 2)))")
        XCTAssertEqual(ast("block b(w) {\n  repeat n { dense(w) }\n}"),
                       "(block b (w)\n  (repeat n\n    (dense w)))")
        XCTAssertEqual(ast("model m {}"), "(model m ())")
    }

    func testTrainSettingsOnOneLineAndTrainWordsAsNames() {
        XCTAssertEqual(ast("train m on d { epochs 30 batch 64 }"),
                       "(train (m) on d\n  (epochs 30)\n  (batch 64))")
        XCTAssertEqual(ast("train m on d { steps n batch b shuffle false }"),
                       "(train (m) on d\n  (steps n)\n  (batch b)\n  (shuffle false))")
        // Outside train bodies the train words are ordinary names.
        XCTAssertEqual(ast("let loss = log(p) + epochs"), "(let loss (+ (call log p) epochs))")
        XCTAssertEqual(ast("train a, b on d {\n  minimize f(a, b) over a,\n    b\n}"),
                       "(train (a b) on d\n  (minimize (call f a b) over a b))")
    }

    func testSpans() {
        let file = SourceFile(name: "s.net", text: "let x = 1 +\n  foo(2)\nmodel m { dense(3) }")
        let (statements, diagnostics) = parse(file)
        XCTAssertTrue(diagnostics.isEmpty)
        XCTAssertEqual(statements.count, 2)
        XCTAssertEqual(statements[0].span.text, "let x = 1 +\n  foo(2)")
        XCTAssertEqual(statements[1].span.text, "model m { dense(3) }")
        if case let .model(m) = statements[1] {
            XCTAssertEqual(m.nameSpan.text, "m")
            XCTAssertEqual(m.layers[0].span.text, "dense(3)")
        } else { XCTFail("expected a model") }
    }

    func testParseExpressionEntryPoint() {
        let (e, diagnostics) = parseExpression(SourceFile(name: "<repl>", text: "1 + 2 * 3"))
        XCTAssertTrue(diagnostics.isEmpty)
        XCTAssertEqual(e.map(dumpAST), "(+ 1 (* 2 3))")
        XCTAssertNil(parseExpression(SourceFile(name: "<repl>", text: "1 + 2 3")).expression)
    }
}
