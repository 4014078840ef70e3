import XCTest
@testable import NetRuntime

/// Naive nested-loop references for the convolution kernels, in Float64.
private enum NaiveConv {
    static func forEachTap(_ g: ConvGeometry, _ body: (_ xi: Int, _ wi: Int, _ yi: Int) -> Void) {
        for n in 0..<g.batch { for o in 0..<g.outChannels { for oh in 0..<g.outHeight { for ow in 0..<g.outWidth {
            let yi = ((n * g.outChannels + o) * g.outHeight + oh) * g.outWidth + ow
            for c in 0..<g.inChannels { for ki in 0..<g.kernelHeight { for kj in 0..<g.kernelWidth {
                let ih = oh * g.strideHeight - g.padHeight + ki
                let iw = ow * g.strideWidth - g.padWidth + kj
                guard ih >= 0, ih < g.inHeight, iw >= 0, iw < g.inWidth else { continue }
                let xi = ((n * g.inChannels + c) * g.inHeight + ih) * g.inWidth + iw
                let wi = ((o * g.inChannels + c) * g.kernelHeight + ki) * g.kernelWidth + kj
                body(xi, wi, yi)
            }}}
        }}}}
    }
    static func forward(_ g: ConvGeometry, x: [Double], w: [Double], bias: [Double]?) -> [Double] {
        var y = [Double](repeating: 0, count: g.outputCount)
        if let bias {
            for i in y.indices { y[i] = bias[(i / g.outputPlane) % g.outChannels] }
        }
        forEachTap(g) { xi, wi, yi in y[yi] += x[xi] * w[wi] }
        return y
    }
    static func backwardInput(_ g: ConvGeometry, dy: [Double], w: [Double]) -> [Double] {
        var dx = [Double](repeating: 0, count: g.inputCount)
        forEachTap(g) { xi, wi, yi in dx[xi] += w[wi] * dy[yi] }
        return dx
    }
    static func backwardWeight(_ g: ConvGeometry, x: [Double], dy: [Double]) -> [Double] {
        var dw = [Double](repeating: 0, count: g.weightCount)
        forEachTap(g) { xi, wi, yi in dw[wi] += x[xi] * dy[yi] }
        return dw
    }
    static func backwardBias(_ g: ConvGeometry, dy: [Double]) -> [Double] {
        var db = [Double](repeating: 0, count: g.outChannels)
        for (i, v) in dy.enumerated() { db[(i / g.outputPlane) % g.outChannels] += v }
        return db
    }
}

