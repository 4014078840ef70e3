import XCTest
import NetRuntime
import NetTestSupport
@testable import NetLibrary

/// The coupling layers (NICE, Real-NVP) and Glow's 1×1 convolution: gradients of every
/// order through them, inverses to the precision's floor, and log-dets equal to
/// log|det J| of the exact Jacobian.
final class CouplingLayerTests: XCTestCase {
    /// Smooth bodies (tanh), so finite differences are valid everywhere.
    static func convBody(_ out: Int) throws -> [Layer] {
        [try Convolution(dimensions: 2, channels: 6, kernel: 3, padding: 1), Activation.tanh(),
         try Convolution(dimensions: 2, channels: out, kernel: 3, padding: 1)]
    }
    static func denseBody(_ out: Int) -> [Layer] { [Dense(units: 8), Activation.tanh(), Dense(units: out)] }

    /// Every configuration on its input shape: both couplings × both masks × flip, on
    /// images and flat vectors, and the 1×1 convolution on [d], [C, L] and [C, H, W].
    static func cases() throws -> [(name: String, shape: [Int], layer: Layer)] {
        var all: [(String, [Int], Layer)] = []
        for transform in [Coupling.Transform.additive, .affine] {
            let k = transform == .affine ? 2 : 1
            all.append(("\(transform) channel", [4, 3, 3], Coupling(transform, mask: .channel, body: try convBody(2 * k))))
            all.append(("\(transform) channel flip, odd C", [3, 2, 2], Coupling(transform, mask: .channel, flip: true, body: try convBody(1 * k))))
            all.append(("\(transform) checkerboard", [2, 3, 3], Coupling(transform, mask: .checkerboard, body: try convBody(2 * k))))
            all.append(("\(transform) checkerboard flip", [2, 2, 3], Coupling(transform, mask: .checkerboard, flip: true, body: try convBody(2 * k))))
            all.append(("\(transform) half, flat", [5], Coupling(transform, mask: .channel, body: denseBody(3 * k))))
            all.append(("\(transform) alternating, flat", [5], Coupling(transform, mask: .checkerboard, flip: true, body: denseBody(5 * k))))
        }
        all.append(("conv1x1 flat", [4], InvertibleConv1x1()))
        all.append(("conv1x1 1-D", [3, 4], InvertibleConv1x1()))
        all.append(("conv1x1 2-D", [3, 2, 3], InvertibleConv1x1()))
        return all
    }

    /// A one-layer flow model around `layer`, its output y and per-example log-det.
    func flow(_ layer: Layer, shape: [Int], batch: Int, graph: Graph, seed: UInt64 = 5) throws -> (model: Model, x: Node, y: Node, logDet: Node) {
        let model = try Model(name: "f", inputShape: shape, layers: [layer], graph: graph, seed: seed)
        let x = graph.input("x", shape: [batch] + shape)
        let context = ApplyContext(training: false, logDet: LogDetSettings())
        let y = model.apply(x, context)
        let logDet = context.logDetTerms.first ?? graph.constant(.zeros([batch]))
        return (model, x, y, logDet)
    }

    /// First- and second-order Float64 gradient checks of y and of the log-det w.r.t. x.
    func testGradientsOfOutputAndLogDetMatchFiniteDifferences() throws {
        for (name, shape, layer) in try Self.cases() {
            let g = Graph()
            let (_, x, y, logDet) = try flow(layer, shape: shape, batch: 2, graph: g)
            var rng = RandomGenerator(seed: 11)
            let point = Tensor<Double>.randomNormal(x.shape, rng: &rng)
            let check = GradientCheck(shapes: [x.shape], tolerance: 1e-5)
            let combined = y.reshaped([2, y.count / 2]).sum(axes: [1]) * 0.3 + logDet
            check.check(combined, of: [x], at: [point])
            if Test.failureCount(self) > 0 { XCTFail("in case \(name)"); return }
        }
    }

