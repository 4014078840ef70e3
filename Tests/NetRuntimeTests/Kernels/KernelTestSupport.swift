import XCTest
@testable import NetRuntime

/// A heap buffer for calling the pointer kernels from tests (freed on deinit).
final class KBuf<T: NetScalar> {
    let p: UnsafeMutablePointer<T>
    let count: Int
    init(_ a: [T]) {
        count = a.count
        p = .allocate(capacity: max(1, count))
        p.initialize(from: a, count: count)
    }
    /// A buffer of `count` NaNs: a kernel that promises to overwrite must replace them all.
    init(nan count: Int) {
        self.count = count
        p = .allocate(capacity: max(1, count))
        p.initialize(repeating: .nan, count: max(1, count))
    }
    var array: [T] { Array(UnsafeBufferPointer(start: p, count: count)) }
    var doubles: [Double] { array.map(Double.init) }
    deinit { p.deallocate() }
}

final class KIndexBuf {
    let p: UnsafeMutablePointer<Int32>
    let count: Int
    init(count: Int) {
        self.count = count
        p = .allocate(capacity: max(1, count))
        p.initialize(repeating: -1, count: max(1, count))
    }
    var array: [Int32] { Array(UnsafeBufferPointer(start: p, count: count)) }
    deinit { p.deallocate() }
}

func randomScalars<T: NetScalar>(_ count: Int, _ rng: inout RandomGenerator, as: T.Type = T.self) -> [T] {
    (0..<count).map { _ in T(rng.normal()) }
}

func innerProduct(_ a: [Double], _ b: [Double]) -> Double {
    precondition(a.count == b.count)
    return zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
}

/// Float64: max abs error < 1e-10. Float32: max abs error < 1e-4 · max(1, max|expected|).
func kernelTolerance<T: NetScalar>(_: T.Type, scale: Double) -> Double {
    T.self == Double.self ? 1e-10 : 1e-4 * max(1, scale)
}

func assertClose<T: NetScalar>(_ actual: [T], _ expected: [Double], _ what: @autoclosure () -> String,
                               file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, what(), file: file, line: line)
    guard actual.count == expected.count else { return }
    let scale = expected.reduce(0) { max($0, abs($1)) }
    var err = 0.0
    for (a, e) in zip(actual, expected) {
        let d = abs(Double(a) - e)
        err = d.isNaN ? .infinity : max(err, d)
    }
    XCTAssertLessThan(err, kernelTolerance(T.self, scale: scale), "\(what()): max abs error \(err)", file: file, line: line)
}

/// Checks <a, b> == <c, d> (an adjoint identity) to the precision's tolerance, scaled by
/// the size of the terms.
func assertAdjoint<T: NetScalar>(_: T.Type, _ lhs: Double, _ rhs: Double, scale: Double,
                                 _ what: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) {
    let tol = T.self == Double.self ? 1e-10 * max(1, scale / 100) : 1e-4 * max(1, scale)
    XCTAssertLessThan(abs(lhs - rhs), tol, "\(what()): <.,.> \(lhs) vs \(rhs)", file: file, line: line)
}

func sumAbsProducts(_ a: [Double], _ b: [Double]) -> Double { zip(a, b).reduce(0) { $0 + abs($1.0 * $1.1) } }
