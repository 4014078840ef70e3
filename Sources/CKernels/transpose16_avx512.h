// A 16 × 16 transpose of Float32 in AVX-512 registers, shared by the kernels that pack or
// transpose tiles (transpose_unit_avx512.c, large_sgemm_avx512.c). Include after
// <immintrin.h> and a definition of NETL_AVX512 (the target attribute).
#ifndef NETL_TRANSPOSE16_AVX512_H
#define NETL_TRANSPOSE16_AVX512_H

// t[j] ← column j of the 16 × 16 matrix with rows r[i]: lane i of t[j] is r[i][j].
NETL_AVX512 static inline void transpose16(const __m512 r[16], __m512 t[16]) {
    __m512 a[16], b[16];
    // Stage 1, per 128-bit lane k: a[2i] = (r2i[4k], r2i+1[4k], r2i[4k+1], r2i+1[4k+1]),
    // a[2i+1] the same for elements 4k+2, 4k+3.
    for (int i = 0; i < 8; i++) {
        a[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        a[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    // Stage 2: b[4i + c], lane k = element 4k + c of rows 4i … 4i + 3.
    for (int i = 0; i < 4; i++) {
        const __m512d a0 = _mm512_castps_pd(a[4 * i]), a1 = _mm512_castps_pd(a[4 * i + 1]);
        const __m512d a2 = _mm512_castps_pd(a[4 * i + 2]), a3 = _mm512_castps_pd(a[4 * i + 3]);
        b[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a0, a2));
        b[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a0, a2));
        b[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(a1, a3));
        b[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(a1, a3));
    }
    // Stages 3 and 4: column 4k + c takes lane k of b[c], b[4 + c], b[8 + c], b[12 + c].
    for (int c = 0; c < 4; c++) {
        const __m512 lo01 = _mm512_shuffle_f32x4(b[c], b[4 + c], 0x44), hi01 = _mm512_shuffle_f32x4(b[c], b[4 + c], 0xEE);
        const __m512 lo23 = _mm512_shuffle_f32x4(b[8 + c], b[12 + c], 0x44), hi23 = _mm512_shuffle_f32x4(b[8 + c], b[12 + c], 0xEE);
        t[c] = _mm512_shuffle_f32x4(lo01, lo23, 0x88);
        t[4 + c] = _mm512_shuffle_f32x4(lo01, lo23, 0xDD);
        t[8 + c] = _mm512_shuffle_f32x4(hi01, hi23, 0x88);
        t[12 + c] = _mm512_shuffle_f32x4(hi01, hi23, 0xDD);
    }
}

#endif
