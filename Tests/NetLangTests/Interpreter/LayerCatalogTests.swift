import Foundation
import XCTest
@testable import NetLang

/// The layer catalog: the docs' layer table lists exactly its layers with their
/// signatures; its descriptions drive construction and argument errors.
final class LayerCatalogTests: XCTestCase {
    /// The first cells of the table under "### Built-in layers" in docs/language.md.
    private func documentedLayerCells() throws -> [String] {
        let markdown = try String(contentsOf: repositoryRoot.appendingPathComponent("docs/language.md"), encoding: .utf8)
        let lines = markdown.components(separatedBy: "\n")
        let start = try XCTUnwrap(lines.firstIndex(of: "### Built-in layers"))
        let end = lines[(start + 1)...].firstIndex { $0.hasPrefix("### ") } ?? lines.count
        return lines[start..<end].filter { $0.hasPrefix("| `") }.map { String($0.dropFirst(2).prefix { $0 != "|" }) }
    }

    /// Backticked items of a cell: "`relu`, `tanh`" → ["relu", "tanh"].
    private func items(_ cell: String) -> [String] {
        cell.components(separatedBy: "`").enumerated().filter { $0.offset % 2 == 1 }.map(\.element)
    }

    func testDocsLayerTableListsExactlyTheRegisteredLayers() throws {
        let documented = try documentedLayerCells().flatMap(items)
        let names = documented.map { String($0.prefix { $0 != "(" }) }
        XCTAssertEqual(names.sorted(), LayerCatalog.names.sorted(), "docs/language.md's layer table vs LayerCatalog.all")
        XCTAssertEqual(Set(names).count, names.count, "a layer is listed twice")
        for d in LayerCatalog.all {
            XCTAssertTrue(documented.contains(d.signature), "the docs' table should show \(d.signature)")
        }
    }

    func testEveryLayerBuildsWithItsRequiredArgumentsOnly() throws {
        // Inputs each layer accepts, and a value for each required argument.
        for d in LayerCatalog.all {
            let required = d.arguments.filter { $0.fallback == nil }.map { a -> String in
                if case .shape = a.kind { return "\(a.name): [16]" }
                return "\(a.name): \(d.name == "dropout" ? "0.5" : "2")"
            }
            let input = ["conv1d", "locally_connected", "maxpool1d", "avgpool1d"].contains(d.name) ? "[4, 8]"
                : ["dense", "reshape", "dropout"].contains(d.name) ? "[16]" : "[4, 8, 8]"
            var call = required.isEmpty ? d.name : "\(d.name)(\(required.joined(separator: ", ")))"
            // A layer with a body gets the smallest one that fits [4, 8, 8] (a coupling's shift
            // and scale for 2 of the 4 channels).
            if d.takesBody { call += d.name.hasPrefix("affine") ? " { conv2d(4) }" : " { conv2d(2) }" }
            XCTAssertNoThrow(try runScript("model m(input: \(input)) { \(call) }\nprint m.output_shape"), call)
        }
    }

    func testArgumentErrorsComeFromTheDescriptions() {
        XCTAssertTrue(scriptError("model m(input: [4]) { dense(3, 4) }").contains("dense takes at most 1 positional argument (units)"))
        XCTAssertTrue(scriptError("model m(input: [4]) { dense(3, unitss: 4) }").contains("did you mean 'units'? it takes units, bias, init"))
        XCTAssertTrue(scriptError("model m(input: [4]) { dense(units: 0) }").contains("'units' must be a whole number ≥ 1"))
        XCTAssertTrue(scriptError("model m(input: [4]) { dense }").contains("dense needs 'units'"))
        XCTAssertTrue(scriptError("model m(input: [4]) { relu(2) }").contains("relu takes no arguments"))
        XCTAssertTrue(scriptError("model m(input: [4]) { dense(4, init: \"lecun\") }").contains("unknown initialisation 'lecun'"))
        XCTAssertTrue(scriptError("model m(input: [4]) { dense(4) elu lipschitz(0.5) }").contains("lipschitz constrains dense, conv1d, conv2d"))
    }

    func testInitSchemesInScripts() throws {
        // A model's scheme reaches every weight layer; a layer's own overrides it.
        let out = try runScript("""
        model f(input: [400], init: "he_normal") { dense(300) relu dense(300, init: "xavier_uniform") }
        for l in layers(f) { if l.kind == "dense" { print l.name, l.init, format(1000 * item(mean(square(l.parameters.weight))), 3), max(abs(l.parameters.bias)) } }
        """)
        let lines = out.components(separatedBy: "\n")
        XCTAssertEqual(lines.count, 2, out)
        let he = lines[0].split(separator: " "), xavier = lines[1].split(separator: " ")
        XCTAssertEqual(he[0...1], ["dense1", "he_normal"])
        XCTAssertEqual(Double(he[2])!, 2000.0 / 400, accuracy: 2000.0 / 400 * 0.03)
        XCTAssertEqual(xavier[0...1], ["dense2", "xavier_uniform"])
        XCTAssertEqual(Double(xavier[2])!, 2000.0 / 600, accuracy: 2000.0 / 600 * 0.03)
        XCTAssertEqual(he[3], "0")
        XCTAssertEqual(xavier[3], "0")
    }

    func testLayersGivesNamesKindsParametersAndConstraints() throws {
        let out = try runScript("""
        model flow(input: [2]) {
          repeat 2 { actnorm  residual lipschitz(c: 0.7) { dense(8) elu dense(2) } }
        }
        let ls = layers(flow)
        print len(ls)
        for l in ls { print l.name, l.kind, l.c }
        print item(sum(ls[2].parameters.weight)) == item(sum(flow.residual1.dense1.weight)), shape(ls[0].parameters.scale)
        """)
        XCTAssertEqual(out, """
        10
        actnorm1 actnorm nothing
        residual1 residual nothing
        residual1.dense1 dense 0.7
        residual1.elu1 elu nothing
        residual1.dense2 dense 0.7
        actnorm2 actnorm nothing
        residual2 residual nothing
        residual2.dense1 dense 0.7
        residual2.elu1 elu nothing
        residual2.dense2 dense 0.7
        true [2]
        """)
    }

    func testClockMeasuresWallTime() throws {
        let out = try runScript("""
        let t0 = clock()
        let s = 0
        for i in range(20000) { s = s + i }
        let t1 = clock()
        print t1 >= t0, t1 - t0 < 60, t0 > 1.7e9
        """)
        XCTAssertEqual(out, "true true true")
    }

    func testTrainingSummaryLabelsItsLosses() throws {
        let out = try runScript("""
        data d = dataset(randn([8, 2], seed: 1), randn([8, 2], seed: 2))
        model m(input: [2]) { dense(2) }
        train m on d { loss mse(m(x), y)  optimizer sgd(lr: 0.1)  epochs 1 batch 8 }
        train m on d { loss mse(m(x), y)  optimizer sgd(lr: 0.1)  epochs 2 batch 4 }
        """)
        let lines = out.components(separatedBy: "\n")
        XCTAssertTrue(lines[0].hasPrefix("trained m for 1 step (1 epoch of 1 batch of 8) in "), lines[0])
        XCTAssertTrue(lines[0].contains("mean loss over the last epoch"), lines[0])
        // With one step, the epoch's mean is the last step's loss.
        let parts = lines[0].components(separatedBy: "mean loss over the last epoch ")[1].components(separatedBy: ", last step ")
        XCTAssertEqual(parts[0], parts[1])
        XCTAssertTrue(lines[1].hasPrefix("trained m for 4 steps (2 epochs of 2 batches of 4) in "), lines[1])
    }
}
