import Foundation
import NetRuntime

/// The adversarial-spheres task of Gilmer et al. (thesis Ex. 6.5): points drawn uniformly
/// from two concentric spheres in R^d, label 0 for the inner sphere (radius R1) and 1 for
/// the outer one (radius R2 > R1). Uniform on a sphere = a standard normal vector scaled
/// to the radius (the normal distribution is rotation invariant).
public enum AdversarialSpheres {
    /// `perSphere` points on each sphere: the inner points first, then the outer ones.
    /// Returns x [2·perSphere, d] and labels [2·perSphere].
    public static func generate(perSphere: Int, dimension d: Int, inner r1: Double, outer r2: Double,
                                seed: UInt64) -> (x: Tensor<Double>, y: Tensor<Double>) {
        precondition(perSphere >= 1 && d >= 2 && r1 > 0 && r2 > r1)
        var rng = RandomGenerator(seed: seed)
        var xs = [Double](repeating: 0, count: 2 * perSphere * d)
        var ys = [Double](repeating: 0, count: 2 * perSphere)
        for i in 0..<(2 * perSphere) {
            let radius = i < perSphere ? r1 : r2
            ys[i] = i < perSphere ? 0 : 1
            var squared = 0.0
            for j in 0..<d {
                let v = rng.normal()
                xs[i * d + j] = v
                squared += v * v
            }
            // A normal vector of norm 0 has probability zero; guard anyway.
            let scale = radius / Swift.max(squared.squareRoot(), .leastNormalMagnitude)
            for j in 0..<d { xs[i * d + j] *= scale }
        }
        return (Tensor(shape: [2 * perSphere, d], scalars: xs), Tensor(shape: [2 * perSphere], scalars: ys))
    }

    /// Ex. 6.6: the max-margin threshold of the mis-aligned classifier sign(‖x_{1..d−n}‖ − b)
    /// on a training set: l = the largest used-coordinate norm on the inner sphere, u = the
    /// smallest on the outer one, b = l + (u − l)/2. Nil when the set is not separable (l > u)
    /// or a sphere has no points. Used by the tests to check the script's own computation.
    public static func maxMarginThreshold(x: Tensor<Double>, labels: Tensor<Double>, used: Int) -> (l: Double, u: Double, b: Double)? {
        precondition(x.rank == 2 && used >= 1 && used <= x.shape[1])
        let d = x.shape[1]
        var l = -Double.infinity, u = Double.infinity
        for i in 0..<x.shape[0] {
            var s = 0.0
            for j in 0..<used { s += x.scalars[i * d + j] * x.scalars[i * d + j] }
            let norm = s.squareRoot()
            if labels.scalars[i] == 0 { l = Swift.max(l, norm) } else { u = Swift.min(u, norm) }
        }
        guard l.isFinite, u.isFinite, l <= u else { return nil }
        return (l, u, l + (u - l) / 2)
    }
}
