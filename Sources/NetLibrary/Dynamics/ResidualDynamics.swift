import NetRuntime

/// The continuous dynamics of a ResNet (Fig. 4.1): every top-level layer f is interpolated
/// linearly in time, x + t·(f(x) − x) for t ∈ [0, 1] — for a residual block x + t·g(x),
/// the Euler step of Sec. 4.4 — so a batch of points traces one path each through the
/// whole network.
///
/// Two paths **meet** inside a layer when the distance of the two points, d(t) = d₀ + t·Δ
/// (d₀ the difference of the inputs, Δ of the g's), falls below `tolerance`·‖d₀‖ for some
/// t ∈ [0, 1]: the paths collapse onto each other or cross. The minimum is exact (d is
/// linear in t). For a block with Lip(g) ≤ L < 1, ‖d(t)‖ ≥ (1 − tL)‖d₀‖ ≥ (1 − L)‖d₀‖, so
/// an i-ResNet block with L < 1 − tolerance never has a meeting (Thm. 4.1's argument along
/// the path); a ResNet block may.
public struct ResidualDynamics {
    /// The points at every layer boundary: `states[k]` is the input of top-level layer k
    /// (k = 0 … layers), each [N][D] in Float64.
    public let states: [[[Double]]]
    /// The names of the top-level layers ("residual1").
    public let layers: [String]
    public let steps: Int

    public struct Meeting: Sendable, Equatable {
        /// The two points (indices into the batch), a < b.
        public var a: Int, b: Int
        /// The layer index and the time t ∈ [0, 1] inside it where they come closest.
        public var layer: Int
        public var t: Double
        /// min_t ‖d(t)‖ / ‖d₀‖.
        public var ratio: Double
        /// Where they come closest (the midpoint of the two points at t).
        public var position: [Double]
    }

    public init(states: [[[Double]]], layers: [String], steps: Int) {
        precondition(states.count == layers.count + 1 && steps >= 1)
        self.states = states; self.layers = layers; self.steps = steps
    }

    /// Runs `model` (every top-level layer must keep the shape) on `x` [N, D] in Float64.
    public static func trace(_ model: Model, x: Tensor<Double>, steps: Int, variables: VariableStore<Double>) throws -> ResidualDynamics {
        let root = model.root
        for (layer, input) in zip(root.layers, root.inputShapes) where (try? layer.outputShape(for: input)) != input {
            throw LayerError("the dynamics x + t·(f(x) − x) need layers that keep the shape; \(layer.kind) maps \(input) to another shape")
        }
        let graph = model.graph
        let context = ApplyContext(training: false)
        var nodes = [graph.constant(x)]
        for layer in root.layers { nodes.append(layer.apply(nodes.last!, context)) }
        let values = graph.evaluate(nodes, as: Double.self, variables: variables)
        let n = x.shape[0], d = x.count / max(n, 1)
        let states = values.map { v in (0..<n).map { i in Array(v.scalars[(i * d)..<((i + 1) * d)]) } }
        return ResidualDynamics(states: states, layers: root.paths, steps: steps)
    }

    /// Every point's path: layers × steps + 1 positions each.
    public var paths: [[[Double]]] {
        let n = states[0].count
        return (0..<n).map { i in
            var path = [states[0][i]]
            for k in layers.indices {
                let x = states[k][i], y = states[k + 1][i]
                for s in 1...steps {
                    let t = Double(s) / Double(steps)
                    path.append(zip(x, y).map { $0 + t * ($1 - $0) })
                }
            }
            return path
        }
    }

    /// The pairs of paths that meet in some layer (see the type's comment), at most one
    /// meeting per pair and layer, ordered by layer and then by ratio.
    public func meetings(tolerance: Double) -> [Meeting] {
        var found: [Meeting] = []
        let n = states[0].count
        for k in layers.indices {
            let x = states[k], y = states[k + 1]
            var inLayer: [Meeting] = []
            for a in 0..<n {
                for b in (a + 1)..<n {
                    var d0 = 0.0, dd = 0.0, cross = 0.0
                    for j in x[a].indices {
                        let p = x[a][j] - x[b][j]
                        let q = (y[a][j] - x[a][j]) - (y[b][j] - x[b][j])
                        d0 += p * p; dd += q * q; cross += p * q
                    }
                    guard d0 > 0 else { continue }      // the same starting point twice
                    let t = dd > 0 ? Swift.min(Swift.max(-cross / dd, 0), 1) : 0
                    let closest = Swift.max(d0 + 2 * t * cross + t * t * dd, 0).squareRoot()
                    let ratio = closest / d0.squareRoot()
                    guard ratio < tolerance else { continue }
                    let position = x[a].indices.map { j in
                        (x[a][j] + t * (y[a][j] - x[a][j]) + x[b][j] + t * (y[b][j] - x[b][j])) / 2
                    }
                    inLayer.append(Meeting(a: a, b: b, layer: k, t: t, ratio: ratio, position: position))
                }
            }
            found += inLayer.sorted { $0.ratio < $1.ratio }
        }
        return found
    }
}
