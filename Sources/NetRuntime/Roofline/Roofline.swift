/// A step's roofline: the least time any implementation needs on this machine for the work
/// `StepCost` counts, given the peaks `MachinePeaks` measured on this run (issue 27).
///
///   compute  = Σ over GEMM shapes (product FLOP / sgemm rate on that shape)
///              + elementwise operations / the in-cache elementwise rate
///   memory   = compulsory bytes / STREAM bandwidth
///   bound    = max(compute, memory)        (the two can overlap, the products cannot)
///
/// A step that runs at ≥ 85 % of its bound (`fraction(ofStepSeconds:)` ≥ 0.85) is "at
/// the limit" (issue 27): OpenBLAS's sgemm on the step's own products could make it at
/// most 1/0.85 ≈ 1.18× faster. Kernels better than sgemm on a thin shape (the direct
/// convolutions) can beat that bound (fraction > 1); the strict bound `peakBoundSeconds`
/// puts every product at the machine's sgemm peak (1024³) instead, which nothing beats.
public struct Roofline: Sendable {
    public let cost: StepCost
    /// sgemm GFLOP/s measured per GEMM shape of the step.
    public let sgemmGFLOPS: [GemmShape: Double]
    public let streamGBps: Double
    public let elementwiseGps: Double
    /// sgemm GFLOP/s on a 1024³ product: the machine's peak for products.
    public let peakSgemmGFLOPS: Double

    public static let atTheLimit = 0.85

    /// Measures the peaks the cost needs: sgemm on each of its shapes, the stream bandwidth
    /// and the elementwise rate.
    public init(cost: StepCost) {
        var rates: [GemmShape: Double] = [:]
        for shape in cost.productMultiplyAdds.keys { rates[shape] = MachinePeaks.sgemmGFLOPS(shape) }
        self.init(cost: cost, sgemmGFLOPS: rates, streamGBps: MachinePeaks.streamBandwidth(),
                  elementwiseGps: MachinePeaks.elementwiseRate(), peakSgemmGFLOPS: MachinePeaks.peakSgemmGFLOPS())
    }

    public init(cost: StepCost, sgemmGFLOPS: [GemmShape: Double], streamGBps: Double, elementwiseGps: Double, peakSgemmGFLOPS: Double) {
        self.cost = cost
        self.sgemmGFLOPS = sgemmGFLOPS
        self.streamGBps = streamGBps
        self.elementwiseGps = elementwiseGps
        self.peakSgemmGFLOPS = peakSgemmGFLOPS
    }

    /// The same cost with the higher of two measurements of every peak: measured before
    /// and after the timed steps, a busy moment of the machine lowers the bound less.
    public func best(_ other: Roofline) -> Roofline {
        Roofline(cost: cost, sgemmGFLOPS: sgemmGFLOPS.merging(other.sgemmGFLOPS, uniquingKeysWith: Swift.max),
                 streamGBps: Swift.max(streamGBps, other.streamGBps), elementwiseGps: Swift.max(elementwiseGps, other.elementwiseGps),
                 peakSgemmGFLOPS: Swift.max(peakSgemmGFLOPS, other.peakSgemmGFLOPS))
    }

    /// Seconds the products take at sgemm's measured rate on their own shapes.
    public var productSeconds: Double {
        cost.productMultiplyAdds.map { shape, work in 2 * Double(work) / (sgemmGFLOPS[shape]! * 1e9) }.reduce(0, +)
    }

    public var elementwiseSeconds: Double { Double(cost.elementwiseOperations) / (elementwiseGps * 1e9) }
    public var computeSeconds: Double { productSeconds + elementwiseSeconds }
    public var memorySeconds: Double { Double(cost.compulsoryBytes) / (streamGBps * 1e9) }
    public var boundSeconds: Double { Swift.max(computeSeconds, memorySeconds) }

    /// The strict bound: every product at the machine's sgemm peak.
    public var peakBoundSeconds: Double {
        Swift.max(Double(cost.productFLOP) / (peakSgemmGFLOPS * 1e9) + elementwiseSeconds, memorySeconds)
    }

    /// Which resource sets the bound.
    public var boundBy: String { computeSeconds >= memorySeconds ? "compute" : "memory" }

    /// The products' overall rate at the bound: their FLOP over their time.
    public var productGFLOPS: Double { Double(cost.productFLOP) / productSeconds / 1e9 }

    /// The share of the bound a step of the given duration reaches (1 = at the roofline).
    public func fraction(ofStepSeconds seconds: Double) -> Double { boundSeconds / seconds }
}
