// The bias-plus-ELU pass of the fused dense chains (`DenseChainKernel.activate`) with
// 512-bit vectors. The Swift loop (`eluInPlace`) is compiled for Haswell, 8 floats per
// vector, and adds the bias in a separate pass over the row; in iresnet_inverse (200
// evaluations of g on 10,000 × 128 pre-activations per step) that pair of passes was about
// a fifth of the step (perf). Here each 16-wide step reads y and the bias once and runs the
// same operations in the same order as the Swift code, so the values agree bit for bit.
#include "netl_elu.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define NETL_AVX512 __attribute__((target("avx512f,fma")))

// elu(v) for 16 lanes: α·(e^{min(v, 0)} − 1) where v ≤ 0, else v (NaN: v).
NETL_AVX512 static inline __m512 elu16(__m512 v, __m512 alpha) {
    // x = v < 0 ? v : 0 (min returns its second operand for NaN and for ±0, as the Swift
    // ternary does), clamped below as in `expOfNonPositive`.
    const __m512 x = _mm512_max_ps(_mm512_min_ps(v, _mm512_setzero_ps()), _mm512_set1_ps(-87.33654f));
    const __m512 magic = _mm512_set1_ps(12582912.0f);  // 1.5·2²³: rounds x·log₂e to an integer
    const __m512 shifted = _mm512_fmadd_ps(x, _mm512_set1_ps(1.442695041f), magic);
    const __m512 n = _mm512_sub_ps(shifted, magic);
    __m512 r = _mm512_fmadd_ps(n, _mm512_set1_ps(-0.693359375f), x);
    r = _mm512_fmadd_ps(n, _mm512_set1_ps(2.12194440e-4f), r);
    __m512 p = _mm512_set1_ps(1.9875691500e-4f);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.3981999507e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(8.3334519073e-3f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(4.1665795894e-2f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.6666665459e-1f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(5.0000001201e-1f));
    const __m512 e = _mm512_add_ps(_mm512_fmadd_ps(p, _mm512_mul_ps(r, r), r), _mm512_set1_ps(1.0f));
    const __m512i k = _mm512_sub_epi32(_mm512_castps_si512(shifted), _mm512_set1_epi32(0x4B400000));
    const __m512 scale = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(k, _mm512_set1_epi32(127)), 23));
    const __m512 negative = _mm512_mul_ps(alpha, _mm512_sub_ps(_mm512_mul_ps(e, scale), _mm512_set1_ps(1.0f)));
    // v ≤ 0 (ordered: false for NaN) takes the exponential branch.
    const __mmask16 nonPositive = _mm512_cmp_ps_mask(v, _mm512_setzero_ps(), _CMP_LE_OQ);
    return _mm512_mask_blend_ps(nonPositive, v, negative);
}

NETL_AVX512 void netl_bias_elu_f32_avx512(float *y, const float *bias, long count, float alpha) {
    const __m512 a = _mm512_set1_ps(alpha);
    long i = 0;
    for (; i + 16 <= count; i += 16) {
        __m512 v = _mm512_loadu_ps(y + i);
        if (bias) v = _mm512_add_ps(v, _mm512_loadu_ps(bias + i));
        _mm512_storeu_ps(y + i, elu16(v, a));
    }
    if (i < count) {
        const __mmask16 mask = (__mmask16)((1u << (count - i)) - 1);
        __m512 v = _mm512_maskz_loadu_ps(mask, y + i);
        if (bias) v = _mm512_add_ps(v, _mm512_maskz_loadu_ps(mask, bias + i));
        _mm512_mask_storeu_ps(y + i, mask, elu16(v, a));
    }
}

#else
void netl_bias_elu_f32_avx512(float *y, const float *bias, long count, float alpha) {
    (void)y; (void)bias; (void)count; (void)alpha;
    __builtin_trap();  // never called: WideKernels.avx512 is false off x86-64
}
#endif
