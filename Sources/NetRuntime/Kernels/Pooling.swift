// Max and average pooling (2-D, and 1-D as 2-D with height 1), forward and backward.
//
// Layouts are row-major NCHW: x [N, C, H, W] → y [N, C, Ho, Wo] with
// Ho = ⌊(H + 2·ph − kh)/sh⌋ + 1 (same for W). Each (n, c) plane is pooled on its own.
//
// Padding: max pooling ignores padded positions (as if they were −∞); average pooling
// treats them as zeros and divides by kh·kw when `countIncludesPadding` (PyTorch's
// default), else by the number of real positions in the window. Padding must be smaller
// than the kernel on each axis, so every window holds at least one real position.
//
// Max pooling's argmax is the first maximum in row-major window order; a NaN counts as the
// maximum (the first NaN, `replacesMaximum`), so a NaN input is never pooled away (PyTorch
// propagates it too). The backward and "select" kernels either recompute it from x (no
// extra memory; the default the executor needs, since x is kept for the backward pass anyway) or read it from an `Int32` index
// buffer that `maxPoolForward` filled (one index per output, the flat position ih·W + iw
// inside its input plane), which saves the recomputation when memory is no concern.
// None of these kernels allocate or need a workspace.
//
// Second-order use: with x fixed, max pooling is linear in its selection, so the VJP of
// `maxPoolBackward` with respect to dy is `maxPoolSelect(x, ·)` (and x gets no second-order
// term almost everywhere); `avgPoolBackward` is linear and its VJP is `avgPoolForward`.

/// The shape of one pooling: batch, channels, spatial sizes, window, stride, padding.
public struct PoolGeometry: Hashable, Sendable, CustomStringConvertible {
    public let batch: Int
    public let channels: Int
    public let inHeight: Int
    public let inWidth: Int
    public let kernelHeight: Int
    public let kernelWidth: Int
    public let strideHeight: Int
    public let strideWidth: Int
    public let padHeight: Int
    public let padWidth: Int
    /// Average pooling only: divide by kh·kw (true) or by the real positions in the window.
    public let countIncludesPadding: Bool
    public let outHeight: Int
    public let outWidth: Int

    /// A 2-D pooling geometry. Output sizes are computed; traps if a window does not fit
    /// or padding is not smaller than the kernel.
    public init(batch: Int, channels: Int, inHeight: Int, inWidth: Int,
                kernelHeight: Int, kernelWidth: Int, strideHeight: Int, strideWidth: Int,
                padHeight: Int = 0, padWidth: Int = 0, countIncludesPadding: Bool = true) {
        precondition(batch >= 1 && channels >= 1 && inHeight >= 1 && inWidth >= 1, "pool sizes must be positive")
        precondition(padHeight < kernelHeight && padWidth < kernelWidth,
                     "pool padding (\(padHeight), \(padWidth)) must be smaller than the kernel (\(kernelHeight), \(kernelWidth))")
        self.batch = batch
        self.channels = channels
        self.inHeight = inHeight
        self.inWidth = inWidth
        self.kernelHeight = kernelHeight
        self.kernelWidth = kernelWidth
        self.strideHeight = strideHeight
        self.strideWidth = strideWidth
        self.padHeight = padHeight
        self.padWidth = padWidth
        self.countIncludesPadding = countIncludesPadding
        self.outHeight = slidingOutputSize(input: inHeight, kernel: kernelHeight, stride: strideHeight, padding: padHeight)
        self.outWidth = slidingOutputSize(input: inWidth, kernel: kernelWidth, stride: strideWidth, padding: padWidth)
    }

    /// A 1-D pooling x [N, C, L] → y [N, C, L_out]: the 2-D geometry with H = 1, kh = 1.
    public init(batch: Int, channels: Int, length: Int, kernel: Int, stride: Int,
                padding: Int = 0, countIncludesPadding: Bool = true) {
        self.init(batch: batch, channels: channels, inHeight: 1, inWidth: length,
                  kernelHeight: 1, kernelWidth: kernel, strideHeight: 1, strideWidth: stride,
                  padHeight: 0, padWidth: padding, countIncludesPadding: countIncludesPadding)
    }

