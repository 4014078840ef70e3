// Strided copies of short rows for the direct 2-D convolutions: a sample's planes into
// their zero-padded frame, and outputs computed in the padded width back to the output
// (dropping the kw − 1 extra columns). Rows of 7 or 14 floats each cost a memcpy call of
// about 3 ns, 8 % of a 7×7 map's FMAs per copy; here a row is one or two masked
// 16-wide load/stores.
#include "netl_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define NETL_AVX512 __attribute__((target("avx512f")))

NETL_AVX512 void netl_copy_rows_f32_avx512(float *dst, long ldDst, const float *src, long ldSrc, long rows,
                                           long width, int accumulate) {
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
