// The weight-gradient micro-kernels of the direct 2-D convolutions
// (Convolution2DWeightGradient.swift) with 512-bit vectors.
//
// dw[m, r] = Σ_u Σ_t gt_u[t, m] · x_u[offsets[r] + t] over the "units" (one tile of output
// rows of one sample) of a group of samples. The accumulators of a block of dw stay in
// registers over every unit of the group and are added into d once per group: with one
// unit per call (the kernel before) a 7×7 map's 61 positions fed each accumulator only
// 61 FMAs before 16 scalar read-modify-writes spilled it, about as much work again.
//
// Wide mode (C_out > 8): one vector is 16 output channels of dy transposed, times a
// broadcast tap value; 32 channels (two vectors) × 12 taps in 24 accumulators, so each
// broadcast feeds two FMAs. Pair mode (C_out ≤ 8, half a vector of channels): lane 2m + s
// holds channel m at position 2p + s, times a broadcast of the pair x[2p], x[2p + 1]
// (one 64-bit broadcast), so no lane is idle; d[m, r] += lane 2m + lane 2m + 1.
// Each sum is the same FMA chain (over units, then positions) as in the Swift kernels,
// so the results are equal bit for bit.
#include "netl_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <string.h>

#define NETL_AVX512 __attribute__((target("avx512f,fma")))

// d[(m + q)·K + r] += acc lane q for q < mb.
NETL_AVX512 static inline void add_lanes(float *d, long m, long K, long r, long mb, __m512 acc) {
    float lanes[16];
    _mm512_storeu_ps(lanes, acc);
    for (long q = 0; q < mb; q++) d[(m + q) * K + r] += lanes[q];
}

// d[q·K + r] += lane 2q + lane 2q + 1 for q < M (pair mode).
NETL_AVX512 static inline void add_pairs(float *d, long M, long K, long r, __m512 acc) {
    float lanes[16];
    _mm512_storeu_ps(lanes, acc);
    for (long q = 0; q < M; q++) d[q * K + r] += lanes[2 * q] + lanes[2 * q + 1];
}

#define NETL_REP1(X) X(0)
#define NETL_REP4(X) X(0) X(1) X(2) X(3)
#define NETL_REP12(X) NETL_REP4(X) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11)

// Taps r … r + N − 1 (REP = NETL_REP<N>) for 32 channels (two vectors, lo and hi) from
// channel m, or 16 (lo only) when HI is 0. Accumulators are named variables so that they
// stay in registers (an array of them was kept in memory).
#define NETL_WIDE_PASS(N, REP, HI)                                                              \
    for (; r + (N) <= K; r += (N)) {                                                            \
        _Pragma("clang diagnostic push") _Pragma("clang diagnostic ignored \"-Wunused-variable\"") \
        const int hi_on = (HI);                                                                 \
        REP(NETL_WIDE_ZERO)                                                                     \
        for (long u = 0; u < U; u++) {                                                          \
            const float *x = bases[u];                                                          \
            REP(NETL_WIDE_ROW)                                                                  \
            const float *p = gts[u] + m;                                                        \
            const long T = counts[u];                                                           \
            for (long t = 0; t < T; t++, p += ldg) {                                            \
                const __m512 g0 = _mm512_loadu_ps(p);                                           \
                const __m512 g1 = hi_on ? _mm512_loadu_ps(p + 16) : g0;                         \
                REP(NETL_WIDE_FMA)                                                              \
            }                                                                                   \
        }                                                                                       \
        REP(NETL_WIDE_ADD)                                                                      \
        _Pragma("clang diagnostic pop")                                                         \
    }
#define NETL_WIDE_ZERO(j) __m512 lo##j = _mm512_setzero_ps(), hi##j = _mm512_setzero_ps();
#define NETL_WIDE_ROW(j) const float *x##j = x + offsets[r + (j)];
#define NETL_WIDE_FMA(j) {                                                                      \
        const __m512 b = _mm512_set1_ps(x##j[t]);                                               \
        lo##j = _mm512_fmadd_ps(b, g0, lo##j);                                                  \
        if (hi_on) hi##j = _mm512_fmadd_ps(b, g1, hi##j);                                          \
    }
