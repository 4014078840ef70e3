import Foundation
import NetRuntime

/// Settings of the synthetic imaging-mass-spectrometry data of chapter 7 (see
/// docs/spectra.md). Two presets mimic the tasks of Sec. 7.4.1: `adsq` (adenocarcinoma vs.
/// squamous cell carcinoma: spectra of annotated regions only, small class differences)
/// and `lp` (lung vs. pancreas: whole cores including non-tumour spots, more spectra,
/// larger differences).
public struct SpectraSettings: Sendable, Equatable {
    // The m/z grid.
    /// Number of m/z bins L (the thesis has 27,286).
    public var bins = 27_000
    /// The first bin centre (Da).
    public var mzLow = 800.0
    /// The mean bin width (Da); the grid ends at mzLow + meanBinWidth·(bins − 1).
    public var meanBinWidth = 0.163

    // The design: spectra (spots) in cores, cores in tissue micro-arrays (TMAs).
    public var tmas = 8
    public var coresPerTMA = 10
    public var spectraPerCore = 8

    // Peptides.
    /// Peptides common to both classes, per 1000 Da of the grid (at least 4).
    public var peptidesPerKDa = 15.0
    /// Peptides whose intensity differs between the classes (half raised in each class).
    public var discriminativePeptides = 4
    /// The intensity factor of a discriminative peptide in the class that raises it.
    public var foldChange = 1.6
    /// The fraction of spots that show their class (the others are non-tumour tissue
    /// whose discriminative peptides are at the neutral level √foldChange).
    public var tumourFraction = 1.0
    /// Peak threshold t_iso of the isotope patterns.
    public var isotopeThreshold = Averagine.defaultThreshold

    // Instrument and sample variation.
    /// Resolving power m/FWHM: the Gaussian peak width grows linearly with m/z.
    public var resolution = 4000.0
    /// Log-normal spread of each peptide's intensity between cores (biology).
    public var coreVariation = 0.3
    /// Log-normal spread of each peptide's intensity between spots of a core.
    public var spotVariation = 0.25
    /// Log-normal spread of the per-spectrum intensity scale (total ion count).
    public var scaleVariation = 0.3
    /// Amplitude of the decaying baseline (peak heights are about 1).
    public var baseline = 0.1
    /// Standard deviation of the additive noise, and of the shot-like noise ∝ √intensity.
    public var noise = 0.02
    public var shotNoise = 0.05
    /// Standard deviation of the per-spectrum m/z misalignment, in parts per million.
    public var misalignmentPPM = 30.0
    /// Total-ion-count normalisation: each spectrum divided by its mean intensity (the
    /// usual preprocessing; the thesis's spectra were preprocessed).
    public var normalizeTIC = true

    public init() {}

    /// A named preset ("adsq" or "lp"), or nil.
    public static func preset(_ name: String) -> SpectraSettings? {
        var s = SpectraSettings()
        switch name.lowercased() {
        case "adsq":
            return s
        case "lp":
            s.spectraPerCore = 16
            s.discriminativePeptides = 6
            s.foldChange = 2.0
            s.tumourFraction = 0.8
            return s
        default:
            return nil
        }
    }

    public static let presetNames = ["adsq", "lp"]

    public var grid: TOFGrid { TOFGrid(low: mzLow, meanWidth: meanBinWidth, bins: bins) }
    public var spectrumCount: Int { tmas * coresPerTMA * spectraPerCore }
}

/// A generated data set: spectra [N, L], labels, core and TMA of each spectrum, the grid
/// and the peptides.
public struct GeneratedSpectra: Sendable {
    /// Intensities, row-major [N, L].
    public var intensities: [Double]
    public var labels: [Int]
    public var cores: [Int]
    public var tmas: [Int]
    public var grid: TOFGrid
    /// Monoisotopic masses of all peptides, and of the discriminative ones.
    public var peptideMasses: [Double]
    public var discriminativeMasses: [Double]
    public var count: Int { labels.count }

    public init(intensities: [Double], labels: [Int], cores: [Int], tmas: [Int], grid: TOFGrid,
                peptideMasses: [Double], discriminativeMasses: [Double]) {
        self.intensities = intensities; self.labels = labels; self.cores = cores; self.tmas = tmas
        self.grid = grid; self.peptideMasses = peptideMasses; self.discriminativeMasses = discriminativeMasses
    }
}