final class ConvolutionTests: XCTestCase {
    /// Runs every convolution kernel on random data for one geometry and compares with the
    /// naive loops, the adjoint identities, and the accumulate variants.
    private func check<T: NetScalar>(_ g: ConvGeometry, _: T.Type, _ rng: inout RandomGenerator) {
        let xs: [T] = randomScalars(g.inputCount, &rng)
        let ws: [T] = randomScalars(g.weightCount, &rng)
        let bs: [T] = randomScalars(g.outChannels, &rng)
        let dys: [T] = randomScalars(g.outputCount, &rng)
        let (xd, wd, bd, dyd) = (xs.map(Double.init), ws.map(Double.init), bs.map(Double.init), dys.map(Double.init))
        let x = KBuf(xs), w = KBuf(ws), b = KBuf(bs), dy = KBuf(dys)
        let work = KBuf<T>(nan: g.workspaceCount)
        let what = "\(T.dtypeName) \(g)"

        // Forward, with and without bias (y starts as NaN: must be overwritten).
        let y = KBuf<T>(nan: g.outputCount)
        convForward(g, x: x.p, w: w.p, bias: b.p, y: y.p, workspace: work.p)
        assertClose(y.array, NaiveConv.forward(g, x: xd, w: wd, bias: bd), "forward+bias \(what)")
        let y0 = KBuf<T>(nan: g.outputCount)
        convForward(g, x: x.p, w: w.p, bias: nil, y: y0.p, workspace: work.p)
        let y0ref = NaiveConv.forward(g, x: xd, w: wd, bias: nil)
        assertClose(y0.array, y0ref, "forward \(what)")

        // Backward input: naive loops, overwrite, accumulate, adjoint <conv(x), dy> = <x, convᵀ(dy)>.
        let dx = KBuf<T>(nan: g.inputCount)
        convBackwardInput(g, dy: dy.p, w: w.p, dx: dx.p, workspace: work.p)
        let dxref = NaiveConv.backwardInput(g, dy: dyd, w: wd)
        assertClose(dx.array, dxref, "backwardInput \(what)")
        assertAdjoint(T.self, innerProduct(y0.doubles, dyd), innerProduct(xd, dx.doubles),
                      scale: sumAbsProducts(y0ref, dyd) + sumAbsProducts(xd, dxref), "adjoint input \(what)")
        let dxAcc = KBuf(xs)
        convBackwardInput(g, dy: dy.p, w: w.p, dx: dxAcc.p, workspace: work.p, accumulate: true)
        assertClose(dxAcc.array, zip(xd, dxref).map { $0 + $1 }, "backwardInput accumulate \(what)")

        // Backward weight: naive loops, accumulate, adjoint <conv(x; w), dy> = <w, dW(x, dy)>.
        let dw = KBuf<T>(nan: g.weightCount)
        convBackwardWeight(g, x: x.p, dy: dy.p, dw: dw.p, workspace: work.p)
        let dwref = NaiveConv.backwardWeight(g, x: xd, dy: dyd)
        assertClose(dw.array, dwref, "backwardWeight \(what)")
        assertAdjoint(T.self, innerProduct(y0.doubles, dyd), innerProduct(wd, dw.doubles),
                      scale: sumAbsProducts(y0ref, dyd) + sumAbsProducts(wd, dwref), "adjoint weight \(what)")
        let dwAcc = KBuf(ws)
        convBackwardWeight(g, x: x.p, dy: dy.p, dw: dwAcc.p, workspace: work.p, accumulate: true)
        assertClose(dwAcc.array, zip(wd, dwref).map { $0 + $1 }, "backwardWeight accumulate \(what)")

        // Bias gradient.
        let db = KBuf<T>(nan: g.outChannels)
        convBackwardBias(g, dy: dy.p, dbias: db.p)
        let dbref = NaiveConv.backwardBias(g, dy: dyd)
        assertClose(db.array, dbref, "backwardBias \(what)")
        let dbAcc = KBuf(bs)
        convBackwardBias(g, dy: dy.p, dbias: dbAcc.p, accumulate: true)
        assertClose(dbAcc.array, zip(bd, dbref).map { $0 + $1 }, "backwardBias accumulate \(what)")
    }

    private static let kernels2D = [(1, 1), (2, 2), (3, 3), (3, 1), (2, 3)]
    private static let strides2D = [(1, 1), (2, 2), (3, 3), (1, 2), (3, 1)]
    private static let pads2D = [(0, 0), (1, 1), (2, 2), (0, 1), (2, 0)]
    private static let channels = [(1, 1), (2, 3), (4, 2)]

    private func run2D<T: NetScalar>(_: T.Type) {
        var rng = RandomGenerator(seed: 11)
        var cases = 0
        for batch in [1, 3] { for (cin, cout) in Self.channels { for (kh, kw) in Self.kernels2D {
            for (sh, sw) in Self.strides2D { for (ph, pw) in Self.pads2D {
                let g = ConvGeometry(batch: batch, inChannels: cin, outChannels: cout, inHeight: 7, inWidth: 5,
                                     kernelHeight: kh, kernelWidth: kw, strideHeight: sh, strideWidth: sw,
                                     padHeight: ph, padWidth: pw)
                check(g, T.self, &rng)
                cases += 1
            }}
        }}}
        XCTAssertEqual(cases, 750)
    }

    private func run1D<T: NetScalar>(_: T.Type) {
        var rng = RandomGenerator(seed: 12)
        for batch in [1, 3] { for (cin, cout) in Self.channels + [(3, 4)] { for length in [7, 12] {
            for k in [1, 2, 3, 5] { for s in [1, 2, 3, 5] { for p in [0, 1, 2] {
                let g = ConvGeometry(batch: batch, inChannels: cin, outChannels: cout, length: length,
                                     kernel: k, stride: s, padding: p)
                check(g, T.self, &rng)
            }}}
        }}}
    }

    func testConv2DFloat64() { run2D(Double.self) }
    func testConv2DFloat32() { run2D(Float.self) }
    func testConv1DFloat64() { run1D(Double.self) }
    func testConv1DFloat32() { run1D(Float.self) }

