import Foundation
import XCTest
@testable import NetRuntime

/// Parameter sizes used by the reference comparisons: several buffers, one of them empty.
let optimTestSizes = [2, 0, 3]

/// A deterministic gradient that depends on the step and the parameters, with mixed signs.
func optimTestGradient(_ t: Int, _ p: [Double]) -> [Double] {
    p.indices.map { j in 0.7 * p[j] - 0.3 * sin(Double(j + t)) + (j % 2 == 1 ? 1.5 : -0.2) }
}

let optimTestStart: [Double] = [0.5, -1.0, 2.0, 0.0, -0.25]

/// Runs `optimizer` for `steps` steps on buffers of `sizes` starting from the flat `initial`,
/// taking gradients `gradient(t, p)` (t = 1, 2, …) of the flat parameters; returns the flat
/// parameters after every step.
func runOptimizer<T: NetScalar>(_ optimizer: Optimizer<T>, sizes: [Int], initial: [Double], steps: Int,
                                gradient: (Int, [Double]) -> [Double]) -> [[Double]] {
    precondition(sizes.reduce(0, +) == initial.count)
    let params = sizes.map { UnsafeMutableBufferPointer<T>.allocate(capacity: $0) }
    let grads = sizes.map { UnsafeMutableBufferPointer<T>.allocate(capacity: $0) }
    defer { for b in params + grads { b.deallocate() } }
    func flat() -> [Double] { params.flatMap { $0.map(Double.init) } }
    var k = 0
    for b in params { for j in b.indices { b[j] = T(initial[k]); k += 1 } }
    var trajectory = [[Double]]()
    for t in 1...steps {
        let g = gradient(t, flat())
        k = 0
        for b in grads { for j in b.indices { b[j] = T(g[k]); k += 1 } }
        optimizer.step(parameters: params, gradients: grads.map { UnsafeBufferPointer($0) })
        trajectory.append(flat())
    }
    return trajectory
}

func assertClose(_ a: [Double], _ b: [Double], tolerance: Double,
                 _ message: String = "", file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.count, b.count, "length " + message, file: file, line: line)
    for (x, y) in zip(a, b) where abs(x - y) > tolerance * max(1, abs(y)) {
        XCTFail("\(a) != \(b) (tolerance \(tolerance)) \(message)", file: file, line: line)
        return
    }
}
