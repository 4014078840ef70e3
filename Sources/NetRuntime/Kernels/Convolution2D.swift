// Direct 2-D convolution kernels for stride 1 (the convolutional i-ResNets of ch. 4–5).
//
// No im2col matrix: each sample's input is copied once into a zero-padded plane
// [C, H + 2·ph, W + 2·pw] (plus a few zeros of slack), and outputs are computed in the
// padded width Wp: output position q = oh·Wp + ow reads tap (c, ki, kj) at
// pad[c, q + ki·Wp + kj], so every tap "row" is a contiguous run of the padded plane and
// the register-blocked micro-kernels of `Convolution1D.swift` apply unchanged. The
// kw − 1 extra columns per output row are computed and dropped (12 % for 3×3 on 16×16);
// the weight gradient multiplies them by zeros. Outputs are tiled by groups of rows
// (about 400 positions), so a tile's taps and results stay in L1/L2.
//
//   forward          y  = conv(pad_p(x), w)
//   backward-input   dx = conv(pad_{k−1−p}(dy), w̃), w̃[c, o, ki, kj] = w[o, c, k−1−ki, k−1−kj]
//                    (stride 1: the transposed convolution is a convolution)
//   backward-weight  dw[o, (c, ki, kj)] = Σ_{n,q} dy[n, o, q] · pad_p(x)[n, c, q + ki·Wp + kj]
//                    (dy transposed per tile to [q, o], so 16 output channels form two
//                    SIMD vectors and a 16 × 6 block of dw stays in registers over the
//                    whole tile: no horizontal sums, no tail over q)
//
// Samples are split between the threads, each with its own slice of the workspace. On
// CPUs with AVX-512 the Float32 micro-kernels run 16 wide in C (`WideKernels`).

import CKernels

extension ConvGeometry {
    /// Turns the direct 2-D kernels on or off (tests compare both paths; off by default in
    /// debug builds, see `direct1DEnabled`).
    nonisolated(unsafe) public static var direct2DEnabled = directKernelsByDefault

    /// True when the direct 2-D kernels run: stride 1, padding below the kernel size, and
    /// at most 1,024 taps per output (C_in·kh·kw and C_out·kh·kw).
    public var usesDirect2D: Bool {
        ConvGeometry.direct2DEnabled && !usesDirect1D && strideHeight == 1 && strideWidth == 1
            && padHeight < kernelHeight && padWidth < kernelWidth
            && inChannels * kernelHeight * kernelWidth <= 1024 && outChannels * kernelHeight * kernelWidth <= 1024
    }

    /// Padded plane sizes of the forward (pad p around x) and backward-input (pad k − 1 − p
    /// around dy) passes, and the larger of the two.
    var d2PaddedHeight: Int { max(inHeight + 2 * padHeight, outHeight + 2 * (kernelHeight - 1 - padHeight)) }
    var d2PaddedWidth: Int { max(inWidth + 2 * padWidth, outWidth + 2 * (kernelWidth - 1 - padWidth)) }
    /// Tests set this to cut small images into several tiles of rows.
    nonisolated(unsafe) public static var direct2DRowsOverride: Int? = nil
    /// Output rows per tile: about 400 positions.
    var d2RowsPerTile: Int { ConvGeometry.direct2DRowsOverride ?? max(1, 400 / d2PaddedWidth) }
    var d2Tile: Int { d2RowsPerTile * d2PaddedWidth }
    var d2Channels: Int { max(inChannels, outChannels) }
    var d2Taps: Int { d2Channels * kernelHeight * kernelWidth }
    var d2PlaneCount: Int { d2Channels * d2PaddedHeight * d2PaddedWidth + kernelWidth + 16 }
    /// Rows of a thread's staging area: output rows of the forward passes (a multiple of
    /// 4), or the positions × ⌈C_out/16⌉·16 of the transposed dy of the weight gradient.
    var d2StageRows: Int { max(2 * (d2Channels + 4), (d2Channels + 15) / 16 * 16) }
    /// Per thread: padded planes, output / transposed-dy staging, partial dw.
    var d2PerThread: Int { d2PlaneCount + d2StageRows * d2Tile + (d2Channels + 4) * d2Taps }
    var d2Shared: Int { (d2Channels + 4) * d2Taps }
    var direct2DWorkspaceCount: Int { d2Shared + ConvGeometry.directMaxThreads * d2PerThread }
}

