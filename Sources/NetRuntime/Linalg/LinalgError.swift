/// Why a linear-algebra routine refused its input or could not finish.
///
/// The routines in `Linalg/` sit under user-facing analysis commands (condition numbers,
/// exact log-determinants, inverses), so bad input must surface as a readable error in
/// the REPL rather than a crash inside LAPACK. Every case carries enough context to say
/// what was wrong without a debugger.
public enum LinalgError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The routine needs a rank-2 tensor (a matrix); it got this shape.
    case notAMatrix(operation: String, shape: [Int])
    /// The matrix has a zero dimension; there is nothing to factorize.
    case emptyMatrix(operation: String, shape: [Int])
    /// The routine needs a square matrix; it got rows × columns.
    case notSquare(operation: String, rows: Int, columns: Int)
    /// Two operands whose shapes do not fit together (e.g. `solve(a, b)` with b's
    /// leading dimension ≠ a's size).
    case shapeMismatch(operation: String, lhs: [Int], rhs: [Int])
    /// The input holds NaN or ±∞, on which LAPACK's results are meaningless.
    case nonFiniteInput(operation: String)
    /// The matrix is singular or numerically singular: `reciprocalCondition` is LAPACK's
    /// estimate of 1/κ₁(A) (0 when an exact zero pivot was met).
    case singularMatrix(operation: String, reciprocalCondition: Double)
    /// An iterative LAPACK routine (the SVD's QR/divide-and-conquer) did not converge.
    case notConverged(routine: String, info: Int)
    /// LAPACK reported an error code not covered above (negative: argument `-info` was
    /// illegal — a bug in NetRuntime, please report it).
    case lapackFailure(routine: String, info: Int)
    /// A dimension does not fit LAPACK's 32-bit integers.
    case tooLarge(operation: String, shape: [Int])

    public var description: String {
        switch self {
        case let .notAMatrix(op, shape):
            return "\(op): expected a matrix (rank-2 tensor), got shape \(shape)"
        case let .emptyMatrix(op, shape):
            return "\(op): the matrix is empty (shape \(shape))"
        case let .notSquare(op, rows, columns):
            return "\(op): expected a square matrix, got \(rows)×\(columns)"
        case let .shapeMismatch(op, lhs, rhs):
            return "\(op): shapes \(lhs) and \(rhs) do not fit together"
        case let .nonFiniteInput(op):
            return "\(op): the matrix contains NaN or infinity"
        case let .singularMatrix(op, rcond):
            if rcond == 0 { return "\(op): the matrix is singular (exact zero pivot)" }
            return "\(op): the matrix is numerically singular (reciprocal condition number ≈ \(rcond))"
        case let .notConverged(routine, info):
            return "\(routine): the iteration did not converge (\(info) superdiagonals did not reach zero)"
        case let .lapackFailure(routine, info):
            if info < 0 { return "\(routine): LAPACK rejected argument \(-info) (info = \(info)); this is a NetRuntime bug" }
            return "\(routine): LAPACK failed with info = \(info)"
        case let .tooLarge(op, shape):
            return "\(op): shape \(shape) exceeds LAPACK's 32-bit index range"
        }
    }
}
