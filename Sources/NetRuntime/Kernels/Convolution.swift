// Convolution kernels (2-D, and 1-D as 2-D with height 1) by im2col + GEMM.
//
// Layouts are row-major and NCHW throughout:
//   x  [N, C_in, H, W]        w  [C_out, C_in, kh, kw]       bias [C_out]
//   y  [N, C_out, Ho, Wo]     with Ho = ⌊(H + 2·ph − kh)/sh⌋ + 1 (same for W).
// Padding is zero padding, symmetric per axis. The operation is cross-correlation
// (no kernel flip), as in every deep-learning framework.
//
// Why im2col: it turns each sample's convolution into one GEMM
// ([C_out, C_in·kh·kw] · [C_in·kh·kw, Ho·Wo]), so the arithmetic runs in OpenBLAS.
// The column matrix lives in a caller-supplied workspace of `workspaceCount` scalars,
// allocated once by the executor and reused every step: no kernel here allocates.
// 1×1 convolutions with stride 1 and no padding are a plain GEMM on the input and need
// no workspace (`workspaceCount == 0`).
// The workspace is pure scratch (nothing in it survives a call), so layers that run one
// after another share a single buffer sized by the largest `workspaceCount`: the ops take
// it from `KernelContext.scratch`.
//
// Second-order use: the VJP of `convBackwardInput` with respect to `dy` is `convForward`
// (without bias) and with respect to `w` is `convBackwardWeight`, so these three kernels
// close under differentiation.

/// The output length of a sliding window: ⌊(input + 2·padding − kernel)/stride⌋ + 1.
@inlinable
public func slidingOutputSize(input: Int, kernel: Int, stride: Int, padding: Int) -> Int {
    precondition(kernel >= 1 && stride >= 1 && padding >= 0, "bad window: k=\(kernel) s=\(stride) p=\(padding)")
    precondition(input + 2 * padding >= kernel,
                 "window \(kernel) larger than padded input \(input) + 2·\(padding)")
    return (input + 2 * padding - kernel) / stride + 1
}

/// The shape of one convolution: batch, channels, spatial sizes, kernel, stride, padding.
public struct ConvGeometry: Hashable, Sendable, CustomStringConvertible {
    public let batch: Int
    public let inChannels: Int
    public let outChannels: Int
    public let inHeight: Int
    public let inWidth: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let strideHeight: Int
    public let strideWidth: Int
    public let padHeight: Int
    public let padWidth: Int
    public let outHeight: Int
    public let outWidth: Int

    /// A 2-D convolution geometry. Output sizes are computed; traps if a window does not fit.
    public init(batch: Int, inChannels: Int, outChannels: Int, inHeight: Int, inWidth: Int,
                kernelHeight: Int, kernelWidth: Int,
                strideHeight: Int = 1, strideWidth: Int = 1, padHeight: Int = 0, padWidth: Int = 0) {
        precondition(batch >= 1 && inChannels >= 1 && outChannels >= 1 && inHeight >= 1 && inWidth >= 1,
                     "conv sizes must be positive")
        self.batch = batch
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padHeight = padHeight
        self.padWidth = padWidth
        self.outHeight = slidingOutputSize(input: inHeight, kernel: kernelHeight, stride: strideHeight, padding: padHeight)
        self.outWidth = slidingOutputSize(input: inWidth, kernel: kernelWidth, stride: strideWidth, padding: padWidth)
    }

    /// A 1-D convolution x [N, C_in, L] → y [N, C_out, L_out], w [C_out, C_in, k]:
    /// the 2-D geometry with H = 1 and kh = 1 (the memory layouts coincide).
    public init(batch: Int, inChannels: Int, outChannels: Int, length: Int,
                kernel: Int, stride: Int = 1, padding: Int = 0) {
        self.init(batch: batch, inChannels: inChannels, outChannels: outChannels,
                  inHeight: 1, inWidth: length, kernelHeight: 1, kernelWidth: kernel,
                  strideHeight: 1, strideWidth: stride, padHeight: 0, padWidth: padding)
    }

    /// Rows of the im2col matrix: C_in·kh·kw.
    public var patchSize: Int { inChannels * kernelHeight * kernelWidth }
    public var inputPlane: Int { inHeight * inWidth }
    public var outputPlane: Int { outHeight * outWidth }
    /// Scalars in x, dx.
    public var inputCount: Int { batch * inChannels * inputPlane }
    /// Scalars in y, dy.
    public var outputCount: Int { batch * outChannels * outputPlane }
    /// Scalars in w, dw.
    public var weightCount: Int { outChannels * patchSize }
    /// 1×1 kernel, stride 1, no padding: the convolution is a GEMM on x itself.
    public var isPointwise: Bool {
        kernelHeight == 1 && kernelWidth == 1 && strideHeight == 1 && strideWidth == 1
            && padHeight == 0 && padWidth == 0
    }
    /// Scalars of scratch every kernel in this file needs (one sample's column matrix).
    public var workspaceCount: Int {
        usesDirect1D ? directWorkspaceCount : usesDirect2D ? direct2DWorkspaceCount
            : isPointwise ? 0 : (patchSize + outChannels) * outputPlane * chunk
    }

