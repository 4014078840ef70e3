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
    return ["ms": median(times), "min_ms": times.min() ?? 0, "first_ms": first]
}

/// The median of some timings (NaN for none).
func median(_ values: [Double]) -> Double {
    let s = values.sorted()
    guard !s.isEmpty else { return .nan }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// PyTorch's default initialisation: U(−1/√fan_in, 1/√fan_in).
func torchUniform(_ shape: [Int], fanIn: Int, rng: inout NetRuntimeRNG) -> TensorD {
    let bound = 1 / Double(fanIn).squareRoot()
    return .randomUniform(shape, low: -bound, high: bound, rng: &rng)
}

/// "8 Gaussians" points [n, 2] (the generator of `generate("8gaussians", …)`).
func eightGaussians(_ n: Int, rng: inout NetRuntimeRNG) -> TensorD {
    DataGenerators.eightGaussians(n, &rng).x
}

import NetLang
import NetRuntime
typealias NetRuntimeRNG = RandomGenerator
typealias TensorD = Tensor<Double>
