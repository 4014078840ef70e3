import NetRuntime

/// The charts of Fig. 3.4 from `LayerSpectra`: singular-value decay per layer (left of the
/// figure) and the three panels output units / non-zero singular values / condition number
/// against the layer index, several models in each panel (right of the figure).
public enum SpectraCharts {
    /// One line per layer: the i-th largest non-zero singular value (median over the
    /// samples) against i, on a log axis. Zero singular values are left out (log scale);
    /// the curve of layer l has round(median non-zero count) points.
    public static func decay(_ spectra: LayerSpectra, title: String) -> Chart {
        var chart = Chart(title: title, xLabel: "index i of the singular value (descending)", yLabel: "σ_i (median over \(spectra.samples) samples)", logY: true)
        for layer in spectra.layers {
            let count = min(Int(layer.nonZero.rounded()), layer.singularValues.count)
            let values = layer.singularValues.prefix(count).filter { $0 > 0 }
            guard !values.isEmpty else { continue }
            chart.series.append(.init(label: "\(layer.index) \(layer.name)", x: values.indices.map { Double($0 + 1) }, y: Array(values)))
        }
        return chart
    }

    /// The three panels top to bottom as in the thesis's figure (each at `scale` 2, so the
    /// text is as legible as in the other charts), one series per model.
    public static func panels(_ models: [(label: String, spectra: LayerSpectra)], title: String) -> RGBImage {
        func panel(_ name: String, _ logY: Bool, _ value: (LayerSpectra.Layer) -> Double) -> RGBImage {
            var chart = Chart(title: "\(title): \(name)", xLabel: "layer", yLabel: name, logY: logY)
            for (label, s) in models {
                let points = s.layers.filter { value($0).isFinite && (!logY || value($0) > 0) }
                chart.series.append(.init(label: label, x: points.map { Double($0.index) }, y: points.map(value)))
            }
            return chart.image(scale: 2)
        }
        return ChartPanels.column([panel("output units", false) { Double($0.units) },
                                panel("non-zero singular values", false) { $0.nonZero },
                                panel("condition number", true) { $0.condition }])
    }
}
