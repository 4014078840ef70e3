import NetRuntime

/// The preimage {x : ReLU(Ax + b) = y} of one output of a ReLU layer (Thm 3.3), classified
/// as a single point, a bounded polytope with more than one point, or an unbounded set.
///
/// Method. With the active rows (yᵢ > 0) and the inactive rows (yᵢ = 0), the preimage is
/// the mixed system (3.1)–(3.2): A₊x + b₊ = y₊, A₀x + b₀ ≤ 0. All its solutions are
/// x = p + Oᵀt, where p solves the equalities (the given input x₀, or the minimum-norm
/// solution p = A₊⁺(y₊ − b₊) ∈ N(A₊)⊥) and the rows of O are an orthonormal basis of
/// N(A₊), k = dim N(A₊) (SVD, `MatrixSubspaces`). The inequalities become Āt ≤ c with
/// Ā = A₀Oᵀ and c = −(A₀p + b₀) — the thesis's Ā and b̄. Then:
///
/// - k = 0: a singleton (Thm 3.3 i), provided p satisfies the inequalities;
/// - k > 0: for each basis direction j, GLPK maximises and minimises tⱼ over {Āt ≤ c}
///   (2k programs, rows of Ā scaled to unit length; solved as their duals, see below; when
///   only y was given, one more program first checks that {Āt ≤ c} is not empty). An
///   unbounded program means an
///   unbounded preimage; otherwise the preimage lies in a box and is bounded, and it is a
///   singleton when every extent max tⱼ − min tⱼ is at most `singletonTolerance`·max(1, ‖p‖).
///   This is exact: a polytope in p + N(A₊) is bounded iff all its coordinates are.
///
/// As a cross-check of Thm 3.3 iii, Ā is also tested for omnidirectionality (Stiemke); the
/// theorem says: bounded (k > 0) ⇔ Ā omnidirectional.
///
/// Never mislabelled: a point that is not in the image (negative yᵢ, inconsistent
/// equalities, infeasible inequalities) throws `notInImage`; a linear program that does
/// not end with a clear answer throws `undecided`.
public struct ReLUPreimage: Sendable {
    public enum Kind: String, Sendable { case singleton, bounded, unbounded }

    public enum Failure: Error, CustomStringConvertible, Sendable {
        case shape(String)
        case notInImage(String)
        case undecided(String)
        public var description: String {
            switch self {
            case let .shape(s): s
            case let .notInImage(s): "the point is not in the layer's image: " + s
            case let .undecided(s): "the preimage could not be classified: " + s
            }
        }
    }

    /// Extents below this (relative to max(1, ‖p‖)) count as a single point; GLPK's
    /// feasibility tolerance is 10⁻⁷.
    public static let singletonTolerance = 1e-6
    /// Relative residual accepted for the equalities A₊p + b₊ = y₊ when y is given.
    public static let equalityTolerance = 1e-9

    public let kind: Kind
    /// k = dim N(A₊).
    public let nullity: Int
    /// Number of active units (yᵢ > 0).
    public let active: Int
    /// A point of the affine hull p + N(A₊) (x₀ when the input was given).
    public let point: [Double]
    /// The orthonormal basis O of N(A₊), k rows.
    public let directions: [[Double]]
    /// Per direction, the range of tⱼ over the preimage (−∞ / +∞ where unbounded).
    public let extents: [(min: Double, max: Double)]
    /// Thm 3.3 iii's test of Ā (nil when k = 0).
    public let omnidirectionality: Omnidirectionality?
    /// Number of linear programs solved.
    public let linearPrograms: Int

    /// The preimage of y = ReLU(A·x₀ + b) (x₀ is in it by construction).
    public static func classify(weight a: Tensor<Double>, bias b: [Double], input x0: [Double]) throws -> ReLUPreimage {
        _ = try shapes(a, b)
        let scaled = scaledRows(a, with: [b])
        return try classifyScaled(weight: scaled.a, bias: scaled.vectors[0], input: x0)
    }