/// dst[m, oh, ow] (+)= bias[m] + Σ_{c,ki,kj} a[m, (c·kh + ki)·kw + kj] · srcpad[c, oh + ki, ow + kj]
/// for one sample, where srcpad is src [C, H, W] zero-padded by (ph, pw): output
/// Ho = H + 2ph − kh + 1, Wo = W + 2pw − kw + 1. `a` has ⌈M/4⌉·4 rows.
@inline(__always)
private func direct2DPlane<T: NetScalar>(
    src: UnsafePointer<T>, C: Int, H: Int, W: Int, ph: Int, pw: Int, kh: Int, kw: Int,
    a: UnsafePointer<T>, M: Int, dst: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?, accumulate: Bool,
    pad: UnsafeMutablePointer<T>, stage: UnsafeMutablePointer<T>, rows: UnsafeMutablePointer<UnsafePointer<T>>, rowsPerTile: Int
) {
    let Hp = H + 2 * ph, Wp = W + 2 * pw
    let Ho = Hp - kh + 1, Wo = Wp - kw + 1
    let K = C * kh * kw
    let base: UnsafePointer<T>
    if ph == 0 && pw == 0 {
        base = src
    } else {
        pad.update(repeating: 0, count: C * Hp * Wp)
        for c in 0..<C { for ih in 0..<H {
            (pad + (c * Hp + ih + ph) * Wp + pw).update(from: src + (c * H + ih) * W, count: W)
        }}
        base = UnsafePointer(pad)
    }
    var oh0 = 0
    while oh0 < Ho {
        let R = min(rowsPerTile, Ho - oh0)
        let count = (R - 1) * Wp + Wo   // positions up to the last valid one
        for c in 0..<C { for ki in 0..<kh { for kj in 0..<kw {
            rows[(c * kh + ki) * kw + kj] = base + (c * Hp + oh0 + ki) * Wp + kj
        }}}
        if Wp == Wo {
            // No dropped columns: the tile is contiguous in every output plane.
            rowsGemm(M: M, K: K, T: count, a: a, rows: rows, c: dst + oh0 * Wo, ldc: Ho * Wo, bias: bias, accumulate: accumulate)
        } else {
            let ld = rowsPerTile * Wp
            rowsGemm(M: M, K: K, T: count, a: a, rows: rows, c: stage, ldc: ld, bias: bias, accumulate: false)
            for m in 0..<M { for r in 0..<R {
                let s = stage + m * ld + r * Wp, d = dst + (m * Ho + oh0 + r) * Wo
                if accumulate { for i in 0..<Wo { d[i] += s[i] } } else { d.update(from: s, count: Wo) }
            }}
        }
        oh0 += R
    }
}

/// y ← conv2d(x, w) (+ bias), stride 1, by the direct kernels. See `convForward`.
@_specialize(where T == Float)
@_specialize(where T == Double)
func conv2dDirectForward<T: NetScalar>(_ g: ConvGeometry, x: UnsafePointer<T>, w: UnsafePointer<T>, bias: UnsafePointer<T>?,
                                       y: UnsafeMutablePointer<T>, workspace ws: UnsafeMutablePointer<T>) {
    let (Cin, Cout) = (g.inChannels, g.outChannels)
    let K = g.patchSize
    let a = ws
    a.update(from: w, count: Cout * K)
    (a + Cout * K).update(repeating: 0, count: 4 * K)
    forEachSampleRange(g) { thread, samples in
        let pad = ws + g.d2Shared + thread * g.d2PerThread, stage = pad + g.d2PlaneCount
        withUnsafeTemporaryAllocation(of: UnsafePointer<T>.self, capacity: K) { rows in
            for n in samples {
                direct2DPlane(src: x + n * Cin * g.inputPlane, C: Cin, H: g.inHeight, W: g.inWidth,
                              ph: g.padHeight, pw: g.padWidth, kh: g.kernelHeight, kw: g.kernelWidth,
                              a: a, M: Cout, dst: y + n * Cout * g.outputPlane, bias: bias, accumulate: false,
                              pad: pad, stage: stage, rows: rows.baseAddress!, rowsPerTile: g.d2RowsPerTile)
            }
        }
    }
}

