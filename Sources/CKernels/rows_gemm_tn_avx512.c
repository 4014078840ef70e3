// The weight-gradient micro-kernel of the direct 2-D convolutions (`rowsGemmTransposedTN`
// in Convolution2D.swift) with 512-bit vectors: per position t, one vector of 16 output
// channels of dy times a broadcast tap value, into one accumulator per tap. Twelve taps
// per pass (twelve of the 32 registers), then four, then one.
#include "netl_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define NETL_AVX512 __attribute__((target("avx512f,fma")))

// d[(m + q)·K + r] += acc lane q for q < mb.
NETL_AVX512 static inline void add_lanes(float *d, long m, long K, long r, long mb, __m512 acc) {
    float lanes[16];
    _mm512_storeu_ps(lanes, acc);
    for (long q = 0; q < mb; q++) d[(m + q) * K + r] += lanes[q];
}

#define NETL_TAPS_PASS(N)                                                                   \
    for (; r + (N) <= K; r += (N)) {                                                        \
        __m512 acc[N];                                                                      \
        for (int j = 0; j < (N); j++) acc[j] = _mm512_setzero_ps();                          \
        const float *p = gm;                                                                \
        for (long t = 0; t < T; t++, p += ldg) {                                            \
            const __m512 g = _mm512_loadu_ps(p);                                            \
            for (int j = 0; j < (N); j++)                                                   \
                acc[j] = _mm512_fmadd_ps(_mm512_set1_ps(rows[r + j][t]), g, acc[j]);         \
        }                                                                                   \
        for (int j = 0; j < (N); j++) add_lanes(d, m, K, r + j, mb, acc[j]);                 \
    }

NETL_AVX512 void netl_rows_gemm_tn_f32_avx512(long M, long K, long T, const float *gt, long ldg,
                                              const float *const *rows, float *d) {
    for (long m = 0; m < M; m += 16) {
        const float *gm = gt + m;
        const long mb = M - m < 16 ? M - m : 16;
        long r = 0;
        NETL_TAPS_PASS(12)
        NETL_TAPS_PASS(4)
        NETL_TAPS_PASS(1)
    }
}

#else
void netl_rows_gemm_tn_f32_avx512(long M, long K, long T, const float *gt, long ldg,
                                  const float *const *rows, float *d) {
    (void)M; (void)K; (void)T; (void)gt; (void)ldg; (void)rows; (void)d;
    __builtin_trap();  // never called: WideKernels.avx512 is false off x86-64
}
#endif
