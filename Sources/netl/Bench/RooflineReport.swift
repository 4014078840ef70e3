import Foundation
import NetRuntime

/// The roofline account of a step (issue 27): its work counted from the plan (`StepCost`),
/// the machine's peaks measured now (`MachinePeaks`), the least time any implementation
/// needs (`Roofline`) and the measured step's share of it.
enum RooflineReport {
    /// Set by `netl bench --roofline`: the timed training-step workloads add the account's
    /// numbers to their JSON line.
    nonisolated(unsafe) static var enabled = false

    /// The account of `cost` with the machine's peaks measured now (before the timed steps),
    /// or nil without `--roofline`.
    static func measuredBefore(_ cost: @autoclosure () -> StepCost) -> Roofline? {
        enabled ? Roofline(cost: cost()) : nil
    }

    /// Adds the account's fields to a workload's result (nothing without `--roofline`): the
    /// peaks measured again after the timed steps, the best of both kept.
    static func addFields(_ before: Roofline?, to result: inout [String: Any]) {
        guard let before else { return }
        let roofline = before.best(Roofline(cost: before.cost))
        result.merge(fields(roofline, stepMs: result["ms"] as! Double)) { a, _ in a }
    }

    /// The JSON fields of the account for a step that took `stepMs` (median).
    static func fields(_ roofline: Roofline, stepMs: Double) -> [String: Any] {
        let cost = roofline.cost
        return ["roofline_ms": roofline.boundSeconds * 1e3, "roofline_fraction": roofline.fraction(ofStepSeconds: stepMs * 1e-3),
                "roofline_bound": roofline.boundBy, "product_gflop": Double(cost.productFLOP) / 1e9,
                "elementwise_mops": Double(cost.elementwiseOperations) / 1e6, "compulsory_mb": Double(cost.compulsoryBytes) / 1e6,
                "sgemm_gflops_on_shapes": roofline.productGFLOPS, "stream_gbps": roofline.streamGBps,
                "sgemm_peak_gflops": roofline.peakSgemmGFLOPS, "peak_bound_ms": roofline.peakBoundSeconds * 1e3,
                "peak_bound_fraction": roofline.peakBoundSeconds / (stepMs * 1e-3)]
    }

    /// Prints the account: the work, the peaks it is divided by, the bound and the fraction.
    static func print(_ roofline: Roofline, stepMs: Double, title: String) {
        let cost = roofline.cost
        let fraction = roofline.fraction(ofStepSeconds: stepMs * 1e-3)
        Swift.print("roofline of \(title): one step, \(cost.kernels) kernels, \(String(format: "%.3f", stepMs)) ms measured (median)")
        Swift.print(String(format: "  products     %9.4f GFLOP in %d GEMM shapes: %.3f ms at sgemm's rate on those shapes (%.1f GFLOP/s overall)",
                           Double(cost.productFLOP) / 1e9, cost.productMultiplyAdds.count, roofline.productSeconds * 1e3,
                           roofline.productGFLOPS))
        let shapes = cost.productMultiplyAdds.sorted { $0.value > $1.value }
        for (shape, work) in shapes {
            let name = "\(shape.m)×\(shape.k)·\(shape.k)×\(shape.n)"
            Swift.print("    " + name.padding(toLength: 22, withPad: " ", startingAt: 0)
                        + String(format: " %9.4f GFLOP  sgemm %7.1f GFLOP/s  %8.3f ms", 2 * Double(work) / 1e9, roofline.sgemmGFLOPS[shape]!,
                                 2 * Double(work) / roofline.sgemmGFLOPS[shape]! / 1e6))
        }
        Swift.print(String(format: "  elementwise  %9.3f M operations: %.3f ms at %.1f G/s (triad in L1)",
                           Double(cost.elementwiseOperations) / 1e6, roofline.elementwiseSeconds * 1e3, roofline.elementwiseGps))
        Swift.print(String(format: "  memory       %9.3f MB compulsory: %.3f ms at %.1f GB/s (STREAM triad); the unfused plan moves %.1f MB",
                           Double(cost.compulsoryBytes) / 1e6, roofline.memorySeconds * 1e3, roofline.streamGBps,
                           Double(cost.kernelTrafficBytes) / 1e6))
        Swift.print(String(format: "  strict bound %.3f ms with every product at the machine's sgemm peak (%.1f GFLOP/s on 1024³): the step runs at %.0f %% of it",
                           roofline.peakBoundSeconds * 1e3, roofline.peakSgemmGFLOPS, 100 * roofline.peakBoundSeconds / (stepMs * 1e-3)))
        let verdict = fraction >= Roofline.atTheLimit ? "at the limit (≥ 85 %)" : "below the limit (< 85 %)"
        Swift.print(String(format: "  bound        %.3f ms (", roofline.boundSeconds * 1e3) + roofline.boundBy
                    + String(format: "-bound); the step runs at %.0f %% of the roofline: ", 100 * fraction) + verdict)
    }
}
