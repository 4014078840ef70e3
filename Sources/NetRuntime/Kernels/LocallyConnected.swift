// The 1-D locally-connected layer: a 1-D convolution whose weights are not shared across
// positions (each output position has its own filter bank), used by IsotopeNet (ch. 7),
// where a peak's meaning depends on its mass, not only on its shape.
//
// Layouts (row-major):
//   x    [N, C_in, L]                 y, dy [N, C_out, L_out]
//   w    [L_out, C_out, C_in·k]       (w[i, o, c·k + j] weighs xpad[n, c, i·s + j])
//   bias [C_out, L_out]               (one bias per output channel and position)
//   L_out = ⌊(L + 2p − k)/s⌋ + 1, zero padding p on both ends.
//   y[n, o, i] = Σ_{c,j} w[i, o, c·k + j] · xpad[n, c, i·s + j] + bias[o, i].
//
// Why this shape: for each position i the layer is a dense map of the k-window, so the
// batch is handled by one GEMM per position ([N, C_in·k] · w[i]ᵀ), with w[i] contiguous.
// The window matrix and a [N, C_out] staging tile live in a caller-supplied workspace of
// `workspaceCount` scalars, allocated once and reused; no kernel here allocates.
// The workspace is pure scratch (nothing in it survives a call), so layers that run one
// after another can share a single buffer sized by the largest `workspaceCount`; only
// kernels running concurrently need separate ones.
//
// Second-order use: as for convolutions, the VJP of `locallyConnectedBackwardInput` with
// respect to dy is `locallyConnectedForward` (bias nil) and with respect to w is
// `locallyConnectedBackwardWeight`.

/// The shape of one 1-D locally-connected layer.
public struct LocallyConnected1DGeometry: Hashable, Sendable, CustomStringConvertible {
    public let batch: Int
    public let inChannels: Int
    public let outChannels: Int
    public let length: Int
    public let kernel: Int
    public let stride: Int
    public let padding: Int
    public let outLength: Int

    /// Output length is computed; traps if the window does not fit.
    public init(batch: Int, inChannels: Int, outChannels: Int, length: Int,
                kernel: Int, stride: Int = 1, padding: Int = 0) {
        precondition(batch >= 1 && inChannels >= 1 && outChannels >= 1 && length >= 1,
                     "locally-connected sizes must be positive")
        self.batch = batch
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.length = length
        self.kernel = kernel
        self.stride = stride
        self.padding = padding
        self.outLength = slidingOutputSize(input: length, kernel: kernel, stride: stride, padding: padding)
    }

    /// Inputs per filter: C_in·k.
    public var patchSize: Int { inChannels * kernel }
    /// Scalars in x, dx.
    public var inputCount: Int { batch * inChannels * length }
    /// Scalars in y, dy.
    public var outputCount: Int { batch * outChannels * outLength }
    /// Scalars in w, dw: L_out · C_out · C_in·k.
    public var weightCount: Int { outLength * outChannels * patchSize }
    /// Scalars in bias, dbias: C_out · L_out.
    public var biasCount: Int { outChannels * outLength }
    /// Scratch every kernel in this file needs: an [N, C_in·k] window matrix and an
    /// [N, C_out] tile.
    public var workspaceCount: Int { batch * (patchSize + outChannels) }

    public var description: String {
        "locally-connected N=\(batch) \(inChannels)→\(outChannels) L \(length) k \(kernel) s \(stride) p \(padding) out \(outLength)"
    }
}

/// cols [N, C_in·k] ← the windows of every sample at output position i (0 where padded).
@inline(__always)
func gatherWindows<T: NetScalar>(_ g: LocallyConnected1DGeometry, x: UnsafePointer<T>, position i: Int,
                                 cols: UnsafeMutablePointer<T>) {
    let (L, k, K) = (g.length, g.kernel, g.patchSize)
    let start = i * g.stride - g.padding
    let j0 = min(k, max(0, -start)), j1 = max(j0, min(k, L - start))   // real taps j0..<j1
    for n in 0..<g.batch {
        for c in 0..<g.inChannels {
            let dst = cols + n * K + c * k
            let src = x + (n * g.inChannels + c) * L
            for j in 0..<k { dst[j] = (j >= j0 && j < j1) ? src[start + j] : 0 }
        }
    }
}

/// tile [N, C_out] ← dy[:, :, i].
@inline(__always)
func gatherPosition<T: NetScalar>(_ g: LocallyConnected1DGeometry, _ t: UnsafePointer<T>, position i: Int,
                                  tile: UnsafeMutablePointer<T>) {
    let (Cout, Lo) = (g.outChannels, g.outLength)
    for n in 0..<g.batch {
        for o in 0..<Cout { tile[n * Cout + o] = t[(n * Cout + o) * Lo + i] }
    }
}

