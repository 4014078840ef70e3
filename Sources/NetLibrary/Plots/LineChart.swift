import Foundation

/// Charts with axes and text as SVG: lines with error bands (estimator bias against terms,
/// Fig. 5.3; reconstruction error against iterations, Fig. 4.4) and box plots (Fig. 7.5).
public struct Chart {
    public struct Series {
        public var label: String
        public var x: [Double]
        public var y: [Double]
        /// Optional half-width of a band around y (e.g. a standard deviation).
        public var band: [Double]?
        public init(label: String, x: [Double], y: [Double], band: [Double]? = nil) {
            self.label = label; self.x = x; self.y = y; self.band = band
        }
    }

    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var logY: Bool
    public var series: [Series] = []

    public init(title: String, xLabel: String, yLabel: String, logY: Bool = false) {
        self.title = title; self.xLabel = xLabel; self.yLabel = yLabel; self.logY = logY
    }

    static let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]

    /// The chart as an SVG document (640×420).
    public func svg() -> String {
        let (w, h, left, right, top, bottom) = (640.0, 420.0, 70.0, 160.0, 40.0, 50.0)
        func ty(_ v: Double) -> Double { logY ? log10(max(v, 1e-300)) : v }
        let xs = series.flatMap(\.x), ys = series.flatMap { s in
            s.y.indices.flatMap { i in [s.y[i] - (s.band?[i] ?? 0), s.y[i] + (s.band?[i] ?? 0)].map(ty) }
        }.filter(\.isFinite)
        let x0 = xs.min() ?? 0, x1 = max(xs.max() ?? 1, x0 + 1e-12)
        var y0 = ys.min() ?? 0, y1 = ys.max() ?? 1
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        let pad = (y1 - y0) * 0.05
        y0 -= pad; y1 += pad
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (w - left - right) }
        func py(_ y: Double) -> Double { h - bottom - (ty(y) - y0) / (y1 - y0) * (h - top - bottom) }
        func fmt(_ v: Double) -> String { String(format: "%.3g", v) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        out += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(w / 2 - right / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(escape(title))</text>\n"
        out += "<line x1=\"\(left)\" y1=\"\(h - bottom)\" x2=\"\(w - right)\" y2=\"\(h - bottom)\" stroke=\"black\"/>\n"
        out += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(h - bottom)\" stroke=\"black\"/>\n"
        for k in 0...4 {
            let xv = x0 + (x1 - x0) * Double(k) / 4, yv = y0 + (y1 - y0) * Double(k) / 4
            let yl = logY ? "1e" + String(format: "%.1f", yv) : fmt(yv)
            out += "<text x=\"\(px(xv))\" y=\"\(h - bottom + 16)\" text-anchor=\"middle\">\(fmt(xv))</text>\n"
            let yPix = h - bottom - (yv - y0) / (y1 - y0) * (h - top - bottom)
            out += "<text x=\"\(left - 6)\" y=\"\(yPix + 4)\" text-anchor=\"end\">\(yl)</text>\n"
            out += "<line x1=\"\(left)\" y1=\"\(yPix)\" x2=\"\(w - right)\" y2=\"\(yPix)\" stroke=\"#eee\"/>\n"
        }
        out += "<text x=\"\((left + w - right) / 2)\" y=\"\(h - 12)\" text-anchor=\"middle\">\(escape(xLabel))</text>\n"
        out += "<text transform=\"translate(16,\((top + h - bottom) / 2)) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        for (i, s) in series.enumerated() {
            let color = Self.palette[i % Self.palette.count]
            if let band = s.band {
                let upper = s.x.indices.map { "\(px(s.x[$0])),\(py(s.y[$0] + band[$0]))" }
                let lower = s.x.indices.reversed().map { "\(px(s.x[$0])),\(py(max(s.y[$0] - band[$0], logY ? s.y[$0] * 1e-3 : -.infinity)))" }
                out += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.2\" stroke=\"none\"/>\n"
            }
            let points = s.x.indices.filter { s.y[$0].isFinite }.map { "\(px(s.x[$0])),\(py(s.y[$0]))" }
            out += "<polyline points=\"\(points.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            let ly = top + 18 * Double(i) + 10
            out += "<line x1=\"\(w - right + 10)\" y1=\"\(ly)\" x2=\"\(w - right + 30)\" y2=\"\(ly)\" stroke=\"\(color)\" stroke-width=\"2\"/>\n"
            out += "<text x=\"\(w - right + 36)\" y=\"\(ly + 4)\">\(escape(s.label))</text>\n"
        }
        return out + "</svg>\n"
    }

    /// A box plot (median, quartiles, whiskers at min/max, points) per group.
    public static func boxPlotSVG(title: String, yLabel: String, groups: [(label: String, values: [Double])]) -> String {
        let (w, h, left, top, bottom) = (max(360.0, 90.0 * Double(groups.count) + 100), 420.0, 70.0, 40.0, 90.0)
        let all = groups.flatMap(\.values).filter(\.isFinite)
        var y0 = all.min() ?? 0, y1 = all.max() ?? 1
        if y1 - y0 < 1e-9 { y0 -= 0.05; y1 += 0.05 }
        let pad = (y1 - y0) * 0.08; y0 -= pad; y1 += pad
        func py(_ v: Double) -> Double { h - bottom - (v - y0) / (y1 - y0) * (h - top - bottom) }
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(w))\" height=\"\(Int(h))\" font-family=\"sans-serif\" font-size=\"12\">\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n"
        out += "<text x=\"\(w / 2)\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">\(escape(title))</text>\n"
        out += "<line x1=\"\(left)\" y1=\"\(top)\" x2=\"\(left)\" y2=\"\(h - bottom)\" stroke=\"black\"/>\n"
        for k in 0...4 {
            let v = y0 + (y1 - y0) * Double(k) / 4
            out += "<text x=\"\(left - 6)\" y=\"\(py(v) + 4)\" text-anchor=\"end\">\(String(format: "%.3g", v))</text>\n"
            out += "<line x1=\"\(left)\" y1=\"\(py(v))\" x2=\"\(w - 20)\" y2=\"\(py(v))\" stroke=\"#eee\"/>\n"
        }
        out += "<text transform=\"translate(16,\((top + h - bottom) / 2)) rotate(-90)\" text-anchor=\"middle\">\(escape(yLabel))</text>\n"
        for (i, g) in groups.enumerated() {
            let v = g.values.filter(\.isFinite).sorted()
            guard !v.isEmpty else { continue }
            func q(_ p: Double) -> Double { let x = p * Double(v.count - 1); let i = Int(x); return i + 1 < v.count ? v[i] + (v[i + 1] - v[i]) * (x - Double(i)) : v[i] }
            let cx = left + 50 + 90 * Double(i), color = palette[i % palette.count]
            out += "<line x1=\"\(cx)\" y1=\"\(py(v.first!))\" x2=\"\(cx)\" y2=\"\(py(v.last!))\" stroke=\"black\"/>\n"
            out += "<rect x=\"\(cx - 22)\" y=\"\(py(q(0.75)))\" width=\"44\" height=\"\(max(1, py(q(0.25)) - py(q(0.75))))\" fill=\"\(color)\" fill-opacity=\"0.5\" stroke=\"black\"/>\n"
            out += "<line x1=\"\(cx - 22)\" y1=\"\(py(q(0.5)))\" x2=\"\(cx + 22)\" y2=\"\(py(q(0.5)))\" stroke=\"black\" stroke-width=\"2\"/>\n"
            for x in v { out += "<circle cx=\"\(cx + 28)\" cy=\"\(py(x))\" r=\"2\" fill=\"\(color)\"/>\n" }
            out += "<text transform=\"translate(\(cx),\(h - bottom + 14)) rotate(30)\" font-size=\"11\">\(escape(g.label))</text>\n"
        }
        return out + "</svg>\n"
    }

    func escape(_ s: String) -> String { Self.escape(s) }
    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