/// dx ← conv2dᵀ(dy, w) (or += when accumulate), stride 1, by the direct kernels.
@_specialize(where T == Float)
@_specialize(where T == Double)
func conv2dDirectBackwardInput<T: NetScalar>(_ g: ConvGeometry, dy: UnsafePointer<T>, w: UnsafePointer<T>,
                                             dx: UnsafeMutablePointer<T>, workspace ws: UnsafeMutablePointer<T>, accumulate: Bool) {
    let (Cin, Cout, kh, kw) = (g.inChannels, g.outChannels, g.kernelHeight, g.kernelWidth)
    let K = Cout * kh * kw
    // ã[c, (o·kh + ki)·kw + kj] = w[o, c, kh − 1 − ki, kw − 1 − kj].
    let a = ws
    for c in 0..<Cin { for o in 0..<Cout { for ki in 0..<kh { for kj in 0..<kw {
        a[c * K + (o * kh + ki) * kw + kj] = w[((o * Cin + c) * kh + kh - 1 - ki) * kw + kw - 1 - kj]
    }}}}
    (a + Cin * K).update(repeating: 0, count: 4 * K)
    forEachSampleRange(g) { thread, samples in
        let pad = ws + g.d2Shared + thread * g.d2PerThread, stage = pad + g.d2PlaneCount
        withUnsafeTemporaryAllocation(of: UnsafePointer<T>.self, capacity: K) { rows in
            for n in samples {
                direct2DPlane(src: dy + n * Cout * g.outputPlane, C: Cout, H: g.outHeight, W: g.outWidth,
                              ph: kh - 1 - g.padHeight, pw: kw - 1 - g.padWidth, kh: kh, kw: kw,
                              a: a, M: Cin, dst: dx + n * Cin * g.inputPlane, bias: nil, accumulate: accumulate,
                              pad: pad, stage: stage, rows: rows.baseAddress!, rowsPerTile: g.d2RowsPerTile)
            }
        }
    }
}

/// d[m·K + r] += Σ_{t<T} gt[t·ldg + m] · rows[r][t] for m < M, r < K, where gt is dy
/// transposed, [T, ldg], ldg a multiple of 16, columns m ≥ M zero. Outer products: per t,
/// 16 m (two vectors) times 6 taps (broadcasts) into 12 accumulators.
@inline(__always)
private func rowsGemmTransposedTN<S: NetScalar>(M: Int, K: Int, T: Int, gt: UnsafePointer<S>, ldg: Int,
                                                rows: UnsafePointer<UnsafePointer<S>>, d: UnsafeMutablePointer<S>) {
    if S.self == Float.self && WideKernels.avx512 {
        // One 16-wide vector of channels instead of two 8-wide (CKernels/rows_gemm_tn_avx512.c).
        netl_rows_gemm_tn_f32_avx512(M, K, T, UnsafeRawPointer(gt).assumingMemoryBound(to: Float.self), ldg,
                                     UnsafeRawPointer(rows).assumingMemoryBound(to: UnsafePointer<Float>?.self),
                                     UnsafeMutableRawPointer(d).assumingMemoryBound(to: Float.self))
        return
    }
    var m = 0
    while m < M {
        let gm = gt + m
        let mb = min(16, M - m)
        @inline(__always) func add(_ j: Int, _ lo: SIMD8<S>, _ hi: SIMD8<S>) {
            let dst = d + m * K + j
            for q in 0..<min(8, mb) { dst[q * K] += lo[q] }
            if mb > 8 { for q in 8..<mb { dst[q * K] += hi[q - 8] } }
        }
        var r = 0
        while r + 6 <= K {
            let x0 = rows[r], x1 = rows[r + 1], x2 = rows[r + 2], x3 = rows[r + 3], x4 = rows[r + 4], x5 = rows[r + 5]
            var c00 = SIMD8<S>(), c01 = SIMD8<S>(), c10 = SIMD8<S>(), c11 = SIMD8<S>(), c20 = SIMD8<S>(), c21 = SIMD8<S>()
            var c30 = SIMD8<S>(), c31 = SIMD8<S>(), c40 = SIMD8<S>(), c41 = SIMD8<S>(), c50 = SIMD8<S>(), c51 = SIMD8<S>()
            var p = gm
            for t in 0..<T {
                let g0 = load8(p), g1 = load8(p + 8)
                let b0 = x0[t], b1 = x1[t], b2 = x2[t]
                c00 = c00.addingProduct(b0, g0); c01 = c01.addingProduct(b0, g1)
                c10 = c10.addingProduct(b1, g0); c11 = c11.addingProduct(b1, g1)
                c20 = c20.addingProduct(b2, g0); c21 = c21.addingProduct(b2, g1)
                let b3 = x3[t], b4 = x4[t], b5 = x5[t]
                c30 = c30.addingProduct(b3, g0); c31 = c31.addingProduct(b3, g1)
                c40 = c40.addingProduct(b4, g0); c41 = c41.addingProduct(b4, g1)
                c50 = c50.addingProduct(b5, g0); c51 = c51.addingProduct(b5, g1)
                p += ldg
            }
            add(r, c00, c01); add(r + 1, c10, c11); add(r + 2, c20, c21)
            add(r + 3, c30, c31); add(r + 4, c40, c41); add(r + 5, c50, c51)
            r += 6
        }
        // The last K mod 6 taps two at a time (four accumulators), then one.
        while r + 2 <= K {
            let x0 = rows[r], x1 = rows[r + 1]
            var c00 = SIMD8<S>(), c01 = SIMD8<S>(), c10 = SIMD8<S>(), c11 = SIMD8<S>()
            var p = gm
            for t in 0..<T {
                let g0 = load8(p), g1 = load8(p + 8)
                let b0 = x0[t], b1 = x1[t]
                c00 = c00.addingProduct(b0, g0); c01 = c01.addingProduct(b0, g1)
                c10 = c10.addingProduct(b1, g0); c11 = c11.addingProduct(b1, g1)
                p += ldg
            }
            add(r, c00, c01); add(r + 1, c10, c11)
            r += 2
        }
        if r < K {
            let x0 = rows[r]
            var c00 = SIMD8<S>(), c01 = SIMD8<S>()
            var p = gm
            for t in 0..<T {
                let b0 = x0[t]
                c00 = c00.addingProduct(b0, load8(p)); c01 = c01.addingProduct(b0, load8(p + 8))
                p += ldg
            }
            add(r, c00, c01)
        }
        m += 16
    }
}

