import NetRuntime

/// Which values of a coupling layer's input condition the transformation of the others
/// (Dinh et al.'s partitions, the NICE/Real-NVP masks).
///
/// - `channel`: the first ⌊C/2⌋ channels (axis 0 of [C, …]; on a flat [d] input the first
///   ⌊d/2⌋ features) condition the rest. The body sees only those channels.
/// - `checkerboard`: the values whose spatial indices sum to an even number (on [C, H, W]:
///   h + w; on [C, L]: l; on a flat [d]: alternating features) condition the others. The
///   body sees the whole input with the transformed values set to 0.
///
/// `flip` swaps the roles, so consecutive couplings transform every value.
public enum CouplingMask: String, Sendable, CaseIterable {
    case channel
    case checkerboard
}

/// A coupling mask applied to one input shape (without the batch axis): how to take the
/// conditioning and the transformed part and how to join them again.
struct CouplingPartition {
    let mask: CouplingMask
    let flip: Bool
    let inputShape: [Int]

    init(mask: CouplingMask, flip: Bool, inputShape: [Int]) throws {
        self.mask = mask; self.flip = flip; self.inputShape = inputShape
        guard !inputShape.isEmpty else { throw LayerError("a coupling layer needs a feature or channel axis, got a scalar input") }
        switch mask {
        case .channel:
            guard inputShape[0] >= 2 else {
                throw LayerError("mask \"channel\" splits axis 0 into two halves, but the input \(inputShape) has \(inputShape[0]) \(inputShape.count == 1 ? "feature" : "channel"); use squeeze first, or mask: \"checkerboard\"")
            }
        case .checkerboard:
            guard inputShape.reduce(1, *) >= 2, inputShape.count == 1 || inputShape.dropFirst().reduce(1, *) >= 2 else {
                throw LayerError("mask \"checkerboard\" alternates over the spatial positions, but the input \(inputShape) has only one; use mask: \"channel\"")
            }
        }
    }

    /// Channels (features) on axis 0 that condition: the first ⌊C/2⌋, or the rest when flipped.
    private var conditioningRange: Range<Int> {
        let half = inputShape[0] / 2
        return flip ? half..<inputShape[0] : 0..<half
    }
    private var transformedRange: Range<Int> {
        let half = inputShape[0] / 2
        return flip ? 0..<half : half..<inputShape[0]
    }

    /// The shape the body receives.
    var conditioningShape: [Int] {
        switch mask {
        case .channel: return [conditioningRange.count] + inputShape.dropFirst()
        case .checkerboard: return inputShape
        }
    }

    /// The shape of the transformed part (what a shift or a scale must have).
    var transformedShape: [Int] {
        switch mask {
        case .channel: return [transformedRange.count] + inputShape.dropFirst()
        case .checkerboard: return inputShape
        }
    }

    /// 1 where the value is transformed, 0 where it conditions (checkerboard only; the
    /// channel mask transforms its whole part).
    var transformMask: Tensor<Double>? {
        guard mask == .checkerboard else { return nil }
        var m = Tensor<Double>.zeros([1] + inputShape)
        let spatial = inputShape.count == 1 ? inputShape : Array(inputShape.dropFirst())
        let inner = spatial.reduce(1, *), channels = inputShape.count == 1 ? 1 : inputShape[0]
        for c in 0..<channels {
            for i in 0..<inner {
                // The parity of the sum of the spatial indices (row-major position i).
                var rest = i, sum = 0
                for extent in spatial.reversed() { sum += rest % extent; rest /= extent }
                let conditions = (sum % 2 == 0) != flip
                m.scalars[c * inner + i] = conditions ? 0 : 1
            }
        }
        return m
    }

    /// The body's input: the conditioning channels, or x with the transformed values zeroed.
    func conditioning(_ x: Node, transformMask: Node?) -> Node {
        if let transformMask { return x * (1 - transformMask) }
        return x.slice(axis: 1, start: conditioningRange.lowerBound, length: conditioningRange.count)
    }

    /// The part the coupling transforms.
    func transformed(_ x: Node) -> Node {
        mask == .checkerboard ? x : x.slice(axis: 1, start: transformedRange.lowerBound, length: transformedRange.count)
    }

    /// x's conditioning part joined with the new transformed part (which, for the
    /// checkerboard, already holds the conditioning values unchanged).
    func join(_ x: Node, transformed new: Node) -> Node {
        guard mask == .channel else { return new }
        let kept = x.slice(axis: 1, start: conditioningRange.lowerBound, length: conditioningRange.count)
        return flip ? concat([new, kept], axis: 1) : concat([kept, new], axis: 1)
    }
}
