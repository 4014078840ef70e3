// Direct 1-D convolution kernels for few channels and long sequences (IsotopeNet, ch. 7).
//
// With C_in·k = 3…24 the im2col GEMM of `Convolution.swift` is a poor GEMM shape (a tiny
// inner dimension) and its column matrix is k times the input, streamed through memory.
// Here the length is cut into tiles of `directTile` positions; for each tile the k·C_in
// "rows" (the input shifted by each tap) are either pointers straight into x (stride 1,
// away from the padding) or a small copy in an L1/L2-resident buffer (strided or padded
// tiles). A register-blocked micro-kernel then forms [M, K] · rows: 4 output rows × 16
// positions in eight SIMD8 accumulators, one load of a row segment feeding 8 FMAs.
//
//   forward          y[o, i]  = Σ_{c,j} w[o, c, j] · x[c, i·s − p + j]
//   backward-input   dx[c, m] = Σ_{o,j} w[o, c, j] · dy[o, (m + p − j)/s]   (s | m + p − j)
//                    stride 1: the same row scheme with rows dy[o] shifted by p − j;
//                    stride > 1: per tile col = wᵀ·dy (rows of dy), scattered into dx.
//   backward-weight  dw[o, c, j] = Σ_{n,i} dy[n, o, i] · x[n, c, i·s − p + j]
//                    (dot products of dy rows with the same tap rows as the forward).
//
// Samples are split between the compute threads (2 here); each thread owns a slice of the
// workspace (its tap-row buffer and, for the weight gradient, a partial dw summed at the
// end), so the kernels stay allocation-free. The geometry decides the path
// (`usesDirect1D`); the im2col path remains for 2-D and for wide channels. On CPUs with
// AVX-512 the Float32 micro-kernel runs 16 wide in C (`WideKernels`).

import CKernels

extension ConvGeometry {
    /// Turns the direct 1-D kernels on or off (tests compare both paths). Off by default in
    /// unoptimised (debug) builds, where SIMD code runs one lane at a time through calls
    /// and would be far slower than OpenBLAS; the kernel tests switch it on.
    nonisolated(unsafe) public static var direct1DEnabled = directKernelsByDefault
    /// Whether the direct kernels are on by default: in optimised builds only.
    public static var directKernelsByDefault: Bool {
        #if DEBUG
        return false
        #else
        return true
        #endif
    }
    /// Threads the direct kernels' workspace is sized for.
    static let directMaxThreads = 2

    /// True when the direct 1-D kernels run: a 1-D geometry (height 1) with few taps per
    /// output (C_in·k and C_out·k at most 64), pointwise ones included (a GEMM with an
    /// inner dimension of 1–8 is as poor a shape).
    public var usesDirect1D: Bool {
        ConvGeometry.direct1DEnabled && inHeight == 1 && kernelHeight == 1 && strideHeight == 1 && padHeight == 0
            && inChannels * kernelWidth <= 64 && outChannels * kernelWidth <= 64
    }

    /// Tests set these to exercise many tiles and both threads on short sequences.
    nonisolated(unsafe) public static var directTileOverride: Int? = nil
    nonisolated(unsafe) public static var directParallelWork = 200_000

    /// Positions per tile: the tap rows of one tile stay within about 64 KB.
    var directTile: Int {
        if let t = ConvGeometry.directTileOverride { return t }
        let rows = max(inChannels, outChannels) * kernelWidth
        return max(64, min(2048, (16_384 / rows) / 16 * 16))
    }
    /// Side of the square scratch matrices (padded weights, partial weight gradients).
    var directSide: Int { max(inChannels, outChannels) * kernelWidth + 4 }
    /// Row pointers a thread needs: tap rows, plus zero rows to pad to a multiple of 4.
    var directRows: Int { max(inChannels, outChannels) * kernelWidth + 4 }
    /// Scalars per thread: tap-row buffer, one zero row, partial dw.
    var directPerThread: Int { directRows * directTile + directTile + directSide * directSide }
    /// Scalars of workspace the direct kernels need.
    var directWorkspaceCount: Int { directSide * directSide + ConvGeometry.directMaxThreads * directPerThread }
}

@inline(__always)
func load8<S: SIMDScalar & BinaryFloatingPoint>(_ p: UnsafePointer<S>) -> SIMD8<S> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD8<S>.self)
}

@inline(__always)
func store8<S: SIMDScalar & BinaryFloatingPoint>(_ v: SIMD8<S>, _ p: UnsafeMutablePointer<S>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<S>.self)
}

