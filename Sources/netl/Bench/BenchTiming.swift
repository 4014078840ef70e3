import Foundation

/// Times a step as ../shared/bench/reference.py does: `warmup` untimed calls (the first
/// also reported as `first_ms`), then `reps` timed calls; median and minimum in ms.
func timeSteps(reps: Int, warmup: Int, _ step: () -> Void) -> [String: Double] {
    func now() -> UInt64 { DispatchTime.now().uptimeNanoseconds }
    let t0 = now()
    step()
    let first = Double(now() - t0) / 1e6
    for _ in 0..<max(warmup - 1, 0) { step() }
    var times: [Double] = []
    times.reserveCapacity(reps)
    for _ in 0..<reps {
        let s = now()
        step()
        times.append(Double(now() - s) / 1e6)
    }
    times.sort()
    let median = times.count % 2 == 1 ? times[times.count / 2] : (times[times.count / 2 - 1] + times[times.count / 2]) / 2
    return ["ms": median, "min_ms": times.first ?? 0, "first_ms": first]
}

/// PyTorch's default initialisation: U(−1/√fan_in, 1/√fan_in).
func torchUniform(_ shape: [Int], fanIn: Int, rng: inout NetRuntimeRNG) -> TensorD {
    let bound = 1 / Double(fanIn).squareRoot()
    return .randomUniform(shape, low: -bound, high: bound, rng: &rng)
}

/// "8 Gaussians": centre 2√2·(cos 2πk/8, sin 2πk/8), k ~ U{0..7}, plus (0.5/√2)·N(0, I₂).
func eightGaussians(_ n: Int, rng: inout NetRuntimeRNG) -> TensorD {
    var out: [Double] = []
    out.reserveCapacity(2 * n)
    for _ in 0..<n {
        let k = Double(rng.integer(below: 8))
        let angle = 2 * Double.pi * k / 8
        out.append(2 * 2.0.squareRoot() * cos(angle) + 0.5 / 2.0.squareRoot() * rng.normal())
        out.append(2 * 2.0.squareRoot() * sin(angle) + 0.5 / 2.0.squareRoot() * rng.normal())
    }
    return TensorD(shape: [n, 2], scalars: out)
}

import NetRuntime
typealias NetRuntimeRNG = RandomGenerator
typealias TensorD = Tensor<Double>