/// y ← locally-connected(x; w) + bias. Overwrites y [N, C_out, L_out].
/// - Parameters: x [N, C_in, L]; w [L_out, C_out, C_in·k]; bias [C_out, L_out] or nil;
///   workspace: at least `g.workspaceCount` scalars.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func locallyConnectedForward<T: NetScalar>(
    _ g: LocallyConnected1DGeometry, x: UnsafePointer<T>, w: UnsafePointer<T>, bias: UnsafePointer<T>?,
    y: UnsafeMutablePointer<T>, workspace: UnsafeMutablePointer<T>
) {
    let (N, Cout, Lo, K) = (g.batch, g.outChannels, g.outLength, g.patchSize)
    let cols = workspace, tile = workspace + N * K
    for i in 0..<Lo {
        gatherWindows(g, x: x, position: i, cols: cols)
        T.gemm(transA: false, transB: true, m: N, n: Cout, k: K,
               alpha: 1, a: cols, lda: K, b: w + i * Cout * K, ldb: K,
               beta: 0, c: tile, ldc: Cout)
        for n in 0..<N {
            for o in 0..<Cout {
                let b: T = bias?[o * Lo + i] ?? 0
                y[(n * Cout + o) * Lo + i] = tile[n * Cout + o] + b
            }
        }
    }
}

/// dx ← the gradient of `locallyConnectedForward` with respect to x. Overwrites
/// dx [N, C_in, L], or adds to it when `accumulate`. Positions no window reaches get 0.
/// - Parameters: dy [N, C_out, L_out]; w [L_out, C_out, C_in·k];
///   workspace: at least `g.workspaceCount` scalars.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func locallyConnectedBackwardInput<T: NetScalar>(
    _ g: LocallyConnected1DGeometry, dy: UnsafePointer<T>, w: UnsafePointer<T>,
    dx: UnsafeMutablePointer<T>, workspace: UnsafeMutablePointer<T>, accumulate: Bool = false
) {
    let (N, Cin, Cout, L, Lo, k, K) = (g.batch, g.inChannels, g.outChannels, g.length, g.outLength, g.kernel, g.patchSize)
    if !accumulate { dx.update(repeating: 0, count: g.inputCount) }
    let dcols = workspace, tile = workspace + N * K
    for i in 0..<Lo {
        gatherPosition(g, dy, position: i, tile: tile)
        T.gemm(transA: false, transB: false, m: N, n: K, k: Cout,
               alpha: 1, a: tile, lda: Cout, b: w + i * Cout * K, ldb: K,
               beta: 0, c: dcols, ldc: K)
        let start = i * g.stride - g.padding
        let j0 = min(k, max(0, -start)), j1 = max(j0, min(k, L - start))
        for n in 0..<N {
            for c in 0..<Cin {
                let src = dcols + n * K + c * k
                let dst = dx + (n * Cin + c) * L
                for j in j0..<j1 { dst[start + j] += src[j] }
            }
        }
    }
}

/// dw ← the gradient of `locallyConnectedForward` with respect to w:
/// dw[i] = dy[:, :, i]ᵀ · windows(x, i). Overwrites dw [L_out, C_out, C_in·k], or adds
/// to it when `accumulate`.
/// - Parameters: x [N, C_in, L]; dy [N, C_out, L_out];
///   workspace: at least `g.workspaceCount` scalars.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func locallyConnectedBackwardWeight<T: NetScalar>(
    _ g: LocallyConnected1DGeometry, x: UnsafePointer<T>, dy: UnsafePointer<T>,
    dw: UnsafeMutablePointer<T>, workspace: UnsafeMutablePointer<T>, accumulate: Bool = false
) {
    let (N, Cout, Lo, K) = (g.batch, g.outChannels, g.outLength, g.patchSize)
    let cols = workspace, tile = workspace + N * K
    for i in 0..<Lo {
        gatherWindows(g, x: x, position: i, cols: cols)
        gatherPosition(g, dy, position: i, tile: tile)
        T.gemm(transA: true, transB: false, m: Cout, n: K, k: N,
               alpha: 1, a: tile, lda: Cout, b: cols, ldb: K,
               beta: accumulate ? 1 : 0, c: dw + i * Cout * K, ldc: K)
    }
}

/// dbias[o, i] ← Σₙ dy[n, o, i]. Overwrites dbias [C_out, L_out], or adds when
/// `accumulate`. Needs no workspace.
@_specialize(where T == Float)
@_specialize(where T == Double)
public func locallyConnectedBackwardBias<T: NetScalar>(
    _ g: LocallyConnected1DGeometry, dy: UnsafePointer<T>, dbias: UnsafeMutablePointer<T>,
    accumulate: Bool = false
) {
    let m = g.biasCount
    if !accumulate { dbias.update(repeating: 0, count: m) }
    for n in 0..<g.batch {
        let row = dy + n * m
        for q in 0..<m { dbias[q] += row[q] }
    }
}
