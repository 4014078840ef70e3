import XCTest
@testable import NetRuntime

/// End to end through the Swift API: an MLP on the 8×8 digits (UCI, 1797 images) must
/// reach at least 95% accuracy on a held-out 20%.
final class DigitsMLPTests: XCTestCase {
    static var digitsPath: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("examples/data/digits.csv.gz").path
    }

    func testMLPReachesNinetyFivePercent() throws {
        let (images, labels) = try loadDigits(path: Self.digitsPath)
        let n = labels.count
        XCTAssertEqual(n, 1797)
        let split = try trainTestSplit(count: n, testFraction: 0.2, seed: 0)
        func rows(_ idx: [Int]) -> Tensor<Float> {
            Tensor(shape: [idx.count, 64], scalars: idx.flatMap { i in (0..<64).map { images.scalars[i * 64 + $0] / 16 } })
        }

        var rng = RandomGenerator(seed: 0)
        let g = Graph()
        func dense(_ h: Node, _ inputs: Int, _ outputs: Int) -> Node {
            let bound = 1 / Double(inputs).squareRoot()
            let w = g.variable("w", .randomUniform([outputs, inputs], low: -bound, high: bound, rng: &rng))
            let b = g.variable("b", .randomUniform([outputs], low: -bound, high: bound, rng: &rng))
            return h.matmul(w, transposeB: true) + b
        }
        let batch = 64
        let x = g.input("x", shape: [batch, 64]), y = g.input("y", shape: [batch])
        let layers: (Node) -> Node = { h in dense(dense(h, 64, 128).relu(), 128, 10) }
        let step = TrainingStep<Float>(loss: layers(x).crossEntropy(labels: y)) {
            Adam(parameterSizes: $0, learningRate: 3e-3)
        }
        // The evaluation graph reuses the same variables (created once, in `layers`' first call).
        let xTest = g.input("x_test", shape: [split.test.count, 64])
        let testLogits = evalLogits(g, xTest, step.parameters)

        let train = rows(split.train), trainLabels = split.train.map { Float(labels[$0]) }
        let start = Date()
        for epoch in 0..<25 {
            let order = RandomGenerator(seed: UInt64(epoch)).shuffled(split.train.count)
            for b in 0..<(split.train.count / batch) {
                let xp = step.executor.inputPointer(x), yp = step.executor.inputPointer(y)
                for r in 0..<batch {
                    let i = order[b * batch + r]
                    for c in 0..<64 { xp[r * 64 + c] = train.scalars[i * 64 + c] }
                    yp[r] = trainLabels[i]
                }
                step.run()
            }
        }
        let seconds = Date().timeIntervalSince(start)
        let logits = g.evaluate([testLogits], as: Float.self, inputs: [xTest: rows(split.test)], variables: step.executor.variables)[0]
        var correct = 0
        for (r, i) in split.test.enumerated() {
            let row = logits.scalars[(r * 10)..<(r * 10 + 10)]
            if row.firstIndex(of: row.max()!)! - r * 10 == labels[i] { correct += 1 }
        }
        let accuracy = Double(correct) / Double(split.test.count)
        XCTAssertGreaterThanOrEqual(accuracy, 0.95, "test accuracy \(accuracy)")
        XCTAssertLessThan(seconds, 60, "training took \(seconds) s")
    }

    /// The same two dense layers applied to another input, with the trained variables.
    private func evalLogits(_ g: Graph, _ x: Node, _ p: [Node]) -> Node {
        let h = (x.matmul(p[0], transposeB: true) + p[1]).relu()
        return h.matmul(p[2], transposeB: true) + p[3]
    }
}

extension RandomGenerator {
    func shuffled(_ n: Int) -> [Int] { var r = self; return r.permutation(n) }
}
import Foundation
