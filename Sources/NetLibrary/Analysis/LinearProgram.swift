import CGLPK
import NetRuntime

/// A linear program solved by GLPK's simplex method (thesis ch. 3: preimage extents,
/// Stiemke's alternative for omnidirectionality, admissible index sets).
///
///     optimise  cᵀx   subject to  lowerᵢ ≤ (Gx)ᵢ ≤ upperᵢ,  lowerⱼ ≤ xⱼ ≤ upperⱼ
///
/// The constraints are loaded once; `solve` may then be called for several objectives
/// over the same feasible set (GLPK warm-starts from the previous basis), which is how the
/// 2k extent programs of one preimage are run.
///
/// GLPK stops the whole process on invalid input, so every entry is checked first (finite
/// coefficients, consistent sizes, lower ≤ upper); a bad program is a `LinearProgram.Error`.
public final class LinearProgram {
    /// Bounds of a row or a variable; `nil` means no bound on that side.
    public struct Bounds: Sendable, Equatable {
        public var lower: Double?
        public var upper: Double?
        public init(lower: Double? = nil, upper: Double? = nil) { self.lower = lower; self.upper = upper }
        public static let free = Bounds()
        public static func equal(_ v: Double) -> Bounds { Bounds(lower: v, upper: v) }
        public static func atMost(_ v: Double) -> Bounds { Bounds(upper: v) }
        public static func atLeast(_ v: Double) -> Bounds { Bounds(lower: v) }
    }

    /// What the simplex method found. `failed` covers everything that is not a clear answer
    /// (iteration limit, a singular or ill-conditioned basis): callers must report it, never
    /// read it as bounded or unbounded.
    public enum Outcome: Sendable, Equatable {
        case optimal(value: Double, x: [Double])
        case unbounded
        case infeasible
        case failed(String)
    }

    public struct Error: Swift.Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public let variableCount: Int
    public let rowCount: Int
    private let problem: OpaquePointer

    /// `rows` is the row-major constraint matrix G [rowCount, variableCount].
    public convenience init(variables: [Bounds], rows: [[Double]], rowBounds: [Bounds]) throws {
        for (i, r) in rows.enumerated() where r.count != variables.count {
            throw Error(description: "row \(i) has \(r.count) coefficients, expected \(variables.count)")
        }
        try self.init(variables: variables, sparseRows: rows.map { r in r.indices.compactMap { r[$0] == 0 ? nil : ($0, r[$0]) } },
                      rowBounds: rowBounds)
    }

    /// `sparseRows[i]` lists the non-zero (column, coefficient) pairs of row i of G: GLPK
    /// stores the matrix sparsely, so memory is linear in the non-zeros (the Stiemke
    /// program of a 40000×6 matrix took 12.6 GB as dense rows).
    public init(variables: [Bounds], sparseRows rows: [[(column: Int, value: Double)]], rowBounds: [Bounds]) throws {
        guard !variables.isEmpty else { throw Error(description: "a linear program needs at least one variable") }
        guard rows.count == rowBounds.count else { throw Error(description: "\(rows.count) rows but \(rowBounds.count) row bounds") }
        for (i, r) in rows.enumerated() {
            guard r.allSatisfy({ $0.column >= 0 && $0.column < variables.count }) else { throw Error(description: "row \(i) names a column outside 0..<\(variables.count)") }
            guard r.allSatisfy({ $0.value.isFinite }) else { throw Error(description: "row \(i) has a non-finite coefficient") }
        }
        for b in variables + rowBounds {
            guard b.lower.map(\.isFinite) ?? true, b.upper.map(\.isFinite) ?? true else { throw Error(description: "a bound is not finite") }
            if let l = b.lower, let u = b.upper, l > u { throw Error(description: "a lower bound \(l) exceeds its upper bound \(u)") }
        }
        variableCount = variables.count
        rowCount = rows.count
        guard let p = glp_create_prob() else { throw Error(description: "GLPK could not create a problem") }
        problem = p
        glp_term_out(GLP_OFF)
        if rowCount > 0 { glp_add_rows(p, Int32(rowCount)) }
        glp_add_cols(p, Int32(variableCount))
        for (i, b) in rowBounds.enumerated() { Self.setBounds(b) { glp_set_row_bnds(p, Int32(i + 1), $0, $1, $2) } }
        for (j, b) in variables.enumerated() { Self.setBounds(b) { glp_set_col_bnds(p, Int32(j + 1), $0, $1, $2) } }
        // GLPK's sparse triplets are 1-based with an unused element 0.
        var ia: [Int32] = [0], ja: [Int32] = [0], ar: [Double] = [0]
        for (i, r) in rows.enumerated() {
            for (j, v) in r where v != 0 { ia.append(Int32(i + 1)); ja.append(Int32(j + 1)); ar.append(v) }
        }
        if ia.count > 1 { glp_load_matrix(p, Int32(ia.count - 1), ia, ja, ar) }
    }

