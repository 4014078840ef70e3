import CKernels

extension UnaryFunction {
    /// `UnaryOp`'s kernel for elu, elu' and elu'' as a 16-wide C pass
    /// (`netl_elu_f32_avx512`, `netl_elu_derivative_f32_avx512`), for Float32 on CPUs with
    /// AVX-512 (`WideKernels`); nil otherwise, and for every other function. The C pass
    /// evaluates `Float.fastExp` with the same operations in the same order, so the values
    /// are the Swift loop's bit for bit (WideUnaryEluTests); it only does twice the lanes
    /// per instruction, which matters on the convolutional i-ResNets' feature maps.
    func wideEluKernel<T: NetScalar>(x: UnsafePointer<T>, y: UnsafeMutablePointer<T>, count n: Int) -> Kernel? {
        guard T.self == Float.self, WideKernels.avx512 else { return nil }
        let xf = UnsafeRawPointer(x).assumingMemoryBound(to: Float.self)
        let yf = UnsafeMutableRawPointer(y).assumingMemoryBound(to: Float.self)
        // elu has no value for positive x (it passes x through); elu' has 1 and elu'' 0.
        let alpha: Double, positive: Float?
        switch self {
        case let .elu(a): (alpha, positive) = (a, nil)
        case let .eluDerivative(a): (alpha, positive) = (a, 1)
        case let .eluSecondDerivative(a): (alpha, positive) = (a, 0)
        default: return nil
        }
        let a = Float(alpha)
        return {
            parallelChunks(n) { r in
                let (x, y) = (xf + r.lowerBound, yf + r.lowerBound)
                if let positive { netl_elu_derivative_f32_avx512(x, y, r.count, a, positive) } else { netl_elu_f32_avx512(x, y, r.count, a) }
            }
        }
    }
}