    /// Samples per GEMM: as many as keep the column matrix under about 4 M numbers, so
    /// small images are convolved with one large GEMM instead of one small GEMM each.
    public var chunk: Int { max(1, min(batch, ConvGeometry.chunkLimit / max(1, (patchSize + outChannels) * outputPlane))) }

    /// The column-matrix budget of `chunk`, in numbers (tests lower it to exercise chunking).
    nonisolated(unsafe) public static var chunkLimit = 4_194_304

    public var description: String {
        "conv N=\(batch) \(inChannels)→\(outChannels) in \(inHeight)×\(inWidth) k \(kernelHeight)×\(kernelWidth) "
            + "s \(strideHeight),\(strideWidth) p \(padHeight),\(padWidth) out \(outHeight)×\(outWidth)"
    }
}

// MARK: - im2col / col2im

/// The output indices o in 0..<outSize whose input index o·s − p + k lies in 0..<inSize.
@inline(__always)
func validOutputRange(offset k: Int, pad p: Int, stride s: Int, inSize: Int, outSize: Int) -> Range<Int> {
    let lo = p - k <= 0 ? 0 : min(outSize, (p - k + s - 1) / s)
    let last = inSize - 1 + p - k
    let hi = last < 0 ? 0 : min(outSize, last / s + 1)
    return lo..<max(lo, hi)
}

/// Fills col [C_in·kh·kw, Ho·Wo] from one sample x [C_in, H, W] (zeros where padded).
/// Rows are `ld` apart (default Ho·Wo), so several samples can sit side by side in one
/// column matrix [C_in·kh·kw, B·Ho·Wo] for a single GEMM over the batch.
@_specialize(where T == Float)
@_specialize(where T == Double)
func im2col<T: NetScalar>(_ g: ConvGeometry, x: UnsafePointer<T>, col: UnsafeMutablePointer<T>, ld: Int? = nil) {
    let ld = ld ?? g.outputPlane
    let (H, W, Ho, Wo) = (g.inHeight, g.inWidth, g.outHeight, g.outWidth)
    let (sh, sw, ph, pw) = (g.strideHeight, g.strideWidth, g.padHeight, g.padWidth)
    var row = col
    for c in 0..<g.inChannels {
        let xc = x + c * H * W
        for ki in 0..<g.kernelHeight {
            for kj in 0..<g.kernelWidth {
                let ows = validOutputRange(offset: kj, pad: pw, stride: sw, inSize: W, outSize: Wo)
                for oh in 0..<Ho {
                    let dst = row + oh * Wo
                    let ih = oh * sh - ph + ki
                    if ih < 0 || ih >= H {
                        dst.update(repeating: 0, count: Wo)
                        continue
                    }
                    let src = xc + ih * W
                    if ows.lowerBound > 0 { dst.update(repeating: 0, count: ows.lowerBound) }
                    if sw == 1 {
                        (dst + ows.lowerBound).update(from: src + (ows.lowerBound - pw + kj), count: ows.count)
                    } else {
                        var iw = ows.lowerBound * sw - pw + kj
                        for ow in ows { dst[ow] = src[iw]; iw += sw }
                    }
                    if ows.upperBound < Wo { (dst + ows.upperBound).update(repeating: 0, count: Wo - ows.upperBound) }
                }
                row += ld
            }
        }
    }
}

/// Adds col [C_in·kh·kw, Ho·Wo] back into one sample dx [C_in, H, W] (the adjoint of
/// `im2col`); overwrites dx first unless `accumulate`.
@_specialize(where T == Float)
@_specialize(where T == Double)
func col2im<T: NetScalar>(_ g: ConvGeometry, col: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, accumulate: Bool, ld: Int? = nil) {
    let ld = ld ?? g.outputPlane
    let (H, W, Ho, Wo) = (g.inHeight, g.inWidth, g.outHeight, g.outWidth)
    let (sh, sw, ph, pw) = (g.strideHeight, g.strideWidth, g.padHeight, g.padWidth)
    if !accumulate { dx.update(repeating: 0, count: g.inChannels * H * W) }
    var row = col
    for c in 0..<g.inChannels {
        let dxc = dx + c * H * W
        for ki in 0..<g.kernelHeight {
            for kj in 0..<g.kernelWidth {
                let ows = validOutputRange(offset: kj, pad: pw, stride: sw, inSize: W, outSize: Wo)
                for oh in 0..<Ho {
                    let ih = oh * sh - ph + ki
                    if ih < 0 || ih >= H { continue }
                    let src = row + oh * Wo
                    let dst = dxc + ih * W
                    if sw == 1 {
                        let d = dst + (kj - pw)   // d[ow] is dx at iw = ow − pw + kj (ow in ows)
                        for ow in ows { d[ow] += src[ow] }
                    } else {
                        var iw = ows.lowerBound * sw - pw + kj
                        for ow in ows { dst[iw] += src[ow]; iw += sw }
                    }
                }
                row += ld
            }
        }
    }
}

