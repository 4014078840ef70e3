import Foundation
import NetRuntime

/// Linear discriminant analysis (Hastie et al. 2001, Sec. 4.3), the classifier of the
/// ROC/LDA baseline of thesis Sec. 7.4.1.
///
/// Every class c gets a mean μ_c and prior π_c (its frequency); the classes share the
/// pooled within-class covariance Σ. The discriminant is
/// δ_c(x) = xᵀΣ⁻¹μ_c − ½ μ_cᵀΣ⁻¹μ_c + log π_c, and the prediction its arg-max.
/// Σ is shrunk towards a multiple of the identity, Σ_λ = (1 − λ)Σ + λ·(tr Σ/d)·I, so it
/// stays invertible when features are collinear or outnumber the samples (λ = 0: plain
/// LDA, which fails on a singular Σ). The linear system is solved by LAPACK (LU).
public struct LinearDiscriminant: Sendable {
    /// Weights [C, d] (row c is Σ⁻¹μ_c) and biases [C].
    public var weights: [[Double]]
    public var biases: [Double]
    public var means: [[Double]]
    public var classes: Int

    /// Fits on x [n, d] row-major with labels 0…C−1. Throws when a class has no example,
    /// or the (shrunk) covariance is singular.
    public init(x: [Double], rows n: Int, columns d: Int, labels: [Int], shrinkage: Double) throws {
        let classes = (labels.max() ?? -1) + 1
        guard classes >= 2 else { throw LinearDiscriminantError("LDA needs at least two classes") }
        var counts = [Int](repeating: 0, count: classes)
        var means = [[Double]](repeating: [Double](repeating: 0, count: d), count: classes)
        for i in 0..<n {
            let c = labels[i]
            guard c >= 0 else { throw LinearDiscriminantError("LDA labels must be 0, 1, …; got \(c)") }
            counts[c] += 1
            for j in 0..<d { means[c][j] += x[i * d + j] }
        }
        for c in 0..<classes {
            guard counts[c] > 0 else { throw LinearDiscriminantError("LDA: class \(c) has no example") }
            for j in 0..<d { means[c][j] /= Double(counts[c]) }
        }
        // Pooled within-class covariance (divided by n − C, at least 1).
        var cov = [Double](repeating: 0, count: d * d)
        var centred = [Double](repeating: 0, count: d)
        for i in 0..<n {
            for j in 0..<d { centred[j] = x[i * d + j] - means[labels[i]][j] }
            for a in 0..<d where centred[a] != 0 {
                for b in 0..<d { cov[a * d + b] += centred[a] * centred[b] }
            }
        }
        let dof = Double(max(n - classes, 1))
        var trace = 0.0
        for k in 0..<(d * d) { cov[k] /= dof }
        for a in 0..<d { trace += cov[a * d + a] }
        let ridge = shrinkage * (trace > 0 ? trace / Double(d) : 1)
        for k in 0..<(d * d) { cov[k] *= (1 - shrinkage) }
        for a in 0..<d { cov[a * d + a] += ridge }
        // Σ⁻¹ [μ_0 … μ_{C−1}] in one solve.
        var rhs = [Double](repeating: 0, count: d * classes)
        for c in 0..<classes { for j in 0..<d { rhs[j * classes + c] = means[c][j] } }
        let solved: Tensor<Double>
        do {
            solved = try solve(Tensor(shape: [d, d], scalars: cov), Tensor(shape: [d, classes], scalars: rhs))
        } catch {
            throw LinearDiscriminantError("LDA: the covariance is singular (\(error)); use a shrinkage above 0")
        }
        let w = (0..<classes).map { c in (0..<d).map { solved.scalars[$0 * classes + c] } }
        biases = (0..<classes).map { c in
            var q = 0.0
            for j in 0..<d { q += w[c][j] * means[c][j] }
            return -0.5 * q + log(Double(counts[c]) / Double(n))
        }
        weights = w
        self.means = means
        self.classes = classes
    }

    /// The discriminants δ_c(x) for every row of x [n, d]: [n, C] row-major.
    public func scores(x: [Double], rows n: Int) -> [Double] {
        let d = weights.first?.count ?? 0
        var out = [Double](repeating: 0, count: n * classes)
        for i in 0..<n {
            for c in 0..<classes {
                var s = biases[c]
                for j in 0..<d { s += weights[c][j] * x[i * d + j] }
                out[i * classes + c] = s
            }
        }
        return out
    }

    /// The predicted class of every row.
    public func predict(x: [Double], rows n: Int) -> [Int] {
        Metrics.predictedClasses(Tensor(shape: [n, classes], scalars: scores(x: x, rows: n)))
    }
}

public struct LinearDiscriminantError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