    /// The parameters' gradients (what training uses), first order, against finite
    /// differences of the variables: L, U, log s of the 1×1 convolution and the body's
    /// weights of an affine coupling.
    func testParameterGradientsMatchFiniteDifferences() throws {
        let layers: [(String, [Int], Layer)] = [
            ("conv1x1", [3, 2, 2], InvertibleConv1x1()),
            ("affine", [4, 2, 2], Coupling(.affine, mask: .channel, body: try Self.convBody(4))),
        ]
        for (name, shape, layer) in layers {
            let g = Graph()
            let (model, x, y, logDet) = try flow(layer, shape: shape, batch: 3, graph: g)
            var rng = RandomGenerator(seed: 3)
            let w = g.constant(.randomNormal(y.shape, rng: &rng))
            let loss = (y * w).sum() + logDet.sum()
            let trainable = model.parameters.filter { ($0.operation as? VariableOp)?.trainable == true }
            let grads = g.gradients(of: loss, wrt: trainable)
            let store = VariableStore<Double>(g)
            let exec = Executor<Double>(graph: g, outputs: [loss] + grads, variables: store)
            exec.setInput(x, .randomNormal(x.shape, rng: &rng))
            exec.run()
            let analytic = grads.map { exec.value($0) }
            for (p, grad) in zip(trainable, analytic) {
                var value = store.value(p)
                for j in stride(from: 0, to: value.count, by: Swift.max(1, value.count / 7)) {
                    let saved = value.scalars[j]
                    value.scalars[j] = saved + 1e-6; store.assign(p, value); exec.run()
                    let up = exec.scalar(loss)
                    value.scalars[j] = saved - 1e-6; store.assign(p, value); exec.run()
                    let down = exec.scalar(loss)
                    value.scalars[j] = saved; store.assign(p, value)
                    let numeric = (up - down) / 2e-6
                    XCTAssertEqual(grad.scalars[j], numeric, accuracy: 1e-5 * Swift.max(1, Swift.abs(numeric)), "\(name) \(p.shape) element \(j)")
                }
            }
        }
    }

    /// Σ log-det terms = log|det ∂y/∂x| from the exact Jacobian (Float64), per example.
    func testLogDetEqualsLogAbsDetOfExactJacobian() throws {
        for (name, shape, layer) in try Self.cases() {
            let g = Graph()
            let (model, x, y, logDet) = try flow(layer, shape: shape, batch: 3, graph: g)
            let exact = g.batchJacobian(of: y, wrt: x).logAbsDeterminant()
            var rng = RandomGenerator(seed: 2)
            // Away from the initial values (the 1×1 convolution starts as a rotation, log-det 0).
            let store = VariableStore<Double>(g)
            for p in model.parameters where (p.operation as? VariableOp)?.trainable == true {
                let v = store.value(p)
                store.assign(p, Tensor(shape: v.shape, scalars: zip(v.scalars, Tensor<Double>.randomNormal(v.shape, rng: &rng).scalars).map { $0 + 0.3 * $1 }))
            }
            let exec = Executor<Double>(graph: g, outputs: [logDet, exact], variables: store)
            // A linear map's Jacobian (the 1×1 convolution) does not depend on x.
            if exec.uses(x) { exec.setInput(x, .randomNormal(x.shape, rng: &rng)) }
            exec.run()
            let (ours, reference) = (exec.value(logDet).scalars, exec.value(exact).scalars)
            for (a, b) in zip(ours, reference) { XCTAssertEqual(a, b, accuracy: 1e-9, name) }
            if name.hasPrefix("additive") { XCTAssertEqual(ours.map(Swift.abs).max()!, 0, name) }
            else { XCTAssertGreaterThan(ours.map(Swift.abs).max()!, 1e-3, "\(name): a log-det of 0 tests nothing") }
        }
    }