    public var planes: Int { batch * channels }
    public var inputPlane: Int { inHeight * inWidth }
    public var outputPlane: Int { outHeight * outWidth }
    /// Scalars in x, dx, and h of `maxPoolSelect`.
    public var inputCount: Int { planes * inputPlane }
    /// Scalars in y, dy, and the Int32 index buffer.
    public var outputCount: Int { planes * outputPlane }

    /// The real input rows and columns covered by output window (oh, ow).
    @inline(__always)
    func window(_ oh: Int, _ ow: Int) -> (rows: Range<Int>, cols: Range<Int>) {
        let h0 = oh * strideHeight - padHeight, w0 = ow * strideWidth - padWidth
        return (max(0, h0)..<min(inHeight, h0 + kernelHeight), max(0, w0)..<min(inWidth, w0 + kernelWidth))
    }

    public var description: String {
        "pool N=\(batch) C=\(channels) in \(inHeight)×\(inWidth) k \(kernelHeight)×\(kernelWidth) "
            + "s \(strideHeight),\(strideWidth) p \(padHeight),\(padWidth) out \(outHeight)×\(outWidth)"
    }
}

/// The flat in-plane index (ih·W + iw) of the first maximum of window (oh, ow).
@inline(__always)
func windowArgmax<T: NetScalar>(_ g: PoolGeometry, plane x: UnsafePointer<T>, _ oh: Int, _ ow: Int) -> Int {
    let (rows, cols) = g.window(oh, ow)
    var best = rows.lowerBound * g.inWidth + cols.lowerBound
    var bestValue = x[best]
    for ih in rows {
        let r = ih * g.inWidth
        for iw in cols where x[r + iw].replacesMaximum(bestValue) {
            best = r + iw
            bestValue = x[best]
        }
    }
    return best
}

// MARK: - Max pooling

/// y ← max over each window of x. Overwrites y [N, C, Ho, Wo]. If `indices` is given
/// (`g.outputCount` Int32s), also stores each output's argmax as ih·W + iw in its plane.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func maxPoolForward<T: NetScalar>(
    _ g: PoolGeometry, x: UnsafePointer<T>, y: UnsafeMutablePointer<T>,
    indices: UnsafeMutablePointer<Int32>? = nil
) {
    for p in 0..<g.planes {
        let xp = x + p * g.inputPlane
        let yp = y + p * g.outputPlane
        for oh in 0..<g.outHeight {
            for ow in 0..<g.outWidth {
                let a = windowArgmax(g, plane: xp, oh, ow)
                let o = oh * g.outWidth + ow
                yp[o] = xp[a]
                indices?[p * g.outputPlane + o] = Int32(truncatingIfNeeded: a)
            }
        }
    }
}

/// dx ← the gradient of max pooling: each dy routed to its window's argmax in x
/// (recomputed from x). Overwrites dx [N, C, H, W], or adds to it when `accumulate`.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func maxPoolBackward<T: NetScalar>(
    _ g: PoolGeometry, x: UnsafePointer<T>, dy: UnsafePointer<T>,
    dx: UnsafeMutablePointer<T>, accumulate: Bool = false
) {
    if !accumulate { dx.update(repeating: 0, count: g.inputCount) }
    for p in 0..<g.planes {
        let xp = x + p * g.inputPlane
        let dxp = dx + p * g.inputPlane
        let dyp = dy + p * g.outputPlane
        for oh in 0..<g.outHeight {
            for ow in 0..<g.outWidth {
                dxp[windowArgmax(g, plane: xp, oh, ow)] += dyp[oh * g.outWidth + ow]
            }
        }
    }
}

