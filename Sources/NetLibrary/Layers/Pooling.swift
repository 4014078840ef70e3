import NetRuntime

/// Max or average pooling over 1-D [C, L] or 2-D [C, H, W] inputs, or global average
/// pooling to [C].
public final class Pooling: Layer {
    public enum Mode: String, Sendable { case max, average }
    public let mode: Mode
    public let dimensions: Int
    public let kernel: Int, stride: Int, padding: Int

    public init(_ mode: Mode, dimensions: Int, kernel: Int, stride: Int? = nil, padding: Int = 0) throws {
        guard kernel > 0, (stride ?? kernel) > 0, padding >= 0, padding < kernel else {
            throw LayerError("pooling needs a positive kernel and stride and padding below the kernel")
        }
        self.mode = mode; self.dimensions = dimensions; self.kernel = kernel
        self.stride = stride ?? kernel; self.padding = padding
    }

    public var kind: String { (mode == .max ? "maxpool" : "avgpool") + "\(dimensions)d" }
    public var details: String { "\(kernel)" + (stride == kernel ? "" : ", stride \(stride)") }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == dimensions + 1 else { throw LayerError("\(kind) expects \(dimensions + 1)-D input, got \(input)") }
        return try [input[0]] + input.dropFirst().map { size in
            guard size + 2 * padding >= kernel else { throw LayerError("\(kind): window \(kernel) larger than input \(size)") }
            return (size + 2 * padding - kernel) / stride + 1
        }
    }

    public func apply(_ x: Node, _ context: ApplyContext) -> Node {
        switch (mode, dimensions) {
        case (.max, 1): x.maxPool1d(kernel: kernel, stride: stride, padding: padding)
        case (.max, _): x.maxPool2d(kernel: kernel, stride: stride, padding: padding)
        case (.average, 1): x.avgPool1d(kernel: kernel, stride: stride, padding: padding)
        case (.average, _): x.avgPool2d(kernel: kernel, stride: stride, padding: padding)
        }
    }
}

/// The mean over all spatial positions: [C, …] → [C].
public final class GlobalAveragePooling: Layer {
    public init() {}
    public var kind: String { "global_avgpool" }
    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count >= 2 else { throw LayerError("global_avgpool needs [channels, spatial…], got \(input)") }
        return [input[0]]
    }
    public func apply(_ x: Node, _ context: ApplyContext) -> Node { x.globalAveragePooled() }
}