    func testLargerConvFloat32() {
        var rng = RandomGenerator(seed: 13)
        for (k, s, p) in [(3, 1, 1), (3, 2, 1), (1, 1, 0), (5, 2, 2)] {
            let g = ConvGeometry(batch: 2, inChannels: 8, outChannels: 16, inHeight: 17, inWidth: 13,
                                 kernelHeight: k, kernelWidth: k, strideHeight: s, strideWidth: s,
                                 padHeight: p, padWidth: p)
            check(g, Float.self, &rng)
        }
    }

    /// The batched path with several chunks per batch (one GEMM per chunk of samples)
    /// against the naive loops.
    func testChunkedBatches() {
        let saved = ConvGeometry.chunkLimit
        defer { ConvGeometry.chunkLimit = saved }
        var rng = RandomGenerator(seed: 99)
        for limit in [1, 800, 1200] {   // chunks of 1; 2, 2, 1; 3, 2
            ConvGeometry.chunkLimit = limit
            let g = ConvGeometry(batch: 5, inChannels: 2, outChannels: 3, inHeight: 6, inWidth: 5,
                                 kernelHeight: 3, kernelWidth: 3, strideHeight: 1, strideWidth: 2,
                                 padHeight: 1, padWidth: 1)
            XCTAssertLessThanOrEqual(g.chunk, 5)
            check(g, Double.self, &rng)
            check(g, Float.self, &rng)
        }
    }

    /// The direct 1-D kernels on long sequences (several tiles, partial tiles, padded and
    /// strided taps, both threads) against the naive loops, in both precisions; also the
    /// same geometries through the im2col path, and the path choice itself.
    func testDirect1DLongSequences() {
        var rng = RandomGenerator(seed: 21)
        let cases: [(n: Int, cin: Int, cout: Int, L: Int, k: Int, s: Int, p: Int)] = [
            (5, 1, 8, 301, 3, 1, 1), (4, 8, 8, 273, 3, 5, 1), (3, 8, 1, 193, 3, 3, 1), (3, 8, 8, 237, 1, 5, 0),
            (2, 3, 5, 249, 5, 2, 2), (3, 8, 8, 110, 3, 1, 1), (2, 2, 3, 40, 4, 1, 3), (2, 1, 1, 182, 3, 1, 1),
            (2, 8, 1, 150, 1, 3, 0), (2, 6, 7, 99, 2, 1, 0), (4, 1, 8, 299, 1, 1, 0), (3, 8, 8, 101, 1, 1, 0),
        ]
        // Tiles of 48 positions (3 blocks of 16; partial tiles hit the 8-wide and scalar
        // tails) and two threads even for these small sizes.
        let (savedTile, savedWork) = (ConvGeometry.directTileOverride, ConvGeometry.directParallelWork)
        defer {
            ConvGeometry.directTileOverride = savedTile; ConvGeometry.directParallelWork = savedWork
            ConvGeometry.direct1DEnabled = ConvGeometry.directKernelsByDefault
        }
        ConvGeometry.directParallelWork = 0
        for (direct, tile) in [(true, 48), (true, nil), (false, nil)] {
            ConvGeometry.direct1DEnabled = direct
            ConvGeometry.directTileOverride = tile
            for c in cases {
                let g = ConvGeometry(batch: c.n, inChannels: c.cin, outChannels: c.cout, length: c.L,
                                     kernel: c.k, stride: c.s, padding: c.p)
                XCTAssertEqual(g.usesDirect1D, direct, "\(g)")
                check(g, Float.self, &rng)
                if tile != nil { check(g, Double.self, &rng) }
            }
        }
        ConvGeometry.direct1DEnabled = true
        ConvGeometry.direct2DEnabled = false
        defer { ConvGeometry.direct2DEnabled = ConvGeometry.directKernelsByDefault }
        // 2-D and wide channels keep im2col + GEMM.
        XCTAssertFalse(ConvGeometry(batch: 1, inChannels: 1, outChannels: 1, inHeight: 3, inWidth: 3,
                                    kernelHeight: 3, kernelWidth: 3).usesDirect1D)
        XCTAssertFalse(ConvGeometry(batch: 1, inChannels: 32, outChannels: 8, length: 50, kernel: 3).usesDirect1D)
        XCTAssertTrue(ConvGeometry(batch: 1, inChannels: 4, outChannels: 8, length: 50, kernel: 1).usesDirect1D)
    }

