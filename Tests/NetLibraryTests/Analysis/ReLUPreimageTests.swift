import XCTest
import NetRuntime
@testable import NetLibrary

final class ReLUPreimageTests: XCTestCase {
    func matrix(_ rows: [[Double]]) -> Tensor<Double> { Tensor(shape: [rows.count, rows[0].count], scalars: rows.flatMap { $0 }) }

    /// Thm 3.3 i: active rows of full column rank → a single point, no linear program.
    func testFullRankActiveRowsGiveASingleton() throws {
        let a = matrix([[1, 0.5], [-0.3, 1], [0.2, 0.1]])
        let r = try ReLUPreimage.classify(weight: a, bias: [0.1, 0.2, 0.3], input: [1, 1])
        XCTAssertEqual(r.kind, .singleton)
        XCTAssertEqual(r.nullity, 0)
        XCTAssertEqual(r.active, 3)
        XCTAssertEqual(r.linearPrograms, 0)
    }

    /// [F; −F] with every row inactive: {x : Fx ≤ 1, −Fx ≤ 1}, a bounded polytope, and
    /// Ā = [F; −F] is omnidirectional (Thm 3.3 iii).
    func testFAndMinusFAllInactiveIsBounded() throws {
        let f: [[Double]] = [[1, 0.2], [0.3, -1], [0.7, 0.7]]
        let a = matrix(f + f.map { $0.map { -$0 } })
        let r = try ReLUPreimage.classify(weight: a, bias: [Double](repeating: -1, count: 6), input: [0, 0])
        XCTAssertEqual(r.kind, .bounded)
        XCTAssertEqual(r.nullity, 2)
        XCTAssertEqual(r.omnidirectionality?.verdict, .yes)
        for e in r.extents { XCTAssertTrue(e.min < -0.1 && e.max > 0.1 && e.max.isFinite && e.min.isFinite) }
        // The same preimage from the output y = 0.
        let fromY = try ReLUPreimage.classify(weight: a, bias: [Double](repeating: -1, count: 6), output: [Double](repeating: 0, count: 6))
        XCTAssertEqual(fromY.kind, .bounded)
    }

    /// One inactive row: a half-space, unbounded; Ā is not omnidirectional.
    func testSingleInactiveRowIsUnbounded() throws {
        let r = try ReLUPreimage.classify(weight: matrix([[1, 2]]), bias: [-1], input: [0, 0])
        XCTAssertEqual(r.kind, .unbounded)
        XCTAssertEqual(r.nullity, 2)
        XCTAssertEqual(r.omnidirectionality?.verdict, .no)
    }

    /// Thm 3.3 ii: k > 0 and still a single point, when inactive hyperplanes pin it: in R²,
    /// one active row x₁ + x₂ = 1 leaves a line; two inactive rows −x₁ ≤ 0 and x₁ ≤ 0 pin x₁ = 0.
    func testInactiveRowsCanPinASingleton() throws {
        let a = matrix([[1, 1], [-1, 0], [1, 0]])
        let r = try ReLUPreimage.classify(weight: a, bias: [1, 0, 0], input: [0, 0])
        XCTAssertEqual(r.nullity, 1)
        XCTAssertEqual(r.kind, .singleton)
    }

