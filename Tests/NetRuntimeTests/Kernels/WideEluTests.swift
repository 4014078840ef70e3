import XCTest
import CKernels
import NetTestSupport
@testable import NetRuntime

/// The 16-wide bias-plus-ELU pass of the fused dense chains (`netl_bias_elu_f32_avx512`)
/// against the two Swift passes it replaces (y += bias, then `eluInPlace`): equal bit for
/// bit for every tail length, with and without a bias, for special values, and against a
/// Float64 reference. Skipped on CPUs without AVX-512.
final class WideEluTests: WideKernelTestCase {
    /// The Swift passes: y + bias (rounded to Float32), then `eluInPlace`.
    private func narrow(_ y: [Float], bias: [Float]?, alpha: Float) -> [Float] {
        var out = y
        if let bias { for i in out.indices { out[i] += bias[i] } }
        out.withUnsafeMutableBufferPointer { eluInPlace($0.baseAddress!, $0.count, alpha: alpha) }
        return out
    }

    private func wide(_ y: [Float], bias: [Float]?, alpha: Float) -> [Float] {
        var out = y
        out.withUnsafeMutableBufferPointer { o in
            if let bias {
                bias.withUnsafeBufferPointer { netl_bias_elu_f32_avx512(o.baseAddress!, $0.baseAddress!, o.count, alpha) }
            } else {
                netl_bias_elu_f32_avx512(o.baseAddress!, nil, o.count, alpha)
            }
        }
        return out
    }

    private func assertSameBits(_ a: [Float], _ b: [Float], _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        for i in a.indices where a[i].bitPattern != b[i].bitPattern && !(a[i].isNaN && b[i].isNaN) {
            XCTFail("\(message): [\(i)] wide \(a[i]) narrow \(b[i])", file: file, line: line)
            return
        }
    }

    func testWideEluEqualsTheSwiftPassesBitForBit() {
        var rng = RandomGenerator(seed: 21)
        for alpha: Float in [1, 0.3] {
            for count in [0, 1, 5, 15, 16, 17, 31, 32, 33, 128, 130, 1000] {
                let y = Tensor<Double>.randomNormal([count], std: 4, rng: &rng).scalars.map(Float.init)
                let bias = Tensor<Double>.randomNormal([count], std: 1, rng: &rng).scalars.map(Float.init)
                let noBias = wide(y, bias: nil, alpha: alpha)
                assertSameBits(noBias, narrow(y, bias: nil, alpha: alpha), "count \(count) α \(alpha)")
                let withBias = wide(y, bias: bias, alpha: alpha)
                assertSameBits(withBias, narrow(y, bias: bias, alpha: alpha), "count \(count) α \(alpha) with bias")
                // Against elu in Float64 of the Float32 sum.
                for i in 0..<count {
                    let v = Double(y[i] + bias[i])
                    let exact = v > 0 ? v : Double(alpha) * Foundation.expm1(v)
                    XCTAssertEqual(Double(withBias[i]), exact, accuracy: 4e-7 * Swift.max(1, Swift.abs(exact)), "elu(\(v))")
                }
            }
        }
    }

    /// NaN, ±∞, ±0, the clamp of eˣ and subnormals, in every lane position and in the tail.
    func testSpecialValuesBitForBit() {
        let special: [Float] = [.nan, .infinity, -.infinity, 0, -0.0, 1e-30, -1e-30, 1, 88, 89, 1e30,
                                .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .greatestFiniteMagnitude,
                                -87.3, -87.4, -100, -1e30, -.greatestFiniteMagnitude, -1e-3, -20]
        for shift in 0..<16 {
            let y = Array(repeating: Float(-0.5), count: shift) + special
            for alpha: Float in [1, 0.3] {
                assertSameBits(wide(y, bias: nil, alpha: alpha), narrow(y, bias: nil, alpha: alpha), "shift \(shift) α \(alpha)")
            }
        }
        // −0 gives +0 and NaN stays NaN, as in UnaryOp.
        let out = wide([-0.0, .nan], bias: nil, alpha: 1)
        XCTAssertEqual(out[0].bitPattern, Float(0).bitPattern)
        XCTAssertTrue(out[1].isNaN)
    }

    /// The fused i-ResNet block g (thin input, GEMM with bias and elu, thin output) gives the
    /// same bits with the wide pass on and off, over several row blocks and two threads.
    func testDenseChainIsBitIdenticalWithAndWithoutTheWidePass() {
        setComputeThreads(2)
        defer { setComputeThreads(ProcessInfo.processInfo.activeProcessorCount) }
        let g = Graph()
        var rng = RandomGenerator(seed: 4)
        let rows = 1_029, widths = [2, 100, 100, 2]
        let x = g.input("x", shape: [rows, widths[0]])
        var h = x
        for l in 0..<3 {
            let w = g.constant(Tensor<Double>.randomNormal([widths[l + 1], widths[l]], std: 1.5 / Double(widths[l]).squareRoot(), rng: &rng))
            let b = g.constant(Tensor<Double>.randomNormal([widths[l + 1]], std: 0.3, rng: &rng))
            h = h.linear(w, bias: b)
            if l < 2 { h = h.elu() }
        }
        let input: Tensor<Float> = Tensor<Double>.randomNormal([rows, 2], rng: &rng).converted()
        func run(wide: Bool) -> [Float] {
            WideKernels.avx512 = wide
            let exec = Executor<Float>(graph: g, outputs: [h])
            XCTAssertTrue(exec.namedKernels.contains { $0.name.hasPrefix("dense_chain") })
            exec.setInput(x, input)
            exec.run()
            return exec.value(h).scalars
        }
        assertSameBits(run(wide: true), run(wide: false), "dense chain")
    }
}
