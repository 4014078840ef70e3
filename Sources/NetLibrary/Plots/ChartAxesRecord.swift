/// What a picture's axes say, recorded while its scene is laid out (`ChartScene.axes`, one
/// record per plot panel): the ticks with their labels and positions, the axis labels, the
/// title, the colour bar's scale and the legend. Tests read it to check that a picture can
/// be read off, and it is the one place that says where a tick went.
public struct ChartAxesRecord: Equatable, Sendable {
    public struct Tick: Equatable, Sendable {
        /// The value in data units (log10 units on a log axis) and the label drawn for it.
        public var value: Double
        public var label: String
        /// The tick's position along its axis in scene units (x for the x axis, y for the y axis).
        public var position: Double
    }

    /// A colour scale: the data range [lo, hi] its colours span, and its ticks.
    public struct ColorBar: Equatable, Sendable {
        public var lo: Double, hi: Double
        public var label: String
        public var ticks: [Tick]
    }

    /// Where a legend went: inside the plot area (in a corner) or beside it, its frame in
    /// scene units, and its entries.
    public struct Legend: Equatable, Sendable {
        public var inside: Bool
        public var x: Double, y: Double, width: Double, height: Double
        public var labels: [String]
    }

    public var title = ""
    public var xLabel = "", yLabel = ""
    public var xTicks: [Tick] = [], yTicks: [Tick] = []
    /// The plot area in scene units.
    public var plotLeft = 0.0, plotTop = 0.0, plotRight = 0.0, plotBottom = 0.0
    public var colorBar: ColorBar?
    public var legend: Legend?

    public init() {}
}

extension ChartScene {
    /// Ticks below the x axis at scene y `axisY` (labels centred under them), each with a
    /// grid line up to `gridTop` when given; returns them as recorded ticks.
    @discardableResult
    public mutating func addXTicks(_ ticks: [(value: Double, label: String)], axisY: Double, gridTop: Double? = nil,
                                   position: (Double) -> Double) -> [ChartAxesRecord.Tick] {
        ticks.map { v, label in
            let x = position(v)
            if let gridTop { add(.line(.init(x, gridTop), .init(x, axisY), ChartScene.grid, width: 1)) }
            add(.line(.init(x, axisY), .init(x, axisY + 5), ChartScene.ink, width: 1))
            add(.text(label, at: .init(x, axisY + 18), anchor: .middle, style: .body))
            return .init(value: v, label: label, position: x)
        }
    }

    /// Ticks left of the y axis at scene x `axisX` (labels right-aligned), each with a grid
    /// line to `gridRight` when given; returns them as recorded ticks.
    @discardableResult
    public mutating func addYTicks(_ ticks: [(value: Double, label: String)], axisX: Double, gridRight: Double? = nil,
                                   position: (Double) -> Double) -> [ChartAxesRecord.Tick] {
        ticks.map { v, label in
            let y = position(v)
            if let gridRight { add(.line(.init(axisX, y), .init(gridRight, y), ChartScene.grid, width: 1)) }
            add(.line(.init(axisX - 5, y), .init(axisX, y), ChartScene.ink, width: 1))
            add(.text(label, at: .init(axisX - 8, y + 4), anchor: .end, style: .body))
            return .init(value: v, label: label, position: y)
        }
    }

    /// The width of the widest label, for the room left of a y axis.
    public static func widestLabel(_ ticks: [(value: Double, label: String)]) -> Double {
        ticks.map { textWidth($0.label, .body) }.max() ?? 0
    }
}
