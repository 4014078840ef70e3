import Foundation
import NetRuntime

/// The 2-D toy densities of the i-ResNet / Residual Flows experiments, as seeded
/// generators: each returns points [n, 2] (roughly within [−4, 4]²) and, where the set has
/// natural classes, labels.
enum ToyDensities {
    nonisolated(unsafe) static let all: [String: DataGenerators.Generator] = [
        "checkerboard": checkerboard, "moons": moons, "rings": rings, "pinwheel": pinwheel,
        "2spirals": twoSpirals, "swissroll": swissRoll, "circles": circles,
    ]

    static func make(_ n: Int, _ body: (Int) -> (Double, Double, Double?)) -> (x: Tensor<Double>, y: Tensor<Double>?) {
        var xs: [Double] = [], ys: [Double] = []
        var labelled = true
        var made = 0
        for i in 0..<n {
            // Ctrl-C: stop early (the interpreter then reports the interruption).
            if i & 4095 == 0 && Interruption.isRequested { break }
            let (a, b, l) = body(i)
            xs += [a, b]
            if let l { ys.append(l) } else { labelled = false }
            made += 1
        }
        return (Tensor(shape: [made, 2], scalars: xs), labelled ? Tensor(shape: [made], scalars: ys) : nil)
    }

    /// Uniform on the black squares of a 4×4 checkerboard over [−4, 4]².
    static func checkerboard(_ n: Int, _ rng: inout RandomGenerator) -> (x: Tensor<Double>, y: Tensor<Double>?) {
        make(n) { _ in
            let x1 = rng.uniform() * 4 - 2
            let x2 = rng.uniform() - Double(rng.integer(below: 2)) * 2 + (Foundation.floor(x1).truncatingRemainder(dividingBy: 2) == 0 ? 0 : 1)
            return (2 * x1, 2 * x2, nil)
        }
    }

    /// Two interleaved half circles with Gaussian noise 0.1, scaled by 2.
    static func moons(_ n: Int, _ rng: inout RandomGenerator) -> (x: Tensor<Double>, y: Tensor<Double>?) {
        make(n) { _ in
            let k = rng.integer(below: 2), t = Double.pi * rng.uniform()
            let (a, b) = k == 0 ? (cos(t), sin(t)) : (1 - cos(t), 0.5 - sin(t))
            return (2 * (a + 0.1 * rng.normal()) - 1, 2 * (b + 0.1 * rng.normal()) - 0.2, Double(k))
        }
    }

    /// Four concentric rings of radii 0.9, 1.8, 2.7, 3.6 with noise 0.08.
    static func rings(_ n: Int, _ rng: inout RandomGenerator) -> (x: Tensor<Double>, y: Tensor<Double>?) {
        make(n) { _ in
            let k = rng.integer(below: 4), t = 2 * Double.pi * rng.uniform(), r = 0.9 * Double(k + 1)
            return (r * cos(t) + 0.08 * rng.normal(), r * sin(t) + 0.08 * rng.normal(), Double(k))
        }
    }

    /// Five curved arms: radial spread 0.3, tangential 0.1, rotation growing with radius.
    static func pinwheel(_ n: Int, _ rng: inout RandomGenerator) -> (x: Tensor<Double>, y: Tensor<Double>?) {
        make(n) { _ in
            let k = rng.integer(below: 5)
            let radial = 1 + 0.3 * rng.normal(), tangential = 0.1 * rng.normal()
            let angle = 2 * Double.pi * Double(k) / 5 + 0.25 * Foundation.exp(radial)
            let (c, s) = (cos(angle), sin(angle))
            return (2 * (c * radial - s * tangential), 2 * (s * radial + c * tangential), Double(k))
        }
    }

    /// Two intertwined spirals.
    static func twoSpirals(_ n: Int, _ rng: inout RandomGenerator) -> (x: Tensor<Double>, y: Tensor<Double>?) {
        make(n) { _ in
            let t = rng.uniform().squareRoot() * 540 * 2 * Double.pi / 360
            let k = rng.integer(below: 2), sign = k == 0 ? 1.0 : -1.0
            let a = -cos(t) * t + 0.5 * rng.uniform(), b = sin(t) * t + 0.5 * rng.uniform()
            return (sign * a / 3 + 0.1 * rng.normal(), sign * b / 3 + 0.1 * rng.normal(), Double(k))
        }
    }

    /// The swiss roll seen from above: t·(cos t, sin t)/5 with t ∈ 1.5π·[1, 3], noise 1/5.
    static func swissRoll(_ n: Int, _ rng: inout RandomGenerator) -> (x: Tensor<Double>, y: Tensor<Double>?) {
        make(n) { _ in
            let t = 1.5 * Double.pi * (1 + 2 * rng.uniform())
            return ((t * cos(t) + rng.normal()) / 5, (t * sin(t) + rng.normal()) / 5, nil)
        }
    }

    /// Two concentric circles (radii 3 and 1.5) with noise 0.08·3.
    static func circles(_ n: Int, _ rng: inout RandomGenerator) -> (x: Tensor<Double>, y: Tensor<Double>?) {
        make(n) { _ in
            let k = rng.integer(below: 2), t = 2 * Double.pi * rng.uniform(), r = k == 0 ? 1.0 : 0.5
            return (3 * (r * cos(t) + 0.08 * rng.normal()), 3 * (r * sin(t) + 0.08 * rng.normal()), Double(k))
        }
    }
}
