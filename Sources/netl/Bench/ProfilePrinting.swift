import NetRuntime

/// Prints an executor profile (`netl bench --profile`): the total, then one line per
/// kernel name (time per run, how many kernels, and GFLOP/s for products, dense layers and
/// convolutions), then the share of the time spent in those counted kernels and their
/// overall rate — how far a step is from its FLOP bound. Returns the total milliseconds
/// and the GFLOP of the counted kernels.
@discardableResult
func printProfile(_ entries: [Executor<Float>.ProfileEntry], title: String = "", top: Int = .max) -> (ms: Double, gflop: Double) {
    let total = entries.map(\.ms).reduce(0, +)
    print("\(title.isEmpty ? "" : title + " ")total \(String(format: "%.3f", total)) ms")
    for e in entries.prefix(top) {
        let rate = e.gflops.map { String(format: "  %7.1f GFLOP/s", $0) } ?? ""
        print(String(format: "%8.3f ms  %5d×  ", e.ms, e.count) + e.kernel + rate)
    }
    let counted = entries.filter { $0.gflops != nil }
    let countedMs = counted.map(\.ms).reduce(0, +)
    let gflop = counted.map { $0.gflops! * $0.ms * 1e-3 }.reduce(0, +)
    if countedMs > 0 {
        print(String(format: "products and convolutions: %.3f ms of %.3f ms (%.0f%%), %.3f GFLOP at %.1f GFLOP/s",
                     countedMs, total, 100 * countedMs / total, gflop, gflop / (countedMs * 1e-3)))
    }
    return (total, gflop)
}
