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

/// d[m·K + r] += Σ_{u<U} Σ_{t<counts[u]} gts[u][t·ldg + m] · bases[u][offsets[r] + t] for
/// m < M, r < K: the weight gradient of the direct 2-D convolutions over the units (tiles
/// of output rows) of a group of samples, Float32 with AVX-512, 16 or 32 output channels
/// per block. gts[u] is a tile of dy transposed, ldg a multiple of 16, columns m ≥ M zero.
/// Each sum is the FMA chain over u, then t, as in the Swift kernel.
void netl_conv_weight_gradient_f32_avx512(long M, long K, long U, const float *const *bases, const long *offsets,
                                          const float *const *gts, const long *counts, long ldg, float *d);

/// The same for M ≤ 8 in pair mode: gts[u][(t/2)·16 + 2m + t mod 2] (16 floats per pair of
/// positions, channels m ≥ M and, for an odd count, the last odd lanes zero);
/// d[m·K + r] += (Σ over even t) + (Σ over odd t), each an FMA chain over u, then t.
void netl_conv_weight_gradient_pairs_f32_avx512(long M, long K, long U, const float *const *bases,
                                                const long *offsets, const float *const *gts,
                                                const long *counts, float *d);
/// dst[i·ldDst + j] ← (dst[i·ldDst + j] if accumulate) + src[i·ldSrc + j] for i < rows,
/// j < width, Float32 (the short strided row copies of the direct 2-D convolutions): plain
/// copies of rows of ≥ 4 floats by two overlapping vectors, the rest masked 16-wide. dst
/// and src must not overlap.
void netl_copy_rows_f32_avx512(float *dst, long ldDst, const float *src, long ldSrc, long rows, long width,
                               int accumulate);

/// gt ← dy of one unit transposed for the 2-D weight gradient (`transposeUnit`): for row
/// < R, ow < Wo, o < Cout the value dy[o·plane + (oh0 + row)·Wo + ow] goes to position
/// q = row·Wp + ow, at gt[q·ldg + o] (wide layout, zeros for o ≥ Cout and for Wo ≤ ow < Wp
/// while q < count) or at gt[(q/2)·16 + 2o + q mod 2] (pairs ≠ 0, Cout ≤ 8; the first
/// ⌈count/2⌉·16 floats zeroed first). Float32, 16 × 16 blocks transposed in registers.
void netl_transpose_unit_f32_avx512(const float *dy, long oh0, long Cout, long plane, long Wo, long Wp, long R,
                                    long count, long ldg, int pairs, float *gt);

/// The blocking of the large Float32 products (large_sgemm_avx512.c): 6 × 64 micro-kernel,
/// k blocks of at most 320 (OpenBLAS's), row blocks of at most 60 rows of C.
#define NETL_SGEMM_MR 6
#define NETL_SGEMM_NR 64
#define NETL_SGEMM_KC 320
#define NETL_SGEMM_MC 60

/// The length of the k block that starts with `rest` values of k left, by OpenBLAS's rule
/// for one thread (threaded = 0) or several.
long netl_sgemm_k_block(long rest, int threaded);

/// The floats of packed op(B) for a k × n product (n rounded up to 64).
long netl_sgemm_packed_b_count(long k, long n);

/// Packs the 64-column panels p0 … p1 − 1 of op(B) (k × n; b[k·ldb + j], or b[j·ldb + k] when
/// trans_b) for every k block into `packed` (64-byte aligned, netl_sgemm_packed_b_count
/// floats). Threads may pack disjoint panel ranges at once.
void netl_sgemm_pack_b_f32_avx512(int trans_b, long k, long n, const float *b, long ldb, int threaded,
                                  float *packed, long p0, long p1);

/// Rows i0 … i0 + mc − 1 (mc ≤ NETL_SGEMM_MC) of C ← op(A)·op(B) (+ C when accumulate) from
/// packed B, with op(A)[i, k] = a[i·lda + k] (or a[k·lda + i] when trans_a). Each element is
/// OpenBLAS's sum bit for bit: per k block an FMA chain from 0 over k, the blocks added to C
/// in order. Returns 0 (nothing written) when mc is too large or scratch memory is missing.
int netl_sgemm_rows_f32_avx512(int trans_a, long i0, long mc, long n, long k, const float *a, long lda,
                               const float *packed_b, int accumulate, int threaded, float *c, long ldc);

#endif
