import Foundation
@testable import NetRuntime

/// Small dense helpers for the linear-algebra tests, written naively on purpose so they
/// do not share code (or bugs) with the LAPACK wrappers under test.
enum LA {
    static func matmul(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Tensor<Double> {
        let (m, k, n) = (a.shape[0], a.shape[1], b.shape[1])
        precondition(b.shape[0] == k)
        var c = Tensor<Double>.zeros([m, n])
        for i in 0..<m { for j in 0..<n {
            var s = 0.0
            for p in 0..<k { s += a.scalars[i * k + p] * b.scalars[p * n + j] }
            c.scalars[i * n + j] = s
        } }
        return c
    }

    static func transpose(_ a: Tensor<Double>) -> Tensor<Double> {
        let (m, n) = (a.shape[0], a.shape[1])
        var t = Tensor<Double>.zeros([n, m])
        for i in 0..<m { for j in 0..<n { t.scalars[j * m + i] = a.scalars[i * n + j] } }
        return t
    }

    static func identity(_ n: Int) -> Tensor<Double> {
        var t = Tensor<Double>.zeros([n, n])
        for i in 0..<n { t.scalars[i * n + i] = 1 }
        return t
    }

    /// m×n matrix with `d` on the diagonal.
    static func diag(_ d: [Double], _ m: Int, _ n: Int) -> Tensor<Double> {
        var t = Tensor<Double>.zeros([m, n])
        for (i, x) in d.enumerated() { t.scalars[i * n + i] = x }
        return t
    }

    /// A random orthogonal n×n matrix: a product of n Householder reflections.
    static func orthogonal(_ n: Int, rng: inout RandomGenerator) -> Tensor<Double> {
        var q = identity(n)
        for _ in 0..<n {
            let v = (0..<n).map { _ in rng.normal() }
            let vv = v.reduce(0) { $0 + $1 * $1 }
            var h = identity(n)
            for i in 0..<n { for j in 0..<n { h.scalars[i * n + j] -= 2 * v[i] * v[j] / vv } }
            q = matmul(q, h)
        }
        return q
    }

    static func maxAbsDiff(_ a: Tensor<Double>, _ b: Tensor<Double>) -> Double {
        precondition(a.shape == b.shape, "\(a.shape) vs \(b.shape)")
        return zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
    }

    /// Determinant by Gaussian elimination with partial pivoting, as a product of pivots.
    static func naiveDeterminant(_ a: Tensor<Double>) -> Double {
        let n = a.shape[0]
        var m = (0..<n).map { i in (0..<n).map { j in a.scalars[i * n + j] } }
        var det = 1.0
        for col in 0..<n {
            let p = (col..<n).max { Swift.abs(m[$0][col]) < Swift.abs(m[$1][col]) }!
            if m[p][col] == 0 { return 0 }
            if p != col { m.swapAt(p, col); det = -det }
            det *= m[col][col]
            for r in (col + 1)..<n {
                let f = m[r][col] / m[col][col]
                for c in col..<n { m[r][c] -= f * m[col][c] }
            }
        }
        return det
    }
}
