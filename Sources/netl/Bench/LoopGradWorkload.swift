import Foundation
import NetLang

/// `loop_grad` (issue 23): 4,000 top-level `grad(fn(v) = sum(m(v)), x)` calls through the
/// interpreter, on an 8→16→1 ReLU MLP with a batch of 32, timed in blocks of 500. The
/// session's cost must not grow with the iterations before: `last_over_first` is the
/// time of the last block over the first, and the peak RSS after 1,000 and after all
/// iterations shows whether memory stays flat.
enum LoopGradWorkload {
    static let setupScript = """
    model m(input: [8]) {
      dense(16) relu
      dense(1)
    }
    let x = randn([32, 8], seed: 1)
    """
    static let blockSize = 500

    /// `reps`: the iterations (a multiple of 500 is timed in whole blocks); `warmup`
    /// untimed iterations first.
    static func run(reps: Int, warmup: Int) -> [String: Any] {
        let interpreter = Interpreter(seed: 0)
        interpreter.output = { _ in }
        try! interpreter.run(SourceFile(name: "loop_grad_setup.net", text: setupScript))
        func block(_ n: Int) -> SourceFile {
            SourceFile(name: "loop_grad.net", text: "for i in \(n) {\n  let g = grad(fn(v) = sum(m(v)), x)\n}\n")
        }
        if warmup > 0 { try! interpreter.run(block(warmup)) }
        let blocks = max(1, reps / blockSize), size = reps >= blockSize ? blockSize : reps
        let loop = block(size)
        var blockMs: [Double] = [], rssAfter1000: Double? = nil
        for b in 0..<blocks {
            let start = DispatchTime.now().uptimeNanoseconds
            try! interpreter.run(loop)
            blockMs.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6)
            if (b + 1) * size >= 1000, rssAfter1000 == nil { rssAfter1000 = peakResidentMegabytes() }
        }
        let perIteration = blockMs.map { $0 / Double(size) }.sorted()
        return [
            "ms": perIteration[perIteration.count / 2],
            "min_ms": perIteration[0],
            "iterations": blocks * size,
            "first_block_s": blockMs[0] / 1e3,
            "last_block_s": blockMs[blocks - 1] / 1e3,
            "block_iterations": size,
            "last_over_first": blockMs[blocks - 1] / blockMs[0],
            "total_s": blockMs.reduce(0, +) / 1e3,
            "peak_rss_mb_after_1000": rssAfter1000 ?? .nan,
            "peak_rss_mb": peakResidentMegabytes(),
            "graph_nodes": interpreter.graph.count,
            "path": "script",
        ]
    }
}
