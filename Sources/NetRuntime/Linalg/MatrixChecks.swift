import CBLAS

/// Input validation shared by the LAPACK wrappers, so that every entry point rejects bad
/// shapes and non-finite data the same way (with a `LinalgError`) before LAPACK sees them.
enum MatrixChecks {
    /// Checks that `a` is a non-empty, finite matrix whose dimensions fit LAPACK's
    /// `lapack_int`; returns (rows, columns).
    static func matrix(_ a: Tensor<Double>, _ operation: String) throws -> (rows: Int, columns: Int) {
        guard a.rank == 2 else { throw LinalgError.notAMatrix(operation: operation, shape: a.shape) }
        let (m, n) = (a.shape[0], a.shape[1])
        guard m > 0, n > 0 else { throw LinalgError.emptyMatrix(operation: operation, shape: a.shape) }
        guard m <= Int(Int32.max), n <= Int(Int32.max) else {
            throw LinalgError.tooLarge(operation: operation, shape: a.shape)
        }
        guard a.scalars.allSatisfy({ $0.isFinite }) else { throw LinalgError.nonFiniteInput(operation: operation) }
        return (m, n)
    }

    /// Like `matrix`, and also requires the matrix to be square; returns its size.
    static func square(_ a: Tensor<Double>, _ operation: String) throws -> Int {
        let (m, n) = try matrix(a, operation)
        guard m == n else { throw LinalgError.notSquare(operation: operation, rows: m, columns: n) }
        return n
    }
}

/// LAPACK's single-character option arguments.
@inline(__always) func lapackChar(_ c: Unicode.Scalar) -> CChar { CChar(UInt8(ascii: c)) }
