// The weight gradient of the direct 2-D convolutions (stride 1; see Convolution2D.swift):
//
//   dw[o, r] = Σ_{n,q} dy[n, o, q] · pad_p(x)[n, c, q + ki·Wp + kj],   r = (c·kh + ki)·kw + kj
//
// with q an output position in the padded width Wp, so every tap r of a tile of output
// rows is a contiguous run of the padded plane starting at offsets[r] = (c·Hp + ki)·Wp + kj.
// A "unit" is one such tile of one sample; dy of each unit is transposed to [q, o] so that
// output channels lie along a vector. The batch is cut into groups of samples whose padded
// planes and transposed dy fit in L2 (`d2WeightGroup`), and one micro-kernel call covers
// all units of a group: a block of dw stays in registers across every unit and is added
// into the thread's partial dw once per group. On 7×7 maps (61 positions per unit) the
// per-unit spill of the accumulators had cost about as much as the FMAs.
//
// Two layouts of the transposed dy:
//   wide (C_out > 8)  gt[q·ldg + o], ldg = ⌈C_out/16⌉·16: 16 channels per vector times a
//                     broadcast tap value.
//   pairs (C_out ≤ 8) gt[(q/2)·16 + 2o + q mod 2]: two positions of 8 channels per vector
//                     times the broadcast pair (x[q], x[q + 1]), so no lane is idle; the
//                     even and odd positions' sums are added at the end.
// Each dw entry is the FMA chain over units, then positions, in the Swift and the AVX-512
// kernels alike (bit-identical results, WideKernelsTests). Threads own contiguous parts
// of the batch and their own partial dw, summed at the end.

import CKernels

extension ConvGeometry {
    /// Whether the weight gradient packs two positions of ≤ 8 output channels per vector.
    var d2WeightPairs: Bool { outChannels <= 8 }
    /// Floats per position (or pair of positions) of the transposed dy.
    var d2WeightLeading: Int { d2WeightPairs ? 16 : (outChannels + 15) / 16 * 16 }
    var d2WeightPaddedHeight: Int { inHeight + 2 * padHeight }
    var d2WeightPaddedWidth: Int { inWidth + 2 * padWidth }
    /// Output rows per unit and units per sample.
    var d2WeightRows: Int { min(d2RowsPerTile, outHeight) }
    var d2WeightUnits: Int { (outHeight + d2WeightRows - 1) / d2WeightRows }
    /// Scalars of one sample's padded plane, and of one unit's transposed dy (in pair mode
    /// ⌈positions/2⌉·16 ≤ positions·16).
    var d2WeightPlane: Int { inChannels * d2WeightPaddedHeight * d2WeightPaddedWidth }
    var d2WeightUnitStage: Int { d2WeightRows * d2WeightPaddedWidth * d2WeightLeading }
    var d2WeightSample: Int { d2WeightPlane + d2WeightUnits * d2WeightUnitStage }
    /// Samples per group: their planes and transposed dy within about 256 KB of Float32
    /// (L2 holds them while the micro-kernel sweeps the taps), at most 16.
    var d2WeightGroup: Int { max(1, min(16, 65_536 / d2WeightSample)) }
    /// Per thread: the partial dw, then the group's planes and transposed dy.
    var d2WeightPerThread: Int { outChannels * patchSize + d2WeightGroup * d2WeightSample }
}

