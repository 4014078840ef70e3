// Strided copies of short rows for the direct 2-D convolutions: a sample's planes into
// their zero-padded frame, and outputs computed in the padded width back to the output
// (dropping the kw − 1 extra columns). Rows of 7 or 14 floats each cost a memcpy call of
// about 3 ns, 8 % of a 7×7 map's FMAs per copy; here a row is two overlapping vector
// load/stores (plain copies of at least 4 floats) or masked 16-wide ones.
#include "netl_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define NETL_AVX512 __attribute__((target("avx512f")))

// One row of width ≥ 4 by two unmasked, overlapping vectors (or 16-wide steps and an
// overlapping last one): masked loads and stores cost more on this path (about 15 % per
// row of 7 or 14 floats in a single-core loop), and a plain copy may write an element twice.
NETL_AVX512 static inline void copyRowOverlapping(float *dst, const float *src, long width) {
    if (width >= 16) {
        long j = 0;
        for (; j + 16 <= width; j += 16) _mm512_storeu_ps(dst + j, _mm512_loadu_ps(src + j));
        if (j < width) _mm512_storeu_ps(dst + width - 16, _mm512_loadu_ps(src + width - 16));
    } else if (width >= 8) {
        const __m256 head = _mm256_loadu_ps(src), tail = _mm256_loadu_ps(src + width - 8);
        _mm256_storeu_ps(dst, head);
        _mm256_storeu_ps(dst + width - 8, tail);
    } else {
        const __m128 head = _mm_loadu_ps(src), tail = _mm_loadu_ps(src + width - 4);
        _mm_storeu_ps(dst, head);
        _mm_storeu_ps(dst + width - 4, tail);
    }
}

NETL_AVX512 void netl_copy_rows_f32_avx512(float *dst, long ldDst, const float *src, long ldSrc, long rows,
                                           long width, int accumulate) {
    if (!accumulate && width >= 4) {
        for (long i = 0; i < rows; i++, dst += ldDst, src += ldSrc) copyRowOverlapping(dst, src, width);
        return;
    }
    for (long i = 0; i < rows; i++, dst += ldDst, src += ldSrc) {
        for (long j = 0; j < width; j += 16) {
            const long n = width - j < 16 ? width - j : 16;
            const __mmask16 mask = (__mmask16)((1u << n) - 1u);
            __m512 v = _mm512_maskz_loadu_ps(mask, src + j);
            if (accumulate) v = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, dst + j), v);
            _mm512_mask_storeu_ps(dst + j, mask, v);
        }
    }
}

#else
void netl_copy_rows_f32_avx512(float *dst, long ldDst, const float *src, long ldSrc, long rows, long width,
                               int accumulate) {
    (void)dst; (void)ldDst; (void)src; (void)ldSrc; (void)rows; (void)width; (void)accumulate;
    __builtin_trap();  // never called: WideKernels.avx512 is false off x86-64
}
#endif