/// c[m, t] ← (c[m, t] if accumulate) + bias[m] + Σ_r a[m·K + r] · rows[r][t] for m < M,
/// t < T. `a` must have ⌈M/4⌉·4 rows (padding rows are read, never stored).
@inline(__always)
func rowsGemm<S: NetScalar>(M: Int, K: Int, T: Int, a: UnsafePointer<S>, rows: UnsafePointer<UnsafePointer<S>>,
                                    c: UnsafeMutablePointer<S>, ldc: Int, bias: UnsafePointer<S>?, accumulate: Bool) {
    if S.self == Float.self && T >= 16 && WideKernels.avx512 {
        // The same kernel 16 wide (CKernels/rows_gemm_avx512.c).
        netl_rows_gemm_f32_avx512(M, K, T, UnsafeRawPointer(a).assumingMemoryBound(to: Float.self),
                                  UnsafeRawPointer(rows).assumingMemoryBound(to: UnsafePointer<Float>?.self),
                                  UnsafeMutableRawPointer(c).assumingMemoryBound(to: Float.self), ldc,
                                  bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) }, accumulate ? 1 : 0)
        return
    }
    var m = 0
    while m < M {
        let mb = min(4, M - m)
        let a0 = a + m * K, a1 = a0 + K, a2 = a1 + K, a3 = a2 + K
        @inline(__always) func finish(_ q: Int, _ v: SIMD8<S>, _ t: Int) {
            guard q < mb else { return }
            let dst = c + (m + q) * ldc + t
            var v = v
            if accumulate { v += load8(dst) }
            if let bias { v += SIMD8(repeating: bias[m + q]) }
            store8(v, dst)
        }
        var t = 0
        while t + 16 <= T {
            var c00 = SIMD8<S>(), c01 = SIMD8<S>(), c10 = SIMD8<S>(), c11 = SIMD8<S>()
            var c20 = SIMD8<S>(), c21 = SIMD8<S>(), c30 = SIMD8<S>(), c31 = SIMD8<S>()
            for r in 0..<K {
                let src = rows[r] + t
                let b0 = load8(src), b1 = load8(src + 8)
                let w0 = a0[r], w1 = a1[r], w2 = a2[r], w3 = a3[r]
                c00 = c00.addingProduct(w0, b0); c01 = c01.addingProduct(w0, b1)
                c10 = c10.addingProduct(w1, b0); c11 = c11.addingProduct(w1, b1)
                c20 = c20.addingProduct(w2, b0); c21 = c21.addingProduct(w2, b1)
                c30 = c30.addingProduct(w3, b0); c31 = c31.addingProduct(w3, b1)
            }
            finish(0, c00, t); finish(0, c01, t + 8)
            finish(1, c10, t); finish(1, c11, t + 8)
            finish(2, c20, t); finish(2, c21, t + 8)
            finish(3, c30, t); finish(3, c31, t + 8)
            t += 16
        }
        if t + 8 <= T {
            var c0 = SIMD8<S>(), c1 = SIMD8<S>(), c2 = SIMD8<S>(), c3 = SIMD8<S>()
            for r in 0..<K {
                let b = load8(rows[r] + t)
                c0 = c0.addingProduct(a0[r], b); c1 = c1.addingProduct(a1[r], b)
                c2 = c2.addingProduct(a2[r], b); c3 = c3.addingProduct(a3[r], b)
            }
            finish(0, c0, t); finish(1, c1, t); finish(2, c2, t); finish(3, c3, t)
            t += 8
        }
        if t < T && T >= 8 {
            // The last 1–7 positions: one 8-wide block ending at T (every read is inside the
            // rows), storing only its lanes from t on. A scalar tail would run K dependent
            // FMAs per position (latency-bound), which costs more than the vector part for
            // the 3×3 tiles of 286 positions (16 rows of 18 minus 2).
            let t0 = T - 8, skip = t - t0
            var c0 = SIMD8<S>(), c1 = SIMD8<S>(), c2 = SIMD8<S>(), c3 = SIMD8<S>()
            for r in 0..<K {
                let b = load8(rows[r] + t0)
                c0 = c0.addingProduct(a0[r], b); c1 = c1.addingProduct(a1[r], b)
                c2 = c2.addingProduct(a2[r], b); c3 = c3.addingProduct(a3[r], b)
            }
            @inline(__always) func finishTail(_ q: Int, _ v: SIMD8<S>) {
                guard q < mb else { return }
                let dst = c + (m + q) * ldc + t0
                let add: S = bias?[m + q] ?? 0
                for i in skip..<8 { dst[i] = (accumulate ? dst[i] : 0) + v[i] + add }
            }
            finishTail(0, c0); finishTail(1, c1); finishTail(2, c2); finishTail(3, c3)
            t = T
        }
        while t < T {
            for q in 0..<mb {
                let aq = a + (m + q) * K
                var s: S = 0
                for r in 0..<K { s += aq[r] * rows[r][t] }
                let dst = c + (m + q) * ldc + t
                if accumulate { s += dst[0] }
                if let bias { s += bias[m + q] }
                dst[0] = s
            }
            t += 1
        }
        m += 4
    }
}