/// d[m·K + r] += Σ_u Σ_{t < counts[u]} gts[u][t·ldg + m] · bases[u][offsets[r] + t] for
/// m < M, r < K (wide layout; columns m ≥ M of gt zero). Blocks of 16 channels (two SIMD8)
/// × 6 taps in twelve registers across every unit.
@inline(__always)
private func weightGradientWide<S: NetScalar>(M: Int, K: Int, U: Int, bases: UnsafePointer<UnsafePointer<S>>,
                                              offsets: UnsafePointer<Int>, gts: UnsafePointer<UnsafePointer<S>>,
                                              counts: UnsafePointer<Int>, ldg: Int, d: UnsafeMutablePointer<S>) {
    var m = 0
    while m < M {
        let mb = min(16, M - m)
        @inline(__always) func add(_ j: Int, _ lo: SIMD8<S>, _ hi: SIMD8<S>) {
            let dst = d + m * K + j
            for q in 0..<min(8, mb) { dst[q * K] += lo[q] }
            if mb > 8 { for q in 8..<mb { dst[q * K] += hi[q - 8] } }
        }
        var r = 0
        while r < K {
            // Six taps at a time, the last K mod 6 one at a time.
            let n = K - r >= 6 ? 6 : 1
            var acc = (SIMD8<S>(), SIMD8<S>(), SIMD8<S>(), SIMD8<S>(), SIMD8<S>(), SIMD8<S>(),
                       SIMD8<S>(), SIMD8<S>(), SIMD8<S>(), SIMD8<S>(), SIMD8<S>(), SIMD8<S>())
            for u in 0..<U {
                let x = bases[u]
                var p = gts[u] + m
                if n == 6 {
                    let x0 = x + offsets[r], x1 = x + offsets[r + 1], x2 = x + offsets[r + 2]
                    let x3 = x + offsets[r + 3], x4 = x + offsets[r + 4], x5 = x + offsets[r + 5]
                    for t in 0..<counts[u] {
                        let g0 = load8(p), g1 = load8(p + 8)
                        let b0 = x0[t], b1 = x1[t], b2 = x2[t]
                        acc.0 = acc.0.addingProduct(b0, g0); acc.1 = acc.1.addingProduct(b0, g1)
                        acc.2 = acc.2.addingProduct(b1, g0); acc.3 = acc.3.addingProduct(b1, g1)
                        acc.4 = acc.4.addingProduct(b2, g0); acc.5 = acc.5.addingProduct(b2, g1)
                        let b3 = x3[t], b4 = x4[t], b5 = x5[t]
                        acc.6 = acc.6.addingProduct(b3, g0); acc.7 = acc.7.addingProduct(b3, g1)
                        acc.8 = acc.8.addingProduct(b4, g0); acc.9 = acc.9.addingProduct(b4, g1)
                        acc.10 = acc.10.addingProduct(b5, g0); acc.11 = acc.11.addingProduct(b5, g1)
                        p += ldg
                    }
                } else {
                    let x0 = x + offsets[r]
                    for t in 0..<counts[u] {
                        let b0 = x0[t]
                        acc.0 = acc.0.addingProduct(b0, load8(p)); acc.1 = acc.1.addingProduct(b0, load8(p + 8))
                        p += ldg
                    }
                }
            }
            add(r, acc.0, acc.1)
            if n == 6 {
                add(r + 1, acc.2, acc.3); add(r + 2, acc.4, acc.5)
                add(r + 3, acc.6, acc.7); add(r + 4, acc.8, acc.9); add(r + 5, acc.10, acc.11)
            }
            r += n
        }
        m += 16
    }
}

/// The pair layout (M ≤ 8): d[m·K + r] += (Σ over even t) + (Σ over odd t), lanes 2m and
/// 2m + 1 of SIMD16 accumulators fed by the broadcast pair (x[t], x[t + 1]); an odd last
/// position is broadcast alone against its zero odd lanes.
@inline(__always)
private func weightGradientPairs<S: NetScalar>(M: Int, K: Int, U: Int, bases: UnsafePointer<UnsafePointer<S>>,
                                               offsets: UnsafePointer<Int>, gts: UnsafePointer<UnsafePointer<S>>,
                                               counts: UnsafePointer<Int>, d: UnsafeMutablePointer<S>) {
    for r in 0..<K {
        var acc = SIMD16<S>()
        for u in 0..<U {
            let x = bases[u] + offsets[r]
            var p = gts[u]
            let T = counts[u]
            var t = 0
            while t + 2 <= T {
                let (a, b) = (x[t], x[t + 1])
                let pair = SIMD16<S>(a, b, a, b, a, b, a, b, a, b, a, b, a, b, a, b)
                acc = acc.addingProduct(pair, UnsafeRawPointer(p).loadUnaligned(as: SIMD16<S>.self))
                t += 2; p += 16
            }
            if t < T { acc = acc.addingProduct(x[t], UnsafeRawPointer(p).loadUnaligned(as: SIMD16<S>.self)) }
        }
        for q in 0..<M { d[q * K + r] += acc[2 * q] + acc[2 * q + 1] }
    }
}