/// As `maxPoolBackward(_:x:dy:dx:accumulate:)`, reading the argmax from the index buffer
/// `maxPoolForward` filled instead of recomputing it.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func maxPoolBackward<T: NetScalar>(
    _ g: PoolGeometry, indices: UnsafePointer<Int32>, dy: UnsafePointer<T>,
    dx: UnsafeMutablePointer<T>, accumulate: Bool = false
) {
    if !accumulate { dx.update(repeating: 0, count: g.inputCount) }
    for p in 0..<g.planes {
        let dxp = dx + p * g.inputPlane
        let base = p * g.outputPlane
        for o in 0..<g.outputPlane { dxp[Int(indices[base + o])] += dy[base + o] }
    }
}

/// out ← h taken at each window's argmax of x: out[n,c,oh,ow] = h[n,c,argmax]. Overwrites
/// out [N, C, Ho, Wo]; h has x's shape [N, C, H, W]. This is the forward-mode derivative
/// of max pooling at x in direction h, and the VJP of `maxPoolBackward` with respect to dy,
/// which second-order gradients (e.g. of a Hutchinson log-det estimate) need.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func maxPoolSelect<T: NetScalar>(
    _ g: PoolGeometry, x: UnsafePointer<T>, h: UnsafePointer<T>, out: UnsafeMutablePointer<T>
) {
    for p in 0..<g.planes {
        let xp = x + p * g.inputPlane
        let hp = h + p * g.inputPlane
        let op = out + p * g.outputPlane
        for oh in 0..<g.outHeight {
            for ow in 0..<g.outWidth {
                op[oh * g.outWidth + ow] = hp[windowArgmax(g, plane: xp, oh, ow)]
            }
        }
    }
}

/// As `maxPoolSelect(_:x:h:out:)`, reading the argmax from `maxPoolForward`'s index buffer.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func maxPoolSelect<T: NetScalar>(
    _ g: PoolGeometry, indices: UnsafePointer<Int32>, h: UnsafePointer<T>, out: UnsafeMutablePointer<T>
) {
    for p in 0..<g.planes {
        let hp = h + p * g.inputPlane
        let base = p * g.outputPlane
        for o in 0..<g.outputPlane { out[base + o] = hp[Int(indices[base + o])] }
    }
}

// MARK: - Average pooling

/// The divisor of window (oh, ow) for average pooling.
@inline(__always)
func averageDivisor(_ g: PoolGeometry, rows: Range<Int>, cols: Range<Int>) -> Int {
    g.countIncludesPadding ? g.kernelHeight * g.kernelWidth : rows.count * cols.count
}

/// y ← the mean over each window of x (see the type's note on padding). Overwrites y.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func avgPoolForward<T: NetScalar>(
    _ g: PoolGeometry, x: UnsafePointer<T>, y: UnsafeMutablePointer<T>
) {
    for p in 0..<g.planes {
        let xp = x + p * g.inputPlane
        let yp = y + p * g.outputPlane
        for oh in 0..<g.outHeight {
            for ow in 0..<g.outWidth {
                let (rows, cols) = g.window(oh, ow)
                var s: T = 0
                for ih in rows {
                    let r = xp + ih * g.inWidth
                    for iw in cols { s += r[iw] }
                }
                yp[oh * g.outWidth + ow] = s / T(averageDivisor(g, rows: rows, cols: cols))
            }
        }
    }
}

/// dx ← the gradient of average pooling: each dy spread evenly over its window's real
/// positions (divided by the same divisor as the forward). Overwrites dx [N, C, H, W], or
/// adds to it when `accumulate`. Linear in dy, independent of x.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func avgPoolBackward<T: NetScalar>(
    _ g: PoolGeometry, dy: UnsafePointer<T>, dx: UnsafeMutablePointer<T>, accumulate: Bool = false
) {
    if !accumulate { dx.update(repeating: 0, count: g.inputCount) }
    for p in 0..<g.planes {
        let dxp = dx + p * g.inputPlane
        let dyp = dy + p * g.outputPlane
        for oh in 0..<g.outHeight {
            for ow in 0..<g.outWidth {
                let (rows, cols) = g.window(oh, ow)
                let v = dyp[oh * g.outWidth + ow] / T(averageDivisor(g, rows: rows, cols: cols))
                for ih in rows {
                    let r = dxp + ih * g.inWidth
                    for iw in cols { r[iw] += v }
                }
            }
        }
    }
}
