import Foundation
import XCTest
@testable import NetLang

/// Random and mutated inputs must parse without crashing, each in bounded time, and every
/// diagnostic must render. Seeded, so a failure is reproducible from its case number.
final class ParserFuzzTests: XCTestCase {
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(Swift.max(n, 1))) }
    }

    static let fragments = [
        "model", "block", "residual", "lipschitz", "repeat", "train", "on", "loss", "epochs", "batch", "fn", "let",
        "if", "else", "for", "in", "print", "return", "save", "to", "load", "from", "data", "import", "not", "and",
        "(", ")", "[", "]", "{", "}", ",", ":", ".", "=", "==", "->", "^", "-", "+", "@", "\n", " ", "#", "\"",
        "\\", "x", "dense(3)", "relu", "1.5e-3", "1_0", "c: 0.9", "\u{3bb}", "\t", "!", "\r\n",
    ]

    static let insertable = Array("(){}[],:=\n\"#^-x1")

    func check(_ text: String, case n: Int) {
        let start = DispatchTime.now().uptimeNanoseconds
        let file = SourceFile(name: "fuzz.net", text: text)
        let (statements, diagnostics) = parse(file)
        _ = dumpAST(statements)
        for d in diagnostics { _ = d.description }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        XCTAssertLessThan(seconds, 1.0, "case \(n) took \(seconds) s: \(text.debugDescription)")
    }

    func testRandomAndMutatedInputs() throws {
        let valid = try String(contentsOf: goldenDirectory.appendingPathComponent("parse/all_constructs.net"),
                               encoding: .utf8)
        let seeds = [valid] + valid.components(separatedBy: "\n\n")
        let validTokens = tokenize(SourceFile(name: "v", text: valid)).tokens.map(\.span.text)
        var rng = SplitMix64(state: 0x5EED_0F_A11)
        for n in 0..<3000 {
            var text: String
            switch n % 4 {
            case 0:
                // Random bytes (invalid UTF-8 becomes U+FFFD).
                let bytes = (0..<rng.below(200)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
                text = String(decoding: bytes, as: UTF8.self)
            case 1:
                // Random sequences of language fragments.
                text = (0..<rng.below(80)).map { _ in Self.fragments[rng.below(Self.fragments.count)] }.joined(separator: rng.below(3) == 0 ? "" : " ")
            case 2:
                // Character mutations of a valid program: delete, insert, swap.
                var chars = Array(seeds[rng.below(seeds.count)])
                for _ in 0..<(1 + rng.below(8)) where !chars.isEmpty {
                    let i = rng.below(chars.count)
                    switch rng.below(3) {
                    case 0: chars.remove(at: i)
                    case 1: chars.insert(Self.insertable[rng.below(Self.insertable.count)], at: i)
                    default: chars.swapAt(i, rng.below(chars.count))
                    }
                }
                text = String(chars)
            default:
                // Token mutations of the valid program: delete, duplicate, swap, insert.
                var tokens = validTokens
                for _ in 0..<(1 + rng.below(6)) where !tokens.isEmpty {
                    let i = rng.below(tokens.count)
                    switch rng.below(4) {
                    case 0: tokens.remove(at: i)
                    case 1: tokens.insert(tokens[i], at: i)
                    case 2: tokens.swapAt(i, rng.below(tokens.count))
                    default: tokens.insert(Self.fragments[rng.below(Self.fragments.count)], at: i)
                    }
                }
                text = tokens.joined(separator: " ")
            }
            check(text, case: n)
        }
    }

    func testTruncationsOfAValidProgram() throws {
        // Every prefix of a valid program (incomplete REPL input, files cut short).
        let valid = try String(contentsOf: goldenDirectory.appendingPathComponent("parse/all_constructs.net"),
                               encoding: .utf8)
        let chars = Array(valid)
        for cut in stride(from: 0, through: chars.count, by: 7) {
            check(String(chars[..<cut]), case: cut)
        }
    }
}