    /// The direct stride-1 2-D kernels (padded planes, taps as contiguous runs, dropped
    /// columns) against the naive loops: several row tiles, both threads, both precisions,
    /// the conv_iresnet shapes, 1×1 and non-square kernels, the weight gradient's groups of
    /// samples; and the path choice.
    func testDirect2D() {
        var rng = RandomGenerator(seed: 31)
        let (savedRows, savedWork) = (ConvGeometry.direct2DRowsOverride, ConvGeometry.directParallelWork)
        defer {
            ConvGeometry.direct2DRowsOverride = savedRows; ConvGeometry.directParallelWork = savedWork
            ConvGeometry.direct2DEnabled = ConvGeometry.directKernelsByDefault
        }
        ConvGeometry.direct2DEnabled = true
        ConvGeometry.directParallelWork = 0
        let cases: [(n: Int, cin: Int, cout: Int, h: Int, w: Int, kh: Int, kw: Int, ph: Int, pw: Int)] = [
            (3, 6, 10, 12, 12, 3, 3, 1, 1), (2, 10, 5, 12, 12, 3, 3, 1, 1), (3, 9, 7, 8, 8, 1, 1, 0, 0),
            (2, 3, 5, 7, 9, 3, 2, 2, 1), (2, 2, 3, 6, 5, 2, 3, 0, 2), (3, 4, 6, 5, 11, 3, 3, 0, 0), (1, 5, 2, 9, 4, 1, 3, 0, 1),
            // The weight gradient's groups of samples (one micro-kernel call over every tile
            // of several samples): more than two groups per thread plus a partial one, the
            // pair layout (C_out ≤ 8), 16- and 32-channel blocks, every remainder of the 12-
            // and 4-tap blocks.
            (37, 5, 7, 7, 7, 3, 3, 1, 1), (35, 3, 8, 6, 5, 3, 3, 0, 0), (34, 6, 33, 6, 6, 3, 3, 1, 1),
            (33, 2, 20, 5, 7, 3, 3, 1, 1), (36, 13, 4, 3, 4, 1, 1, 0, 0),
        ]
        for rows in [3, nil] as [Int?] {
            ConvGeometry.direct2DRowsOverride = rows
            for c in cases {
                let g = ConvGeometry(batch: c.n, inChannels: c.cin, outChannels: c.cout, inHeight: c.h, inWidth: c.w,
                                     kernelHeight: c.kh, kernelWidth: c.kw, padHeight: c.ph, padWidth: c.pw)
                XCTAssertTrue(g.usesDirect2D, "\(g)")
                if c.n > 30 { XCTAssertGreaterThan(g.d2WeightGroup, 1); XCTAssertGreaterThan(c.n, 2 * g.d2WeightGroup) }
                check(g, Float.self, &rng)
                if rows != nil { check(g, Double.self, &rng) }
            }
        }
        // Strides and padding ≥ the kernel keep im2col + GEMM.
        XCTAssertFalse(ConvGeometry(batch: 1, inChannels: 2, outChannels: 2, inHeight: 8, inWidth: 8, kernelHeight: 3, kernelWidth: 3,
                                    strideHeight: 2, strideWidth: 2, padHeight: 1, padWidth: 1).usesDirect2D)
        XCTAssertFalse(ConvGeometry(batch: 1, inChannels: 2, outChannels: 2, inHeight: 8, inWidth: 8, kernelHeight: 2, kernelWidth: 2,
                                    padHeight: 2, padWidth: 2).usesDirect2D)
    }

    func testGeometry() {
        let g = ConvGeometry(batch: 2, inChannels: 3, outChannels: 4, inHeight: 7, inWidth: 5,
                             kernelHeight: 3, kernelWidth: 2, strideHeight: 2, strideWidth: 3,
                             padHeight: 1, padWidth: 2)
        XCTAssertEqual(g.outHeight, 4)     // ⌊(7 + 2 − 3)/2⌋ + 1
        XCTAssertEqual(g.outWidth, 3)      // ⌊(5 + 4 − 2)/3⌋ + 1
        XCTAssertEqual(g.patchSize, 18)
        XCTAssertEqual(g.chunk, 2)
        XCTAssertEqual(g.workspaceCount, (18 + 4) * 12 * 2)
        XCTAssertEqual(g.weightCount, 72)
        XCTAssertFalse(g.isPointwise)
        ConvGeometry.direct1DEnabled = true
        ConvGeometry.direct2DEnabled = true
        defer {
            ConvGeometry.direct1DEnabled = ConvGeometry.directKernelsByDefault
            ConvGeometry.direct2DEnabled = ConvGeometry.directKernelsByDefault
        }
        let pw = ConvGeometry(batch: 1, inChannels: 3, outChannels: 2, length: 9, kernel: 1)
        XCTAssertTrue(pw.isPointwise)
        XCTAssertTrue(pw.usesDirect1D)   // few channels: the direct 1-D kernels, with a workspace
        XCTAssertEqual(pw.workspaceCount, pw.directWorkspaceCount)
        XCTAssertEqual(pw.outHeight, 1)
        XCTAssertEqual(pw.outWidth, 9)
        let pw2 = ConvGeometry(batch: 1, inChannels: 3, outChannels: 2, inHeight: 2, inWidth: 9, kernelHeight: 1, kernelWidth: 1)
        XCTAssertTrue(pw2.isPointwise)
        XCTAssertTrue(pw2.usesDirect2D)
        XCTAssertEqual(pw2.workspaceCount, pw2.direct2DWorkspaceCount)
        ConvGeometry.direct2DEnabled = false
        XCTAssertEqual(pw2.workspaceCount, 0)   // the GEMM on x itself
    }

