import CKernels
import Synchronization

/// The kernel of `DenseChainOp`: data parallelism over row blocks.
///
/// The m rows are cut into blocks of `rowsPerBlock` rows. Each compute thread takes blocks
/// from a shared counter and runs its block through all layers — a single-threaded GEMM
/// (or the thin-input / thin-output loops of `LinearOp`), then the activation over the
/// block while it is still in cache — using two block buffers of its own. Layers are never
/// synchronised: the threads meet once, when every block is done. OpenBLAS runs with one
/// thread while the blocks are in flight (its own threads would compete with ours, and it
/// serialises concurrent calls otherwise) and gets its thread count back afterwards.
///
/// Every row is computed as `LinearOp` and `UnaryOp` compute it (the same loops for thin
/// layers, the same activation formulas; for the GEMM, β = 0 and the bias added in the
/// activation's pass), so fused and unfused results agree to the rounding of the BLAS
/// blocking.
final class DenseChainKernel<T: NetScalar> {
    private struct Layer {
        let weight: UnsafeMutablePointer<T>, bias: UnsafeMutablePointer<T>
        let inputs: Int, outputs: Int
        /// Wᵀ [k, n] for the thin-input loop (k ≤ 8), refreshed at every run.
        let transposed: UnsafeMutablePointer<T>?
        let thinOutput: Bool
        let activation: Activation
        /// Wᵀ packed for `netl_sgemm_rows_f32_avx512` (64-byte aligned), refreshed at every
        /// run; Float32 hidden layers where `LargeSgemm` runs, nil otherwise.
        let packedWeight: UnsafeMutablePointer<Float>?
    }

    /// The fused activations, with their parameter converted once.
    enum Activation {
        case none, relu, elu(T), leakyRelu(T), tanh, sigmoid
        init(_ f: UnaryFunction?) {
            switch f {
            case nil: self = .none
            case .relu?: self = .relu
            case let .elu(a)?: self = .elu(T(a))
            case let .leakyRelu(a)?: self = .leakyRelu(T(a))
            case .tanh?: self = .tanh
            case .sigmoid?: self = .sigmoid
            case let f?: preconditionFailure("dense_chain cannot fuse \(f.name)")
            }
        }
    }

    private let x: UnsafeMutablePointer<T>, y: UnsafeMutablePointer<T>
    private let rows: Int
    private let layers: [Layer]
    let rowsPerBlock: Int
    /// Width of the largest intermediate value (the size of one row of a block buffer).
    private let hiddenWidth: Int
    /// Two block buffers per thread slot.
    private let buffers: ScratchBuffer<T>?
    private let slots: Int
    private let nextBlock = Atomic<Int>(0)
    /// The k rule of the OpenBLAS calls the packed products replace in this run (1: its
    /// threaded driver), which the packing and the products follow.
    private var blasThreaded: Int32 = 0

    init(_ context: KernelContext<T>, activations: [UnaryFunction?]) {
        x = context.inputs[0]
        y = context.output
        rows = context.inputShapes[0][0]
        var layers: [Layer] = []
        for (l, f) in activations.enumerated() {
            let shape = context.inputShapes[1 + 2 * l]
            let (n, k) = (shape[0], shape[1])
            let thinInput = k >= 1 && k <= 8
            let thinOutput = !thinInput && n <= 4 && k >= 16 && LinearOp.thinOutputKernel
            var packed: UnsafeMutablePointer<Float>?
            if T.self == Float.self, LargeSgemm.enabled, !thinInput, !thinOutput {
                let region = context.workspace(netl_sgemm_packed_b_count(k, n) + 16)
                packed = UnsafeMutableRawPointer(region).alignedUp(toMultipleOf: 64).assumingMemoryBound(to: Float.self)
            }
            layers.append(Layer(weight: context.inputs[1 + 2 * l], bias: context.inputs[2 + 2 * l], inputs: k, outputs: n,
                                transposed: thinInput ? context.workspace(k * n) : nil, thinOutput: thinOutput,
                                activation: Activation(f), packedWeight: packed))
        }
        self.layers = layers
        hiddenWidth = layers.dropLast().map(\.outputs).max() ?? 0
        rowsPerBlock = DenseChainKernel.rowsPerBlock(width: Swift.max(hiddenWidth, layers.last!.outputs))
        let blocks = (rows + rowsPerBlock - 1) / rowsPerBlock
        slots = Swift.max(1, Swift.min(computeThreads, blocks))
        buffers = hiddenWidth > 0 ? context.scratch(slots * 2 * rowsPerBlock * hiddenWidth) : nil
    }

