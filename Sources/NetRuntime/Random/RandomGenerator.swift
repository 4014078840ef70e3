#if canImport(Glibc)
import Glibc
#endif

/// NetLang's seeded random number generator: xoshiro256** (Blackman & Vigna, 2018),
/// its 256-bit state filled from the seed by SplitMix64.
///
/// The same seed gives the same stream on every run and every machine: nothing here
/// depends on the time, the thread or the platform's `random()`. Derived distributions:
/// - uniform U[0,1): the top 53 bits of one draw (`Double`), scaled by 2⁻⁵³;
/// - normal N(0,1): Box–Muller on two uniforms, both values of a pair are used;
/// - Rademacher ±1: the top bit of one draw;
/// - Bernoulli(p): a uniform compared with p.
public struct RandomGenerator: Sendable {
    private var s0: UInt64, s1: UInt64, s2: UInt64, s3: UInt64
    private var spareNormal: Double? = nil

    public init(seed: UInt64) {
        var x = seed
        func splitMix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s0 = splitMix(); s1 = splitMix(); s2 = splitMix(); s3 = splitMix()
    }

    /// The whole state as six words (the four of xoshiro256**, then whether a spare normal
    /// is held and its bits), so a stream can be saved and continued exactly.
    public var state: [UInt64] {
        [s0, s1, s2, s3, spareNormal == nil ? 0 : 1, spareNormal?.bitPattern ?? 0]
    }

    /// A generator continuing from a saved `state`; nil when it is not six words.
    public init?(state: [UInt64]) {
        guard state.count == 6 else { return nil }
        s0 = state[0]; s1 = state[1]; s2 = state[2]; s3 = state[3]
        spareNormal = state[4] == 0 ? nil : Double(bitPattern: state[5])
    }

    /// The next 64 random bits.
    @inline(__always)
    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    /// A uniform number in [0, 1).
    @inline(__always)
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// A uniform integer in 0..<n (n > 0), without modulo bias.
    public mutating func integer(below n: Int) -> Int {
        precondition(n > 0)
        let bound = UInt64(n)
        let limit = UInt64.max - UInt64.max % bound
        while true {
            let r = next()
            if r < limit { return Int(r % bound) }
        }
    }

    /// A standard normal number (Box–Muller).
    public mutating func normal() -> Double {
        if let spare = spareNormal { spareNormal = nil; return spare }
        var u1 = uniform()
        while u1 <= 0 { u1 = uniform() }
        let u2 = uniform()
        let r = (-2 * Glibc.log(u1)).squareRoot()
        let theta = 2 * Double.pi * u2
        spareNormal = r * Glibc.sin(theta)
        return r * Glibc.cos(theta)
    }

    /// +1 or −1 with equal probability.
    @inline(__always)
    public mutating func rademacher() -> Double { (next() >> 63) == 0 ? 1 : -1 }

    /// Fills `buffer` with N(mean, std²) numbers.
    public mutating func fillNormal<T: NetScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, mean: Double = 0, std: Double = 1) {
        for i in 0..<count { buffer[i] = T(mean + std * normal()) }
    }

    /// Fills `buffer` with N(mean, std²) numbers drawn from the same uniforms as
    /// `fillNormal` (Box–Muller on pairs, the spare carried between calls), with ln, cos
    /// and sin evaluated by the vectorisable polynomials of `BoxMuller.swift`: the numbers
    /// agree with `fillNormal`'s to ~10⁻¹⁵ and come several times faster. The graph's
    /// random leaves (Hutchinson probes drawn at every step) use it.
    public mutating func fillNormalBlocked<T: NetScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, mean: Double = 0, std: Double = 1) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: RandomGenerator.normalBlockScratch) { scratch in
            fillNormalBlocked(buffer, count: count, mean: mean, std: std, scratch: scratch.baseAddress!)
        }
    }

    /// Scalars of scratch `fillNormalBlocked(_:count:mean:std:scratch:)` needs.
    public static let normalBlockScratch = 256

    /// `fillNormalBlocked` with caller-owned scratch of `normalBlockScratch` Doubles, so a
    /// planned kernel allocates nothing per step.
    public mutating func fillNormalBlocked<T: NetScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, mean: Double, std: Double,
                                                         scratch: UnsafeMutablePointer<Double>) {
        var i = 0
        if i < count, let spare = spareNormal { spareNormal = nil; buffer[0] = T(mean + std * spare); i = 1 }
        let block = RandomGenerator.normalBlockScratch / 2
        let u1 = scratch, u2 = scratch + block
        while count - i >= 2 {
            let pairs = Swift.min(block, (count - i) / 2)
            for j in 0..<pairs {
                var a = uniform()
                while a <= 0 { a = uniform() }
                u1[j] = a
                u2[j] = uniform()
            }
            boxMullerPairs(u1: u1, u2: u2, pairs: pairs, mean: mean, std: std, out: buffer + i)
            i += 2 * pairs
        }
        if i < count { buffer[i] = T(mean + std * normal()) }
    }

    /// Fills `buffer` with U[low, high) numbers.
    public mutating func fillUniform<T: NetScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, low: Double = 0, high: Double = 1) {
        let width = high - low
        for i in 0..<count { buffer[i] = T(low + width * uniform()) }
    }

    /// Fills `buffer` with ±1.
    public mutating func fillRademacher<T: NetScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int) {
        for i in 0..<count { buffer[i] = T(rademacher()) }
    }

    /// Fills `buffer` with a dropout mask: 1/keep with probability `keep`, else 0
    /// (inverted dropout, so the expectation of mask·x is x).
    public mutating func fillBernoulliMask<T: NetScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, keep: Double) {
        let scale = T(1 / keep)
        for i in 0..<count { buffer[i] = uniform() < keep ? scale : 0 }
    }

    /// Fills `buffer` with Bernoulli(p) samples: 1 with probability p, else 0.
    public mutating func fillBernoulli<T: NetScalar>(_ buffer: UnsafeMutablePointer<T>, count: Int, p: Double) {
        for i in 0..<count { buffer[i] = uniform() < p ? 1 : 0 }
    }

    /// A random permutation of 0..<n (Fisher–Yates).
    public mutating func permutation(_ n: Int) -> [Int] {
        var p = Array(0..<n)
        if n < 2 { return p }
        for i in stride(from: n - 1, to: 0, by: -1) {
            p.swapAt(i, integer(below: i + 1))
        }
        return p
    }
}

extension Tensor {
    /// A tensor of N(mean, std²) numbers from `rng`.
    public static func randomNormal(_ shape: [Int], mean: Double = 0, std: Double = 1, rng: inout RandomGenerator) -> Tensor {
        var t = Tensor.zeros(shape)
        t.scalars.withUnsafeMutableBufferPointer { rng.fillNormal($0.baseAddress!, count: $0.count, mean: mean, std: std) }
        return t
    }

    /// A tensor of U[low, high) numbers from `rng`.
    public static func randomUniform(_ shape: [Int], low: Double = 0, high: Double = 1, rng: inout RandomGenerator) -> Tensor {
        var t = Tensor.zeros(shape)
        t.scalars.withUnsafeMutableBufferPointer { rng.fillUniform($0.baseAddress!, count: $0.count, low: low, high: high) }
        return t
    }
}
