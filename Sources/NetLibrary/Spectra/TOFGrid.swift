import Foundation

/// The non-equidistant m/z grid of a time-of-flight instrument (thesis Fig. 7.4).
///
/// A TOF instrument measures flight times t with m/z ∝ t²; bins equidistant in time give
/// bins in m/z of width ∝ √(m/z), growing over the mass range. The grid's L bin centres
/// are m_i = (√a + i·(√b − √a)/(L − 1))², i = 0…L−1, from a to b. The mean bin width is
/// (b − a)/(L − 1): the thesis's spectra have about 0.163 Da.
public struct TOFGrid: Sendable, Equatable {
    /// Bin centres (m/z), strictly increasing.
    public let mz: [Double]

    /// A grid of `bins` ≥ 2 centres from `low` to `high` (0 < low < high).
    public init(low: Double, high: Double, bins: Int) {
        precondition(bins >= 2 && low > 0 && high > low, "TOFGrid needs bins ≥ 2 and 0 < low < high")
        let a = low.squareRoot(), b = high.squareRoot()
        mz = (0..<bins).map { i in
            let s = a + (b - a) * Double(i) / Double(bins - 1)
            return s * s
        }
    }

    /// A grid starting at `low` with `bins` bins of mean width `meanWidth`.
    public init(low: Double, meanWidth: Double, bins: Int) {
        self.init(low: low, high: low + meanWidth * Double(bins - 1), bins: bins)
    }

    public var count: Int { mz.count }
    public var low: Double { mz.first! }
    public var high: Double { mz.last! }
    /// The widths m_{i+1} − m_i (L − 1 values).
    public var widths: [Double] { (1..<mz.count).map { mz[$0] - mz[$0 - 1] } }
    public var meanWidth: Double { (high - low) / Double(count - 1) }

    /// The first index whose centre is ≥ `value` (binary search; `count` if none).
    public func lowerBound(_ value: Double) -> Int {
        var lo = 0, hi = mz.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if mz[mid] < value { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }
}
