import XCTest
import CKernels
import NetTestSupport
@testable import NetRuntime

/// The 16-wide elu, elu' and elu'' passes of `UnaryOp` (`netl_elu_f32_avx512`,
/// `netl_elu_derivative_f32_avx512`) against the Swift closures they replace: equal bit for
/// bit on every class of Float32 (NaN, ±0, ±∞, subnormals, the clamps of eˣ, large ±,
/// random, a sweep over all exponents), every tail length and two threads; and the
/// selection rule (`NETL_NO_AVX512=1` keeps the Swift path). Skipped without AVX-512.
final class WideUnaryEluTests: WideKernelTestCase {
    private static let functions: [UnaryFunction] = [.elu(1), .elu(0.3), .eluDerivative(1), .eluDerivative(0.3),
                                                     .eluSecondDerivative(1), .eluSecondDerivative(0.3)]

    /// f(x) by UnaryOp's kernel in an executor, with the wide pass on or off.
    private func run(_ f: UnaryFunction, _ values: [Float], wide: Bool) -> [Float] {
        WideKernels.avx512 = wide
        let g = Graph()
        let x = g.input("x", shape: [values.count])
        let y = x.apply(f)
        let exec = Executor<Float>(graph: g, outputs: [y])
        exec.setInput(x, Tensor(shape: [values.count], scalars: values))
        exec.run()
        return exec.value(y).scalars
    }

    private func assertSameBits(_ f: UnaryFunction, _ values: [Float], file: StaticString = #filePath, line: UInt = #line) {
        let wide = run(f, values, wide: true), narrow = run(f, values, wide: false)
        XCTAssertEqual(wide.count, narrow.count, file: file, line: line)
        for i in wide.indices where wide[i].bitPattern != narrow[i].bitPattern {
            XCTFail("\(f.name)(\(values[i]) = 0x\(String(values[i].bitPattern, radix: 16))): wide \(wide[i]) "
                    + "(0x\(String(wide[i].bitPattern, radix: 16))) narrow \(narrow[i]) (0x\(String(narrow[i].bitPattern, radix: 16)))",
                    file: file, line: line)
            return
        }
    }

    /// NaN (quiet, signalling, with payloads), ±∞, ±0, subnormals, both clamps of eˣ and
    /// their neighbours, in every lane position and in the tail.
    func testSpecialValuesBitForBit() {
        let special: [Float] = [.nan, -.nan, Float(bitPattern: 0x7FC1_2345), Float(bitPattern: 0xFFA0_0001), .signalingNaN,
                                .infinity, -.infinity, 0, -0.0, 1e-30, -1e-30, 1, -1, 88, 89, 88.37626, 88.37627, 1e30,
                                .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, -.leastNormalMagnitude,
                                -Float.leastNormalMagnitude / 2, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                -87.33654, Float(-87.33654).nextDown, Float(-87.33654).nextUp, -87.3, -87.4, -100, -1e30, -1e-3, -20,
                                -0.34657359, -0.6931472, 0.5, -0.5]
        for f in Self.functions {
            for shift in 0..<16 { assertSameBits(f, Array(repeating: Float(-0.25), count: shift) + special) }
        }
    }

    /// Every length from 1 to 40 and a few long ones (the masked tail, several chunks over
    /// two threads), random normal values of scale 4.
    func testRandomValuesEveryTailLengthBitForBit() {
        setComputeThreads(2)
        defer { setComputeThreads(ProcessInfo.processInfo.activeProcessorCount) }
        var rng = RandomGenerator(seed: 27)
        for count in Array(1...40) + [1000, 70_001] {
            let values = Tensor<Double>.randomNormal([count], std: 4, rng: &rng).scalars.map(Float.init)
            for f in Self.functions { assertSameBits(f, values) }
        }
    }

    /// A sweep over the bit patterns (every 4,093rd, so every exponent and sign with many
    /// mantissas) and a dense grid over [−90, 1], where eˣ's range reduction and clamp act.
    func testBitPatternSweepBitForBit() {
        var values: [Float] = []
        var bits: UInt64 = 0
        while bits <= UInt64(UInt32.max) { values.append(Float(bitPattern: UInt32(bits))); bits += 4_093 }
        for i in 0..<200_000 { values.append(-90 + 91 * Float(i) / 200_000) }
        for f in Self.functions { assertSameBits(f, values) }
    }

    /// Against Float64: the passes are elu, elu' and elu'' to a few ulp.
    func testAgainstFloat64() {
        var rng = RandomGenerator(seed: 8)
        let values = Tensor<Double>.randomNormal([4_099], std: 5, rng: &rng).scalars.map(Float.init)
        for alpha in [1.0, 0.3] {
            let elu = run(.elu(alpha), values, wide: true)
            let d1 = run(.eluDerivative(alpha), values, wide: true), d2 = run(.eluSecondDerivative(alpha), values, wide: true)
            for (i, v) in values.map(Double.init).enumerated() {
                let e = alpha * Foundation.exp(v)
                XCTAssertEqual(Double(elu[i]), v > 0 ? v : alpha * Foundation.expm1(v), accuracy: 4e-7 * Swift.max(1, Swift.abs(v)))
                XCTAssertEqual(Double(d1[i]), v > 0 ? 1 : e, accuracy: 4e-7 * Swift.max(1e-30, e))
                XCTAssertEqual(Double(d2[i]), v > 0 ? 0 : e, accuracy: 4e-7 * Swift.max(1e-30, e))
            }
        }
    }

    /// The wide pass is chosen for Float32 ELU functions only, and not when the AVX-512
    /// kernels are off; `NETL_NO_AVX512=1` turns them off whatever the CPU.
    func testSelection() {
        let x = UnsafeMutablePointer<Float>.allocate(capacity: 1), xd = UnsafeMutablePointer<Double>.allocate(capacity: 1)
        defer { x.deallocate(); xd.deallocate() }
        WideKernels.avx512 = true
        for f in Self.functions {
            XCTAssertNotNil(f.wideEluKernel(x: x, y: x, count: 1), f.name)
            XCTAssertNil(f.wideEluKernel(x: xd, y: xd, count: 1), "\(f.name) float64")
        }
        XCTAssertNil(UnaryFunction.relu.wideEluKernel(x: x, y: x, count: 1))
        XCTAssertNil(UnaryFunction.exp.wideEluKernel(x: x, y: x, count: 1))
        WideKernels.avx512 = false
        for f in Self.functions { XCTAssertNil(f.wideEluKernel(x: x, y: x, count: 1), f.name) }
        let flags: Set<String> = ["sse2", "avx2", "avx512f"]
        XCTAssertTrue(WideKernels.selectsAVX512(environment: [:], cpuFlags: flags))
        XCTAssertTrue(WideKernels.selectsAVX512(environment: ["NETL_NO_AVX512": "0"], cpuFlags: flags))
        XCTAssertFalse(WideKernels.selectsAVX512(environment: ["NETL_NO_AVX512": "1"], cpuFlags: flags))
        XCTAssertFalse(WideKernels.selectsAVX512(environment: [:], cpuFlags: ["sse2", "avx2"]))
    }
}
