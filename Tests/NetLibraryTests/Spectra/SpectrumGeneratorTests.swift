import XCTest
@testable import NetLibrary

final class SpectrumGeneratorTests: XCTestCase {
    func small(_ task: String = "adsq") -> SpectraSettings {
        var s = SpectraSettings.preset(task)!
        s.bins = 600; s.tmas = 4; s.coresPerTMA = 4; s.spectraPerCore = 3
        return s
    }

    func testSameSeedSameSpectraOtherSeedOthers() {
        let a = SpectrumGenerator.generate(small(), seed: 3)
        let b = SpectrumGenerator.generate(small(), seed: 3)
        let c = SpectrumGenerator.generate(small(), seed: 4)
        XCTAssertEqual(a.intensities, b.intensities)
        XCTAssertEqual(a.labels, b.labels)
        XCTAssertNotEqual(a.intensities, c.intensities)
        XCTAssertEqual(a.intensities.count, 48 * 600)
    }

    /// Spots lie in cores and cores in TMAs; a core has one label; each TMA has half of its
    /// cores in each class; the data are TIC-normalised (mean intensity 1) and non-negative.
    func testDesignAndNormalisation() {
        let g = SpectrumGenerator.generate(small(), seed: 1)
        XCTAssertEqual(g.count, 48)
        var coreLabel: [Int: Int] = [:], coreTMA: [Int: Int] = [:]
        for i in 0..<g.count {
            XCTAssertEqual(coreLabel[g.cores[i], default: g.labels[i]], g.labels[i])
            XCTAssertEqual(coreTMA[g.cores[i], default: g.tmas[i]], g.tmas[i])
            coreLabel[g.cores[i]] = g.labels[i]; coreTMA[g.cores[i]] = g.tmas[i]
        }
        XCTAssertEqual(coreLabel.count, 16)
        for t in 0..<4 { XCTAssertEqual(coreLabel.filter { coreTMA[$0.key] == t && $0.value == 1 }.count, 2) }
        XCTAssertTrue(g.intensities.allSatisfy { $0 >= 0 })
        for i in 0..<g.count {
            XCTAssertEqual(g.intensities[(i * 600)..<((i + 1) * 600)].reduce(0, +) / 600, 1, accuracy: 1e-9)
        }
        XCTAssertEqual(g.discriminativeMasses.count, 4)
        XCTAssertTrue(g.peptideMasses.allSatisfy { $0 > g.grid.low && $0 < g.grid.high })
    }

    /// One noise-free pattern on a fine grid: maxima 1.00235 Da apart with heights in the
    /// averagine ratios, and the peak width grows with m/z (FWHM = m / resolution).
    func testPeaksSitOnTheIsotopePattern() {
        let grid = TOFGrid(low: 1490, high: 1510, bins: 20_001)   // 0.001 Da bins
        let pattern = IsotopePattern(mass: 1500)
        var spectrum = [Double](repeating: 0, count: grid.count)
        SpectrumGenerator.addPattern(pattern, mass: 1500, height: 2, resolution: 20_000, grid: grid, into: &spectrum)
        for (offset, abundance) in zip(pattern.offsets, pattern.abundances) {
            let i = grid.lowerBound(1500 + offset)
            let window = max(0, i - 50)..<min(grid.count, i + 50)
            let peak = window.max { spectrum[$0] < spectrum[$1] }!
            XCTAssertEqual(grid.mz[peak], 1500 + offset, accuracy: 0.0011)
            XCTAssertEqual(spectrum[peak], 2 * abundance, accuracy: 2 * 0.01)
        }
        // Width: σ = m/(R·2.3548): at half the height the peak is FWHM = m/R wide.
        let i0 = grid.lowerBound(1500)
        let half = (0..<grid.count).filter { abs(grid.mz[$0] - 1500) < 0.5 && spectrum[$0] >= spectrum[i0] / 2 }
        XCTAssertEqual(grid.mz[half.last!] - grid.mz[half.first!], 1500 / 20_000, accuracy: 0.003)
    }

    /// The class signal: at the discriminative peptides' monoisotopic peaks the two classes'
    /// mean intensities differ by about the fold change, in the direction of the design.
    func testDiscriminativePeptidesDifferBetweenClasses() {
        var s = small()
        s.bins = 4000; s.foldChange = 3; s.coreVariation = 0.1; s.spotVariation = 0.1
        let g = SpectrumGenerator.generate(s, seed: 2)
        for (j, mass) in g.discriminativeMasses.enumerated() {
            let bin = g.grid.lowerBound(mass)
            var means = [0.0, 0.0], counts = [0.0, 0.0]
            for i in 0..<g.count {
                means[g.labels[i]] += g.intensities[i * s.bins + bin]; counts[g.labels[i]] += 1
            }
            let raised = j % 2, other = 1 - raised
            XCTAssertGreaterThan(means[raised] / counts[raised], 1.5 * means[other] / counts[other], "peptide \(j) at \(mass)")
        }
    }
}
