import NetRuntime

extension ChartScene {
    /// Width of a colour bar's strip, and the room a bar needs right of its x: strip, ticks,
    /// the widest tick label and the vertical scale label.
    public static let colorBarStrip = 14.0
    public static func colorBarWidth(ticks: [(value: Double, label: String)]) -> Double {
        colorBarStrip + 8 + widestLabel(ticks) + 22
    }

    /// A vertical viridis strip at x from `top` to `top + height`: the colour of value v is
    /// viridis((v − lo)/(hi − lo)) (`Colormap`), lo at the bottom. Ticks (values in [lo, hi])
    /// and their labels go right of the strip, `label` along its side.
    @discardableResult
    public mutating func addColorBar(x: Double, top: Double, height: Double, lo: Double, hi: Double,
                                     ticks: [(value: Double, label: String)], label: String) -> ChartAxesRecord.ColorBar {
        var strip = RGBImage(width: 1, height: 256)
        for i in 0..<256 { strip[0, i] = Colormap.color(1 - (Double(i) + 0.5) / 256) }
        add(.raster(strip, x: x, y: top, width: Self.colorBarStrip, height: height))
        add(.rect(x: x, y: top, width: Self.colorBarStrip, height: height, fill: ChartScene.ink, opacity: 0, stroke: ChartScene.ink))
        let right = x + Self.colorBarStrip
        let recorded: [ChartAxesRecord.Tick] = ticks.filter { $0.value >= lo && $0.value <= hi }.map { v, text in
            let y = hi > lo ? top + height * (hi - v) / (hi - lo) : top + height / 2
            add(.line(.init(right, y), .init(right + 4, y), ChartScene.ink, width: 1))
            add(.text(text, at: .init(right + 7, y + 4), anchor: .start, style: .body))
            return .init(value: v, label: text, position: y)
        }
        let labelX = right + 8 + Self.widestLabel(ticks) + 18
        add(.text(label, at: .init(labelX, top + height / 2), anchor: .middle, style: .body, vertical: true))
        return .init(lo: lo, hi: hi, label: label, ticks: recorded)
    }
}
