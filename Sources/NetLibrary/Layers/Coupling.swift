import NetRuntime

/// A coupling layer (NICE, Real-NVP): the input is split by a mask into a conditioning
/// part x_a, passed through unchanged, and a transformed part x_b, and an arbitrary
/// network h = body(x_a) moves (and, for `affine`, scales) x_b:
///
/// - additive (NICE, Dinh et al. 2015): y_b = x_b + t,  log|det J| = 0;
/// - affine (Real-NVP, Dinh et al. 2017): y_b = x_b ⊙ s + t with the bounded scale
///   s = sigmoid(h_s + 2) ∈ (0, 1) (as Glow), log|det J| = Σ log s.
///
/// The body's output for the affine coupling is [h_s; t] along axis 0 (2·C_b channels:
/// the scale's pre-activation first, then the shift); for the additive one it is t (C_b
/// channels). The Jacobian is triangular whatever the body is, so the log-det is exact and
/// the inverse x_b = (y_b − t)/s is in closed form (x_a = y_a gives the same h).
public final class Coupling: Layer {
    public enum Transform: String, Sendable {
        case additive
        case affine
    }

    public let transform: Transform
    public let mask: CouplingMask
    public let flip: Bool
    public let body: Sequential
    private(set) var partition: CouplingPartition?
    /// The checkerboard's transform mask as a graph constant (nil for the channel mask).
    private var transformMaskNode: Node?

    public init(_ transform: Transform, mask: CouplingMask, flip: Bool = false, body: [Layer]) {
        self.transform = transform; self.mask = mask; self.flip = flip
        self.body = Sequential(body)
    }

    public var kind: String { "\(transform.rawValue)_coupling" }
    public var details: String { mask.rawValue + (flip ? ", flip" : "") }
    public var children: [Layer] { [body] }

    /// The same shape, once the body maps the conditioning part onto what the coupling needs.
    public func outputShape(for input: [Int]) throws -> [Int] {
        let p = try CouplingPartition(mask: mask, flip: flip, inputShape: input)
        let expected = expectedBodyOutput(p)
        let produced: [Int]
        do { produced = try body.outputShape(for: p.conditioningShape) } catch let e as LayerError {
            throw LayerError("in the body of \(kind) (which sees \(p.conditioningShape)): \(e.message)")
        }
        guard produced == expected else {
            let what = transform == .affine
                ? "scale and shift for the \(p.transformedShape[0]) transformed \(input.count == 1 ? "features" : "channels"): 2 × \(p.transformedShape[0]) along axis 0"
                : "a shift for the transformed part"
            throw LayerError("the body of \(kind)(mask: \"\(mask.rawValue)\") on \(input) must map \(p.conditioningShape) to \(expected) (\(what)); it maps it to \(produced)")
        }
        return input
    }

    private func expectedBodyOutput(_ p: CouplingPartition) -> [Int] {
        var shape = p.transformedShape
        if transform == .affine { shape[0] *= 2 }
        return shape
    }

    public func build(_ builder: ModelBuilder, input: [Int]) throws {
        let p = try CouplingPartition(mask: mask, flip: flip, inputShape: input)
        partition = p
        transformMaskNode = p.transformMask.map { builder.graph.constant($0) }
        try body.build(builder, input: p.conditioningShape)
    }

    public func apply(_ x: Node, _ context: ApplyContext) -> Node {
        let (y, logDet) = forward(x, context)
        if context.logDet != nil, let logDet { context.addLogDet(logDet) }
        return y
    }

    /// The body's shift t and, for the affine coupling, log s, at the transformed values
    /// (masked for the checkerboard: t = 0 and log s = 0 where the value conditions).
    private func shiftAndLogScale(_ u: Node, _ context: ApplyContext) -> (shift: Node, logScale: Node?) {
        let p = partition!
        let h = body.apply(p.conditioning(u, transformMask: transformMaskNode), context)
        var shift = h, logScale: Node? = nil
        if transform == .affine {
            let c = h.shape[1] / 2
            // log sigmoid(a) = −softplus(−a), stable for any a.
            logScale = -(-(h.slice(axis: 1, start: 0, length: c) + 2)).softplus()
            shift = h.slice(axis: 1, start: c, length: c)
        }
        if let m = transformMaskNode {
            shift = shift * m
            logScale = logScale.map { $0 * m }
        }
        return (shift, logScale)
    }

    /// y and the per-example log|det J| (nil for the additive coupling, which keeps volume).
    func forward(_ x: Node, _ context: ApplyContext) -> (output: Node, logDet: Node?) {
        let p = partition!
        let (t, logS) = shiftAndLogScale(x, context)
        let xb = p.transformed(x)
        guard let logS else { return (p.join(x, transformed: xb + t), nil) }
        let y = p.join(x, transformed: xb * logS.exp() + t)
        return (y, logS.sum(axes: Array(1..<logS.rank)))
    }

    /// x with forward(x) = y: the conditioning part is y's, so the body gives the same t, s.
    public func inverse(_ y: Node) -> Node {
        let p = partition!
        let (t, logS) = shiftAndLogScale(y, ApplyContext(training: false))
        let yb = p.transformed(y)
        guard let logS else { return p.join(y, transformed: yb - t) }
        return p.join(y, transformed: (yb - t) * (-logS).exp())
    }
}