/// d[m·K + r] += Σ_{t<T} g[m][t] · rows[r][t] for m < M, r < K. `g` must hold ⌈M/4⌉·4
/// pointers (padding ones may point at zeros; their sums are discarded).
@inline(__always)
func rowsGemmTN<S: NetScalar>(M: Int, K: Int, T: Int, g: UnsafePointer<UnsafePointer<S>>,
                                      rows: UnsafePointer<UnsafePointer<S>>, d: UnsafeMutablePointer<S>) {
    let T8 = T & ~7
    var m = 0
    while m < M {
        let mb = min(4, M - m)
        let g0 = g[m], g1 = g[m + 1], g2 = g[m + 2], g3 = g[m + 3]
        @inline(__always) func add(_ q: Int, _ r: Int, _ v: SIMD8<S>, _ tail: S) {
            if q < mb { d[(m + q) * K + r] += v.sum() + tail }
        }
        var r = 0
        while r < K {
            let two = r + 1 < K
            let x0 = rows[r], x1 = two ? rows[r + 1] : rows[r]
            var c00 = SIMD8<S>(), c01 = SIMD8<S>(), c10 = SIMD8<S>(), c11 = SIMD8<S>()
            var c20 = SIMD8<S>(), c21 = SIMD8<S>(), c30 = SIMD8<S>(), c31 = SIMD8<S>()
            var t = 0
            while t < T8 {
                let b0 = load8(x0 + t), b1 = load8(x1 + t)
                let d0 = load8(g0 + t), d1 = load8(g1 + t), d2 = load8(g2 + t), d3 = load8(g3 + t)
                c00 = c00.addingProduct(d0, b0); c01 = c01.addingProduct(d0, b1)
                c10 = c10.addingProduct(d1, b0); c11 = c11.addingProduct(d1, b1)
                c20 = c20.addingProduct(d2, b0); c21 = c21.addingProduct(d2, b1)
                c30 = c30.addingProduct(d3, b0); c31 = c31.addingProduct(d3, b1)
                t += 8
            }
            var s00: S = 0, s01: S = 0, s10: S = 0, s11: S = 0, s20: S = 0, s21: S = 0, s30: S = 0, s31: S = 0
            while t < T {
                let b0 = x0[t], b1 = x1[t]
                s00 += g0[t] * b0; s01 += g0[t] * b1
                s10 += g1[t] * b0; s11 += g1[t] * b1
                s20 += g2[t] * b0; s21 += g2[t] * b1
                s30 += g3[t] * b0; s31 += g3[t] * b1
                t += 1
            }
            add(0, r, c00, s00); add(1, r, c10, s10); add(2, r, c20, s20); add(3, r, c30, s30)
            if two { add(0, r + 1, c01, s01); add(1, r + 1, c11, s11); add(2, r + 1, c21, s21); add(3, r + 1, c31, s31) }
            r += 2
        }
        m += 4
    }
}

/// Points rows[r] at the values src[(i0 + t)·s + off] for t < tw (zero outside 0..<len):
/// straight into src when stride 1 and the whole tile is inside, else a copy in `buffer`.
@inline(__always)
private func tapRow<S: NetScalar>(_ src: UnsafePointer<S>, len: Int, first: Int, stride s: Int, count tw: Int,
                                  buffer: UnsafeMutablePointer<S>) -> UnsafePointer<S> {
    let last = first + (tw - 1) * s
    if s == 1 && first >= 0 && last < len { return src + first }
    // Valid t: 0 ≤ first + t·s < len.
    let lo = first >= 0 ? 0 : min(tw, (-first + s - 1) / s)
    let hi = first >= len ? 0 : min(tw, (len - 1 - first) / s + 1)
    if lo > 0 { buffer.update(repeating: 0, count: lo) }
    if hi > lo {
        if s == 1 {
            (buffer + lo).update(from: src + first + lo, count: hi - lo)
        } else {
            var idx = first + lo * s
            for t in lo..<hi { buffer[t] = src[idx]; idx += s }
        }
    }
    let from = max(lo, hi)
    if from < tw { (buffer + from).update(repeating: 0, count: tw - from) }
    return UnsafePointer(buffer)
}