/// The micro-kernel over the units of one group, 16-wide in C where the CPU allows.
@inline(__always)
private func weightGradientUnits<S: NetScalar>(_ g: ConvGeometry, U: Int, bases: UnsafePointer<UnsafePointer<S>>,
                                               offsets: UnsafePointer<Int>, gts: UnsafePointer<UnsafePointer<S>>,
                                               counts: UnsafePointer<Int>, d: UnsafeMutablePointer<S>) {
    let (M, K) = (g.outChannels, g.patchSize)
    if S.self == Float.self && WideKernels.avx512 {
        let b = UnsafeRawPointer(bases).assumingMemoryBound(to: UnsafePointer<Float>?.self)
        let gp = UnsafeRawPointer(gts).assumingMemoryBound(to: UnsafePointer<Float>?.self)
        let dp = UnsafeMutableRawPointer(d).assumingMemoryBound(to: Float.self)
        if g.d2WeightPairs {
            netl_conv_weight_gradient_pairs_f32_avx512(M, K, U, b, offsets, gp, counts, dp)
        } else {
            netl_conv_weight_gradient_f32_avx512(M, K, U, b, offsets, gp, counts, g.d2WeightLeading, dp)
        }
        return
    }
    if g.d2WeightPairs {
        weightGradientPairs(M: M, K: K, U: U, bases: bases, offsets: offsets, gts: gts, counts: counts, d: d)
    } else {
        weightGradientWide(M: M, K: K, U: U, bases: bases, offsets: offsets, gts: gts, counts: counts,
                           ldg: g.d2WeightLeading, d: d)
    }
}

/// Writes dy[o, oh0 + row, ow] (o < C_out, row < R, ow < Wo) transposed into gt, in the
/// geometry's layout, with zeros in the dropped columns (ow ≥ Wo), the padding channels
/// and, in pair mode, the odd lanes past an odd count. Position by position, so the writes
/// run contiguously through gt (a unit of a 16×16 map with 32 channels is 36 KB, more than
/// L1: channel by channel, strided writes swept it 32 times); the reads are C_out
/// sequential streams. With AVX-512, 16 × 16 blocks transposed in registers in C instead
/// (one float per load and store was about 7 % of an mnist_iresnet step).
@inline(__always)
func transposeUnit<S: NetScalar>(_ g: ConvGeometry, dy: UnsafePointer<S>, oh0: Int, R: Int, count: Int,
                                 gt: UnsafeMutablePointer<S>) {
    let (Cout, Ho, Wo, Wp) = (g.outChannels, g.outHeight, g.outWidth, g.d2WeightPaddedWidth)
    let plane = Ho * Wo, ldg = g.d2WeightLeading
    if S.self == Float.self && WideKernels.avx512 {
        netl_transpose_unit_f32_avx512(UnsafeRawPointer(dy).assumingMemoryBound(to: Float.self), oh0, Cout, plane, Wo, Wp,
                                       R, count, ldg, g.d2WeightPairs ? 1 : 0,
                                       UnsafeMutableRawPointer(gt).assumingMemoryBound(to: Float.self))
        return
    }
    if g.d2WeightPairs {
        gt.update(repeating: 0, count: (count + 1) / 2 * 16)
        for r in 0..<R {
            let src = dy + (oh0 + r) * Wo
            for ow in 0..<Wo {
                let q = r * Wp + ow
                let dst = gt + (q >> 1) * 16 + (q & 1)
                for o in 0..<Cout { dst[2 * o] = src[o * plane + ow] }
            }
        }
    } else {
        for r in 0..<R {
            let src = dy + (oh0 + r) * Wo
            for ow in 0..<min(Wp, count - r * Wp) {
                let dst = gt + (r * Wp + ow) * ldg
                if ow < Wo {
                    for o in 0..<Cout { dst[o] = src[o * plane + ow] }
                    if Cout < ldg { (dst + Cout).update(repeating: 0, count: ldg - Cout) }
                } else {
                    dst.update(repeating: 0, count: ldg)
                }
            }
        }
    }
}

