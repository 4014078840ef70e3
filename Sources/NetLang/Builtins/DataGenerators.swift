import Foundation
import NetRuntime

/// The registry of seeded synthetic data generators (`generate("name", n: 1000, seed: 0)`).
/// Later chapters add theirs (2-D toy densities, mass spectra).
public enum DataGenerators {
    public typealias Generator = (_ n: Int, _ rng: inout RandomGenerator) -> (x: Tensor<Double>, y: Tensor<Double>?)

    nonisolated(unsafe) public static var registry: [String: Generator] = ToyDensities.all.merging([
        "8gaussians": eightGaussians,
        "blobs": blobs,
    ]) { a, _ in a }

    /// "8 Gaussians": centre 2√2·(cos 2πk/8, sin 2πk/8), k ~ U{0..7}, plus (0.5/√2)·N(0, I₂);
    /// the label is k.
    public static func eightGaussians(_ n: Int, _ rng: inout RandomGenerator) -> (x: Tensor<Double>, y: Tensor<Double>?) {
        var xs: [Double] = [], ys: [Double] = []
        for i in 0..<n {
            if i & 4095 == 0 && Interruption.isRequested { break }   // Ctrl-C: the caller reports it
            let k = rng.integer(below: 8)
            let angle = 2 * Double.pi * Double(k) / 8
            xs.append(2 * 2.0.squareRoot() * cos(angle) + 0.5 / 2.0.squareRoot() * rng.normal())
            xs.append(2 * 2.0.squareRoot() * sin(angle) + 0.5 / 2.0.squareRoot() * rng.normal())
            ys.append(Double(k))
        }
        return (Tensor(shape: [ys.count, 2], scalars: xs), Tensor(shape: [ys.count], scalars: ys))
    }

    /// Three Gaussian blobs in 2-D with unit variance around (−3, 0), (3, 0), (0, 4); labelled.
    public static func blobs(_ n: Int, _ rng: inout RandomGenerator) -> (x: Tensor<Double>, y: Tensor<Double>?) {
        let centres = [(-3.0, 0.0), (3.0, 0.0), (0.0, 4.0)]
        var xs: [Double] = [], ys: [Double] = []
        for i in 0..<n {
            if i & 4095 == 0 && Interruption.isRequested { break }   // Ctrl-C: the caller reports it
            let k = rng.integer(below: 3)
            xs += [centres[k].0 + rng.normal(), centres[k].1 + rng.normal()]
            ys.append(Double(k))
        }
        return (Tensor(shape: [ys.count, 2], scalars: xs), Tensor(shape: [ys.count], scalars: ys))
    }
}
