import Foundation

/// Which hand-vectorised kernels of `CKernels` run on this CPU.
///
/// The Swift kernels are compiled for Haswell (AVX2: 8 floats per vector, 16 vector
/// registers), which every x86-64 machine of the last decade runs. Where the CPU also has
/// AVX-512 (the kernel's "flags" line, so the OS saves the registers too), the Float32
/// micro-kernels of the direct convolutions — `rowsGemm` (forward and backward-input) and
/// the 2-D weight gradient (Convolution2DWeightGradient.swift), and the short row copies
/// of the 2-D ones — run 16-wide C versions instead. Each output is the same chain of fused
/// multiply-adds, so the results are identical bit for bit (WideKernelsTests), in about
/// half the instructions.
public enum WideKernels {
    /// Whether the AVX-512 kernels run. Off with `NETL_NO_AVX512=1` (A/B timings); tests
    /// switch it to compare both paths.
    nonisolated(unsafe) public static var avx512: Bool =
        selectsAVX512(environment: ProcessInfo.processInfo.environment, cpuFlags: BLASKernelSelection.cpuFlags)

    /// The rule behind `avx512`'s start value, apart so tests can check that
    /// `NETL_NO_AVX512=1` selects the Swift kernels on any CPU.
    static func selectsAVX512(environment: [String: String], cpuFlags: Set<String>) -> Bool {
        #if arch(x86_64)
        if environment["NETL_NO_AVX512"] == "1" { return false }
        return cpuFlags.contains("avx512f")
        #else
        return false
        #endif
    }
}
