import Foundation
import XCTest
@testable import NetRuntime

/// The vectorisable Box–Muller of `fillNormalBlocked` against the scalar one (glibc ln,
/// cos, sin, √) on the same uniforms, and its pieces against libm over their whole ranges.
final class BlockedNormalTests: XCTestCase {
    /// Same seed, same call pattern (odd counts carry a spare between calls, block
    /// boundaries, mean and std): the blocked numbers match the scalar ones to 10⁻¹³
    /// absolute (|z| < 9), and the two generators stay in step.
    func testMatchesScalarBoxMullerOnTheSameUniforms() {
        var fast = RandomGenerator(seed: 77), slow = RandomGenerator(seed: 77)
        for (count, mean, std) in [(1, 0.0, 1.0), (257, 0.0, 1.0), (3, 2.0, 0.5), (1000, -1.0, 3.0), (2, 0.0, 1.0), (65_537, 0.0, 1.0)] {
            var a = [Double](repeating: .nan, count: count), b = a
            a.withUnsafeMutableBufferPointer { fast.fillNormalBlocked($0.baseAddress!, count: count, mean: mean, std: std) }
            b.withUnsafeMutableBufferPointer { slow.fillNormal($0.baseAddress!, count: count, mean: mean, std: std) }
            let worst = zip(a, b).map { abs($0 - $1) }.max()!
            XCTAssertLessThan(worst, 1e-13 * (1 + abs(mean) + std), "count \(count)")
        }
        XCTAssertEqual(fast.next(), slow.next(), "the blocked sampler used a different number of uniforms")
        // Float32 output: the same numbers rounded.
        var f = RandomGenerator(seed: 5), d = RandomGenerator(seed: 5)
        var xf = [Float](repeating: .nan, count: 999), xd = [Double](repeating: .nan, count: 999)
        xf.withUnsafeMutableBufferPointer { f.fillNormalBlocked($0.baseAddress!, count: 999) }
        xd.withUnsafeMutableBufferPointer { d.fillNormal($0.baseAddress!, count: 999) }
        for (x, y) in zip(xf, xd) { XCTAssertEqual(Double(x), y, accuracy: 1e-6 * max(1, abs(y))) }
    }

    /// ln on (0, 1] and (cos, sin) of 2πu on [0, 1) against libm, including the ends, the
    /// quarter-turn boundaries and the smallest uniform 2⁻⁵³.
    func testLogAndCosSinAgainstLibm() {
        var rng = RandomGenerator(seed: 3)
        var us = (0..<20_000).map { _ in rng.uniform() }
        us += [0x1.0p-53, 0x1.0p-30, 0.5, 0.7071067811865476, 0.7071067811865475, 1 - 0x1.0p-53, 0.125, 0.375, 0.625, 0.875,
               0.25, 0.5 - 0x1.0p-53, 0.75, 0.999_999_9]
        for u in us where u > 0 {
            XCTAssertEqual(boxMullerLog(u), Foundation.log(u), accuracy: 4e-16 * max(1, abs(Foundation.log(u))), "ln \(u)")
        }
        XCTAssertEqual(boxMullerLog(1), 0)
        // √ over the range of −2 ln u (0 … 73.7), and 0.
        XCTAssertEqual(boxMullerSquareRoot(0), 0)
        for u in us where u > 0 {
            let v = -2 * Foundation.log(u)
            XCTAssertEqual(boxMullerSquareRoot(v), v.squareRoot(), accuracy: 4e-16 * max(1, v.squareRoot()), "√\(v)")
        }
        for u in us + [0] {
            let (c, s) = boxMullerCosSin(u)
            XCTAssertEqual(c, Foundation.cos(2 * Double.pi * u), accuracy: 1e-15, "cos 2π·\(u)")
            XCTAssertEqual(s, Foundation.sin(2 * Double.pi * u), accuracy: 1e-15, "sin 2π·\(u)")
        }
    }

    /// The moments of 10⁵ blocked normals (4 standard errors): mean 0, variance 1,
    /// kurtosis 3, and the fraction beyond 2σ (0.0455).
    func testMoments() {
        var rng = RandomGenerator(seed: 9)
        let n = 100_000
        var z = [Double](repeating: 0, count: n)
        z.withUnsafeMutableBufferPointer { rng.fillNormalBlocked($0.baseAddress!, count: n) }
        let mean = z.reduce(0, +) / Double(n)
        let variance = z.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        let fourth = z.map { pow($0, 4) }.reduce(0, +) / Double(n)
        let tail = Double(z.filter { abs($0) > 2 }.count) / Double(n)
        let se = 1 / Double(n).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 4 * se)
        XCTAssertEqual(variance, 1, accuracy: 4 * 2.0.squareRoot() * se)
        XCTAssertEqual(fourth, 3, accuracy: 4 * 96.0.squareRoot() * se)
        XCTAssertEqual(tail, 0.0455, accuracy: 4 * (0.0455 * 0.9545).squareRoot() * se)
    }
}
