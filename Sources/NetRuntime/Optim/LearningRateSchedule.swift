/// A learning rate as a function of training progress.
///
/// Conventions (the same for every schedule):
/// - `epoch` is the epoch being trained, counted from 0;
/// - `step` is the number of optimiser steps taken before this one, counted from 0 over the
///   whole run (not reset per epoch) — i.e. `Optimizer.stepCount` before `step` is called;
/// - decays act on epochs unless built with `clock: .step`; warm-up always counts steps.
///
/// The decay schedules give PyTorch's closed forms (`MultiStepLR`, `StepLR`, `ExponentialLR`,
/// `CosineAnnealingLR` stepped once per epoch), so training recipes carry over unchanged.
/// Schedules are values; the trainer asks for the rate before each step:
///
///     optimizer.learningRate = schedule.learningRate(epoch: e, step: optimizer.stepCount)
public protocol LearningRateSchedule: Sendable {
    func learningRate(epoch: Int, step: Int) -> Double
}

/// Which counter a decay schedule advances on.
public enum ScheduleClock: Sendable, Equatable {
    case epoch, step
    @inline(__always) func time(epoch: Int, step: Int) -> Int { self == .epoch ? epoch : step }
}

/// A fixed learning rate.
public struct ConstantSchedule: LearningRateSchedule {
    public let rate: Double
    public init(_ rate: Double) { self.rate = rate }
    public func learningRate(epoch: Int, step: Int) -> Double { rate }
}

/// Multiplies the rate by γ at each milestone: rate·γ^(number of milestones ≤ t)
/// (`torch.optim.lr_scheduler.MultiStepLR`). The thesis' i-ResNet classifiers use
/// base 0.1, γ = 0.2, milestones 60/120/160 (App. A.1): epoch 59 trains at 0.1, epoch 60 at 0.02.
public struct MultiStepSchedule: LearningRateSchedule {
    public let base: Double
    public let milestones: [Int]
    public let gamma: Double
    public let clock: ScheduleClock
    public init(base: Double, milestones: [Int], gamma: Double, clock: ScheduleClock = .epoch) {
        self.base = base
        self.milestones = milestones.sorted()
        self.gamma = gamma
        self.clock = clock
    }
    public func learningRate(epoch: Int, step: Int) -> Double {
        let t = clock.time(epoch: epoch, step: step)
        // Repeated milestones count repeatedly, as in PyTorch (which keeps a Counter).
        return base * Double.pow(gamma, Double(milestones.lazy.filter { $0 <= t }.count))
    }
}

/// Multiplies the rate by γ every `period` epochs: rate·γ^⌊t/period⌋ (`StepLR`).
public struct StepDecaySchedule: LearningRateSchedule {
    public let base: Double
    public let period: Int
    public let gamma: Double
    public let clock: ScheduleClock
    public init(base: Double, period: Int, gamma: Double, clock: ScheduleClock = .epoch) {
        precondition(period > 0, "step decay period must be positive, got \(period)")
        self.base = base
        self.period = period
        self.gamma = gamma
        self.clock = clock
    }
    public func learningRate(epoch: Int, step: Int) -> Double {
        base * Double.pow(gamma, Double(clock.time(epoch: epoch, step: step) / period))
    }
}

/// rate·γ^t (`ExponentialLR`).
public struct ExponentialSchedule: LearningRateSchedule {
    public let base: Double
    public let gamma: Double
    public let clock: ScheduleClock
    public init(base: Double, gamma: Double, clock: ScheduleClock = .epoch) {
        self.base = base
        self.gamma = gamma
        self.clock = clock
    }
    public func learningRate(epoch: Int, step: Int) -> Double {
        base * Double.pow(gamma, Double(clock.time(epoch: epoch, step: step)))
    }
}

/// η_min + (base − η_min)·(1 + cos(π·t/T))/2 (`CosineAnnealingLR`, closed form). Reaches
/// η_min at t = T; past T it follows the cosine back up, as PyTorch's closed form does —
/// choose T as the length of training.
public struct CosineAnnealingSchedule: LearningRateSchedule {
    public let base: Double
    public let period: Int
    public let minimum: Double
    public let clock: ScheduleClock
    public init(base: Double, period: Int, minimum: Double = 0, clock: ScheduleClock = .epoch) {
        precondition(period > 0, "cosine annealing period must be positive, got \(period)")
        self.base = base
        self.period = period
        self.minimum = minimum
        self.clock = clock
    }
    public func learningRate(epoch: Int, step: Int) -> Double {
        let t = Double(clock.time(epoch: epoch, step: step))
        return minimum + (base - minimum) * (1 + Double.cos(Double.pi * t / Double(period))) / 2
    }
}

/// Linear warm-up over the first `steps` optimiser steps, then `schedule` unchanged:
/// rate = schedule(epoch, step) · min(1, (step + 1)/steps).
///
/// The Residual Flows trainers' convention (`iter_frac = min((itr + 1) / warmup_iters, 1)`):
/// the first step already uses rate/steps, step `steps − 1` the full rate.
public struct WarmupSchedule: LearningRateSchedule {
    public let steps: Int
    public let schedule: any LearningRateSchedule
    public init(steps: Int, then schedule: any LearningRateSchedule) {
        precondition(steps >= 0, "warm-up length must be non-negative, got \(steps)")
        self.steps = steps
        self.schedule = schedule
    }
    public func learningRate(epoch: Int, step: Int) -> Double {
        let rate = schedule.learningRate(epoch: epoch, step: step)
        guard step + 1 < steps else { return rate }
        return rate * Double(step + 1) / Double(steps)
    }
}

extension LearningRateSchedule {
    /// This schedule preceded by a linear warm-up of `steps` optimiser steps.
    public func withWarmup(steps: Int) -> WarmupSchedule { WarmupSchedule(steps: steps, then: self) }
}

extension Optimizer {
    /// Sets `learningRate` from `schedule` for the next step of `epoch`.
    public func apply(_ schedule: some LearningRateSchedule, epoch: Int) {
        learningRate = schedule.learningRate(epoch: epoch, step: stepCount)
    }
}
