import NetRuntime

/// The multi-scale split of a flow (Dinh et al. 2017, used by the convolutional
/// i-ResNets of Sec. 5.3 and by Residual Flows): the first `channels` channels leave the
/// network here and go to the base distribution directly; the later layers transform only
/// the remaining channels, at a fraction of the cost.
///
/// A model with `factor_out` layers (at its top level) outputs z = [factored parts…,
/// last layer's output], each flattened, in forward order: a vector of as many numbers
/// as the input, so the flow's log-density (Lemma 5.2) needs nothing new — the factored
/// parts contribute −½‖z_i‖² like the rest, with log-det 0 for the split itself (a
/// coordinate projection that keeps every number). The inverse splits z again.
public final class FactorOut: Layer {
    /// Channels factored out (the leading ones).
    public let channels: Int

    public init(channels: Int) throws {
        guard channels >= 1 else { throw LayerError("factor_out needs at least 1 channel, got \(channels)") }
        self.channels = channels
    }

    public var kind: String { "factor_out" }
    public var details: String { "\(channels)" }

    public func outputShape(for input: [Int]) throws -> [Int] {
        guard let c = input.first, c > channels else {
            throw LayerError("factor_out(\(channels)) needs more than \(channels) channels, got \(input)")
        }
        return [c - channels] + input.dropFirst()
    }

    /// The factored-out part's shape for an input shape.
    public func factoredShape(for input: [Int]) -> [Int] { [channels] + input.dropFirst() }

    public func apply(_ x: Node, _ context: ApplyContext) -> Node {
        let parts = x.split(axis: 1, sizes: [channels, x.shape[1] - channels])
        context.addFactoredOut(parts[0].reshaped([x.shape[0], -1]))
        return parts[1]
    }
}
