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
//                    (Convolution2DWeightGradient.swift)
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
    /// Rows of a thread's staging area: output rows of the forward passes (a multiple of 4).
    var d2StageRows: Int { 2 * (d2Channels + 4) }
    /// Per thread: the forward passes' padded plane and output staging, or the weight
    /// gradient's partial dw, planes and transposed dy of a group of samples.
    var d2PerThread: Int { max(d2PlaneCount + d2StageRows * d2Tile, d2WeightPerThread) }
    var d2Shared: Int { (d2Channels + 4) * d2Taps }
    var direct2DWorkspaceCount: Int { d2Shared + ConvGeometry.directMaxThreads * d2PerThread }
}

/// dst[i·ldDst + j] (+)= src[i·ldSrc + j] for i < rows, j < width: rows of a few floats,
/// where a memcpy call per row costs more than the copy (16-wide in C where the CPU
/// allows: overlapping vectors for plain copies, masked ones otherwise).
@inline(__always)
func copyRows<T: NetScalar>(_ dst: UnsafeMutablePointer<T>, _ ldDst: Int, _ src: UnsafePointer<T>, _ ldSrc: Int,
                            rows: Int, width: Int, accumulate: Bool) {
    if T.self == Float.self && WideKernels.avx512 {
        netl_copy_rows_f32_avx512(UnsafeMutableRawPointer(dst).assumingMemoryBound(to: Float.self), ldDst,
                                  UnsafeRawPointer(src).assumingMemoryBound(to: Float.self), ldSrc, rows, width,
                                  accumulate ? 1 : 0)
        return
    }
    for i in 0..<rows {
        let d = dst + i * ldDst, s = src + i * ldSrc
        if accumulate { for j in 0..<width { d[j] += s[j] } } else { d.update(from: s, count: width) }
    }
}

/// The interior of zero-padded planes: pad[c, ih + ph, iw + pw] = src[c, ih, iw].
@inline(__always)
func copyIntoPaddedPlanes<T: NetScalar>(_ src: UnsafePointer<T>, C: Int, H: Int, W: Int, ph: Int, pw: Int,
                                        pad: UnsafeMutablePointer<T>) {
    let (Hp, Wp) = (H + 2 * ph, W + 2 * pw)
    for c in 0..<C {
        copyRows(pad + (c * Hp + ph) * Wp + pw, Wp, src + c * H * W, W, rows: H, width: W, accumulate: false)
    }
}

/// dst[m, oh, ow] (+)= bias[m] + Σ_{c,ki,kj} a[m, (c·kh + ki)·kw + kj] · srcpad[c, oh + ki, ow + kj]
/// for one sample, where srcpad is src [C, H, W] zero-padded by (ph, pw): output
/// Ho = H + 2ph − kh + 1, Wo = W + 2pw − kw + 1. `a` has ⌈M/4⌉·4 rows. `padBordersZero`:
/// an earlier sample of this call already zeroed the padded plane's borders.
@inline(__always)
private func direct2DPlane<T: NetScalar>(
    src: UnsafePointer<T>, C: Int, H: Int, W: Int, ph: Int, pw: Int, kh: Int, kw: Int,
    a: UnsafePointer<T>, M: Int, dst: UnsafeMutablePointer<T>, bias: UnsafePointer<T>?, accumulate: Bool,
    pad: UnsafeMutablePointer<T>, padBordersZero: Bool, stage: UnsafeMutablePointer<T>,
    rows: UnsafeMutablePointer<UnsafePointer<T>>, rowsPerTile: Int
) {
    let Hp = H + 2 * ph, Wp = W + 2 * pw
    let Ho = Hp - kh + 1, Wo = Wp - kw + 1
    let K = C * kh * kw
    let base: UnsafePointer<T>
    if ph == 0 && pw == 0 {
        base = src
    } else {
        // Every sample of a call fills the same interior, so the borders written by the
        // first stay zero.
        if !padBordersZero { pad.update(repeating: 0, count: C * Hp * Wp) }
        copyIntoPaddedPlanes(src, C: C, H: H, W: W, ph: ph, pw: pw, pad: pad)
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
            for m in 0..<M {
                copyRows(dst + (m * Ho + oh0) * Wo, Wo, stage + m * ld, Wp, rows: R, width: Wo, accumulate: accumulate)
            }
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
                              pad: pad, padBordersZero: n != samples.lowerBound, stage: stage, rows: rows.baseAddress!, rowsPerTile: g.d2RowsPerTile)
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
                              pad: pad, padBordersZero: n != samples.lowerBound, stage: stage, rows: rows.baseAddress!, rowsPerTile: g.d2RowsPerTile)
            }
        }
    }
}
