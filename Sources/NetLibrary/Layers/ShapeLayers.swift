import NetRuntime

/// [d₁, d₂, …] → [d₁·d₂·…].
public final class Flatten: Layer {
    public init() {}
    public var kind: String { "flatten" }
    public func outputShape(for input: [Int]) throws -> [Int] {
        // Checked: NetLibrary is built without overflow traps, and a wrapped product would
        // be a wrong shape rather than an error.
        guard let count = input.checkedElementCount else { throw LayerError("flatten: \(input) holds too many values") }
        return [count]
    }
    public func apply(_ x: Node, _ context: ApplyContext) -> Node { x.reshaped([x.shape[0], -1]) }
}

/// Reinterprets the shape: [d…] → target (same number of elements).
public final class Reshape: Layer {
    public let target: [Int]
    public init(_ target: [Int]) { self.target = target }
    public var kind: String { "reshape" }
    public var details: String { "\(target)" }
    public func outputShape(for input: [Int]) throws -> [Int] {
        guard let n = input.checkedElementCount, n == target.checkedElementCount else {
            throw LayerError("cannot reshape \(input) (\(input.elementCountDescription) values) to \(target) (\(target.elementCountDescription) values)")
        }
        return target
    }
    public func apply(_ x: Node, _ context: ApplyContext) -> Node { x.reshaped([x.shape[0]] + target) }
}

/// Inverted dropout with drop probability p while training; the identity otherwise.
public final class Dropout: Layer {
    public let probability: Double
    public init(_ p: Double) throws {
        guard p >= 0 && p < 1 else { throw LayerError("dropout probability must be in [0, 1), got \(p)") }
        probability = p
    }
    public var kind: String { "dropout" }
    public var details: String { "\(probability)" }
    public func outputShape(for input: [Int]) throws -> [Int] { input }
    public func apply(_ x: Node, _ context: ApplyContext) -> Node { context.training ? x.dropout(probability) : x }
}

/// Invertible down-sampling (App. A.1): [C, H, W] → [C·f², H/f, W/f].
public final class Squeeze: Layer {
    public let factor: Int
    public init(_ factor: Int = 2) { self.factor = factor }
    public var kind: String { "squeeze" }
    public var details: String { factor == 2 ? "" : "\(factor)" }
    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 3, input[1] % factor == 0, input[2] % factor == 0 else {
            throw LayerError("squeeze(\(factor)) needs [C, H, W] with H and W divisible by \(factor), got \(input)")
        }
        let (square, squareOverflows) = factor.multipliedReportingOverflow(by: factor)
        let (channels, overflows) = input[0].multipliedReportingOverflow(by: square)
        guard !squareOverflows, !overflows else { throw LayerError("squeeze(\(factor)) of \(input): the output is too large") }
        return [channels, input[1] / factor, input[2] / factor]
    }
    public func apply(_ x: Node, _ context: ApplyContext) -> Node { x.squeezed(factor) }
}

/// The inverse of `Squeeze`: [C·f², H, W] → [C, H·f, W·f].
public final class Unsqueeze: Layer {
    public let factor: Int
    public init(_ factor: Int = 2) { self.factor = factor }
    public var kind: String { "unsqueeze" }
    public func outputShape(for input: [Int]) throws -> [Int] {
        // f² (and H·f, W·f) must not wrap: unsqueeze(4294967296) made f² = 0 and C % 0 trapped.
        let (square, squareOverflows) = factor.multipliedReportingOverflow(by: factor)
        guard input.count == 3, !squareOverflows, input[0] % square == 0 else {
            let needed = squareOverflows ? "\(factor)² (more than any channel count)" : "\(square)"
            throw LayerError("unsqueeze(\(factor)) needs [C, H, W] with C divisible by \(needed), got \(input)")
        }
        let (height, heightOverflows) = input[1].multipliedReportingOverflow(by: factor)
        let (width, widthOverflows) = input[2].multipliedReportingOverflow(by: factor)
        guard !heightOverflows, !widthOverflows else { throw LayerError("unsqueeze(\(factor)) of \(input): the output is too large") }
        return [input[0] / square, height, width]
    }
    public func apply(_ x: Node, _ context: ApplyContext) -> Node { x.unsqueezed(factor) }
}

/// Injective zero padding of channels (App. A.1): [C, …] → [C + k, …].
public final class PadChannels: Layer {
    public let extra: Int
    public init(_ extra: Int) { self.extra = extra }
    public var kind: String { "pad_channels" }
    public var details: String { "\(extra)" }
    public func outputShape(for input: [Int]) throws -> [Int] {
        guard !input.isEmpty else { throw LayerError("pad_channels needs a channel axis, got a scalar input") }
        var out = input; out[0] += extra
        return out
    }
    public func apply(_ x: Node, _ context: ApplyContext) -> Node { x.paddingChannels(extra) }
}