    /// The preimage of a given output y (throws `notInImage` when no x maps to it).
    public static func classify(weight a: Tensor<Double>, bias b: [Double], output y: [Double]) throws -> ReLUPreimage {
        _ = try shapes(a, b)
        guard y.count == a.shape[0] else { throw Failure.shape("the output has \(y.count) values; the layer has \(a.shape[0]) units") }
        let scaled = scaledRows(a, with: [b, y])
        return try classifyScaled(weight: scaled.a, bias: scaled.vectors[0], output: scaled.vectors[1])
    }

    // The classifications below see rows (aᵢ, bᵢ, yᵢ) scaled to unit size (`scaledRows`):
    // the preimage is the same, and a·1e160 no longer overflows into a false "not in the
    // image" nor a·1e-200 underflows into unbounded extents.

    private static func classifyScaled(weight a: Tensor<Double>, bias b: [Double], input x0: [Double]) throws -> ReLUPreimage {
        let (m, n) = try shapes(a, b)
        guard x0.count == n else { throw Failure.shape("the input has \(x0.count) values; the layer takes \(n)") }
        guard x0.allSatisfy(\.isFinite) else { throw Failure.shape("the input is not finite") }
        var z = b
        for i in 0..<m { for j in 0..<n { z[i] += a.scalars[i * n + j] * x0[j] } }
        let active = (0..<m).filter { z[$0] > 0 }
        return try classify(a, b, active: active, point: x0, pointIsInPreimage: true)
    }

    private static func classifyScaled(weight a: Tensor<Double>, bias b: [Double], output y: [Double]) throws -> ReLUPreimage {
        let (m, n) = try shapes(a, b)
        guard y.count == m else { throw Failure.shape("the output has \(y.count) values; the layer has \(m) units") }
        guard y.allSatisfy(\.isFinite) else { throw Failure.shape("the output is not finite") }
        if let i = y.firstIndex(where: { $0 < 0 }) { throw Failure.notInImage("unit \(i) is negative (\(y[i])); ReLU outputs are ≥ 0") }
        let active = (0..<m).filter { y[$0] > 0 }
        let aActive = rows(a, active, n)
        let rhs = active.map { y[$0] - b[$0] }
        let sub = try MatrixSubspaces(aActive)
        let (p, residual) = sub.minimumNormSolution(aActive, rhs)
        let scale = max(norm(rhs), (sub.singularValues.first ?? 0) * norm(p), Double.leastNormalMagnitude)
        guard residual <= equalityTolerance * scale else {
            throw Failure.notInImage("the equations of the \(active.count) active units have no solution (residual \(residual))")
        }
        return try classify(a, b, active: active, point: p, pointIsInPreimage: false, subspaces: sub)
    }

    private static func shapes(_ a: Tensor<Double>, _ b: [Double]) throws -> (Int, Int) {
        guard a.rank == 2, a.shape[0] > 0, a.shape[1] > 0 else { throw Failure.shape("the weight must be a non-empty matrix, got shape \(a.shape)") }
        guard b.count == a.shape[0] else { throw Failure.shape("the bias has \(b.count) values; the weight has \(a.shape[0]) rows") }
        guard a.scalars.allSatisfy(\.isFinite), b.allSatisfy(\.isFinite) else { throw Failure.shape("the weight or bias is not finite") }
        return (a.shape[0], a.shape[1])
    }

    private static func rows(_ a: Tensor<Double>, _ index: [Int], _ n: Int) -> Tensor<Double> {
        Tensor(shape: [index.count, n], scalars: index.flatMap { a.scalars[($0 * n)..<(($0 + 1) * n)] })
    }

