import Foundation
import XCTest
@testable import NetRuntime

final class LearningRateScheduleTests: XCTestCase {
    func testConstant() {
        XCTAssertEqual(ConstantSchedule(0.3).learningRate(epoch: 99, step: 12345), 0.3)
    }

    func testMultiStepThesisRecipeAtMilestones() {
        // App. A.1: 0.1, ×0.2 at epochs 60, 120, 160 (epochs counted from 0).
        let s = MultiStepSchedule(base: 0.1, milestones: [60, 120, 160], gamma: 0.2)
        let expected: [(Int, Double)] = [(0, 0.1), (59, 0.1), (60, 0.02), (119, 0.02), (120, 0.004),
                                         (159, 0.004), (160, 0.0008), (199, 0.0008)]
        for (epoch, rate) in expected {
            XCTAssertEqual(s.learningRate(epoch: epoch, step: 0), rate, accuracy: 1e-15, "epoch \(epoch)")
        }
        // Unsorted and repeated milestones as in PyTorch; step clock.
        let r = MultiStepSchedule(base: 1, milestones: [5, 2, 2], gamma: 0.5, clock: .step)
        XCTAssertEqual(r.learningRate(epoch: 100, step: 1), 1)
        XCTAssertEqual(r.learningRate(epoch: 0, step: 2), 0.25)
        XCTAssertEqual(r.learningRate(epoch: 0, step: 5), 0.125)
    }

    func testStepDecayAndExponential() {
        let s = StepDecaySchedule(base: 1, period: 30, gamma: 0.1)
        XCTAssertEqual(s.learningRate(epoch: 29, step: 0), 1)
        XCTAssertEqual(s.learningRate(epoch: 30, step: 0), 0.1, accuracy: 1e-15)
        XCTAssertEqual(s.learningRate(epoch: 60, step: 0), 0.01, accuracy: 1e-15)
        let e = ExponentialSchedule(base: 2, gamma: 0.5)
        XCTAssertEqual(e.learningRate(epoch: 0, step: 7), 2)
        XCTAssertEqual(e.learningRate(epoch: 3, step: 7), 0.25)
        XCTAssertEqual(ExponentialSchedule(base: 2, gamma: 0.5, clock: .step).learningRate(epoch: 3, step: 1), 1)
    }

    func testCosineAnnealing() {
        let c = CosineAnnealingSchedule(base: 0.1, period: 100, minimum: 0.001)
        XCTAssertEqual(c.learningRate(epoch: 0, step: 0), 0.1, accuracy: 1e-15)
        XCTAssertEqual(c.learningRate(epoch: 50, step: 0), 0.0505, accuracy: 1e-15)
        XCTAssertEqual(c.learningRate(epoch: 100, step: 0), 0.001, accuracy: 1e-15)
        let quarter = 0.001 + 0.099 * (1 + cos(Double.pi / 4)) / 2
        XCTAssertEqual(c.learningRate(epoch: 25, step: 0), quarter, accuracy: 1e-15)
    }

    func testLinearWarmupComposesWithAnySchedule() {
        let w = ConstantSchedule(0.8).withWarmup(steps: 4)
        let rates = (0..<6).map { w.learningRate(epoch: 0, step: $0) }
        for (r, e) in zip(rates, [0.2, 0.4, 0.6, 0.8, 0.8, 0.8]) { XCTAssertEqual(r, e, accuracy: 1e-15) }
        let m = MultiStepSchedule(base: 0.1, milestones: [60], gamma: 0.2).withWarmup(steps: 4)
        XCTAssertEqual(m.learningRate(epoch: 60, step: 2), 0.02 * 0.75, accuracy: 1e-15)
        XCTAssertEqual(m.learningRate(epoch: 59, step: 1000), 0.1, accuracy: 1e-15)
        XCTAssertEqual(ConstantSchedule(1).withWarmup(steps: 0).learningRate(epoch: 0, step: 0), 1)
        XCTAssertEqual(ConstantSchedule(1).withWarmup(steps: 1).learningRate(epoch: 0, step: 0), 1)
    }

    func testApplySetsOptimizerRateFromItsStepCount() {
        let opt = SGD<Float>(parameterSizes: [1], learningRate: 0)
        let w = ConstantSchedule(1).withWarmup(steps: 10)
        opt.apply(w, epoch: 0)
        XCTAssertEqual(opt.learningRate, 0.1, accuracy: 1e-15)
        opt.stepCount = 4
        opt.apply(w, epoch: 0)
        XCTAssertEqual(opt.learningRate, 0.5, accuracy: 1e-15)
    }
}
