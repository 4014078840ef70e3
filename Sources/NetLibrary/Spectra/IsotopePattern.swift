import Foundation

/// Isotope patterns of peptides from the averagine model (Senko et al. 1995), as used in
/// thesis Sec. 7.3.2 to size IsotopeNet's receptive field.
///
/// An "average amino acid" C4.9384 H7.7583 N1.3577 O1.4773 S0.0417 weighs 111.1254 Da, so a
/// peptide of mass M holds about M/111.1254 · 4.9384 carbon atoms. Only ¹³C is modelled:
/// the number of ¹³C atoms among n carbons is binomial(n, 0.0107), the k-th peak sits
/// k · 1.00235 Da above the monoisotopic one, and peaks below `threshold` (t_iso = 0.005)
/// of the largest are dropped.
public enum Averagine {
    /// Mass of one averagine residue (Da).
    public static let residueMass = 111.1254
    /// Carbon atoms per averagine residue.
    public static let carbonsPerResidue = 4.9384
    /// Natural abundance of ¹³C.
    public static let carbon13Abundance = 0.0107
    /// Mass difference between neighbouring isotope peaks of a peptide (Da).
    public static let isotopeSpacing = 1.00235
    /// The thesis's t_iso: peaks below this fraction of the largest are dropped.
    public static let defaultThreshold = 0.005

    /// The estimated number of carbon atoms of a peptide of mass `mass` (Da), at least 1.
    public static func carbonCount(mass: Double) -> Int {
        max(1, Int((mass / residueMass * carbonsPerResidue).rounded()))
    }

    /// The binomial probabilities P(k ¹³C atoms), k = 0…n, computed by the ratio
    /// P(k+1)/P(k) = (n−k)/(k+1) · p/(1−p) in log space (no overflow for large n).
    public static func binomial(n: Int, p: Double) -> [Double] {
        var logs = [Double](repeating: 0, count: n + 1)
        logs[0] = Double(n) * log1p(-p)
        let odds = log(p) - log1p(-p)
        for k in 0..<n { logs[k + 1] = logs[k] + log(Double(n - k)) - log(Double(k + 1)) + odds }
        return logs.map { exp($0) }
    }
}

/// One peptide's isotope pattern: peak offsets from the monoisotopic mass (Da) and
/// relative abundances (the largest is 1).
public struct IsotopePattern: Sendable, Equatable {
    public var offsets: [Double]
    public var abundances: [Double]

    /// The averagine pattern of a peptide of monoisotopic mass `mass`: peaks k = 0…K with
    /// binomial ¹³C abundances, keeping the contiguous run of peaks whose abundance is at
    /// least `threshold` times the largest (for peptide masses the k = 0 peak is always kept).
    public init(mass: Double, threshold: Double = Averagine.defaultThreshold) {
        let n = Averagine.carbonCount(mass: mass)
        let probabilities = Averagine.binomial(n: n, p: Averagine.carbon13Abundance)
        let largest = probabilities.max() ?? 1
        let top = probabilities.firstIndex(of: largest) ?? 0
        var first = top, last = top
        while first > 0 && probabilities[first - 1] >= threshold * largest { first -= 1 }
        while last < n && probabilities[last + 1] >= threshold * largest { last += 1 }
        offsets = (first...last).map { Double($0) * Averagine.isotopeSpacing }
        abundances = (first...last).map { probabilities[$0] / largest }
    }

    public var count: Int { offsets.count }
}