#define NETL_WIDE_ADD(j) {                                                                      \
        add_lanes(d, m, K, r + (j), M - m < 16 ? M - m : 16, lo##j);                            \
        if (hi_on && M - m > 16) add_lanes(d, m + 16, K, r + (j), M - m - 16 < 16 ? M - m - 16 : 16, hi##j); \
    }

NETL_AVX512 void netl_conv_weight_gradient_f32_avx512(long M, long K, long U, const float *const *bases,
                                                      const long *offsets, const float *const *gts,
                                                      const long *counts, long ldg, float *d) {
    long m = 0;
    for (; m + 32 <= ldg; m += 32) {
        long r = 0;
        NETL_WIDE_PASS(12, NETL_REP12, 1)
        NETL_WIDE_PASS(4, NETL_REP4, 1)
        NETL_WIDE_PASS(1, NETL_REP1, 1)
    }
    for (; m < M; m += 16) {
        long r = 0;
        NETL_WIDE_PASS(12, NETL_REP12, 0)
        NETL_WIDE_PASS(4, NETL_REP4, 0)
        NETL_WIDE_PASS(1, NETL_REP1, 0)
    }
}

// Taps r … r + N − 1 in pair mode.
#define NETL_PAIR_PASS(N, REP)                                                                  \
    for (; r + (N) <= K; r += (N)) {                                                            \
        REP(NETL_PAIR_ZERO)                                                                     \
        for (long u = 0; u < U; u++) {                                                          \
            const float *x = bases[u];                                                          \
            REP(NETL_WIDE_ROW)                                                                  \
            const float *p = gts[u];                                                            \
            const long T = counts[u];                                                           \
            long t = 0;                                                                         \
            for (; t + 2 <= T; t += 2, p += 16) {                                               \
                const __m512 g = _mm512_loadu_ps(p);                                            \
                REP(NETL_PAIR_FMA)                                                              \
            }                                                                                   \
            if (t < T) { /* odd count: the last position, its odd lanes of gt are zero */        \
                const __m512 g = _mm512_loadu_ps(p);                                            \
                REP(NETL_PAIR_LAST)                                                             \
            }                                                                                   \
        }                                                                                       \
        REP(NETL_PAIR_ADD)                                                                      \
    }
#define NETL_PAIR_ZERO(j) __m512 acc##j = _mm512_setzero_ps();
#define NETL_PAIR_FMA(j) {                                                                      \
        double pair;                                                                            \
        memcpy(&pair, x##j + t, sizeof pair);                                                   \
        acc##j = _mm512_fmadd_ps(_mm512_castpd_ps(_mm512_set1_pd(pair)), g, acc##j);            \
    }
#define NETL_PAIR_LAST(j) acc##j = _mm512_fmadd_ps(_mm512_set1_ps(x##j[t]), g, acc##j);
#define NETL_PAIR_ADD(j) add_pairs(d, M, K, r + (j), acc##j);

NETL_AVX512 void netl_conv_weight_gradient_pairs_f32_avx512(long M, long K, long U, const float *const *bases,
                                                            const long *offsets, const float *const *gts,
                                                            const long *counts, float *d) {
    long r = 0;
    NETL_PAIR_PASS(12, NETL_REP12)
    NETL_PAIR_PASS(4, NETL_REP4)
    NETL_PAIR_PASS(1, NETL_REP1)
}

#else
void netl_conv_weight_gradient_f32_avx512(long M, long K, long U, const float *const *bases, const long *offsets,
                                          const float *const *gts, const long *counts, long ldg, float *d) {
    (void)M; (void)K; (void)U; (void)bases; (void)offsets; (void)gts; (void)counts; (void)ldg; (void)d;
    __builtin_trap();  // never called: WideKernels.avx512 is false off x86-64
}
void netl_conv_weight_gradient_pairs_f32_avx512(long M, long K, long U, const float *const *bases,
                                                const long *offsets, const float *const *gts,
                                                const long *counts, float *d) {
    (void)M; (void)K; (void)U; (void)bases; (void)offsets; (void)gts; (void)counts; (void)d;
    __builtin_trap();
}
#endif