/// Runs body(thread, samples) over the batch split into contiguous parts, one per thread
/// (inline when the work is small or one thread is configured).
@inline(__always)
func directThreads(_ g: ConvGeometry) -> Int {
    let work = g.batch * g.outputPlane * g.patchSize * g.outChannels
    return work < ConvGeometry.directParallelWork ? 1 : max(1, min(ConvGeometry.directMaxThreads, computeThreads, g.batch))
}

@inline(__always)
func forEachSampleRange(_ g: ConvGeometry, _ body: (Int, Range<Int>) -> Void) {
    let threads = directThreads(g)
    if threads <= 1 { body(0, 0..<g.batch); return }
    let size = (g.batch + threads - 1) / threads
    parallelFor(threads) { i in
        let start = min(g.batch, i * size)
        body(i, start..<min(g.batch, start + size))
    }
}

/// y ← conv1d(x, w) (+ bias) by the direct kernels. See `convForward`.
@_specialize(where T == Float)
@_specialize(where T == Double)
func conv1dDirectForward<T: NetScalar>(_ g: ConvGeometry, x: UnsafePointer<T>, w: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                       y: UnsafeMutablePointer<T>, workspace ws: UnsafeMutablePointer<T>) {
    let (Cin, Cout, k, s, p, L, Lo) = (g.inChannels, g.outChannels, g.kernelWidth, g.strideWidth, g.padWidth, g.inWidth, g.outWidth)
    let K = Cin * k, T = g.directTile
    // Weights [C_out, C_in·k] padded with zero rows to a multiple of 4.
    let a = ws
    a.update(from: w, count: Cout * K)
    (a + Cout * K).update(repeating: 0, count: 4 * K)
    forEachSampleRange(g) { thread, samples in
        let buffer = ws + g.directSide * g.directSide + thread * g.directPerThread
        withUnsafeTemporaryAllocation(of: UnsafePointer<T>.self, capacity: K) { rowsBuffer in
            let rows = rowsBuffer.baseAddress!
            for n in samples {
                let xn = x + n * Cin * L, yn = y + n * Cout * Lo
                var i0 = 0
                while i0 < Lo {
                    let tw = min(T, Lo - i0)
                    for c in 0..<Cin { for j in 0..<k {
                        let r = c * k + j
                        rows[r] = tapRow(xn + c * L, len: L, first: i0 * s - p + j, stride: s, count: tw, buffer: buffer + r * T)
                    }}
                    rowsGemm(M: Cout, K: K, T: tw, a: a, rows: rows, c: yn + i0, ldc: Lo, bias: bias, accumulate: false)
                    i0 += tw
                }
            }
        }
    }
}