    /// Rows per block: a block of the widest layer fills about 128 KiB (two of them stay in
    /// L2 with the weights), between 64 rows (so a GEMM amortises reading W) and 512.
    static func rowsPerBlock(width: Int) -> Int {
        if let rows = DenseChainFusion.rowsPerBlock { return rows }
        let target = 131_072 / MemoryLayout<T>.stride / Swift.max(width, 1)
        return Swift.min(512, Swift.max(64, target / 16 * 16))
    }

    func run() {
        // Index loops: an array iterator allocates per element in debug builds, and
        // planned kernels must not allocate (TrainingStepAllocationTests).
        var index = 0
        while index < layers.count {
            let layer = layers[index]
            index += 1
            guard let t = layer.transposed else { continue }
            let (k, n) = (layer.inputs, layer.outputs)
            for l in 0..<k { for j in 0..<n { t[l * n + j] = layer.weight[j * k + l] } }
        }
        let blocks = (rows + rowsPerBlock - 1) / rowsPerBlock
        let threads = Swift.min(computeThreads, slots, blocks)
        // On several threads OpenBLAS is set to one thread for the blocks (its one-thread k
        // rule); on one, it keeps its threads.
        blasThreaded = threads <= 1 && blasThreadCount() > 1 ? 1 : 0
        index = 0
        while index < layers.count {
            let layer = layers[index]
            index += 1
            guard let packed = layer.packedWeight else { continue }
            let (k, n) = (layer.inputs, layer.outputs)
            netl_sgemm_pack_b_f32_avx512(1, k, n, UnsafeRawPointer(layer.weight).assumingMemoryBound(to: Float.self), k,
                                         blasThreaded, packed, 0, (n + Int(NETL_SGEMM_NR) - 1) / Int(NETL_SGEMM_NR))
        }
        if threads <= 1 {
            // One thread: OpenBLAS keeps its threads for the (then large) blocks.
            var b = 0
            while b < blocks { runBlock(b, slot: 0); b += 1 }
            return
        }
        nextBlock.store(0, ordering: .relaxed)
        withSingleThreadedBLAS {
            parallelFor(threads) { slot in
                while true {
                    let b = nextBlock.wrappingAdd(1, ordering: .relaxed).oldValue
                    if b >= blocks { return }
                    runBlock(b, slot: slot)
                }
            }
        }
    }

    /// Rows [b·R, min(m, (b + 1)·R)) through every layer, in slot `slot`'s buffers.
    private func runBlock(_ b: Int, slot: Int) {
        let start = b * rowsPerBlock, count = Swift.min(rowsPerBlock, rows - start)
        var input = UnsafePointer(x + start * layers[0].inputs)
        var l = 0
        while l < layers.count {
            let layer = layers[l]
            let output = l == layers.count - 1
                ? y + start * layer.outputs
                : buffers!.pointer + (2 * slot + l % 2) * rowsPerBlock * hiddenWidth
            dense(layer, input, output, count)
            input = UnsafePointer(output)
            l += 1
        }
    }

