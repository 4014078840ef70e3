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
        switch self {
        case let .elu(a):
            let a = Float(a)
            return { parallelChunks(n) { r in netl_elu_f32_avx512(xf + r.lowerBound, yf + r.lowerBound, r.count, a) } }
        case let .eluDerivative(a):
            let a = Float(a)
            return { parallelChunks(n) { r in netl_elu_derivative_f32_avx512(xf + r.lowerBound, yf + r.lowerBound, r.count, a, 1) } }
        case let .eluSecondDerivative(a):
            let a = Float(a)
            return { parallelChunks(n) { r in netl_elu_derivative_f32_avx512(xf + r.lowerBound, yf + r.lowerBound, r.count, a, 0) } }
        default:
            return nil
        }
    }
}