/// Draws spectra as described in docs/spectra.md. The same settings and seed always give
/// the same numbers.
public enum SpectrumGenerator {
    public static func generate(_ s: SpectraSettings, seed: UInt64) -> GeneratedSpectra {
        var rng = RandomGenerator(seed: seed)
        let grid = s.grid
        let width = grid.high - grid.low

        // Peptides: common ones, then the discriminative ones; masses away from the ends.
        let common = max(4, Int((s.peptidesPerKDa * width / 1000).rounded()))
        let total = common + s.discriminativePeptides
        let lo = grid.low + 2, hi = max(lo + 1, grid.high - 10)
        let masses = (0..<total).map { _ in lo + (hi - lo) * rng.uniform() }
        let baseAbundance = (0..<total).map { _ in exp(0.8 * rng.normal()) }
        let patterns = masses.map { IsotopePattern(mass: $0, threshold: s.isotopeThreshold) }
        // Discriminative peptide j (index common + j) is raised in class j % 2.
        func classFactor(_ p: Int, label: Int, tumour: Bool) -> Double {
            guard p >= common else { return 1 }
            guard tumour else { return s.foldChange.squareRoot() }
            return (p - common) % 2 == label ? s.foldChange : 1
        }

        let n = s.spectrumCount, bins = grid.count
        var x = [Double](repeating: 0, count: n * bins)
        var labels: [Int] = [], cores: [Int] = [], tmas: [Int] = []
        labels.reserveCapacity(n)
        var row = 0
        var spectrum = [Double](repeating: 0, count: bins)
        for t in 0..<s.tmas {
            // Half of each TMA's cores per class, in random order.
            let order = rng.permutation(s.coresPerTMA)
            for c in 0..<s.coresPerTMA {
                let label = order[c] % 2
                let core = t * s.coresPerTMA + c
                let coreEffect = (0..<total).map { _ in exp(s.coreVariation * rng.normal()) }
                for _ in 0..<s.spectraPerCore {
                    let tumour = rng.uniform() < s.tumourFraction
                    let scale = exp(s.scaleVariation * rng.normal())
                    let shift = 1 + s.misalignmentPPM * 1e-6 * rng.normal()
                    let baselineLevel = s.baseline * (0.5 + rng.uniform())
                    for i in 0..<bins {
                        spectrum[i] = baselineLevel * exp(-(grid.mz[i] - grid.low) / 400)
                    }
                    for p in 0..<total {
                        let height = baseAbundance[p] * coreEffect[p] * exp(s.spotVariation * rng.normal())
                            * classFactor(p, label: label, tumour: tumour)
                        addPattern(patterns[p], mass: masses[p] * shift, height: height, resolution: s.resolution,
                                   grid: grid, into: &spectrum)
                    }
                    let base = row * bins
                    var sum = 0.0
                    for i in 0..<bins {
                        let v = spectrum[i]
                        let noisy = v + s.noise * rng.normal() + s.shotNoise * max(v, 0).squareRoot() * rng.normal()
                        x[base + i] = scale * max(noisy, 0)
                        sum += x[base + i]
                    }
                    if s.normalizeTIC && sum > 0 {
                        let factor = Double(bins) / sum
                        for i in 0..<bins { x[base + i] *= factor }
                    }
                    labels.append(label); cores.append(core); tmas.append(t)
                    row += 1
                }
            }
        }
        return GeneratedSpectra(intensities: x, labels: labels, cores: cores, tmas: tmas, grid: grid,
                                peptideMasses: masses, discriminativeMasses: Array(masses[common...]))
    }

    /// Adds the Gaussian-broadened peaks of one isotope pattern: peak k at
    /// mass + offset_k with height·abundance_k and σ = m/(resolution · 2√(2 ln 2)),
    /// evaluated at the bin centres within ±4σ.
    public static func addPattern(_ pattern: IsotopePattern, mass: Double, height: Double, resolution: Double,
                                  grid: TOFGrid, into spectrum: inout [Double]) {
        for (offset, abundance) in zip(pattern.offsets, pattern.abundances) {
            let centre = mass + offset
            let sigma = centre / (resolution * 2.354_820_045)
            var i = grid.lowerBound(centre - 4 * sigma)
            while i < grid.count && grid.mz[i] <= centre + 4 * sigma {
                let z = (grid.mz[i] - centre) / sigma
                spectrum[i] += height * abundance * exp(-0.5 * z * z)
                i += 1
            }
        }
    }
}
