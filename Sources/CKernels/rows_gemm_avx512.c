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

NETL_AVX512 void netl_rows_gemm_f32_avx512(long M, long K, long T, const float *a, const float *const *rows,
                                           float *c, long ldc, const float *bias, int accumulate) {
    const long padded = (M + 3) / 4 * 4;   // rows of a
    long m = 0;
    // Blocks of 8 rows × 32 positions (16 accumulators): each row segment loaded feeds 16
    // FMAs instead of 8. Only while 8 rows of a exist (a has ⌈M/4⌉·4 rows).
    for (; m + 8 <= padded; m += 8) {
        const long mb = M - m < 8 ? M - m : 8;
        const float *ar[8];
        for (int q = 0; q < 8; q++) ar[q] = a + (m + q) * K;
        long t = 0;
        for (; t + 32 <= T; t += 32) {
            __m512 lo[8], hi[8];
            for (int q = 0; q < 8; q++) { lo[q] = _mm512_setzero_ps(); hi[q] = _mm512_setzero_ps(); }
            for (long r = 0; r < K; r++) {
                const float *src = rows[r] + t;
                const __m512 b0 = _mm512_loadu_ps(src), b1 = _mm512_loadu_ps(src + 16);
                for (int q = 0; q < 8; q++) {
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
            for (int q = 0; q < 8; q++) acc[q] = _mm512_setzero_ps();
            for (long r = 0; r < K; r++) {
                const __m512 b = _mm512_loadu_ps(rows[r] + t0);
                for (int q = 0; q < 8; q++) acc[q] = _mm512_fmadd_ps(_mm512_set1_ps(ar[q][r]), b, acc[q]);
            }
            for (long q = 0; q < mb; q++) finish(c + (m + q) * ldc + t0, acc[q], bias, m + q, accumulate, mask);
            t = t0 + 16;
        }
    }
    for (; m < M; m += 4) {
        const long mb = M - m < 4 ? M - m : 4;
        const float *a0 = a + m * K, *a1 = a0 + K, *a2 = a1 + K, *a3 = a2 + K;
        long t = 0;
        for (; t + 32 <= T; t += 32) {
            __m512 c00 = _mm512_setzero_ps(), c01 = c00, c10 = c00, c11 = c00;
            __m512 c20 = c00, c21 = c00, c30 = c00, c31 = c00;
            for (long r = 0; r < K; r++) {
                const float *src = rows[r] + t;
                const __m512 b0 = _mm512_loadu_ps(src), b1 = _mm512_loadu_ps(src + 16);
                const __m512 w0 = _mm512_set1_ps(a0[r]), w1 = _mm512_set1_ps(a1[r]);
                const __m512 w2 = _mm512_set1_ps(a2[r]), w3 = _mm512_set1_ps(a3[r]);
                c00 = _mm512_fmadd_ps(w0, b0, c00); c01 = _mm512_fmadd_ps(w0, b1, c01);
                c10 = _mm512_fmadd_ps(w1, b0, c10); c11 = _mm512_fmadd_ps(w1, b1, c11);
                c20 = _mm512_fmadd_ps(w2, b0, c20); c21 = _mm512_fmadd_ps(w2, b1, c21);
                c30 = _mm512_fmadd_ps(w3, b0, c30); c31 = _mm512_fmadd_ps(w3, b1, c31);
            }
            const __m512 acc[4][2] = {{c00, c01}, {c10, c11}, {c20, c21}, {c30, c31}};
            for (long q = 0; q < mb; q++) {
                float *dst = c + (m + q) * ldc + t;
                finish(dst, acc[q][0], bias, m + q, accumulate, 0xFFFF);
                finish(dst + 16, acc[q][1], bias, m + q, accumulate, 0xFFFF);
            }
        }
        // The last 1–31 positions: 16-wide blocks, the last one ending at T (every read
        // inside the rows) and storing only the lanes not stored yet.
        while (t < T) {
            const long t0 = t + 16 <= T ? t : T - 16;
            const __mmask16 mask = (__mmask16)(0xFFFFu << (t - t0));
            __m512 c0 = _mm512_setzero_ps(), c1 = c0, c2 = c0, c3 = c0;
            for (long r = 0; r < K; r++) {
                const __m512 b = _mm512_loadu_ps(rows[r] + t0);
                c0 = _mm512_fmadd_ps(_mm512_set1_ps(a0[r]), b, c0);
                c1 = _mm512_fmadd_ps(_mm512_set1_ps(a1[r]), b, c1);
                c2 = _mm512_fmadd_ps(_mm512_set1_ps(a2[r]), b, c2);
                c3 = _mm512_fmadd_ps(_mm512_set1_ps(a3[r]), b, c3);
            }
            const __m512 acc[4] = {c0, c1, c2, c3};
            for (long q = 0; q < mb; q++) finish(c + (m + q) * ldc + t0, acc[q], bias, m + q, accumulate, mask);
            t = t0 + 16;
        }
    }
}

#else
void netl_rows_gemm_f32_avx512(long M, long K, long T, const float *a, const float *const *rows,
                               float *c, long ldc, const float *bias, int accumulate) {
    (void)M; (void)K; (void)T; (void)a; (void)rows; (void)c; (void)ldc; (void)bias; (void)accumulate;
    __builtin_trap();  // never called: WideKernels.avx512 is false off x86-64
}
#endif
