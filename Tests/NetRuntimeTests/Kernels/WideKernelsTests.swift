import XCTest
@testable import NetRuntime

/// The AVX-512 micro-kernel of the direct convolutions (`CKernels`) against the 8-wide
/// Swift kernel it replaces: equal bit for bit for every tail length, row count, bias and
/// accumulate setting, and against a naive loop. Skipped on CPUs without AVX-512.
final class WideKernelsTests: WideKernelTestCase {
    /// c = rowsGemm(…) with the wide kernel on or off, from the same starting c.
    private func run(wide: Bool, M: Int, K: Int, T: Int, a: [Float], rows: [[Float]], start: [Float], ldc: Int,
                     bias: [Float]?, accumulate: Bool) -> [Float] {
        WideKernels.avx512 = wide
        var c = start
        let pointers = rows.map { r -> UnsafeMutablePointer<Float> in
            let p = UnsafeMutablePointer<Float>.allocate(capacity: r.count)
            p.initialize(from: r, count: r.count)
            return p
        }
        defer { pointers.forEach { $0.deallocate() } }
        let rowPointers = pointers.map { UnsafePointer($0) }
        a.withUnsafeBufferPointer { ap in rowPointers.withUnsafeBufferPointer { rp in c.withUnsafeMutableBufferPointer { cp in
            if let bias {
                bias.withUnsafeBufferPointer { bp in
                    rowsGemm(M: M, K: K, T: T, a: ap.baseAddress!, rows: rp.baseAddress!, c: cp.baseAddress!, ldc: ldc,
                             bias: bp.baseAddress!, accumulate: accumulate)
                }
            } else {
                rowsGemm(M: M, K: K, T: T, a: ap.baseAddress!, rows: rp.baseAddress!, c: cp.baseAddress!, ldc: ldc,
                         bias: nil, accumulate: accumulate)
            }
        }}}
        return c
    }

    func testWideKernelEqualsTheSwiftKernelBitForBit() {
        var rng = RandomGenerator(seed: 5)
        func values(_ n: Int) -> [Float] { Tensor<Float>.randomNormal([n], rng: &rng).scalars }
        for (M, K) in [(1, 1), (3, 7), (4, 27), (5, 9), (9, 72)] {
            for T in [16, 17, 23, 31, 32, 33, 47, 48, 63, 100] {
                let ldc = T + 3
                let paddedRows = (M + 3) / 4 * 4
                let a = values(paddedRows * K)
                let rows = (0..<K).map { _ in values(T) }
                let start = values(M * ldc)
                for bias in [nil, values(M)] as [[Float]?] { for accumulate in [false, true] {
                    let wide = run(wide: true, M: M, K: K, T: T, a: a, rows: rows, start: start, ldc: ldc, bias: bias, accumulate: accumulate)
                    let narrow = run(wide: false, M: M, K: K, T: T, a: a, rows: rows, start: start, ldc: ldc, bias: bias, accumulate: accumulate)
                    XCTAssertEqual(wide, narrow, "M \(M) K \(K) T \(T) bias \(bias != nil) accumulate \(accumulate)")
                    // Against a naive loop (Float64 sums), and untouched padding columns.
                    for m in 0..<M {
                        for t in 0..<ldc {
                            let i = m * ldc + t
                            if t >= T { XCTAssertEqual(wide[i], start[i]); continue }
                            var s = (accumulate ? Double(start[i]) : 0) + Double(bias?[m] ?? 0)
                            for r in 0..<K { s += Double(a[m * K + r]) * Double(rows[r][t]) }
                            XCTAssertEqual(Double(wide[i]), s, accuracy: 1e-4 * Swift.max(1, Swift.abs(s)))
                        }
                    }
                }}
            }
        }
    }

    /// The three direct 2-D kernels (forward, backward-input, and the weight gradient,
    /// whose micro-kernels — wide and pair layouts — also have AVX-512 versions) with and
    /// without the wide kernels.
    func testDirect2DConvolutionsEqualBitForBit() {
        let saved2D = ConvGeometry.direct2DEnabled
        defer { ConvGeometry.direct2DEnabled = saved2D }
        ConvGeometry.direct2DEnabled = true
        var rng = RandomGenerator(seed: 8)
        let cases: [(n: Int, cin: Int, cout: Int, h: Int, w: Int, k: Int, p: Int)] = [
            (2, 5, 7, 16, 16, 3, 1), (1, 13, 11, 9, 10, 3, 0), (2, 17, 20, 8, 8, 3, 1), (1, 32, 32, 16, 16, 3, 1),
            (2, 10, 3, 5, 7, 1, 0), (1, 3, 33, 6, 6, 3, 1), (3, 4, 16, 12, 12, 3, 1),
            // The weight gradient's groups of samples: pair layout (C_out ≤ 8), 32- and
            // 16-channel blocks, more than one group per thread.
            (37, 5, 7, 7, 7, 3, 1), (34, 6, 33, 6, 6, 3, 1), (35, 3, 8, 6, 5, 3, 0),
        ]
        for c in cases {
            let g = ConvGeometry(batch: c.n, inChannels: c.cin, outChannels: c.cout, inHeight: c.h, inWidth: c.w,
                                 kernelHeight: c.k, kernelWidth: c.k, strideHeight: 1, strideWidth: 1,
                                 padHeight: c.p, padWidth: c.p)
            XCTAssertTrue(g.usesDirect2D, "\(g)")
            let x = Tensor<Float>.randomNormal([c.n * c.cin * c.h * c.w], rng: &rng).scalars
            let w = Tensor<Float>.randomNormal([c.cout * c.cin * c.k * c.k], rng: &rng).scalars
            let bias = Tensor<Float>.randomNormal([c.cout], rng: &rng).scalars
            let dy = Tensor<Float>.randomNormal([c.n * c.cout * g.outputPlane], rng: &rng).scalars
            func kernels(wide: Bool) -> (y: [Float], dx: [Float], dw: [Float]) {
                WideKernels.avx512 = wide
                var y = [Float](repeating: 0, count: dy.count), dx = [Float](repeating: 0, count: x.count)
                var dw = [Float](repeating: 0.5, count: w.count)
                var ws = [Float](repeating: 0, count: g.direct2DWorkspaceCount)
                ws.withUnsafeMutableBufferPointer { ws in
                    conv2dDirectForward(g, x: x, w: w, bias: bias, y: &y, workspace: ws.baseAddress!)
                    conv2dDirectBackwardInput(g, dy: dy, w: w, dx: &dx, workspace: ws.baseAddress!, accumulate: false)
                    conv2dDirectBackwardWeight(g, x: x, dy: dy, dw: &dw, workspace: ws.baseAddress!, accumulate: true)
                }
                return (y, dx, dw)
            }
            let wide = kernels(wide: true), narrow = kernels(wide: false)
            XCTAssertEqual(wide.y, narrow.y, "forward \(g)")
            XCTAssertEqual(wide.dx, narrow.dx, "backward-input \(g)")
            XCTAssertEqual(wide.dw, narrow.dw, "weight gradient \(g)")
        }
    }
}