/// dw ← Σₙ dyₙ · tapsₙᵀ (or += when accumulate), stride 1, by the direct kernels.
@_specialize(where T == Float)
@_specialize(where T == Double)
func conv2dDirectBackwardWeight<T: NetScalar>(_ g: ConvGeometry, x: UnsafePointer<T>, dy: UnsafePointer<T>,
                                              dw: UnsafeMutablePointer<T>, workspace ws: UnsafeMutablePointer<T>, accumulate: Bool) {
    let (Cin, Cout, kh, kw, ph, pw) = (g.inChannels, g.outChannels, g.kernelHeight, g.kernelWidth, g.padHeight, g.padWidth)
    let (H, W, Ho, Wo) = (g.inHeight, g.inWidth, g.outHeight, g.outWidth)
    let (Hp, Wp) = (g.d2WeightPaddedHeight, g.d2WeightPaddedWidth)
    let K = g.patchSize, rowsPerUnit = g.d2WeightRows, unitsPerSample = g.d2WeightUnits
    let group = g.d2WeightGroup, maxUnits = group * unitsPerSample
    forEachSampleRange(g) { thread, samples in
        let partial = ws + g.d2Shared + thread * g.d2PerThread
        let planes = partial + Cout * K, stages = planes + group * g.d2WeightPlane
        partial.update(repeating: 0, count: Cout * K)
        withUnsafeTemporaryAllocation(of: Int.self, capacity: K + maxUnits) { ints in
            withUnsafeTemporaryAllocation(of: UnsafePointer<T>.self, capacity: 2 * maxUnits) { pointers in
                let offsets = ints.baseAddress!, counts = offsets + K
                let bases = pointers.baseAddress!, gts = bases + maxUnits
                for c in 0..<Cin { for ki in 0..<kh { for kj in 0..<kw {
                    offsets[(c * kh + ki) * kw + kj] = (c * Hp + ki) * Wp + kj
                }}}
                var n0 = samples.lowerBound
                while n0 < samples.upperBound {
                    let n1 = min(samples.upperBound, n0 + group)
                    var U = 0
                    for n in n0..<n1 {
                        let i = n - n0
                        let xn = x + n * Cin * g.inputPlane
                        let base: UnsafePointer<T>
                        if ph == 0 && pw == 0 {
                            base = xn
                        } else {
                            // The borders stay zero from the first group on; only the
                            // interior is rewritten.
                            let pad = planes + i * g.d2WeightPlane
                            if n0 == samples.lowerBound { pad.update(repeating: 0, count: g.d2WeightPlane) }
                            copyIntoPaddedPlanes(xn, C: Cin, H: H, W: W, ph: ph, pw: pw, pad: pad)
                            base = UnsafePointer(pad)
                        }
                        var oh0 = 0
                        while oh0 < Ho {
                            let R = min(rowsPerUnit, Ho - oh0), count = (R - 1) * Wp + Wo
                            let gt = stages + U * g.d2WeightUnitStage
                            transposeUnit(g, dy: dy + n * Cout * g.outputPlane, oh0: oh0, R: R, count: count, gt: gt)
                            bases[U] = base + oh0 * Wp
                            gts[U] = UnsafePointer(gt)
                            counts[U] = count
                            U += 1
                            oh0 += R
                        }
                    }
                    weightGradientUnits(g, U: U, bases: bases, offsets: offsets, gts: gts, counts: counts, d: partial)
                    n0 = n1
                }
            }
        }
    }
    let count = Cout * K
    if !accumulate { dw.update(repeating: 0, count: count) }
    for thread in 0..<directThreads(g) {
        let partial = ws + g.d2Shared + thread * g.d2PerThread
        for i in 0..<count { dw[i] += partial[i] }
    }
}