    /// F⁻¹(F(x)) = x to 1e-5 in Float32 and 1e-10 in Float64, for a model chaining every case.
    func testInverseReconstructsInputInFloat32AndFloat64() throws {
        for (name, shape, layer) in try Self.cases() {
            let g = Graph()
            let (model, x, y, _) = try flow(layer, shape: shape, batch: 4, graph: g)
            var rng = RandomGenerator(seed: 9)
            let input = Tensor<Double>.randomNormal(x.shape, rng: &rng)
            let store64 = VariableStore<Double>(g)
            let forward64 = Executor<Double>(graph: g, outputs: [y], variables: store64)
            forward64.setInput(x, input); forward64.run()
            var inverse64 = FixedPointInverse(model: model, variables: store64)
            let result64 = try inverse64.invert(forward64.value(y))
            XCTAssertLessThan(zip(result64.x.scalars, input.scalars).map { Swift.abs($0 - $1) }.max()!, 1e-10, name)
            XCTAssertEqual(result64.blocks.count, 1)
            XCTAssertTrue(result64.blocks[0].analytic && result64.blocks[0].residuals.isEmpty, name)

            let store32 = VariableStore<Float>(g)
            let forward32 = Executor<Float>(graph: g, outputs: [y], variables: store32)
            forward32.setInput(x, input.converted(to: Float.self)); forward32.run()
            var inverse32 = FixedPointInverse(model: model, variables: store32)
            let result32 = try inverse32.invert(forward32.value(y))
            XCTAssertLessThan(zip(result32.x.scalars, input.scalars).map { Swift.abs(Double($0) - $1) }.max()!, 1e-5, name)
        }
    }

    /// The capabilities the flow check reads: analytic inverses, exact (or zero) log-dets.
    func testCapabilities() throws {
        let g = Graph()
        let additive = try Model(name: "nice", inputShape: [4], layers: [Coupling(.additive, mask: .channel, body: Self.denseBody(2))], graph: g, seed: 1)
        let nice = try Flow(additive, requirement: .density)
        XCTAssertTrue(nice.hasExactLogDet && nice.hasAnalyticInverse && nice.isVolumePreserving)
        let glow = try Flow(try Model(name: "glow", inputShape: [4], layers: [
            ActNorm(dataInitialization: false), InvertibleConv1x1(), Coupling(.affine, mask: .channel, body: Self.denseBody(4)),
        ], graph: g, seed: 2), requirement: .density)
        XCTAssertTrue(glow.hasExactLogDet && glow.hasAnalyticInverse)
        XCTAssertFalse(glow.isVolumePreserving)
        let mixed = try Flow(try Model(name: "mixed", inputShape: [4], layers: [
            Coupling(.affine, mask: .checkerboard, body: Self.denseBody(8)),
            Residual([Dense(units: 8, constraint: LipschitzConstraint(coefficient: 0.5)), Activation.elu(),
                      Dense(units: 4, constraint: LipschitzConstraint(coefficient: 0.5))]),
        ], graph: g, seed: 3), requirement: .density)
        XCTAssertFalse(mixed.hasExactLogDet || mixed.hasAnalyticInverse)
        XCTAssertEqual(mixed.estimatedLogDetEntries.map(\.index), [2])
    }

    /// A body whose output does not fit what the coupling needs is refused with the shapes.
    func testBodyShapeMismatchSaysWhatIsNeeded() {
        let layer = Coupling(.affine, mask: .channel, body: Self.denseBody(3))
        XCTAssertThrowsError(try layer.outputShape(for: [6])) { error in
            XCTAssertEqual("\(error)", "the body of affine_coupling(mask: \"channel\") on [6] must map [3] to [6] (scale and shift for the 3 transformed features: 2 × 3 along axis 0); it maps it to [3]")
        }
        XCTAssertThrowsError(try Coupling(.additive, mask: .channel, body: Self.denseBody(1)).outputShape(for: [1]))
        XCTAssertThrowsError(try InvertibleConv1x1().outputShape(for: [1, 2, 2, 2]))
    }
}

/// XCTest's failure count for the current test (to stop at the first failing case).
enum Test {
    static func failureCount(_ test: XCTestCase) -> Int { test.testRun?.failureCount ?? 0 }
}
