// Hand-vectorised kernels that need instructions the Swift code is not compiled for.
// The Swift side calls them only when the CPU has them (`WideKernels` in NetRuntime).
#ifndef NETL_KERNELS_H
#define NETL_KERNELS_H

#include <stddef.h>

/// c[m, t] ← (c[m, t] if accumulate) + bias[m] + Σ_r a[m·K + r] · rows[r][t] for m < M,
/// t < T, in Float32 with AVX-512 (16 positions per vector, two vectors per block), for
/// T ≥ 16. `a` has ⌈M/4⌉·4 rows. Each output is the fused multiply-add chain over r in
/// order, so results equal the 8-wide Swift kernel's bit for bit.
void netl_rows_gemm_f32_avx512(long M, long K, long T, const float *a, const float *const *rows,
                               float *c, long ldc, const float *bias, int accumulate);

#endif