/// dx ← conv1dᵀ(dy, w) (or += when accumulate) by the direct kernels. See `convBackwardInput`.
@_specialize(where T == Float)
@_specialize(where T == Double)
func conv1dDirectBackwardInput<T: NetScalar>(_ g: ConvGeometry, dy: UnsafePointer<T>, w: UnsafePointer<T>,
                                             dx: UnsafeMutablePointer<T>, workspace ws: UnsafeMutablePointer<T>, accumulate: Bool) {
    let (Cin, Cout, k, s, p, L, Lo) = (g.inChannels, g.outChannels, g.kernelWidth, g.strideWidth, g.padWidth, g.inWidth, g.outWidth)
    let T = g.directTile
    let a = ws
    if s == 1 {
        // a[c, o·k + j] = w[o, c, j]: dx[c, m] = Σ_{o,j} a[c, o·k + j] · dy[o, m + p − j].
        let K = Cout * k
        for c in 0..<Cin { for o in 0..<Cout { for j in 0..<k { a[c * K + o * k + j] = w[(o * Cin + c) * k + j] } } }
        (a + Cin * K).update(repeating: 0, count: 4 * K)
        forEachSampleRange(g) { thread, samples in
            let buffer = ws + g.directSide * g.directSide + thread * g.directPerThread
            withUnsafeTemporaryAllocation(of: UnsafePointer<T>.self, capacity: K) { rowsBuffer in
                let rows = rowsBuffer.baseAddress!
                for n in samples {
                    let dyn = dy + n * Cout * Lo, dxn = dx + n * Cin * L
                    var m0 = 0
                    while m0 < L {
                        let tw = min(T, L - m0)
                        for o in 0..<Cout { for j in 0..<k {
                            let r = o * k + j
                            rows[r] = tapRow(dyn + o * Lo, len: Lo, first: m0 + p - j, stride: 1, count: tw, buffer: buffer + r * T)
                        }}
                        rowsGemm(M: Cin, K: K, T: tw, a: a, rows: rows, c: dxn + m0, ldc: L, bias: nil, accumulate: accumulate)
                        m0 += tw
                    }
                }
            }
        }
        return
    }
    // Stride > 1: per tile col[c·k + j, t] = Σ_o w[o, c, j] · dy[o, i0 + t], scattered to
    // dx[c, (i0 + t)·s − p + j].
    let K = Cin * k
    for r in 0..<K { for o in 0..<Cout { a[r * Cout + o] = w[o * K + r] } }
    (a + K * Cout).update(repeating: 0, count: 4 * Cout)
    forEachSampleRange(g) { thread, samples in
        let col = ws + g.directSide * g.directSide + thread * g.directPerThread
        withUnsafeTemporaryAllocation(of: UnsafePointer<T>.self, capacity: Cout) { rowsBuffer in
            let rows = rowsBuffer.baseAddress!
            for n in samples {
                let dyn = dy + n * Cout * Lo, dxn = dx + n * Cin * L
                if !accumulate { dxn.update(repeating: 0, count: Cin * L) }
                var i0 = 0
                while i0 < Lo {
                    let tw = min(T, Lo - i0)
                    for o in 0..<Cout { rows[o] = dyn + o * Lo + i0 }
                    rowsGemm(M: K, K: Cout, T: tw, a: a, rows: rows, c: col, ldc: T, bias: nil, accumulate: false)
                    for c in 0..<Cin { for j in 0..<k {
                        let src = col + (c * k + j) * T, dst = dxn + c * L
                        let first = i0 * s - p + j
                        let lo = first >= 0 ? 0 : min(tw, (-first + s - 1) / s)
                        let hi = first >= L ? 0 : min(tw, (L - 1 - first) / s + 1)
                        if hi > lo {
                            var idx = first + lo * s
                            for t in lo..<hi { dst[idx] += src[t]; idx += s }
                        }
                    }}
                    i0 += tw
                }
            }
        }
    }
}

/// dw ← Σₙ dyₙ · tapsₙᵀ (or += when accumulate) by the direct kernels. See `convBackwardWeight`.
@_specialize(where T == Float)
@_specialize(where T == Double)
func conv1dDirectBackwardWeight<T: NetScalar>(_ g: ConvGeometry, x: UnsafePointer<T>, dy: UnsafePointer<T>,
                                              dw: UnsafeMutablePointer<T>, workspace ws: UnsafeMutablePointer<T>, accumulate: Bool) {
    let (Cin, Cout, k, s, p, L, Lo) = (g.inChannels, g.outChannels, g.kernelWidth, g.strideWidth, g.padWidth, g.inWidth, g.outWidth)
    let K = Cin * k, T = g.directTile
    let side = g.directSide, perThread = g.directPerThread
    let Mpad = (Cout + 3) / 4 * 4
    forEachSampleRange(g) { thread, samples in
        let buffer = ws + side * side + thread * perThread
        let zero = buffer + g.directRows * T, partial = zero + T
        zero.update(repeating: 0, count: T)
        partial.update(repeating: 0, count: Cout * K)
        withUnsafeTemporaryAllocation(of: UnsafePointer<T>.self, capacity: K + Mpad) { rowsBuffer in
            let rows = rowsBuffer.baseAddress!, grows = rows + K
            for n in samples {
                let xn = x + n * Cin * L, dyn = dy + n * Cout * Lo
                var i0 = 0
                while i0 < Lo {
                    let tw = min(T, Lo - i0)
                    for c in 0..<Cin { for j in 0..<k {
                        let r = c * k + j
                        rows[r] = tapRow(xn + c * L, len: L, first: i0 * s - p + j, stride: s, count: tw, buffer: buffer + r * T)
                    }}
                    for o in 0..<Mpad { grows[o] = o < Cout ? dyn + o * Lo + i0 : UnsafePointer(zero) }
                    rowsGemmTN(M: Cout, K: K, T: tw, g: grows, rows: rows, d: partial)
                    i0 += tw
                }
            }
        }
    }
    let used = directThreads(g)   // the threads forEachSampleRange ran
    let count = Cout * K
    if !accumulate { dw.update(repeating: 0, count: count) }
    for thread in 0..<used {
        let partial = ws + side * side + thread * perThread + g.directRows * T + T
        for i in 0..<count { dw[i] += partial[i] }
    }
}

import Dispatch