    /// Brute force on random 2-D and 3-D layers: points on a grid of the null-space
    /// coordinates t (x = p + Oᵀt) that map to y lie within the extents, and an unbounded
    /// answer has preimage points far out. All three classes occur.
    func testClassesAgreeWithBruteForceOnSmallLayers() throws {
        var rng = RandomGenerator(seed: 5)
        var seen: Set<ReLUPreimage.Kind> = []
        var checkedOmni = 0
        for trial in 0..<60 {
            let n = trial % 2 == 0 ? 2 : 3
            let m = 1 + rng.integer(below: 6)
            let a = Tensor<Double>.randomNormal([m, n], rng: &rng)
            let b = Tensor<Double>.randomNormal([m], std: 1.5, rng: &rng).scalars
            let x0 = Tensor<Double>.randomNormal([n], rng: &rng).scalars
            let r = try ReLUPreimage.classify(weight: a, bias: b, input: x0)
            seen.insert(r.kind)
            func output(_ x: [Double]) -> [Double] {
                var out = [Double](repeating: 0, count: m)
                for i in 0..<m {
                    var z: Double = b[i]
                    for j in 0..<n { z += a.scalars[i * n + j] * x[j] }
                    out[i] = max(0, z)
                }
                return out
            }
            let y = output(x0)
            let k = r.nullity
            guard k > 0 else { continue }
            // O spans N(A₊) and is orthonormal.
            for d in r.directions {
                XCTAssertEqual(norm(d), 1, accuracy: 1e-12)
                for i in 0..<m where y[i] > 0 {
                    var dot = 0.0
                    for j in 0..<n { dot += a.scalars[i * n + j] * d[j] }
                    XCTAssertEqual(dot, 0, accuracy: 1e-12)
                }
            }
            let radius = 200.0, steps = k == 3 ? 24 : (k == 2 ? 80 : 2000)
            var far = false, inside = 0
            var grid = [[Double]](repeating: [], count: 1)
            let ticks = (0...steps).map { -radius + 2 * radius * Double($0) / Double(steps) }
            for _ in 0..<k { grid = grid.flatMap { p in ticks.map { p + [$0] } } }
            for t in grid {
                var x = r.point
                for c in 0..<k { for j in 0..<n { x[j] += t[c] * r.directions[c][j] } }
                let yx = output(x)
                guard zip(yx, y).allSatisfy({ abs($0 - $1) <= 1e-9 * (1 + abs($1)) }) else { continue }
                inside += 1
                if t.map(abs).max()! > radius / 2 { far = true }
                for (j, e) in r.extents.enumerated() {
                    XCTAssertGreaterThanOrEqual(t[j], e.min - 1e-6, "trial \(trial)")
                    XCTAssertLessThanOrEqual(t[j], e.max + 1e-6, "trial \(trial)")
                }
            }
            if r.kind == .unbounded { XCTAssertTrue(far, "trial \(trial): unbounded but no far point") }
            if r.kind == .bounded, r.extents.allSatisfy({ $0.max < radius / 4 && $0.min > -radius / 4 }) { XCTAssertFalse(far) }
            // Thm 3.3 iii: bounded ⇔ Ā omnidirectional.
            if let omni = r.omnidirectionality, omni.verdict != .undecided {
                XCTAssertEqual(omni.isOmnidirectional, r.kind != .unbounded, "trial \(trial)")
                checkedOmni += 1
            }
        }
        XCTAssertEqual(seen, [.singleton, .bounded, .unbounded])
        XCTAssertGreaterThan(checkedOmni, 10)
    }

