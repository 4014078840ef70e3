import Foundation
import NetRuntime

/// A named scheme for the initial weights and biases of dense, convolution and
/// locally-connected layers, matching the common frameworks.
///
/// fan_in and fan_out are PyTorch's (`_calculate_fan_in_and_fan_out`): for a weight
/// [out, in, k…], fan_in = in·∏k and fan_out = out·∏k. For a locally-connected weight
/// [L', C', C·k] they are C·k and C' (one output position's map).
///
/// - `torch`: PyTorch's `nn.Linear` / `nn.Conv*d` defaults: `kaiming_uniform_(a: √5)`,
///   i.e. U(±gain·√(3/fan_in)) with gain = √(2/(1 + a²)) = √(1/3), which is U(±1/√fan_in);
///   bias U(±1/√fan_in). NetLang's default.
/// - `xavierUniform` / `xavierNormal` (Glorot & Bengio 2010): U(±√(6/(fan_in + fan_out)))
///   and N(0, 2/(fan_in + fan_out)); bias 0.
/// - `heUniform` / `heNormal` (He et al. 2015, ReLU gain √2, mode fan_in): U(±√(6/fan_in))
///   and N(0, 2/fan_in); bias 0.
public enum WeightInitialization: String, CaseIterable, Sendable, CustomStringConvertible {
    case torch
    case xavierUniform = "xavier_uniform"
    case xavierNormal = "xavier_normal"
    case heUniform = "he_uniform"
    case heNormal = "he_normal"

    /// Other spellings of the same schemes, as the frameworks name them.
    public static let aliases: [String: WeightInitialization] = [
        "glorot_uniform": .xavierUniform, "glorot_normal": .xavierNormal,
        "kaiming_uniform": .heUniform, "kaiming_normal": .heNormal,
    ]

    /// The scheme called `name` (its own name or an alias), nil when unknown.
    public init?(named name: String) {
        if let s = WeightInitialization(rawValue: name) { self = s } else if let s = Self.aliases[name] { self = s } else { return nil }
    }

    /// Every accepted name, the schemes' own first.
    public static var allNames: [String] { allCases.map(\.rawValue) + aliases.keys.sorted() }

    public var description: String { rawValue }

    /// Initial weights of `shape`. The torch scheme draws exactly as NetLang always has
    /// (one uniform per element in order), so models built without `init:` are unchanged.
    public func weight(shape: [Int], fanIn: Int, fanOut: Int, rng: inout RandomGenerator) -> Tensor<Double> {
        let fi = Double(Swift.max(fanIn, 1)), fo = Double(Swift.max(fanOut, 1))
        switch self {
        case .torch:
            let bound = 1 / fi.squareRoot()
            return .randomUniform(shape, low: -bound, high: bound, rng: &rng)
        case .xavierUniform:
            let bound = (6 / (fi + fo)).squareRoot()
            return .randomUniform(shape, low: -bound, high: bound, rng: &rng)
        case .xavierNormal:
            return .randomNormal(shape, std: (2 / (fi + fo)).squareRoot(), rng: &rng)
        case .heUniform:
            let bound = (6 / fi).squareRoot()
            return .randomUniform(shape, low: -bound, high: bound, rng: &rng)
        case .heNormal:
            return .randomNormal(shape, std: (2 / fi).squareRoot(), rng: &rng)
        }
    }

    /// Initial biases: U(±1/√fan_in) for torch, zeros otherwise.
    public func bias(shape: [Int], fanIn: Int, rng: inout RandomGenerator) -> Tensor<Double> {
        switch self {
        case .torch:
            let bound = 1 / Double(Swift.max(fanIn, 1)).squareRoot()
            return .randomUniform(shape, low: -bound, high: bound, rng: &rng)
        case .xavierUniform, .xavierNormal, .heUniform, .heNormal:
            return .zeros(shape)
        }
    }
}

/// How the vector u of a spectral normalisation's power iteration starts (eq. 4.9).
public enum PowerIterationStart: String, CaseIterable, Sendable {
    /// The top left singular vector of the initial weight (or operator): σ̂ is exact from
    /// the first step, so the constraint holds from step 1.
    case exact
    /// A random unit vector (normal entries, normalised), as PyTorch's `spectral_norm` and
    /// the i-ResNet / Residual Flows code start: σ̂ under-estimates ‖W‖₂ for the first
    /// steps until the iteration (one round per step) has caught up.
    case random
}
