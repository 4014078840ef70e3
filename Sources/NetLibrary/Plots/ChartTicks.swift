import Foundation

/// Axis ticks at round values: 5–8 ticks at multiples of 1, 2 or 5 × 10^k (2.5 × 10^k
/// when nothing else gives that many), all labels with the same number of decimals
/// ("0.0, 0.5, 1.0", never "0" next to "1.0"), in a shared scientific form when the values
/// are very large or very small.
public enum ChartTicks {
    /// A tick step m × 10^k.
    struct Step {
        let mantissa: Double, exponent: Int
        var value: Double { mantissa * pow(10, Double(exponent)) }
        /// Decimals a multiple of the step needs (2.5 needs one more than its exponent).
        var decimals: Int { max(0, -exponent + (mantissa == 2.5 ? 1 : 0)) }
    }

    /// Ticks inside [lo, hi]: the roundest step that gives between `count.lowerBound` and
    /// `count.upperBound` ticks, or the closest count when none does (a range can fall
    /// between two steps; `niceRange` widens an axis so that it never does).
    public static func linear(_ lo: Double, _ hi: Double, count: ClosedRange<Int> = 5...8) -> [(value: Double, label: String)] {
        guard let step = bestStep(lo, hi, count: count, widened: false) else { return [] }
        let first = (lo / step.value - 1e-9).rounded(.up), last = (hi / step.value + 1e-9).rounded(.down)
        guard last >= first else { return [] }
        let values = stride(from: first, through: last, by: 1).map { $0 * step.value }
        return labelled(values, step: step)
    }

    /// [lo, hi] widened to the nearest multiples of a round step that puts 5–8 ticks on it
    /// (then `linear` on the result ticks both ends).
    public static func niceRange(_ lo: Double, _ hi: Double, count: ClosedRange<Int> = 5...8) -> (lo: Double, hi: Double) {
        guard let step = bestStep(lo, hi, count: count, widened: true) else { return (lo, hi) }
        return ((lo / step.value + 1e-9).rounded(.down) * step.value, (hi / step.value - 1e-9).rounded(.up) * step.value)
    }

    /// The step whose tick count (inside [lo, hi], or on the widened range) is in `count`,
    /// preferring 1, 2, 5 over 2.5 and then about six ticks; nil for an empty or absurd range.
    static func bestStep(_ lo: Double, _ hi: Double, count: ClosedRange<Int>, widened: Bool) -> Step? {
        guard lo.isFinite, hi.isFinite, hi > lo else { return nil }
        let roughExponent = Int(floor(log10((hi - lo) / Double(count.upperBound))))
        var best: (score: [Int], step: Step)?
        for exponent in (roughExponent - 1)...(roughExponent + 2) {
            for mantissa in [1.0, 2, 5, 2.5] {
                let step = Step(mantissa: mantissa, exponent: exponent), s = step.value
                guard s > 0, abs(lo) / s < 1e15, abs(hi) / s < 1e15 else { continue }
                let n = widened ? Int((hi / s - 1e-9).rounded(.up) - (lo / s + 1e-9).rounded(.down)) + 1
                                : Int((hi / s + 1e-9).rounded(.down) - (lo / s - 1e-9).rounded(.up)) + 1
                let miss = n < count.lowerBound ? count.lowerBound - n : n > count.upperBound ? n - count.upperBound : 0
                let score = [miss, mantissa == 2.5 ? 1 : 0, abs(n - 6)]
                if best == nil || score.lexicographicallyPrecedes(best!.score) { best = (score, step) }
            }
        }
        return best?.step
    }

    /// Labels with one format for the whole axis: fixed decimals from the step, or, when the
    /// largest value is ≥ 10⁵ or the step below 10⁻⁴, mantissas with one number of decimals
    /// and each value's own exponent ("2.0e5, 4.0e5, …, 1.0e6").
    static func labelled(_ values: [Double], step: Step) -> [(value: Double, label: String)] {
        let largest = values.map(abs).max() ?? 0
        let scientific = largest >= 1e5 || step.value < 1e-4
        // In scientific form every mantissa gets the decimals the largest value needs.
        let decimals = max(0, Int(floor(log10(max(largest, .leastNormalMagnitude)) + 1e-9)) - step.exponent + (step.mantissa == 2.5 ? 1 : 0))
        return values.map { v in
            if v == 0 { return (0, scientific ? "0" : String(format: "%.\(step.decimals)f", 0.0)) }
            guard scientific else { return (v, String(format: "%.\(step.decimals)f", v)) }
            let e = Int(floor(log10(abs(v)) + 1e-9))
            return (v, String(format: "%.\(decimals)fe%d", v / pow(10, Double(e)), e))
        }
    }

    /// Ticks of a log10 axis over [lo, hi] (in log10 units): at the decades when at least
    /// four fit (every second or more when there are many), labelled 1e-6 … 0.01, 0.1, 1,
    /// 10, 100, 1e3 …; on shorter axes at 1, 2 and 5 × 10^k (1 and 3 × 10^k when that is
    /// more than eight), so that a short log axis still has several ticks.
    public static func logarithmic(_ lo: Double, _ hi: Double) -> [(value: Double, label: String)] {
        guard lo.isFinite, hi.isFinite, hi > lo else { return [] }
        let first = Int(lo.rounded(.up)), last = Int(hi.rounded(.down))
        if last - first >= 3 {
            let step = max(1, Int((Double(last - first + 1) / 7).rounded(.up)))
            return stride(from: first, through: last, by: step).map { (Double($0), decade($0)) }
        }
        func ticks(_ mantissas: [Double]) -> [(value: Double, label: String)] {
            var out: [(value: Double, label: String)] = []
            for k in (first - 1)...(last + 1) {
                for m in mantissas {
                    let v = log10(m) + Double(k)
                    if v >= lo - 1e-12 && v <= hi + 1e-12 { out.append((v, logLabel(m, k))) }
                }
            }
            return out
        }
        let fine = ticks([1, 2, 5])
        if fine.count > 8 { return ticks([1, 3]) }
        if fine.count >= 2 { return fine }
        return linear(lo, hi).map { ($0.value, String(format: "%.2g", pow(10, $0.value))) }
    }

    /// m × 10^k written plainly for 10⁻⁴ ≤ value < 10⁵, else as "mek" ("2e-6").
    static func logLabel(_ m: Double, _ k: Int) -> String {
        if m == 1, (-2...2).contains(k) { return decade(k) }
        return (-4...4).contains(k) ? String(format: "%g", m * pow(10, Double(k))) : String(format: "%ge%d", m, k)
    }

    /// 10^k written plainly for small k and as 1eK otherwise.
    public static func decade(_ k: Int) -> String {
        switch k {
        case -2: "0.01"
        case -1: "0.1"
        case 0: "1"
        case 1: "10"
        case 2: "100"
        default: "1e\(k)"
        }
    }
}