    /// A pointwise convolution runs without any workspace.
    func testPointwiseNeedsNoWorkspace() {
        var rng = RandomGenerator(seed: 14)
        let g = ConvGeometry(batch: 3, inChannels: 4, outChannels: 5, inHeight: 3, inWidth: 6,
                             kernelHeight: 1, kernelWidth: 1)
        let xs: [Double] = randomScalars(g.inputCount, &rng)
        let ws: [Double] = randomScalars(g.weightCount, &rng)
        let dys: [Double] = randomScalars(g.outputCount, &rng)
        let x = KBuf(xs), w = KBuf(ws), dy = KBuf(dys)
        let y = KBuf<Double>(nan: g.outputCount), dx = KBuf<Double>(nan: g.inputCount), dw = KBuf<Double>(nan: g.weightCount)
        convForward(g, x: x.p, w: w.p, bias: nil, y: y.p, workspace: nil)
        convBackwardInput(g, dy: dy.p, w: w.p, dx: dx.p, workspace: nil)
        convBackwardWeight(g, x: x.p, dy: dy.p, dw: dw.p, workspace: nil)
        assertClose(y.array, NaiveConv.forward(g, x: xs, w: ws, bias: nil), "pointwise forward")
        assertClose(dx.array, NaiveConv.backwardInput(g, dy: dys, w: ws), "pointwise backwardInput")
        assertClose(dw.array, NaiveConv.backwardWeight(g, x: xs, dy: dys), "pointwise backwardWeight")
    }
}

extension ConvolutionTests {
    /// The three convolutions of the conv_iresnet benchmark (16×16 images, 16→32 3×3 pad 1,
    /// 32→32 1×1, 32→16 3×3 pad 1) through the direct kernels with both threads, in both
    /// precisions: against the naive loops at batch 1, and against the im2col + GEMM path
    /// (itself checked against the naive loops above; at batch 16 the loops would take
    /// minutes in a debug build) at batch 5 (uneven thread split), and for the first
    /// layer at the benchmark's batch 16 in Float32. Tiles of 286 positions end in the masked 8-wide
    /// tail of the micro-kernel.
    func testDirect2DBenchmarkShapes() {
        var rng = RandomGenerator(seed: 41)
        let saved = ConvGeometry.directParallelWork
        defer { ConvGeometry.directParallelWork = saved; ConvGeometry.direct2DEnabled = ConvGeometry.directKernelsByDefault }
        ConvGeometry.direct2DEnabled = true
        ConvGeometry.directParallelWork = 0
        for (cin, cout, k, p) in [(16, 32, 3, 1), (32, 32, 1, 0), (32, 16, 3, 1)] {
            func geometry(_ batch: Int) -> ConvGeometry {
                let g = ConvGeometry(batch: batch, inChannels: cin, outChannels: cout, inHeight: 16, inWidth: 16,
                                     kernelHeight: k, kernelWidth: k, padHeight: p, padWidth: p)
                XCTAssertTrue(g.usesDirect2D, "\(g)")
                return g
            }
            check(geometry(1), Float.self, &rng)
            check(geometry(1), Double.self, &rng)
            compareWithIm2col(geometry(cin == 16 ? 16 : 5), Float.self, &rng)
            compareWithIm2col(geometry(5), Double.self, &rng)
        }
    }