/// dw ← Σₙ dyₙ · tapsₙᵀ (or += when accumulate), stride 1, by the direct kernels.
@_specialize(where T == Float)
@_specialize(where T == Double)
func conv2dDirectBackwardWeight<T: NetScalar>(_ g: ConvGeometry, x: UnsafePointer<T>, dy: UnsafePointer<T>,
                                              dw: UnsafeMutablePointer<T>, workspace ws: UnsafeMutablePointer<T>, accumulate: Bool) {
    let (Cin, Cout, kh, kw, ph, pw) = (g.inChannels, g.outChannels, g.kernelHeight, g.kernelWidth, g.padHeight, g.padWidth)
    let (H, W, Ho, Wo) = (g.inHeight, g.inWidth, g.outHeight, g.outWidth)
    let Hp = H + 2 * ph, Wp = W + 2 * pw
    let K = g.patchSize, ldg = (Cout + 15) / 16 * 16
    let rowsPerTile = g.d2RowsPerTile
    forEachSampleRange(g) { thread, samples in
        let pad = ws + g.d2Shared + thread * g.d2PerThread
        let gt = pad + g.d2PlaneCount                      // dy of a tile, transposed: [position, o]
        let partial = gt + g.d2StageRows * g.d2Tile
        partial.update(repeating: 0, count: Cout * K)
        withUnsafeTemporaryAllocation(of: UnsafePointer<T>.self, capacity: K) { buffer in
            let rows = buffer.baseAddress!
            for n in samples {
                let xn = x + n * Cin * g.inputPlane, dyn = dy + n * Cout * g.outputPlane
                let base: UnsafePointer<T>
                if ph == 0 && pw == 0 {
                    base = xn
                } else {
                    pad.update(repeating: 0, count: Cin * Hp * Wp)
                    for c in 0..<Cin { for ih in 0..<H {
                        (pad + (c * Hp + ih + ph) * Wp + pw).update(from: xn + (c * H + ih) * W, count: W)
                    }}
                    base = UnsafePointer(pad)
                }
                var oh0 = 0
                while oh0 < Ho {
                    let R = min(rowsPerTile, Ho - oh0)
                    let count = (R - 1) * Wp + Wo
                    for c in 0..<Cin { for ki in 0..<kh { for kj in 0..<kw {
                        rows[(c * kh + ki) * kw + kj] = base + (c * Hp + oh0 + ki) * Wp + kj
                    }}}
                    // gt[r·Wp + ow, o] = dy[o, oh0 + r, ow]; zeros in the dropped columns
                    // (ow ≥ Wo) and the padding channels (o ≥ C_out).
                    gt.update(repeating: 0, count: count * ldg)
                    for o in 0..<Cout { for r in 0..<R {
                        let src = dyn + (o * Ho + oh0 + r) * Wo, dst = gt + r * Wp * ldg + o
                        for ow in 0..<Wo { dst[ow * ldg] = src[ow] }
                    }}
                    rowsGemmTransposedTN(M: Cout, K: K, T: count, gt: gt, ldg: ldg, rows: rows, d: partial)
                    oh0 += R
                }
            }
        }
    }
    let count = Cout * K
    if !accumulate { dw.update(repeating: 0, count: count) }
    for thread in 0..<directThreads(g) {
        let partial = ws + g.d2Shared + thread * g.d2PerThread + g.d2PlaneCount + g.d2StageRows * g.d2Tile
        for i in 0..<count { dw[i] += partial[i] }
    }
}