/// Rearranges b samples [b, C, P] into [C, b·P] (channel rows, samples side by side), the
/// layout of one GEMM over a chunk of the batch.
@inline(__always)
func gatherChannelsFirst<T>(_ src: UnsafePointer<T>, samples b: Int, channels c: Int, plane p: Int, into dst: UnsafeMutablePointer<T>) {
    for i in 0..<b { for o in 0..<c { (dst + o * b * p + i * p).update(from: src + (i * c + o) * p, count: p) } }
}

// MARK: - Kernels

/// y ← conv(x, w) + bias. Overwrites y [N, C_out, Ho, Wo].
/// - Parameters:
///   - x: [N, C_in, H, W]; w: [C_out, C_in, kh, kw]; bias: [C_out] or nil.
///   - workspace: at least `g.workspaceCount` scalars (may be nil when that is 0).
@_specialize(where T == Float)
@_specialize(where T == Double)
public func convForward<T: NetScalar>(
    _ g: ConvGeometry, x: UnsafePointer<T>, w: UnsafePointer<T>, bias: UnsafePointer<T>?,
    y: UnsafeMutablePointer<T>, workspace: UnsafeMutablePointer<T>?
) {
    let (K, P, Cout) = (g.patchSize, g.outputPlane, g.outChannels)
    if g.usesDirect1D, let ws = workspace { conv1dDirectForward(g, x: x, w: w, bias: bias, y: y, workspace: ws); return }
    if g.usesDirect2D, let ws = workspace { conv2dDirectForward(g, x: x, w: w, bias: bias, y: y, workspace: ws); return }
    if g.isPointwise {
        for n in 0..<g.batch {
            let xn = x + n * g.inChannels * g.inputPlane, yn = y + n * Cout * P
            if let bias { for o in 0..<Cout { (yn + o * P).update(repeating: bias[o], count: P) } }
            T.gemm(transA: false, transB: false, m: Cout, n: P, k: K, alpha: 1, a: w, lda: K, b: xn, ldb: P,
                   beta: bias == nil ? 0 : 1, c: yn, ldc: P)
        }
        return
    }
    guard let ws = workspace else { preconditionFailure("convForward needs a workspace of \(g.workspaceCount)") }
    let chunk = g.chunk
    var n0 = 0
    while n0 < g.batch {
        let b = min(chunk, g.batch - n0), width = b * P
        let cols = ws, stage = ws + K * width
        for i in 0..<b { im2col(g, x: x + (n0 + i) * g.inChannels * g.inputPlane, col: cols + i * P, ld: width) }
        // [C_out, K] · [K, b·P] → [C_out, b·P], then rows back into [b, C_out, P] with the bias.
        T.gemm(transA: false, transB: false, m: Cout, n: width, k: K, alpha: 1, a: w, lda: K, b: cols, ldb: width,
               beta: 0, c: stage, ldc: width)
        for i in 0..<b {
            let yn = y + (n0 + i) * Cout * P
            for o in 0..<Cout {
                let src = stage + o * width + i * P, dst = yn + o * P
                if let bias { let v = bias[o]; for p in 0..<P { dst[p] = src[p] + v } } else { dst.update(from: src, count: P) }
            }
        }
        n0 += b
    }
}