    deinit { glp_delete_prob(problem) }

    private static func setBounds(_ b: Bounds, _ set: (Int32, Double, Double) -> Void) {
        switch (b.lower, b.upper) {
        case (nil, nil): set(Int32(GLP_FR), 0, 0)
        case let (l?, nil): set(Int32(GLP_LO), l, 0)
        case let (nil, u?): set(Int32(GLP_UP), 0, u)
        case let (l?, u?): set(l == u ? Int32(GLP_FX) : Int32(GLP_DB), l, u)
        }
    }

    /// Changes the bounds of row i (0-based); the next `solve` warm-starts from the last
    /// basis (with the dual simplex, a change of right-hand side keeps it dual feasible).
    public func setRowBounds(_ i: Int, _ b: LinearProgram.Bounds) throws {
        guard i >= 0, i < rowCount else { throw Error(description: "row \(i) is outside 0..<\(rowCount)") }
        guard b.lower.map(\.isFinite) ?? true, b.upper.map(\.isFinite) ?? true else { throw Error(description: "a bound is not finite") }
        if let l = b.lower, let u = b.upper, l > u { throw Error(description: "a lower bound \(l) exceeds its upper bound \(u)") }
        Self.setBounds(b) { glp_set_row_bnds(problem, Int32(i + 1), $0, $1, $2) }
    }

    /// Maximises (or minimises) cᵀx over the feasible set.
    public func solve(objective c: [Double], maximize: Bool) throws -> Outcome {
        guard c.count == variableCount, c.allSatisfy(\.isFinite) else {
            throw Error(description: "the objective needs \(variableCount) finite coefficients")
        }
        glp_set_obj_dir(problem, maximize ? Int32(GLP_MAX) : Int32(GLP_MIN))
        for (j, v) in c.enumerated() { glp_set_obj_coef(problem, Int32(j + 1), v) }
        var parameters = glp_smcp()
        glp_init_smcp(&parameters)
        parameters.msg_lev = Int32(GLP_MSG_OFF)
        parameters.it_lim = 100_000
        // No presolver: with it GLPK reports infeasible/unbounded programs only as a return
        // code without a solution status; the plain simplex states them as statuses.
        parameters.presolve = Int32(GLP_OFF)
        // GLPK's simplex has no callback: it runs in slices of `sliceMilliseconds` and each
        // slice resumes from the last basis, so Ctrl-C (`Interruption`) is seen within one
        // slice instead of when a large program ends (~570 s).
        parameters.tm_lim = Self.sliceMilliseconds
        var code = try simplexInSlices(&parameters)
        if code == Int32(GLP_EBADB) || code == Int32(GLP_ESING) || code == Int32(GLP_ECOND) {
            // A warm-started basis went bad: start again from the standard basis.
            glp_std_basis(problem)
            code = try simplexInSlices(&parameters)
        }
        guard code == 0 else { return .failed(Self.describe(code)) }
        switch glp_get_status(problem) {
        case Int32(GLP_OPT):
            let x = (0..<variableCount).map { glp_get_col_prim(problem, Int32($0 + 1)) }
            return .optimal(value: glp_get_obj_val(problem), x: x)
        case Int32(GLP_UNBND): return .unbounded
        case Int32(GLP_NOFEAS): return .infeasible
        case let s: return .failed("the simplex method ended without an answer (GLPK status \(s))")
        }
    }

    /// How long one call of GLPK's simplex may run before the interrupt flag is polled.
    static let sliceMilliseconds: Int32 = 200

    /// glp_simplex until it ends for another reason than its time slice; throws
    /// `Interrupted` between slices when Ctrl-C was pressed. The iteration limit counts
    /// over all slices.
    private func simplexInSlices(_ parameters: inout glp_smcp) throws -> Int32 {
        let limit = parameters.it_lim
        let start = glp_get_it_cnt(problem)
        while true {
            parameters.it_lim = max(1, limit - (glp_get_it_cnt(problem) - start))
            let code = glp_simplex(problem, &parameters)
            guard code == Int32(GLP_ETMLIM) else { return code }
            try Interruption.check()
        }
    }

    private static func describe(_ code: Int32) -> String {
        switch code {
        case Int32(GLP_EITLIM): "the simplex method hit its iteration limit"
        case Int32(GLP_ESING), Int32(GLP_EBADB): "the simplex basis became singular"
        case Int32(GLP_ECOND): "the simplex basis is ill-conditioned"
        case Int32(GLP_EFAIL): "GLPK's solver failed"
        default: "GLPK returned code \(code)"
        }
    }
}