    func testPointsOutsideTheImageAreReported() throws {
        let a = matrix([[1, 0], [0, 1], [1, 1]])
        // A negative output.
        XCTAssertThrowsError(try ReLUPreimage.classify(weight: a, bias: [0, 0, 0], output: [1, -1, 0])) {
            XCTAssertTrue("\($0)".contains("negative"), "\($0)")
        }
        // Three active equations in two unknowns without a solution.
        XCTAssertThrowsError(try ReLUPreimage.classify(weight: a, bias: [0, 0, 0], output: [1, 1, 5])) {
            XCTAssertTrue("\($0)".contains("no solution"), "\($0)")
        }
        // x₁ = 1, x₂ = 1 from the active units, but unit 3 (x₁ + x₂) is inactive: impossible.
        XCTAssertThrowsError(try ReLUPreimage.classify(weight: a, bias: [0, 0, 0], output: [1, 1, 0])) {
            XCTAssertTrue("\($0)".contains("inactive"), "\($0)")
        }
        // Only x₁ = 1 active; x₂ ≤ 0 and x₁ + x₂ ≤ 0 → x₂ ≤ −1: feasible, unbounded.
        XCTAssertEqual(try ReLUPreimage.classify(weight: a, bias: [0, 0, 0], output: [1, 0, 0]).kind, .unbounded)
        // x₁ = 1 active, x₂ ≤ 0, and unit 3 inactive needs x₁ + x₂ + 5 ≤ 0 → x₂ ≤ −6: feasible.
        XCTAssertEqual(try ReLUPreimage.classify(weight: a, bias: [0, 0, 5], output: [1, 0, 0]).kind, .unbounded)
        // x₁ = 1 and x₂ = 0 pinned by −x₂ ≤ 0 and x₂ ≤ 0? Here: rows x₂ and −x₂ both inactive.
        let pinned = matrix([[1, 0], [0, 1], [0, -1]])
        XCTAssertEqual(try ReLUPreimage.classify(weight: pinned, bias: [0, 0, 0], output: [1, 0, 0]).kind, .singleton)
        // Infeasible inequalities: x₂ ≤ −1 and −x₂ ≤ −1.
        XCTAssertThrowsError(try ReLUPreimage.classify(weight: pinned, bias: [0, 1, 1], output: [1, 0, 0])) {
            XCTAssertTrue("\($0)".contains("infeasible"), "\($0)")
        }
        // Shapes.
        XCTAssertThrowsError(try ReLUPreimage.classify(weight: a, bias: [0, 0], input: [1, 1]))
        XCTAssertThrowsError(try ReLUPreimage.classify(weight: a, bias: [0, 0, 0], input: [1, 1, 1]))
    }

    func testOmnidirectionality() throws {
        let f: [[Double]] = [[1, 0.2, 0], [0.3, -1, 0.5], [0.7, 0.7, -1]]
        XCTAssertEqual(try Omnidirectionality.test(matrix(f + f.map { $0.map { -$0 } })).verdict, .yes)
        XCTAssertEqual(try Omnidirectionality.test(matrix(f)).verdict, .no)
        // Three unit vectors at 120° span every open half-plane.
        let s = 3.0.squareRoot() / 2
        XCTAssertEqual(try Omnidirectionality.test(matrix([[1, 0], [-0.5, s], [-0.5, -s]])).verdict, .yes)
        // A row on the boundary of the half-plane x₂ < 0 leaves it empty.
        XCTAssertEqual(try Omnidirectionality.test(matrix([[1, 0], [0, 1], [-1, 0]])).verdict, .no)
        // ±e₁ is omnidirectional in R¹ directions but rank 1 < 2: x = e₂ has ⟨aᵢ, x⟩ = 0.
        XCTAssertEqual(try Omnidirectionality.test(matrix([[1, 0], [-1, 0]])).verdict, .no)
        // Def. 3.1 ii: (A, −Ap) is omnidirectional for p.
        let a = matrix([[1, 0], [-0.5, s], [-0.5, -s]])
        let (t, point) = try Omnidirectionality.test(a, bias: [-1, 0.5 - s * 2, 0.5 + s * 2])
        XCTAssertTrue(t.isOmnidirectional)
        assertClose(point ?? [], [1, 2], accuracy: 1e-12)
        XCTAssertNil(try Omnidirectionality.test(a, bias: [1, 1, 1]).point)
    }

    /// A 16 → 128 layer with few active units: nullity > 0, 2k programs, one per direction
    /// and sign, plus the Stiemke program; in a wide layer the preimage is bounded.
    func testWideLayerWithFewActiveUnits() throws {
        var rng = RandomGenerator(seed: 9)
        let a = Tensor<Double>.randomNormal([128, 16], rng: &rng)
        let b = Tensor<Double>.randomNormal([128], mean: -6, std: 1, rng: &rng).scalars
        let x0 = Tensor<Double>.randomNormal([16], rng: &rng).scalars
        let r = try ReLUPreimage.classify(weight: a, bias: b, input: x0)
        XCTAssertGreaterThan(r.nullity, 0)
        XCTAssertEqual(r.linearPrograms, 2 * r.nullity + 1)
        XCTAssertEqual(r.kind, .bounded)
        XCTAssertEqual(r.omnidirectionality?.verdict, .yes)
    }
}