/// dx ← convᵀ(dy, w): the gradient of `convForward` with respect to x, i.e. the transposed
/// convolution with the same stride and padding. Overwrites dx [N, C_in, H, W], or adds to
/// it when `accumulate`. Input positions no window reaches (stride remainder) get 0.
/// - Parameters: dy: [N, C_out, Ho, Wo]; w: [C_out, C_in, kh, kw];
///   workspace: at least `g.workspaceCount` scalars (nil allowed when that is 0).
@_specialize(where T == Float)
@_specialize(where T == Double)
public func convBackwardInput<T: NetScalar>(
    _ g: ConvGeometry, dy: UnsafePointer<T>, w: UnsafePointer<T>,
    dx: UnsafeMutablePointer<T>, workspace: UnsafeMutablePointer<T>?, accumulate: Bool = false
) {
    let (K, P, Cout) = (g.patchSize, g.outputPlane, g.outChannels)
    if g.usesDirect1D, let ws = workspace { conv1dDirectBackwardInput(g, dy: dy, w: w, dx: dx, workspace: ws, accumulate: accumulate); return }
    if g.usesDirect2D, let ws = workspace { conv2dDirectBackwardInput(g, dy: dy, w: w, dx: dx, workspace: ws, accumulate: accumulate); return }
    if g.isPointwise {
        for n in 0..<g.batch {
            T.gemm(transA: true, transB: false, m: K, n: P, k: Cout, alpha: 1, a: w, lda: K, b: dy + n * Cout * P, ldb: P,
                   beta: accumulate ? 1 : 0, c: dx + n * g.inChannels * g.inputPlane, ldc: P)
        }
        return
    }
    guard let ws = workspace else { preconditionFailure("convBackwardInput needs a workspace of \(g.workspaceCount)") }
    let chunk = g.chunk
    var n0 = 0
    while n0 < g.batch {
        let b = min(chunk, g.batch - n0), width = b * P
        let cols = ws, stage = ws + K * width
        gatherChannelsFirst(dy + n0 * Cout * P, samples: b, channels: Cout, plane: P, into: stage)
        T.gemm(transA: true, transB: false, m: K, n: width, k: Cout, alpha: 1, a: w, lda: K, b: stage, ldb: width,
               beta: 0, c: cols, ldc: width)
        for i in 0..<b {
            col2im(g, col: cols + i * P, dx: dx + (n0 + i) * g.inChannels * g.inputPlane, accumulate: accumulate, ld: width)
        }
        n0 += b
    }
}

/// dw ← Σₙ dyₙ · im2col(xₙ)ᵀ: the gradient of `convForward` with respect to w.
/// Overwrites dw [C_out, C_in, kh, kw], or adds to it when `accumulate`.
/// - Parameters: x: [N, C_in, H, W]; dy: [N, C_out, Ho, Wo];
///   workspace: at least `g.workspaceCount` scalars (nil allowed when that is 0).
@_specialize(where T == Float)
@_specialize(where T == Double)
public func convBackwardWeight<T: NetScalar>(
    _ g: ConvGeometry, x: UnsafePointer<T>, dy: UnsafePointer<T>,
    dw: UnsafeMutablePointer<T>, workspace: UnsafeMutablePointer<T>?, accumulate: Bool = false
) {
    let (K, P, Cout) = (g.patchSize, g.outputPlane, g.outChannels)
    if g.usesDirect1D, let ws = workspace { conv1dDirectBackwardWeight(g, x: x, dy: dy, dw: dw, workspace: ws, accumulate: accumulate); return }
    if g.usesDirect2D, let ws = workspace { conv2dDirectBackwardWeight(g, x: x, dy: dy, dw: dw, workspace: ws, accumulate: accumulate); return }
    if g.isPointwise {
        for n in 0..<g.batch {
            T.gemm(transA: false, transB: true, m: Cout, n: K, k: P, alpha: 1, a: dy + n * Cout * P, lda: P,
                   b: x + n * g.inChannels * g.inputPlane, ldb: P, beta: (n == 0 && !accumulate) ? 0 : 1, c: dw, ldc: K)
        }
        return
    }
    guard let ws = workspace else { preconditionFailure("convBackwardWeight needs a workspace of \(g.workspaceCount)") }
    let chunk = g.chunk
    var n0 = 0
    while n0 < g.batch {
        let b = min(chunk, g.batch - n0), width = b * P
        let cols = ws, stage = ws + K * width
        for i in 0..<b {
            im2col(g, x: x + (n0 + i) * g.inChannels * g.inputPlane, col: cols + i * P, ld: width)
        }
        gatherChannelsFirst(dy + n0 * Cout * P, samples: b, channels: Cout, plane: P, into: stage)
        // [C_out, b·P] · [b·P, K] summed into dw [C_out, K].
        T.gemm(transA: false, transB: true, m: Cout, n: K, k: width, alpha: 1, a: stage, lda: width, b: cols, ldb: width,
               beta: (n0 == 0 && !accumulate) ? 0 : 1, c: dw, ldc: K)
        n0 += b
    }
}

/// dbias[o] ← Σ_{n,h,w} dy[n, o, h, w]. Overwrites dbias [C_out], or adds when `accumulate`.
/// Needs no workspace.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func convBackwardBias<T: NetScalar>(
    _ g: ConvGeometry, dy: UnsafePointer<T>, dbias: UnsafeMutablePointer<T>, accumulate: Bool = false
) {
    let (P, Cout) = (g.outputPlane, g.outChannels)
    if !accumulate { dbias.update(repeating: 0, count: Cout) }
    for n in 0..<g.batch {
        for o in 0..<Cout {
            let row = dy + (n * Cout + o) * P
            var s: T = 0
            for p in 0..<P { s += row[p] }
            dbias[o] += s
        }
    }
}
