// Hand-vectorised kernels that need instructions the Swift code is not compiled for.
// The Swift side calls them only when the CPU has them (`WideKernels` in NetRuntime).
#ifndef NETL_KERNELS_H
#define NETL_KERNELS_H

#include <stddef.h>

/// c[m, t] ← (c[m, t] if accumulate) + bias[m] + Σ_r a[m·K + r] · rows[r][t] for m < M,
/// t < T, in Float32 with AVX-512 (16 positions per vector, 8 × 32 output blocks), for
/// T ≥ 16. `a` has ⌈M/4⌉·4 rows. Each output is the fused multiply-add chain over r in
/// order, so results equal the 8-wide Swift kernel's bit for bit.
void netl_rows_gemm_f32_avx512(long M, long K, long T, const float *a, const float *const *rows,
                               float *c, long ldc, const float *bias, int accumulate);

/// d[m·K + r] += Σ_{t<T} gt[t·ldg + m] · rows[r][t] for m < M, r < K (the weight gradient
/// of the direct 2-D convolutions, `rowsGemmTransposedTN`), Float32 with AVX-512: 16
/// output channels per vector. gt is dy transposed, ldg a multiple of 16, columns m ≥ M
/// zero. Each sum is the FMA chain over t in order, as in the Swift kernel.
void netl_rows_gemm_tn_f32_avx512(long M, long K, long T, const float *gt, long ldg,
                                  const float *const *rows, float *d);

#endif
