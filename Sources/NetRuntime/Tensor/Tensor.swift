/// A dense, row-major array of numbers with a shape: the runtime's unit of data.
///
/// `Tensor` is a value (copy-on-write through its `Array` storage). It carries data in
/// and out of graphs (inputs, parameters, results) and is what data sets, checkpoints and
/// the linear-algebra routines work on. Computation on tensors inside a training step
/// happens in an `Executor`, on buffers planned once.
public struct Tensor<T: NetScalar>: Equatable, Sendable {
    public private(set) var shape: [Int]
    public var scalars: [T]

    /// A tensor with the given shape and row-major scalars (`scalars.count` must equal the
    /// product of `shape`).
    public init(shape: [Int], scalars: [T]) {
        precondition(shape.allSatisfy { $0 >= 0 }, "negative dimension in \(shape)")
        precondition(shape.reduce(1, *) == scalars.count,
                     "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
        self.shape = shape
        self.scalars = scalars
    }

    /// A tensor of the given shape filled with `value`.
    public init(repeating value: T, shape: [Int]) {
        self.init(shape: shape, scalars: Array(repeating: value, count: shape.reduce(1, *)))
    }

    /// A zero tensor.
    public static func zeros(_ shape: [Int]) -> Tensor { Tensor(repeating: 0, shape: shape) }

    /// A scalar (rank-0) tensor.
    public init(_ value: T) { self.init(shape: [], scalars: [value]) }

    public var rank: Int { shape.count }
    public var count: Int { scalars.count }

    /// The same scalars viewed with another shape of equal size.
    public func reshaped(_ newShape: [Int]) -> Tensor {
        Tensor(shape: newShape, scalars: scalars)
    }

    /// Converts the element type (e.g. Float64 data for a Float32 model).
    public func converted<U: NetScalar>(to: U.Type = U.self) -> Tensor<U> {
        Tensor<U>(shape: shape, scalars: scalars.map { U($0) })
    }

    /// The scalar at a multi-index.
    public subscript(index: Int...) -> T {
        get { scalars[flatIndex(index)] }
        set { scalars[flatIndex(index)] = newValue }
    }

    private func flatIndex(_ index: [Int]) -> Int {
        precondition(index.count == shape.count, "index \(index) for shape \(shape)")
        var flat = 0
        for (i, d) in zip(index, shape) {
            precondition(i >= 0 && i < d, "index \(index) out of range for shape \(shape)")
            flat = flat * d + i
        }
        return flat
    }
}

extension Tensor: CustomStringConvertible {
    public var description: String {
        func fmt(_ x: T) -> String {
            let d = Double(x)
            if d == d.rounded() && abs(d) < 1e7 { return String(Int(d)) }
            return String(format: "%.6g", d)
        }
        if shape.isEmpty { return fmt(scalars[0]) }
        func render(_ dim: Int, _ offset: Int) -> String {
            let stride = shape[(dim + 1)...].reduce(1, *)
            if dim == shape.count - 1 {
                let n = shape[dim]
                let items = n > 12
                    ? (0..<6).map { fmt(scalars[offset + $0]) } + ["…"] + ((n - 6)..<n).map { fmt(scalars[offset + $0]) }
                    : (0..<n).map { fmt(scalars[offset + $0]) }
                return "[" + items.joined(separator: ", ") + "]"
            }
            let n = shape[dim]
            let rows = (0..<min(n, 8)).map { render(dim + 1, offset + $0 * stride) }
            return "[" + rows.joined(separator: ",\n" + String(repeating: " ", count: dim + 1))
                + (n > 8 ? ",\n" + String(repeating: " ", count: dim + 1) + "…]" : "]")
        }
        return render(0, 0)
    }
}

import Foundation