    /// The direct kernels against the im2col + GEMM path on the same data: forward with
    /// bias, backward input and weight, overwriting and accumulating.
    private func compareWithIm2col<T: NetScalar>(_ g: ConvGeometry, _: T.Type, _ rng: inout RandomGenerator) {
        let x = KBuf<T>(randomScalars(g.inputCount, &rng)), w = KBuf<T>(randomScalars(g.weightCount, &rng))
        let b = KBuf<T>(randomScalars(g.outChannels, &rng)), dy = KBuf<T>(randomScalars(g.outputCount, &rng))
        let start: [T] = randomScalars(max(g.inputCount, g.weightCount), &rng)
        func run(direct: Bool) -> [[T]] {
            ConvGeometry.direct2DEnabled = direct
            defer { ConvGeometry.direct2DEnabled = true }
            let work = KBuf<T>(nan: max(1, g.workspaceCount))
            let y = KBuf<T>(nan: g.outputCount), dx = KBuf<T>(nan: g.inputCount), dw = KBuf<T>(nan: g.weightCount)
            let dxAcc = KBuf<T>(Array(start.prefix(g.inputCount))), dwAcc = KBuf<T>(Array(start.prefix(g.weightCount)))
            convForward(g, x: x.p, w: w.p, bias: b.p, y: y.p, workspace: work.p)
            convBackwardInput(g, dy: dy.p, w: w.p, dx: dx.p, workspace: work.p)
            convBackwardInput(g, dy: dy.p, w: w.p, dx: dxAcc.p, workspace: work.p, accumulate: true)
            convBackwardWeight(g, x: x.p, dy: dy.p, dw: dw.p, workspace: work.p)
            convBackwardWeight(g, x: x.p, dy: dy.p, dw: dwAcc.p, workspace: work.p, accumulate: true)
            return [y.array, dx.array, dxAcc.array, dw.array, dwAcc.array]
        }
        let direct = run(direct: true), gemm = run(direct: false)
        for (name, (d, r)) in zip(["forward", "backwardInput", "backwardInput accumulate", "backwardWeight", "backwardWeight accumulate"],
                                  zip(direct, gemm)) {
            assertClose(d, r.map(Double.init), "\(name) direct vs im2col \(T.dtypeName) \(g)")
        }
    }

    /// Odd shapes around the benchmark's: channels that are not multiples of 4 or 8,
    /// widths whose tiles end in every tail length 1…7, every tap remainder of the weight
    /// gradient's 6-tap blocks, batch 1, padding 0 and 1, stride 2 (the im2col path), in
    /// both precisions, direct and im2col.
    func testDirect2DOddShapes() {
        var rng = RandomGenerator(seed: 43)
        let saved = ConvGeometry.directParallelWork
        defer { ConvGeometry.directParallelWork = saved; ConvGeometry.direct2DEnabled = ConvGeometry.directKernelsByDefault }
        ConvGeometry.directParallelWork = 0
        let cases: [(n: Int, cin: Int, cout: Int, h: Int, w: Int, k: Int, s: Int, p: Int)] = [
            (1, 5, 7, 16, 16, 3, 1, 1), (2, 13, 11, 9, 10, 3, 1, 0), (1, 9, 17, 7, 7, 1, 1, 0), (3, 17, 6, 11, 13, 3, 1, 1),
            (2, 7, 9, 6, 5, 3, 1, 1), (1, 3, 5, 8, 6, 3, 1, 0), (2, 6, 3, 5, 9, 3, 1, 1), (1, 11, 13, 10, 12, 3, 1, 1),
            (2, 10, 6, 16, 16, 3, 2, 1), (1, 5, 3, 9, 9, 3, 2, 0),
            // 1×1: 7, 10, 11 taps (K mod 6 = 1, 4, 5: the tap remainders of the weight gradient).
            (2, 7, 5, 6, 6, 1, 1, 0), (1, 10, 3, 5, 7, 1, 1, 0), (2, 11, 9, 4, 9, 1, 1, 0),
        ]
        for direct in [true, false] {
            ConvGeometry.direct2DEnabled = direct
            for c in cases {
                let g = ConvGeometry(batch: c.n, inChannels: c.cin, outChannels: c.cout, inHeight: c.h, inWidth: c.w,
                                     kernelHeight: c.k, kernelWidth: c.k, strideHeight: c.s, strideWidth: c.s,
                                     padHeight: c.p, padWidth: c.p)
                XCTAssertEqual(g.usesDirect2D, direct && c.s == 1, "\(g)")
                check(g, Float.self, &rng)
                check(g, Double.self, &rng)
            }
        }
    }
}
