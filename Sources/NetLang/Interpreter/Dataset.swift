import NetRuntime

/// Examples for training and evaluation: inputs x [N, …], optional targets y ([N] class
/// labels or [N, …] values) and optional group ids (for grouped cross-validation), plus
/// named parts such as `train` and `test`.
public final class Dataset {
    public let name: String
    public let x: Tensor<Double>
    public let y: Tensor<Double>?
    public let groups: [Int]?
    public var parts: [(String, Dataset)] = []
    /// Extra per-example columns (one value per example, e.g. `core` and `tma` of spectra),
    /// kept by `subset`.
    public var columns: [(String, Tensor<Double>)] = []
    /// Values that describe the whole data set (e.g. the m/z grid `mz` of spectra), shared
    /// by every subset.
    public var attributes: [(String, Tensor<Double>)] = []

    public init(name: String, x: Tensor<Double>, y: Tensor<Double>?, groups: [Int]? = nil) {
        precondition(x.rank >= 1)
        if let y { precondition(y.shape.first == x.shape.first, "x and y differ in length") }
        self.name = name
        self.x = x
        self.y = y
        self.groups = groups
    }

    public var count: Int { x.shape[0] }
    /// The shape of one example.
    public var exampleShape: [Int] { Array(x.shape.dropFirst()) }
    /// Whether y holds class labels (one integer per example).
    public var hasLabels: Bool { y?.rank == 1 }
    /// The number of classes (1 + the largest label; 0 without targets), or nil when a target
    /// is not a class label (a whole number 0…10⁸): a regression target, or a label such as
    /// ±inf, NaN or 1e30, whose conversion to Int trapped.
    public var classCount: Int? {
        guard let y else { return 0 }
        if nonClassLabel != nil { return nil }
        return Int(y.scalars.max() ?? -1) + 1
    }

    /// The largest class label a data set may hold (a one-hot row of more classes would
    /// exceed the 10⁸-value limit anyway).
    public static let largestClassLabel = 100_000_000.0

    /// The first target that is not a class label, with its row.
    public var nonClassLabel: (row: Int, value: Double)? {
        guard let y else { return nil }
        for (row, v) in y.scalars.enumerated() where !(v >= 0 && v <= Self.largestClassLabel && v == v.rounded()) {
            return (row / max(1, y.count / max(1, count)), v)
        }
        return nil
    }

    public func part(_ name: String) -> Dataset? { parts.first { $0.0 == name }?.1 }

    /// The examples at `indices`, in that order.
    public func subset(_ indices: [Int], name: String) -> Dataset {
        let d = Dataset(name: name, x: Self.rows(x, indices), y: y.map { Self.rows($0, indices) },
                        groups: groups.map { g in indices.map { g[$0] } })
        d.columns = columns.map { ($0.0, Self.rows($0.1, indices)) }
        d.attributes = attributes
        return d
    }

    /// A per-example column or a data-set attribute by name.
    public func extra(_ name: String) -> Tensor<Double>? {
        columns.first { $0.0 == name }?.1 ?? attributes.first { $0.0 == name }?.1
    }

    static func rows(_ t: Tensor<Double>, _ indices: [Int]) -> Tensor<Double> {
        let width = t.count / max(t.shape[0], 1)
        var out = [Double]()
        out.reserveCapacity(indices.count * width)
        for i in indices { out.append(contentsOf: t.scalars[(i * width)..<((i + 1) * width)]) }
        return Tensor(shape: [indices.count] + t.shape.dropFirst(), scalars: out)
    }
}