    private static func classify(_ a: Tensor<Double>, _ b: [Double], active: [Int], point p: [Double],
                                 pointIsInPreimage: Bool, subspaces: MatrixSubspaces? = nil) throws -> ReLUPreimage {
        let m = a.shape[0], n = a.shape[1]
        let sub = try subspaces ?? MatrixSubspaces(rows(a, active, n))
        let o = sub.nullSpace, k = o.count
        let activeSet = Set(active)
        let inactive = (0..<m).filter { !activeSet.contains($0) }
        // Ā = A₀Oᵀ and c = −(A₀p + b₀), rows scaled by 1/‖āᵢ‖.
        var lpRows: [[Double]] = [], lpBounds: [LinearProgram.Bounds] = []
        var aBar: [[Double]] = []
        for i in inactive {
            let row = a.scalars[(i * n)..<((i + 1) * n)]
            var ai = 0.0
            for (j, v) in row.enumerated() { ai += v * p[j] }
            let c = -(ai + b[i])
            let barRow = o.map { dir in zip(dir, row).reduce(0) { $0 + $1.0 * $1.1 } }
            let rowNorm = norm(Array(row)), barNorm = norm(barRow)
            // Tolerance for "c ≥ 0" at a row that does not involve t: rounding in A₀p + b₀.
            let slack = 1e-9 * max(rowNorm * norm(p), abs(b[i]), Double.leastNormalMagnitude)
            if barNorm <= 1e-12 * rowNorm || k == 0 {
                guard c >= -slack else {
                    throw Failure.notInImage("unit \(i) is inactive but its pre-activation \(-c) is positive at every point of the solutions of the active units")
                }
                continue
            }
            aBar.append(barRow)
            lpRows.append(barRow.map { $0 / barNorm }); lpBounds.append(.atMost(c / barNorm))
        }
        guard k > 0 else {
            return ReLUPreimage(kind: .singleton, nullity: 0, active: active.count, point: p, directions: [], extents: [],
                                omnidirectionality: nil, linearPrograms: 0)
        }
        // In the y-given case p need not satisfy the inequalities: one primal feasibility program.
        if !pointIsInPreimage {
            let primal = try LinearProgram(variables: Array(repeating: .free, count: k), rows: lpRows, rowBounds: lpBounds)
            switch try primal.solve(objective: [Double](repeating: 0, count: k), maximize: true) {
            case .optimal: break
            case .infeasible, .unbounded:
                throw Failure.notInImage("the inequalities of the \(inactive.count) inactive units have no common solution with the active ones (GLPK: infeasible)")
            case let .failed(why): throw Failure.undecided(why)
            }
        }
        // The extents by duality: max s·tⱼ over {Āt ≤ c} equals min cᵀλ over {Āᵀλ = s·eⱼ, λ ≥ 0};
        // with a feasible primal, an infeasible dual means an unbounded primal. The dual has
        // k rows instead of one per inactive unit, so its simplex bases are small (a 64 → 256
        // layer: 2k programs in milliseconds instead of seconds).
        let rowCount = lpRows.count
        let transposed = (0..<k).map { j in lpRows.map { $0[j] } }
        // No inequality involves t: every direction is free (the dual has no variable).
        let dual = rowCount == 0 ? nil : try LinearProgram(variables: Array(repeating: .atLeast(0), count: rowCount), rows: transposed,
                                                           rowBounds: Array(repeating: .equal(0), count: k))
        let costs = lpBounds.map { $0.upper! }
        var extents: [(min: Double, max: Double)] = []
        var programs = pointIsInPreimage ? 0 : 1
        for j in 0..<k {
            var range: [Double] = []
            for sign in [-1.0, 1.0] {
                guard let dual else { range.append(sign * .infinity); continue }
                programs += 1
                for r in 0..<k { try dual.setRowBounds(r, .equal(r == j ? sign : 0)) }
                switch try dual.solve(objective: costs, maximize: false) {
                case let .optimal(value, _): range.append(sign * value)
                case .infeasible: range.append(sign * .infinity)
                case .unbounded:
                    throw Failure.notInImage("the inequalities of the \(inactive.count) inactive units have no common solution with the active ones (GLPK: dual unbounded)")
                case let .failed(why): throw Failure.undecided(why)
                }
            }
            extents.append((range[0], range[1]))
        }
        let omni = try Omnidirectionality.test(Tensor(shape: [aBar.count, k], scalars: aBar.flatMap { $0 }))
        let kind: Kind
        if extents.contains(where: { !$0.min.isFinite || !$0.max.isFinite }) {
            kind = .unbounded
        } else {
            let widest = extents.map { $0.max - $0.min }.max() ?? 0
            kind = widest <= singletonTolerance * max(1, norm(p)) ? .singleton : .bounded
        }
        return ReLUPreimage(kind: kind, nullity: k, active: active.count, point: p, directions: o, extents: extents,
                            omnidirectionality: omni, linearPrograms: programs + 1)
    }
}