    /// output[i] = f(input[i]·Wᵀ + b) for `count` rows, as `LinearOp` and `UnaryOp`
    /// compute each row; the bias and f are applied in one pass while the rows are in cache.
    @inline(__always)
    private func dense(_ layer: Layer, _ x: UnsafePointer<T>, _ y: UnsafeMutablePointer<T>, _ count: Int) {
        let (k, n, w, b) = (layer.inputs, layer.outputs, layer.weight, layer.bias)
        if let wRows = layer.transposed {
            // b + x₀·W[:, 0] + x₁·W[:, 1] + …, in LinearOp's order, then f on the row (in L1).
            for i in 0..<count {
                let yi = y + i * n, xi = x + i * k
                let x0 = xi[0]
                for j in 0..<n { yi[j] = b[j] + x0 * wRows[j] }
                for l in 1..<k {
                    let xl = xi[l], wl = wRows + l * n
                    for j in 0..<n { yi[j] += xl * wl[j] }
                }
                activate(layer.activation, yi, n, bias: nil)
            }
        } else if layer.thinOutput {
            for i in 0..<count {
                let xi = x + i * k
                for j in 0..<n { y[i * n + j] = b[j] + dot(xi, w + j * k, k) }
            }
            activate(layer.activation, y, count * n, bias: nil)
        } else {
            // β = 0, then the bias with f: the sum x·Wᵀ + b rounds as with LinearOp's β = 1
            // (OpenBLAS adds the product to C) when K fits one of OpenBLAS's K blocks.
            if let packed = layer.packedWeight, LargeSgemm.enabled, count * n * k > LargeSgemm.openBLASSmallLimit {
                // NetLang's kernel on Wᵀ packed once per run (OpenBLAS packs it per call),
                // with OpenBLAS's sums: the same bits as the call below (LargeSgemm).
                let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
                let yf = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)
                let mc = Int(NETL_SGEMM_MC)
                for i0 in stride(from: 0, to: count, by: mc) {
                    _ = netl_sgemm_rows_f32_avx512(0, i0, Swift.min(mc, count - i0), n, k, xf, k, packed, 0, blasThreaded,
                                                   yf, n)
                }
            } else {
                T.gemm(transA: false, transB: true, m: count, n: n, k: k, alpha: 1, a: x, lda: k, b: w, ldb: k, beta: 0, c: y,
                       ldc: n)
            }
            if case .none = layer.activation {
                for i in 0..<count { let yi = y + i * n; for j in 0..<n { yi[j] += b[j] } }
            } else {
                for i in 0..<count { activate(layer.activation, y + i * n, n, bias: b) }
            }
        }
    }

    /// f(y + bias) in place over `count` values (bias nil: f(y)), with `UnaryOp`'s formulas.
    @inline(__always)
    private func activate(_ f: Activation, _ y: UnsafeMutablePointer<T>, _ count: Int, bias: UnsafePointer<T>?) {
        if case .none = f { return }
        if case let .elu(a) = f, T.self == Float.self, WideKernels.avx512 {
            // 16-wide, the bias added in the same pass; equal bit for bit to the two passes
            // below (WideEluTests).
            netl_bias_elu_f32_avx512(UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self),
                                     bias.map { UnsafeRawPointer($0).assumingMemoryBound(to: Float.self) },
                                     count, Float(a))
            return
        }
        if let bias { for i in 0..<count { y[i] += bias[i] } }
        switch f {
        case .none: return
        case .relu: for i in 0..<count { y[i] = y[i] > 0 ? y[i] : 0 }
        case let .elu(a):
            if T.self == Float.self {
                // Float32 (the hot case): eˣ is needed for x ≤ 0 only (see `eluInPlace`).
                eluInPlace(UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self), count, alpha: Float(a))
            } else {
                for i in 0..<count { let v = y[i]; let e = a * (T.fastExp(v) - 1); y[i] = v > 0 ? v : e }
            }
        case let .leakyRelu(a): for i in 0..<count { let v = y[i]; y[i] = v > 0 ? v : a * v }
        case .tanh: for i in 0..<count { y[i] = T.tanh(y[i]) }
        case .sigmoid: for i in 0..<count { y[i] = 1 / (1 + T.fastExp(-y[i])) }
        }
    }
}

/// elu in place for Float32: `UnaryOp`'s `x > 0 ? x : α·(fastExp(x) − 1)` to within a few
/// ulp (NaN, ±∞, ±0 and every x > 0 exactly), about twice as fast: eˣ is evaluated at
/// min(x, 0), where `Float.fastExp`'s upper clamp and NaN test cannot apply, and its
/// polynomial with fused multiply-adds.
@inline(__always)
func eluInPlace(_ y: UnsafeMutablePointer<Float>, _ count: Int, alpha: Float) {
    for i in 0..<count {
        let v = y[i]
        let e = alpha * (expOfNonPositive(v < 0 ? v : 0) - 1)
        y[i] = v <= 0 ? e : v   // NaN (no comparison holds) stays NaN, as in UnaryOp
    }
}

/// eˣ for x ≤ 0 (not NaN): `Float.fastExp`'s range reduction (Cephes) and degree-6
/// polynomial, written with fused multiply-adds; results below e^−87.34 are clamped.
@inline(__always)
func expOfNonPositive(_ x: Float) -> Float {
    let clamped = Swift.max(x, -87.33654)
    // Adding 1.5·2²³ rounds x·log₂e to an integer n, which sits in the low mantissa bits.
    let shifted = Float(12_582_912).addingProduct(clamped, 1.442695041)
    let n = shifted - 12_582_912
    let r = clamped.addingProduct(n, -0.693359375).addingProduct(n, 2.12194440e-4)
    var p: Float = 1.9875691500e-4
    p = Float(1.3981999507e-3).addingProduct(p, r)
    p = Float(8.3334519073e-3).addingProduct(p, r)
    p = Float(4.1665795894e-2).addingProduct(p, r)
    p = Float(1.6666665459e-1).addingProduct(p, r)
    p = Float(5.0000001201e-1).addingProduct(p, r)
    let e = r.addingProduct(p, r * r) + 1
    let k = shifted.bitPattern &- 0x4B40_0000
    return e * Float(bitPattern: (k &+ 127) &<< 23)
}
