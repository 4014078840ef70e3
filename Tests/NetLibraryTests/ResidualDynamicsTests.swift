import XCTest
import NetRuntime
@testable import NetLibrary

/// The meetings of `ResidualDynamics` (Fig. 4.1) on hand-made blocks whose answer is known.
final class ResidualDynamicsTests: XCTestCase {
    /// A residual block y = x + W x (no bias) with the given W, on 2-D points.
    func block(_ w: [Double]) throws -> (Model, VariableStore<Double>) {
        let g = Graph()
        let dense = Dense(units: 2, useBias: false)
        let m = try Model(name: "m", inputShape: [2], layers: [Residual([dense])], graph: g, seed: 1)
        let store = VariableStore<Float>(g)
        store.assign(dense.weight!, Tensor(shape: [2, 2], scalars: w.map(Float.init)))
        return (m, VariableStore<Double>(converting: store))
    }

    func grid() -> Tensor<Double> {
        var scalars: [Double] = []
        for i in 0..<9 { scalars += [Double(i % 3) - 1, Double(i / 3) - 1.2] }
        return Tensor(shape: [9, 2], scalars: scalars)
    }

    /// g(x) = −x sends every point to 0 at t = 1: every pair meets there (a collapse, the
    /// block is not invertible).
    func testCollapsingBlockMeetsEverywhere() throws {
        let (m, store) = try block([-1, 0, 0, -1])
        let d = try ResidualDynamics.trace(m, x: grid(), steps: 4, variables: store)
        let meetings = d.meetings(tolerance: 0.05)
        XCTAssertEqual(meetings.count, 36)                       // all 9·8/2 pairs
        for meeting in meetings {
            XCTAssertEqual(meeting.t, 1, accuracy: 1e-12)
            XCTAssertEqual(meeting.ratio, 0, accuracy: 1e-7)
            XCTAssertEqual(meeting.position[0], 0, accuracy: 1e-7)
        }
        XCTAssertEqual(d.paths[0].count, 5)
        XCTAssertEqual(d.paths[4].last![0], 0, accuracy: 1e-7)
    }

    /// g(x) = −2x on the first coordinate: points that differ only there pass through each
    /// other at t = ½ (crossing paths); pairs that differ in the second coordinate do not.
    func testCrossingPathsMeetHalfway() throws {
        let (m, store) = try block([-2, 0, 0, 0])
        let d = try ResidualDynamics.trace(m, x: grid(), steps: 10, variables: store)
        let meetings = d.meetings(tolerance: 0.05)
        XCTAssertEqual(meetings.count, 9)                        // three rows of three points
        for meeting in meetings {
            XCTAssertEqual(meeting.t, 0.5, accuracy: 1e-6)
            XCTAssertEqual(meeting.a / 3, meeting.b / 3, "same row")
        }
    }

    /// A contraction with ‖W‖ = L keeps every pair at least (1 − L) of its distance apart,
    /// so nothing meets below that tolerance, and the closest approach is not below it.
    func testContractiveBlockHasNoMeetings() throws {
        let (m, store) = try block([-0.8, 0.1, 0.05, -0.6])
        let d = try ResidualDynamics.trace(m, x: grid(), steps: 10, variables: store)
        let L = try spectralNorm(Tensor(shape: [2, 2], scalars: [-0.8, 0.1, 0.05, -0.6]))
        XCTAssertTrue(d.meetings(tolerance: 0.15).isEmpty)
        // With a tolerance above 1 − L every pair is reported, none below the bound.
        let all = d.meetings(tolerance: 0.999)
        XCTAssertFalse(all.isEmpty)
        XCTAssertGreaterThanOrEqual(all.map(\.ratio).min()!, 1 - L - 1e-7)
    }

    /// Layers that change the shape cannot be drawn as x + t·(f(x) − x).
    func testShapeChangingLayerIsRefused() throws {
        let g = Graph()
        let m = try Model(name: "m", inputShape: [2], layers: [Dense(units: 3)], graph: g, seed: 1)
        XCTAssertThrowsError(try ResidualDynamics.trace(m, x: grid(), steps: 2, variables: VariableStore<Double>(g)))
    }
}
