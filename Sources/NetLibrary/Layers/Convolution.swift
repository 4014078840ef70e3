import NetRuntime

/// A 1-D or 2-D convolution with bias: [C, L] → [C', L'] or [C, H, W] → [C', H', W'],
/// square kernels, one stride and zero padding for every spatial axis (PyTorch layout
/// and initialisation: W [C', C, k(, k)], U(±1/√(C·kᵈ))).
public final class Convolution: Layer {
    public let dimensions: Int
    public let channels: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let useBias: Bool
    public var constraint: LipschitzConstraint?
    /// This layer's initialisation scheme; nil: the model's.
    public var initialization: WeightInitialization?
    public private(set) var weight: Node?
    public private(set) var bias: Node?
    private var vector: Node?
    /// The power-iteration vector u of the Lipschitz constraint (state, not trained).
    public var vectorVariable: Node? { vector }
    /// The input shape [C, …] the layer was built for (its operator's domain).
    public private(set) var inputShape: [Int] = []

    /// `padding: nil` means "same" for stride 1 and odd kernels: (k − 1)/2.
    public init(dimensions: Int, channels: Int, kernel: Int, stride: Int = 1, padding: Int? = nil,
                useBias: Bool = true, constraint: LipschitzConstraint? = nil) throws {
        guard dimensions == 1 || dimensions == 2 else { throw LayerError("convolutions are 1-D or 2-D, not \(dimensions)-D") }
        guard channels > 0, kernel > 0, stride > 0 else {
            throw LayerError("conv\(dimensions)d needs positive channels, kernel and stride (got \(channels), \(kernel), \(stride))")
        }
        self.dimensions = dimensions
        self.channels = channels
        self.kernel = kernel
        self.stride = stride
        self.padding = padding ?? (kernel - 1) / 2
        guard self.padding >= 0 else { throw LayerError("padding must not be negative") }
        self.useBias = useBias
        self.constraint = constraint
    }

    public var kind: String { "conv\(dimensions)d" }
    public var details: String {
        "\(channels), kernel \(kernel)" + (stride == 1 ? "" : ", stride \(stride)") + (padding == 0 ? "" : ", padding \(padding)")
            + (constraint.map { ", \($0)" } ?? "")
    }
    public var parameters: [Node] { [weight, bias].compactMap { $0 } }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == dimensions + 1 else {
            throw LayerError("\(kind) expects input [channels, \(dimensions == 1 ? "length" : "height, width")], got \(input)")
        }
        let spatial = try input.dropFirst().map { size -> Int in
            let padded = size + 2 * padding
            guard padded >= kernel else {
                throw LayerError("\(kind): kernel \(kernel) is larger than the padded input (\(size) + 2·\(padding))")
            }
            return (padded - kernel) / stride + 1
        }
        return [channels] + spatial
    }

    public func build(_ builder: ModelBuilder, input: [Int]) throws {
        _ = try outputShape(for: input)   // a kernel larger than the input fails here, before its size is used
        // With "same"-style padding any kernel fits; its weight must still be representable.
        guard pow(Double(kernel), Double(dimensions)) * Double(input[0]) * Double(channels) <= 1e8 else {
            throw LayerError("\(kind): kernel \(kernel) makes a weight of more than 10⁸ values")
        }
        inputShape = input
        let taps = Int(pow(Double(kernel), Double(dimensions)))
        let fanIn = input[0] * taps
        let kernelShape = Array(repeating: kernel, count: dimensions)
        weight = try builder.weightParameter("weight", shape: [channels, input[0]] + kernelShape, fanIn: fanIn,
                                             fanOut: channels * taps, scheme: initialization)
        if useBias { bias = try builder.biasParameter("bias", shape: [channels], fanIn: fanIn, scheme: initialization) }
        if let constraint {
            // Exact start: u from power iteration on the initial operator (see Dense);
            // random start: a random unit tensor.
            let w0 = constraint.start == .random || !builder.computesStartValues ? nil : builder.graph.initialValue(of: weight!)
            let u0 = w0.map {
                LipschitzVerification.topOutputVector($0, conv: self, inputShape: input, iterations: 100)
            }
            vector = try builder.stateVector("u", shape: try outputShape(for: input), initial: u0)
        }
    }

    public func apply(_ x: Node, _ context: ApplyContext) -> Node {
        var w = weight!
        if let constraint, let vector {
            let sn = SpectralNorm(convolutionWeight: w, u: vector, coefficient: constraint.coefficient,
                                  iterations: constraint.iterations, updatingVector: context.training,
                                  inputShape: inputShape, stride: stride, padding: padding)
            w = constraint.record(sn, context)
        }
        // The bias is added inside the convolution kernel (one pass over the output fewer).
        if let bias { return x.conv(w, bias: bias, stride: stride, padding: padding) }
        return dimensions == 1 ? x.conv1d(w, stride: stride, padding: padding) : x.conv2d(w, stride: stride, padding: padding)
    }
}

/// A 1-D locally-connected layer (unshared weights, chapter 7): [C, L] → [C', L'],
/// W [L', C', C·k], bias [C', L'].
public final class LocallyConnected: Layer {
    public let channels: Int, kernel: Int, stride: Int, padding: Int
    /// This layer's initialisation scheme; nil: the model's.
    public var initialization: WeightInitialization?
    public private(set) var weight: Node?
    public private(set) var bias: Node?

    public init(channels: Int, kernel: Int, stride: Int = 1, padding: Int = 0) throws {
        guard channels > 0, kernel > 0, stride > 0, padding >= 0 else {
            throw LayerError("locally_connected needs positive channels, kernel and stride")
        }
        self.channels = channels; self.kernel = kernel; self.stride = stride; self.padding = padding
    }

    public var kind: String { "locally_connected" }
    public var details: String { "\(channels), kernel \(kernel)" + (stride == 1 ? "" : ", stride \(stride)") + (padding == 0 ? "" : ", padding \(padding)") }
    public var parameters: [Node] { [weight, bias].compactMap { $0 } }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard input.count == 2 else { throw LayerError("locally_connected expects input [channels, length], got \(input)") }
        guard input[1] + 2 * padding >= kernel else { throw LayerError("locally_connected: kernel \(kernel) is larger than the padded input") }
        return [channels, (input[1] + 2 * padding - kernel) / stride + 1]
    }

    public func build(_ builder: ModelBuilder, input: [Int]) throws {
        let out = try outputShape(for: input)
        let fanIn = input[0] * kernel
        weight = try builder.weightParameter("weight", shape: [out[1], channels, fanIn], fanIn: fanIn, fanOut: channels,
                                             scheme: initialization)
        bias = try builder.biasParameter("bias", shape: [channels, out[1]], fanIn: fanIn, scheme: initialization)
    }

    public func apply(_ x: Node, _ context: ApplyContext) -> Node {
        x.locallyConnected1d(weight!, kernel: kernel, stride: stride, padding: padding) + bias!
    }
}
import Foundation
