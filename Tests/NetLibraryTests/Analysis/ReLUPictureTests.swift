import XCTest
import NetRuntime
@testable import NetLibrary

/// Figs. 3.1 and 3.3 on R²: the geometry the pictures draw (clipped regions, condition
/// numbers, predictions) checked against direct computations.
final class ReLUPictureTests: XCTestCase {
    /// Sutherland–Hodgman clipping against a brute-force grid: a grid point is inside the
    /// clipped polygon exactly when it satisfies every half-plane.
    func testClippedAreaIsTheIntersectionOfTheHalfPlanes() {
        let panel = SquarePanel(left: 0, top: 0, size: 1, lo: -2, hi: 2)
        var rng = RandomGenerator(seed: 3)
        for _ in 0..<20 {
            let planes = (0..<3).map { _ in (w: [rng.normal(), rng.normal()], c: rng.normal()) }
            let polygon = panel.clip(planes)
            func inside(_ p: [Double]) -> Bool {
                // Convex polygon, counter-clockwise from the square's order: every edge has p on its left.
                guard polygon.count >= 3 else { return false }
                return polygon.indices.allSatisfy { i in
                    let a = polygon[i], b = polygon[(i + 1) % polygon.count]
                    return (b[0] - a[0]) * (p[1] - a[1]) - (b[1] - a[1]) * (p[0] - a[0]) >= -1e-9
                }
            }
            for i in 0..<25 { for j in 0..<25 {
                let p = [-2 + 4 * (Double(i) + 0.5) / 25, -2 + 4 * (Double(j) + 0.5) / 25]
                let margin = planes.map { $0.w[0] * p[0] + $0.w[1] * p[1] + $0.c }.min()!
                guard abs(margin) > 1e-6 else { continue }
                XCTAssertEqual(inside(p), margin > 0, "point \(p)")
            } }
        }
        let line = panel.segment(w: [1, 0], c: -1)
        XCTAssertEqual(line.map { [$0.0.x, $0.1.x] }, [0.75, 0.75], "x1 = 1 lies at 3/4 of the square")
        XCTAssertNil(panel.segment(w: [1, 0], c: -3), "x1 = 3 misses [−2, 2]²")
    }

    /// Singular values of two-column matrices against closed forms: diag(3, 0.5) and a
    /// rank-one matrix; rank 0 has no condition number.
    func testPlanarSingularValues() {
        let s = PlanarSingularValues.values([[3, 0], [0, 0.5]])
        XCTAssertEqual(s.largest, 3, accuracy: 1e-14)
        XCTAssertEqual(s.smallest, 0.5, accuracy: 1e-14)
        // Rows of a rotated diag(2, 1e-5): the tiny value does not cancel.
        let c = cos(0.3), d = sin(0.3)
        let r = PlanarSingularValues.values([[2 * c, -1e-5 * d], [2 * d, 1e-5 * c]])
        XCTAssertEqual(r.smallest / 1e-5, 1, accuracy: 1e-9)
        XCTAssertEqual(PlanarSingularValues.condition([[1, 2], [2, 4]]).rank, 1)
        XCTAssertEqual(PlanarSingularValues.condition([[1, 2], [2, 4]]).condition, 1)
        XCTAssertTrue(PlanarSingularValues.condition([]).condition.isNaN)
        XCTAssertEqual(PlanarSingularValues.condition([[0.1, 1], [-0.1, 1]]).condition, 10, accuracy: 1e-12)
    }

    /// Fig. 3.3: the rows removed at x are those with aᵢ·x + bᵢ ≤ 0, the shaded area holds
    /// exactly the inputs with the same pattern, and κ(D_I A) is that of the kept rows.
    func testRowRemovalPanels() {
        let a = [[1.0, 0], [0.1, 1], [-0.1, 1]]
        let panels = [RowRemovalPicture.Panel(bias: [0, 0, 0], point: [-0.5, 0.5], title: "b = 0"),
                      RowRemovalPicture.Panel(bias: [-1, 0, 0], point: [0.5, 0.5], title: "b")]
        let (image, removals) = RowRemovalPicture.render(rows: a, panels: panels, range: 1.5)
        XCTAssertGreaterThan(image.width, image.height)
        for (panel, r) in zip(panels, removals) {
            XCTAssertEqual(r.inactive, [0])
            XCTAssertEqual(r.conditionAfter, 10, accuracy: 1e-12)
            XCTAssertEqual(r.conditionBefore, (2 / 1.02).squareRoot(), accuracy: 1e-12)
            // Every vertex of the area has row 0 off and rows 1, 2 on (up to the boundary).
            for v in r.area {
                let z = a.indices.map { a[$0][0] * v[0] + a[$0][1] * v[1] + panel.bias[$0] }
                XCTAssertLessThanOrEqual(z[0], 1e-12)
                XCTAssertGreaterThanOrEqual(min(z[1], z[2]), -1e-12)
            }
        }
        // With b₀ = −1 the area reaches right to x1 = 1 (row 0 is removed wherever x1 ≤ 1).
        XCTAssertEqual(removals[1].area.map { $0[0] }.max()!, 1, accuracy: 1e-12)
        XCTAssertEqual(removals[0].area.map { $0[0] }.max()!, 0, accuracy: 1e-12)
    }

    /// Fig. 3.1 on a hand-set layer: 7 regions, a region has two non-zero singular values
    /// exactly when its preimage has k = 0 (k = 2 − rank of the active rows), and the
    /// prediction panel's classes are the network's arg-max.
    func testRegionPictureConditionMatchesNullity() throws {
        let g = Graph()
        let model = try Model(name: "small", inputShape: [2], layers: [Dense(units: 3), Activation.relu(), Dense(units: 2)], graph: g, seed: 1)
        let store = VariableStore<Double>(g)
        let net = try PiecewiseLinearNetwork(model)
        let w1 = g.variables.first { $0.shape == [3, 2] || $0.shape == [2, 3] }!
        let b1 = g.variables.first { $0.shape == [3] }!
        store.assign(w1, Tensor(shape: w1.shape, scalars: w1.shape == [3, 2] ? [1, 0, 0, 1, -1, -1] : [1, 0, -1, 0, 1, -1]))
        store.assign(b1, Tensor(shape: [3], scalars: [0, 0, -1]))
        let (a, _) = try LayerOperator.affine(net.steps[0], in: net, variables: store)
        XCTAssertEqual(a.scalars, [1, 0, 0, 1, -1, -1], "the hand-set weight")
        let r = try LinearRegionPicture.render(net, variables: store, point: [-0.2, -0.2], range: 3, grid: 60,
                                               data: (points: [[0, 0], [1, 1]], labels: [0, 1]))
        XCTAssertEqual(r.regions, 7)
        XCTAssertEqual(r.preimage.nullity, 2)
        for i in r.ranks.indices {
            XCTAssertEqual(r.ranks[i], 2 - r.nullities[i], "region \(i)")
            XCTAssertEqual(r.conditions[i].isNaN, r.ranks[i] == 0)
        }
        let points = [[2.0, 1.0], [-1.5, 0.3], [0.2, -2.5]]
        let predicted = LinearRegionPicture.predictions(net, variables: store, points: points)
        for (p, c) in zip(points, predicted) {
            let input = g.input("p", shape: [1, 2])
            let y = g.evaluate([model.apply(input, ApplyContext(training: false))], as: Double.self,
                               inputs: [input: Tensor(shape: [1, 2], scalars: p)], variables: store)[0].scalars
            XCTAssertEqual(c, y[0] >= y[1] ? 0 : 1)
        }
    }
}
