import Foundation
import XCTest
@testable import NetLang

/// The built-in descriptions (issue 23) against the registered built-ins and the docs.
final class BuiltinDescriptionTests: XCTestCase {
    private var registered: Set<String> { Set(Builtins.all.map(\.0)) }

    func testEveryDescriptionIsOfARegisteredBuiltinWithDistinctParameters() {
        for d in BuiltinDescriptions.all {
            XCTAssertTrue(registered.contains(d.name), "\(d.name) is described but not registered")
            XCTAssertEqual(Set(d.parameterNames).count, d.parameters.count, "\(d.name) names a parameter twice")
            let positions = d.parameters.compactMap(\.position).sorted()
            XCTAssertEqual(positions, Array(0..<positions.count), "\(d.name): positions must be 0, 1, …")
            XCTAssertFalse(d.summary.isEmpty || d.example.isEmpty, d.name)
        }
    }

    /// A built-in registered without a description (e.g. one merged from another branch)
    /// still runs, unchecked by the resolver; this test names it so it gets a description
    /// (or joins `BuiltinDescriptions.pending` until then).
    func testEveryBuiltinIsDescribedOrPending() {
        let described = Set(BuiltinDescriptions.byName.keys)
        let pending = Set(BuiltinDescriptions.pending)
        let missing = registered.subtracting(described).subtracting(pending).sorted()
        XCTAssertEqual(missing, [], "built-ins without a description: \(missing.joined(separator: ", "))")
        let stale = pending.intersection(described).union(pending.subtracting(registered)).sorted()
        XCTAssertEqual(stale, [], "pending names that are described or not registered: \(stale.joined(separator: ", "))")
    }

    /// Every built-in is described: `:help NAME` prints each one's signature, and no call
    /// is checked by name alone.
    func testEveryBuiltinHasHelp() {
        XCTAssertEqual(BuiltinDescriptions.pending, [])
        for name in registered.sorted() {
            let help = ArgumentCompletion.help(name)
            XCTAssertNotNil(help, name)
            XCTAssertTrue(help?.hasPrefix(name + "(") == true, "\(name): \(help ?? "")")
        }
        XCTAssertTrue(ArgumentCompletion.help("flow_nll")!.contains("method"))
    }

    /// jit(f, x1, x2, …): a variadic parameter takes any number of positional arguments and
    /// no name.
    func testVariadicParameterTakesAnyNumberOfPositionalArguments() throws {
        XCTAssertEqual(BuiltinDescriptions.byName["jit"]?.signature, "jit(f, x…) → function")
        XCTAssertEqual(try runScript("let f = jit(fn(a, b) = sum(a * b), [1, 2], [3, 4])\nprint f([1, 2], [3, 4])"), "11")
        let named = scriptError("let f = jit(fn(a) = sum(a), x: [1, 2])")
        XCTAssertTrue(named.contains("jit has no argument named 'x'"), named)
        XCTAssertEqual(ArgumentCompletion.candidates(before: "jit(f, "), ["f:"])
    }

    /// A description's differentiability agrees with BuiltinDifferentiabilityTests, which
    /// checks it: differentiable ones have a finite-difference (or analytic) case, numeric
    /// ones fail inside grad, the rest take no tensor values.
    func testDifferentiabilityAgreesWithTheCheckedTable() {
        for d in BuiltinDescriptions.all {
            guard let kinds = BuiltinDifferentiabilityTests.table[d.name] else { XCTFail("\(d.name) is not classified"); continue }
            let checked: BuiltinDescription.Differentiability = kinds.contains {
                if case .differentiable = $0 { return true }
                if case .analytic = $0 { return true }
                return false
            } ? .differentiable : kinds.contains { if case .notDifferentiable = $0 { return true }; return false } ? .numeric : .notApplicable
            XCTAssertEqual(d.differentiability, checked, d.name)
        }
    }

    /// docs/language.md has one row per described built-in: its signature and summary.
    func testTheDocsTableListsEveryDescription() throws {
        let docs = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/language.md"), encoding: .utf8)
        for d in BuiltinDescriptions.all {
            let row = "| `\(d.signature)` | \(d.summary) |"
            XCTAssertTrue(docs.contains(row), "docs/language.md lacks the row\n\(row)")
        }
    }

    /// A call the resolver accepts binds at run time with the same names: every described
    /// parameter is one the built-in reads (a misspelt name is refused before running with
    /// the run-time message).
    func testResolverMessagesMatchTheRunTimeOnes() {
        let resolved = scriptError("let l = randn([2], sead: 1)")
        XCTAssertTrue(resolved.contains("randn has no argument named 'sead'; did you mean 'seed'?"), resolved)
        let positional = scriptError("print slogdet([[1, 0], [0, 1]], 2)")
        XCTAssertTrue(positional.contains("slogdet takes fewer positional arguments"), positional)
    }
}
