// The transpose of dy for the weight gradient of the direct 2-D convolutions
// (`transposeUnit` in Convolution2DWeightGradient.swift): output channels along a vector,
// positions in the padded width. The Swift loop moves one float per load and store,
// gathering across channel planes; in mnist_iresnet it was about 7 % of a training step
// (perf). Here 16 channel rows of 16 positions are loaded as vectors, transposed in
// registers (a 16 × 16 transpose in four shuffle stages) and stored one position per
// vector. Values are only moved, so the result is the Swift loop's exactly.
#include "netl_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define NETL_AVX512 __attribute__((target("avx512f")))
#include "transpose16_avx512.h"

NETL_AVX512 void netl_transpose_unit_f32_avx512(const float *dy, long oh0, long Cout, long plane, long Wo, long Wp,
                                                long R, long count, long ldg, int pairs, float *gt) {
    // Pair layout: lane 2o + p of the vector at gt + (q/2)·16 holds channel o of the
    // position q with q mod 2 = p.
    const __m512i spread = _mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
    if (pairs) {
        for (long i = 0; i < (count + 1) / 2 * 16; i++) gt[i] = 0;
    }
    const long blocks = pairs ? 1 : ldg / 16;
    for (long row = 0; row < R; row++) {
        const long start = (oh0 + row) * Wo;  // of this row in each channel's plane
        const float *src = dy + start;
        for (long ow0 = 0; ow0 < Wo; ow0 += 16) {
            const long width = Wo - ow0 < 16 ? Wo - ow0 : 16;
            // Masked loads only where 16 floats would run past the channel's plane (the
            // last rows): elsewhere the lanes past the row read the next row, and are not
            // stored. Masked loads cost more (and this pass waits on them, dy being cold).
            const __mmask16 mask = start + ow0 + 16 <= plane ? (__mmask16)0xFFFF : (__mmask16)((1u << width) - 1u);
            for (long block = 0; block < blocks; block++) {
                const long o0 = block * 16;
                __m512 r[16], t[16];
                for (long i = 0; i < 16; i++) {
                    const float *at = src + (o0 + i) * plane + ow0;
                    r[i] = o0 + i >= Cout ? _mm512_setzero_ps()
                         : mask == 0xFFFF ? _mm512_loadu_ps(at) : _mm512_maskz_loadu_ps(mask, at);
                }
                transpose16(r, t);
                for (long j = 0; j < width; j++) {
                    const long q = row * Wp + ow0 + j;
                    if (pairs) {
                        const __m512 even = _mm512_permutexvar_ps(spread, t[j]);
                        if ((q & 1) == 0 && j + 1 < width) {
                            // Both positions of the pair in this block: one full store.
                            const __m512 odd = _mm512_permutexvar_ps(spread, t[j + 1]);
                            _mm512_storeu_ps(gt + (q >> 1) * 16, _mm512_mask_blend_ps(0xAAAA, even, odd));
                            j++;
                        } else {
                            const __mmask16 lanes = (__mmask16)(0x5555u << (q & 1));
                            _mm512_mask_storeu_ps(gt + (q >> 1) * 16, lanes, even);
                        }
                    } else {
                        _mm512_storeu_ps(gt + q * ldg + o0, t[j]);
                    }
                }
            }
        }
        // The dropped columns of the padded width (wide layout; the pair layout is zeroed above).
        if (!pairs) {
            for (long ow = Wo; ow < Wp && row * Wp + ow < count; ow++) {
                for (long o = 0; o < ldg; o += 16) _mm512_storeu_ps(gt + (row * Wp + ow) * ldg + o, _mm512_setzero_ps());
            }
        }
    }
}

#else
void netl_transpose_unit_f32_avx512(const float *dy, long oh0, long Cout, long plane, long Wo, long Wp, long R,
                                    long count, long ldg, int pairs, float *gt) {
    (void)dy; (void)oh0; (void)Cout; (void)plane; (void)Wo; (void)Wp; (void)R; (void)count; (void)ldg; (void)pairs; (void)gt;
    __builtin_trap();  // never called: WideKernels.avx512 is false off x86-64
}
#endif
