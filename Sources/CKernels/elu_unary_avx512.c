// The ELU passes of `UnaryOp` on Float32 with 512-bit vectors: elu(x), and the derivative
// tables elu'(x) and elu''(x) that the backward pass multiplies by (TabulatedScaleOp). The
// Swift loops are compiled for Haswell (8 floats per vector); on the convolutional
// i-ResNets these passes run over whole feature maps (128 × 32 × 14 × 14 floats in
// mnist_iresnet) and were about 6 % of its training step (perf).
//
// Bit for bit equal to the Swift closures: eˣ is `Float.fastExp` (NetScalar.swift) with
// the same operations in the same order, and — unlike bias_elu_avx512.c, which follows the
// fused `eluInPlace` — WITHOUT fused multiply-adds, since Swift does not contract `p * r + c`.
// Only mul/add/sub intrinsics are used, so the compiler cannot contract either.
#include "netl_elu.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define NETL_AVX512 __attribute__((target("avx512f")))

// Float.fastExp for 16 lanes: Cephes range reduction and degree-6 polynomial, each
// product and sum rounded separately; NaN lanes return x.
NETL_AVX512 static inline __m512 fastExp16(__m512 x) {
    const __m512 clamped = _mm512_min_ps(_mm512_max_ps(x, _mm512_set1_ps(-87.33654f)), _mm512_set1_ps(88.37626f));
    const __m512 magic = _mm512_set1_ps(12582912.0f);  // 1.5·2²³: rounds x·log₂e to an integer
    const __m512 shifted = _mm512_add_ps(_mm512_mul_ps(clamped, _mm512_set1_ps(1.442695041f)), magic);
    const __m512 n = _mm512_sub_ps(shifted, magic);
    // r = clamped − n·C1 + n·C2, left to right as in Swift.
    const __m512 r = _mm512_add_ps(_mm512_sub_ps(clamped, _mm512_mul_ps(n, _mm512_set1_ps(0.693359375f))),
                                   _mm512_mul_ps(n, _mm512_set1_ps(2.12194440e-4f)));
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_add_ps(_mm512_mul_ps(p, r), _mm512_set1_ps(5.0000001201e-1f));
    // e = p·(r·r) + r + 1, left to right.
    const __m512 e = _mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(p, _mm512_mul_ps(r, r)), r), _mm512_set1_ps(1.0f));
    const __m512i k = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x4B400000));
    const __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(k, _mm512_set1_epi32(127)), 23));
    const __mmask16 nan = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    return _mm512_mask_blend_ps(nan, _mm512_mul_ps(e, scale), x);
}

// y = x > 0 ? x : α·(eˣ − 1) (mode 0); y = x > 0 ? positive : α·eˣ (mode 1).
NETL_AVX512 static inline __m512 eluLanes(__m512 v, __m512 alpha, __m512 positive, int derivative) {
    const __m512 e = fastExp16(v);
    const __mmask16 isPositive = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_GT_OQ);  // false for NaN
    if (derivative) return _mm512_mask_blend_ps(isPositive, _mm512_mul_ps(alpha, e), positive);
    return _mm512_mask_blend_ps(isPositive, _mm512_mul_ps(alpha, _mm512_sub_ps(e, _mm512_set1_ps(1.0f))), v);
}

NETL_AVX512 static inline void eluPass(const float *x, float *y, long count, float alpha, float positive,
                                       int derivative) {
    const __m512 a = _mm512_set1_ps(alpha), p = _mm512_set1_ps(positive);
    long i = 0;
    for (; i + 16 <= count; i += 16) _mm512_storeu_ps(y + i, eluLanes(_mm512_loadu_ps(x + i), a, p, derivative));
    if (i < count) {
        const __mmask16 mask = (__mmask16)((1u << (count - i)) - 1);
        _mm512_mask_storeu_ps(y + i, mask, eluLanes(_mm512_maskz_loadu_ps(mask, x + i), a, p, derivative));
    }
}

NETL_AVX512 void netl_elu_f32_avx512(const float *x, float *y, long count, float alpha) {
    eluPass(x, y, count, alpha, 0, 0);
}

NETL_AVX512 void netl_elu_derivative_f32_avx512(const float *x, float *y, long count, float alpha, float positive) {
    eluPass(x, y, count, alpha, positive, 1);
}

#else
void netl_elu_f32_avx512(const float *x, float *y, long count, float alpha) {
    (void)x; (void)y; (void)count; (void)alpha;
    __builtin_trap();  // never called: WideKernels.avx512 is false off x86-64
}
void netl_elu_derivative_f32_avx512(const float *x, float *y, long count, float alpha, float positive) {
    (void)x; (void)y; (void)count; (void)alpha; (void)positive;
    __builtin_trap();
}
#endif
