// The forward / backward-input micro-kernel of the direct convolutions (`rowsGemm` in
// Convolution1D.swift) with 512-bit vectors. The Swift kernel is compiled for Haswell
// (AVX2, 8 floats per vector, 16 vector registers); with AVX-512 each FMA covers 16
// positions and the 32 registers hold an 8 × 32 block of outputs (a 4-row block for the
// last rows), which halves the instructions per multiply-add. Every output is the same
// FMA chain over r as in the Swift kernel.
#include "netl_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define NETL_AVX512 __attribute__((target("avx512f,fma")))

// dst ← (dst if accumulate) + v + bias, for the lanes in `mask`.
NETL_AVX512 static inline void finish(float *dst, __m512 v, const float *bias, long m, int accumulate,
                                      __mmask16 mask) {
    if (accumulate) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, dst));
    if (bias) v = _mm512_add_ps(v, _mm512_set1_ps(bias[m]));
    _mm512_mask_storeu_ps(dst, mask, v);
}

// Output rows m … m + R − 1 (R = 4 or 8, a constant once inlined; only the first mb are
// stored) for every position: blocks of 32 positions in 2R accumulators, then 16-wide
// blocks, the last one ending at T (every read inside the rows) and storing only the lanes
// not stored yet.
NETL_AVX512 static inline __attribute__((always_inline)) void row_block(
    const int R, long m, long mb, long K, long T, const float *a, const float *const *rows,
    float *c, long ldc, const float *bias, int accumulate) {
    const float *ar[8];
    for (int q = 0; q < R; q++) ar[q] = a + (m + q) * K;
    long t = 0;
    for (; t + 32 <= T; t += 32) {
        __m512 lo[8], hi[8];
        for (int q = 0; q < R; q++) { lo[q] = _mm512_setzero_ps(); hi[q] = _mm512_setzero_ps(); }
        for (long r = 0; r < K; r++) {
            const float *src = rows[r] + t;
            const __m512 b0 = _mm512_loadu_ps(src), b1 = _mm512_loadu_ps(src + 16);
            for (int q = 0; q < R; q++) {
                const __m512 w = _mm512_set1_ps(ar[q][r]);
                lo[q] = _mm512_fmadd_ps(w, b0, lo[q]);
                hi[q] = _mm512_fmadd_ps(w, b1, hi[q]);
            }
        }
        for (long q = 0; q < mb; q++) {
            float *dst = c + (m + q) * ldc + t;
            finish(dst, lo[q], bias, m + q, accumulate, 0xFFFF);
            finish(dst + 16, hi[q], bias, m + q, accumulate, 0xFFFF);
        }
    }
    while (t < T) {
        const long t0 = t + 16 <= T ? t : T - 16;
        const __mmask16 mask = (__mmask16)(0xFFFFu << (t - t0));
        __m512 acc[8];
        for (int q = 0; q < R; q++) acc[q] = _mm512_setzero_ps();
        for (long r = 0; r < K; r++) {
            const __m512 b = _mm512_loadu_ps(rows[r] + t0);
            for (int q = 0; q < R; q++) acc[q] = _mm512_fmadd_ps(_mm512_set1_ps(ar[q][r]), b, acc[q]);
        }
        for (long q = 0; q < mb; q++) finish(c + (m + q) * ldc + t0, acc[q], bias, m + q, accumulate, mask);
        t = t0 + 16;
    }
}

NETL_AVX512 void netl_rows_gemm_f32_avx512(long M, long K, long T, const float *a, const float *const *rows,
                                           float *c, long ldc, const float *bias, int accumulate) {
    // Blocks of 8 rows (16 accumulators: each row segment loaded feeds 16 FMAs) while 8
    // rows of a exist (a has ⌈M/4⌉·4 rows), then one block of 4.
    const long padded = (M + 3) / 4 * 4;
    long m = 0;
    for (; m + 8 <= padded; m += 8)
        row_block(8, m, M - m < 8 ? M - m : 8, K, T, a, rows, c, ldc, bias, accumulate);
    for (; m < M; m += 4)
        row_block(4, m, M - m < 4 ? M - m : 4, K, T, a, rows, c, ldc, bias, accumulate);
}

#else
void netl_rows_gemm_f32_avx512(long M, long K, long T, const float *a, const float *const *rows,
                               float *c, long ldc, const float *bias, int accumulate) {
    (void)M; (void)K; (void)T; (void)a; (void)rows; (void)c; (void)ldc; (void)bias; (void)accumulate;
    __builtin_trap();  // never called: WideKernels.avx512 is false off x86-64
}
#endif
