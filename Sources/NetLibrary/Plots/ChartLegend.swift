/// A line chart's legend: one row per series (a stroke with the series' marker and dash,
/// then its label) in a framed box. It goes inside the plot area, in the corner that
/// covers the fewest data points, when it is small enough (at most half the plot's width
/// and 60 % of its height) and a corner is clear; else in a column right of the plot.
enum ChartLegend {
    static let rowHeight = 18.0, padding = 6.0, swatch = 30.0

    /// Width and height of the box for these labels.
    static func size(_ labels: [String]) -> (width: Double, height: Double) {
        let text = labels.map { ChartScene.textWidth($0, .body) }.max() ?? 0
        return (padding + swatch + 8 + text + padding, 2 * padding + rowHeight * Double(labels.count) - 4)
    }

    /// The clearest corner of the plot (inset 8 units) for a box of `size`: the one with the
    /// fewest data points under it, preferring top right, top left, bottom right, bottom left;
    /// nil when the box is too big, or every corner would hide more than 2 % of the points.
    static func corner(size: (width: Double, height: Double), labels: [String], layout l: Chart.Layout,
                       dataPoints: [ChartPoint]) -> ChartAxesRecord.Legend? {
        let plotRight = l.width - l.right, plotBottom = l.height - l.bottom
        let plotWidth = plotRight - l.left, plotHeight = plotBottom - l.top
        guard size.width <= plotWidth / 2, size.height <= plotHeight * 0.6 else { return nil }
        let inset = 8.0
        let corners = [(plotRight - inset - size.width, l.top + inset), (l.left + inset, l.top + inset),
                       (plotRight - inset - size.width, plotBottom - inset - size.height), (l.left + inset, plotBottom - inset - size.height)]
        // A margin of a marker's size around the box: a point just outside still shows.
        let counts = corners.map { x, y in
            dataPoints.filter { $0.x >= x - 4 && $0.x <= x + size.width + 4 && $0.y >= y - 4 && $0.y <= y + size.height + 4 }.count
        }
        let best = counts.indices.min { counts[$0] < counts[$1] }!
        guard Double(counts[best]) <= 0.02 * Double(max(dataPoints.count, 1)) else { return nil }
        return .init(inside: true, x: corners[best].0, y: corners[best].1, width: size.width, height: size.height, labels: labels)
    }

    /// The box (white, framed, over the lines when inside the plot) and its rows.
    static func draw(_ legend: ChartAxesRecord.Legend, into s: inout ChartScene) {
        if legend.inside {
            s.add(.rect(x: legend.x, y: legend.y, width: legend.width, height: legend.height, fill: ChartColor(255, 255, 255), opacity: 0.9,
                        stroke: ChartColor(200, 200, 200)))
        }
        for (i, label) in legend.labels.enumerated() {
            let style = Chart.style(i)
            let y = legend.y + padding + rowHeight * Double(i) + 6, x = legend.x + padding
            s.addStroke([.init(x, y), .init(x + swatch, y)], style.color, width: 2, dash: style.dash)
            s.addMarker(style.marker, at: .init(x + swatch / 2, y), color: style.color)
            s.add(.text(label, at: .init(x + swatch + 8, y + 4), anchor: .start, style: .body))
        }
    }
}
