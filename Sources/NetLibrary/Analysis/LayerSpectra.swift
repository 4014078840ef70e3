import NetRuntime

/// Singular values of the linearisation of every prefix of a ReLU network, over a batch of
/// inputs, summarised by medians as in Fig. 3.4 (median over 50 test samples).
///
/// Per layer l and sample x: all min(m_l, n) singular values of A_P (LAPACK dgesdd), the
/// number of non-zero ones — σ counts as non-zero when σ > max(m_l, n)·ε·σ_max, ε = 2.2·10⁻¹⁶
/// (NumPy's rank tolerance; ReLU zeroes rows exactly, so the rank deficiency is exact and
/// the zero singular values come out at rounding level) — and the condition number over the
/// non-zero ones, σ_max / σ_min≠0 (zero singular values are invariance, not instability).
public struct LayerSpectra {
    public struct Layer {
        public let name: String
        public let index: Int
        /// m_l, the number of output units.
        public let units: Int
        /// Medians over the samples.
        public let nonZero: Double
        public let condition: Double
        public let largest: Double
        public let smallestNonZero: Double
        /// The i-th largest singular value, median over the samples (the decay curve).
        public let singularValues: [Double]

        public init(name: String, index: Int, units: Int, nonZero: Double, condition: Double, largest: Double,
                    smallestNonZero: Double, singularValues: [Double]) {
            self.name = name; self.index = index; self.units = units; self.nonZero = nonZero; self.condition = condition
            self.largest = largest; self.smallestNonZero = smallestNonZero; self.singularValues = singularValues
        }
    }

    public let layers: [Layer]
    public let samples: Int

    public init(layers: [Layer], samples: Int) { self.layers = layers; self.samples = samples }

    /// The spectra of every step of `network` at each of `inputs` (each of the model's input size).
    public static func measure(_ network: PiecewiseLinearNetwork, inputs: [[Double]], variables: VariableStore<Double>) throws -> LayerSpectra {
        precondition(!inputs.isEmpty)
        let jacobians = try PrefixJacobians(network, variables: variables)
        let steps = network.steps
        var values = [[[Double]]](repeating: [], count: steps.count)
        for x in inputs {
            for (l, jt) in jacobians.transposedJacobians(at: x).enumerated() {
                try Interruption.check()   // between SVDs: Ctrl-C on a wide model took up to 35 s
                values[l].append(try singularValues(jt))
            }
        }
        // Re-indexing steps (flatten) repeat the matrix of the layer before them: left out.
        let layers = steps.enumerated().filter { $0.element.kind != .reindex }.map { l, step -> Layer in
            let n = network.inputSize, m = step.outputSize
            var counts: [Double] = [], conditions: [Double] = [], smallest: [Double] = []
            for s in values[l] {
                let tol = Double(max(m, n)) * Double.ulpOfOne * s[0]
                let nonZero = s.filter { $0 > tol }
                counts.append(Double(nonZero.count))
                smallest.append(nonZero.last ?? 0)
                conditions.append(nonZero.isEmpty ? .nan : nonZero[0] / nonZero.last!)
            }
            let curve = (0..<values[l][0].count).map { i in median(values[l].map { $0[i] }) }
            return Layer(name: step.name, index: step.index, units: m, nonZero: median(counts), condition: median(conditions),
                         largest: median(values[l].map { $0[0] }), smallestNonZero: median(smallest), singularValues: curve)
        }
        return LayerSpectra(layers: layers, samples: inputs.count)
    }
}

/// The median (the mean of the middle two for an even count); NaNs sort last, so a median
/// of values that are mostly finite stays finite.
func median(_ v: [Double]) -> Double {
    guard !v.isEmpty else { return .nan }
    let s = v.sorted { a, b in a.isNaN ? false : (b.isNaN ? true : a < b) }
    let k = s.count / 2
    return s.count % 2 == 1 ? s[k] : (s[k - 1] + s[k]) / 2
}
