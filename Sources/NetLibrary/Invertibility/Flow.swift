import NetRuntime

/// A model checked to be an invertible network (`.invertible`) or a flow with a density
/// (`.density`): every top-level layer is an `InvertibleLayer` that raises no objection
/// (residual blocks contractive by construction, Thm. 4.1; log-determinants everywhere
/// for a density). Building one is the check; the built-ins that need a flow build one
/// first and report the `FlowViolation` at the offending layer.
public struct Flow {
    public struct Entry {
        /// Position in the chain, from 1 (composed models opened: `Sequential.openedLayers`).
        public var index: Int
        public var path: String
        public var layer: InvertibleLayer
        public var inputShape: [Int]
    }

    public let model: Model
    public let requirement: FlowRequirement
    /// The top-level layers in order.
    public let entries: [Entry]

    /// Throws the `FlowViolation` of the first layer that breaks the requirement.
    public init(_ model: Model, requirement: FlowRequirement) throws {
        self.model = model
        self.requirement = requirement
        var entries: [Entry] = []
        // Composed models are opened: their layers stand in the chain in their place.
        for (index, opened) in model.root.openedLayers.enumerated() {
            let layer = opened.layer
            guard let invertible = layer as? InvertibleLayer else {
                throw FlowViolation(model: model.name, index: index + 1, layer: layer, reason: .notInvertible,
                                    detail: Self.whyNotInvertible(layer))
            }
            if let (culprit, reason, detail) = invertible.flowViolation(for: requirement) {
                throw FlowViolation(model: model.name, index: index + 1, layer: culprit, reason: reason, detail: detail)
            }
            entries.append(Entry(index: index + 1, path: opened.path, layer: invertible, inputShape: opened.inputShape))
        }
        self.entries = entries
    }

    /// Why a top-level layer has no inverse.
    static func whyNotInvertible(_ layer: Layer) -> String {
        switch layer {
        case is Dense, is Convolution, is LocallyConnected:
            return "a top-level \(layer.kind) has no inverse in NetLang (and no log-determinant); put it inside a residual block with a lipschitz constraint, or in the body of a coupling layer"
        case is Activation, is LipSwish:
            return "a top-level \(layer.kind) has no inverse or log-determinant in NetLang; activations belong inside residual blocks"
        case is BatchNorm:
            return "batchnorm normalises with batch statistics while training and has no log-determinant in NetLang; use actnorm"
        default:
            return "\(layer.kind) is not an invertible layer (invertible networks use residual blocks with Lipschitz constraints, additive_coupling, affine_coupling, invertible_conv1x1, actnorm, squeeze, unsqueeze, factor_out and pad_channels)"
        }
    }

    /// The residual blocks with their measured Lipschitz constants (Float64).
    public func lipschitzReports(_ variables: VariableStore<Double>) -> [(entry: Entry, report: LipschitzReport)] {
        entries.compactMap { e in e.layer.lipschitzReport(name: e.path, variables: variables).map { (e, $0) } }
    }

    /// Lemma 5.5 for the whole flow with the measured Lip(g) of each residual block:
    /// Σ_t d_t·log(1 − L_t) ≤ log|det J_F(x)| ≤ Σ_t d_t·log(1 + L_t), plus the exact
    /// log-determinants of the layers with constant Jacobians (actnorm).
    public func logDetBounds(_ variables: VariableStore<Double>) -> (lower: Double, upper: Double) {
        var lower = 0.0, upper = 0.0
        for e in entries {
            let report = e.layer.lipschitzReport(name: e.path, variables: variables)
            let range = e.layer.logDetRange(inputShape: e.inputShape, lipschitz: report, variables: variables)
            lower += range.lower; upper += range.upper
        }
        return (lower, upper)
    }

    /// The first residual block whose input has another number of values than the flow's
    /// input (given probe vectors have the input's size), if any.
    public func blockWithOtherInputSize() -> Entry? {
        let size = model.inputShape.reduce(1, *)
        return entries.first { $0.layer.capabilities.logDet == .estimated && $0.inputShape.reduce(1, *) != size }
    }

    /// Every layer's log-det is exact (or zero): log p(x) needs no series and no probes.
    public var hasExactLogDet: Bool { entries.allSatisfy { $0.layer.capabilities.logDet != .estimated } }
    /// Every layer inverts in closed form: no fixed-point iteration.
    public var hasAnalyticInverse: Bool { entries.allSatisfy { $0.layer.capabilities.inverse == .analytic } }
    /// Every layer keeps volume: log|det J| = 0 (NICE without its final scaling).
    public var isVolumePreserving: Bool { entries.allSatisfy { $0.layer.capabilities.volumePreserving } }
    /// The layers whose log-det a series estimates (residual blocks).
    public var estimatedLogDetEntries: [Entry] { entries.filter { $0.layer.capabilities.logDet == .estimated } }
}
