import Foundation
import XCTest
@testable import NetLang
import NetRuntime

/// No input crashes the interpreter: thousands of mutated scripts (from the examples, the
/// golden error scripts and a program using many built-ins) are checked — and the ones
/// without training are run — and may only fail with diagnostics. Seeded, so a failure
/// reproduces.
final class InterpreterFuzzTests: XCTestCase {
    static let builtinsProgram = """
    let a = [[1, 2], [3, 4]]
    let b = tensor([1, -2.5, 3])
    fn f(x, k = 2) = sum(x ^ k) + mean(exp(x))
    print grad(f, b), vjp(fn(x) = x * 2, b, b), jacobian(fn(x) = a @ x, [[1], [2]])
    print softmax(b), log_softmax(b, 0), logsumexp(b), max(a, axis: 1), transpose(a), reshape(a, [4])
    print split(b, [1, 2]), concat([a, a], axis: 1), a[0, :], a[:, 1], b[-1], shape(a), len([1, 2])
    print singular_values(a), slogdet(a).sign, solve(a, [1, 1]), inverse(a), spectral_norm(a), svd(a).s
    print relu(b), elu(b, 0.5), leaky_relu(b), tanh(b), sigmoid(b), softplus(b), abs(b), sqrt(abs(b)), square(b)
    print zeros([2, 2]) + ones([2, 2]), randn([2], seed: 3), rand([2]), range(3), range(1, 4), argmax(b), item(sum(b))
    print table(["a", "b"], [[1, 2], ["x", 3.5]]), format(3.14159, 2)
    data blobs = generate("blobs", n: 60, seed: 1, test: 0.5)
    let folds = kfold(blobs, 3, seed: 1)
    print folds[0].train.size, blobs.train.x.shape, blobs.classes
    model m(input: [2]) { dense(4) relu dense(3) }
    print predict(m, blobs.test)[0], parameter_count(m), m.dense1.weight.shape
    """

    func testMutatedScriptsNeverCrash() throws {
        var corpus = [Self.builtinsProgram]
        // The chapter 2 examples: the later chapters' examples train convolutional flows,
        // which in a debug build take too long per mutated case (ExampleScriptTests runs them).
        for url in ExampleScriptTests.examples where url.path.contains("/ch2/") {
            corpus.append(try String(contentsOf: url, encoding: .utf8))
        }
        let golden = repositoryRoot.appendingPathComponent("Tests/NetLangTests/Golden")
        for sub in ["run_errors", "parse"] {
            let dir = golden.appendingPathComponent(sub)
            for f in (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? [] where f.hasSuffix(".net") {
                corpus.append(try String(contentsOf: dir.appendingPathComponent(f), encoding: .utf8))
            }
        }
        var rng = RandomGenerator(seed: 2024)
        let pieces = ["0", "-1", "1e9", "2.5", "[]", "[1, 2]", "x", "y", "(", ")", "[", "]", "{", "}", ",", ":", "@", "^",
                      "nan", "\"s\"", "dense(3)", "relu", "residual {", "lipschitz(0.5)", "flatten", "squeeze", "conv2d(2)",
                      "model q(input: [1, 4, 4]) {", "train m on blobs {", "loss", "\n", " ", ".", "m", "a", "b", "print "]
        let base = repositoryRoot.appendingPathComponent("examples/ch2").path
        let start = Date()
        var cases = 0
        for round in 0..<1000 {
            var text = corpus[round % corpus.count]
            for _ in 0..<(1 + rng.integer(below: 3)) {
                var chars = Array(text)
                guard !chars.isEmpty else { break }
                let i = rng.integer(below: chars.count)
                switch rng.integer(below: 4) {
                case 0: chars.remove(at: i)
                case 1: chars.insert(contentsOf: pieces[rng.integer(below: pieces.count)], at: i)
                case 2:
                    let j = rng.integer(below: chars.count)
                    chars.swapAt(i, j)
                default:
                    // Replace a number by a hostile one.
                    if let k = chars[i...].firstIndex(where: { $0.isNumber }) {
                        chars.replaceSubrange(k...k, with: ["0", "-3", "1e12", "0.5", "257", "-0.9"][rng.integer(below: 6)])
                    }
                }
                text = String(chars)
            }
            cases += 1
            let caseStart = Date()
            _ = try? runScript(text, checkOnly: true, baseDirectory: base)
            if !text.contains("train") && !text.contains("load_digits") {
                _ = try? runScript(text, baseDirectory: base)
            }
            XCTAssertLessThan(Date().timeIntervalSince(caseStart), 10, "case \(round) took too long:\n\(text)")
        }
        XCTAssertEqual(cases, 1000)
        XCTAssertLessThan(Date().timeIntervalSince(start), 240)
    }
}
