// Large Float32 products C = op(A)·op(B) (+ C) with AVX-512, for the products above the row
// split's range (`LargeSgemm` in LargeSgemm.swift, 1024³ in the gemm workload).
//
// Blocking after Goto and van de Geijn ("Anatomy of high-performance matrix
// multiplication"): B is packed once per call into panels of 64 columns, one panel per k
// block, laid out for the micro-kernel and shared by the threads; each thread takes row
// blocks of C (packing its rows of Aᵀ into 6-row panels for a few k blocks at a time; A's
// own rows are read in place) and runs a 6 × 64 micro-kernel: 24 accumulators, 4 vectors of B and a broadcast of A in
// 29 of the 32 vector registers. (14 × 32 and 8 × 48 kernels were 4 % slower on the gemm
// workload in alternated runs.)
//
// The arithmetic is OpenBLAS's (0.3.21, SkylakeX and Cooperlake kernels), so the results
// equal the `cblas_sgemm` call this replaces bit for bit (LargeSgemmTests): k is cut into
// blocks by OpenBLAS's rule (`netl_sgemm_k_block`), each element of C is, per k block, a
// fused multiply-add chain from 0 over k in order, and the blocks are added to C in order
// (the first to 0 when β = 0).
#include "netl_kernels.h"

#if defined(__x86_64__)
#include <immintrin.h>
#include <stdlib.h>

#define NETL_AVX512 __attribute__((target("avx512f")))
#include "transpose16_avx512.h"

enum { MR = NETL_SGEMM_MR, NR = NETL_SGEMM_NR, NV = NR / 16, KC = NETL_SGEMM_KC, MC = NETL_SGEMM_MC };

long netl_sgemm_k_block(long rest, int threaded) {
    // OpenBLAS's driver (driver/level3/level3.c one thread, level3_thread.c several):
    // GEMM_Q = 320 floats of k at a time; a rest between one and two blocks is halved,
    // rounded up to 16 (the kernel's unroll) on one thread and to 1 on several.
    if (rest >= 2 * KC) return KC;
    if (rest > KC) return threaded ? (rest + 1) / 2 : (rest / 2 + 15) / 16 * 16;
    return rest;
}

long netl_sgemm_packed_b_count(long k, long n) { return k * ((n + NR - 1) / NR * NR); }

// Lanes 0 … count − 1 (count clamped to 0 … 16).
static inline __mmask16 lanes(long count) {
    return count >= 16 ? (__mmask16)0xFFFF : count <= 0 ? (__mmask16)0 : (__mmask16)((1u << count) - 1u);
}

// Panels p0 … p1 − 1 of one k block [k0, k0 + kc) of packed B: panel p holds, for each k, the
// NR = 64 values op(B)[k, 64p …] (zero past n) at panel + (k − k0)·64.
NETL_AVX512 static void pack_b_block(int trans_b, long k0, long kc, long n, const float *b, long ldb, float *block,
                                     long p0, long p1) {
    if (!trans_b) {
        // op(B)[k, j] = b[k·ldb + j]: row by row of b, so the reads run along its rows (one
        // panel at a time would touch a new page for every k).
        for (long kk = 0; kk < kc; kk++) {
            const float *src = b + (k0 + kk) * ldb;
            for (long p = p0; p < p1; p++) {
                const long j0 = p * NR, width = n - j0 < NR ? n - j0 : NR;
                float *dst = block + p * kc * NR + kk * NR;
                for (int v = 0; v < NV; v++)
                    _mm512_store_ps(dst + 16 * v, _mm512_maskz_loadu_ps(lanes(width - 16 * v), src + j0 + 16 * v));
            }
        }
        return;
    }
    for (long p = p0; p < p1; p++) {
        const long j0 = p * NR, width = n - j0 < NR ? n - j0 : NR;
        float *panel = block + p * kc * NR;
        // op(B)[k, j] = b[j·ldb + k]: rows of b are columns of the panel; 16 × 16 tiles
        // transposed in registers.
        for (long v = 0; v < NV; v++) {
            const long rows = width - 16 * v;
            for (long kk = 0; kk < kc; kk += 16) {
                const long depth = kc - kk < 16 ? kc - kk : 16;
                const __mmask16 m = lanes(depth);
                __m512 r[16], t[16];
                for (long i = 0; i < 16; i++)
                    r[i] = i < rows ? _mm512_maskz_loadu_ps(m, b + (j0 + 16 * v + i) * ldb + k0 + kk)
                                    : _mm512_setzero_ps();
                transpose16(r, t);
                for (long q = 0; q < depth; q++) _mm512_store_ps(panel + (kk + q) * NR + 16 * v, t[q]);
            }
        }
    }
}

NETL_AVX512 void netl_sgemm_pack_b_f32_avx512(int trans_b, long k, long n, const float *b, long ldb,
                                              int threaded, float *packed, long p0, long p1) {
    const long npad = (n + NR - 1) / NR * NR;
    for (long k0 = 0, kc; k0 < k; k0 += kc) {
        kc = netl_sgemm_k_block(k - k0, threaded);
        pack_b_block(trans_b, k0, kc, n, b, ldb, packed + k0 * npad, p0, p1);
    }
}

// Rows i0 … i0 + mc − 1 of op(A) = Aᵀ (op(A)[i, k] = a[k·lda + i], MR consecutive floats per
// k) over k block [k0, k0 + kc), in MR-row panels (MR = 6): panel r holds, for each k, the MR
// values op(A)[MR·r …, k] (zero past mc) at ap + r·kc·MR + (k − k0)·MR. (Row-major A needs
// no packing: the micro-kernel reads its rows in place.)
NETL_AVX512 static void pack_a_transposed_block(long i0, long mc, long k0, long kc, const float *a, long lda,
                                                float *ap) {
    const __mmask16 row_lanes = lanes(MR);
    for (long r0 = 0; r0 < mc; r0 += MR) {
        const __mmask16 m = lanes(mc - r0 < MR ? mc - r0 : MR);
        float *panel = ap + r0 * kc;
        const float *src = a + k0 * lda + i0 + r0;
        for (long kk = 0; kk < kc; kk++, src += lda)
            _mm512_mask_storeu_ps(panel + kk * MR, row_lanes, _mm512_maskz_loadu_ps(m, src));
    }
}

// How the micro-kernel leaves its MR × NR block.
enum { SET_TO_SUM = 0, ADD_TO_C = 1, RAW = 2 };

// The R × NR block at c (R ≤ MR, a constant once inlined), with op(A)[i, k] at
// ap[i·rs + k·ks] (a packed panel: rs = 1, ks = MR; A's own rows: rs = lda, ks = 1): per
// element the FMA chain from 0 over the kc values of k, then c ← 0 + sum (SET_TO_SUM: the first k block with β = 0, as OpenBLAS adds to the
// zeroed C), c ← c + sum (ADD_TO_C) or c ← sum (RAW, into a scratch block for edges).
NETL_AVX512 static inline __attribute__((always_inline)) void micro_kernel(const int R, long kc, const float *ap,
                                                                        long rs, long ks, const float *bp,
                                                                        float *c, long ldc, int mode) {
    __m512 acc[MR][NV];
    // Fully unrolled (the accumulators must live in registers; -O2 keeps the loops).
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < R; i++)
        for (int v = 0; v < NV; v++) acc[i][v] = _mm512_setzero_ps();
    // C's lines are wanted at the end; ask for them early (rows 4 KB apart alias in L1, and
    // the streamed B pushes them out of L2) so the loads hit.
    if (mode == ADD_TO_C) {
        for (int i = 0; i < R; i++)
            for (int v = 0; v < NV; v++) _mm_prefetch((const char *)(c + i * ldc + 16 * v), _MM_HINT_T1);
    }
    for (long kk = 0; kk < kc; kk++, ap += ks, bp += NR) {
        __m512 bv[NV];
        for (int v = 0; v < NV; v++) bv[v] = _mm512_load_ps(bp + 16 * v);
        _Pragma("clang loop unroll(full)")
        for (int i = 0; i < R; i++) {
            const __m512 ai = _mm512_set1_ps(ap[i * rs]);
            for (int v = 0; v < NV; v++) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
        }
    }
    _Pragma("clang loop unroll(full)")
    for (int i = 0; i < R; i++) {
        float *row = c + i * ldc;
        for (int v = 0; v < NV; v++) {
            if (mode == RAW) {
                _mm512_store_ps(row + 16 * v, acc[i][v]);
            } else {
                const __m512 base = mode == ADD_TO_C ? _mm512_loadu_ps(row + 16 * v) : _mm512_setzero_ps();
                _mm512_storeu_ps(row + 16 * v, _mm512_add_ps(base, acc[i][v]));
            }
        }
    }
}

// Up to this many values of k (whole k blocks) of A are packed at a time, so each block of
// C can take all its k blocks one after another while it sits in L1.
enum { KSPAN = 4 * KC, MAX_SPAN_BLOCKS = 2 * KSPAN / KC };

// The scratch A panels of the calling thread (for Aᵀ): MC rows × KSPAN, allocated on its
// first call and kept (the pool's threads live as long as the process).
static _Thread_local float *a_panels;

// One k block's share of an MR × NR (or edge) block of C at cb.
NETL_AVX512 static inline __attribute__((always_inline)) void c_block(long kc, const float *ap, long rs, long ks,
                                                                   const float *bp, float *cb, long ldc, long rows,
                                                                   long cols, int mode) {
    if (rows == MR && cols == NR) {
        micro_kernel(MR, kc, ap, rs, ks, bp, cb, ldc, mode);
    } else {
        // An edge block: the sums of its rows into scratch (a kernel of that many rows, so a
        // last block of 2 rows costs 2 rows' work), then the same additions on the elements
        // inside C.
        float sums[MR * NR] __attribute__((aligned(64)));
        switch (rows) {
#define EDGE_ROWS(R) case R: micro_kernel(R < MR ? R : MR, kc, ap, rs, ks, bp, sums, NR, RAW); break;
            EDGE_ROWS(1) EDGE_ROWS(2) EDGE_ROWS(3) EDGE_ROWS(4) EDGE_ROWS(5) EDGE_ROWS(6) EDGE_ROWS(7)
            EDGE_ROWS(8) EDGE_ROWS(9) EDGE_ROWS(10) EDGE_ROWS(11) EDGE_ROWS(12) EDGE_ROWS(13)
#undef EDGE_ROWS
            default: micro_kernel(MR, kc, ap, rs, ks, bp, sums, NR, RAW);
        }
        for (long i = 0; i < rows; i++)
            for (long j = 0; j < cols; j++)
                cb[i * ldc + j] = (mode == ADD_TO_C ? cb[i * ldc + j] : 0.0f) + sums[i * NR + j];
    }
}

NETL_AVX512 int netl_sgemm_rows_f32_avx512(int trans_a, long i0, long mc, long n, long k, const float *a,
                                           long lda, const float *packed_b, int accumulate, int threaded, float *c,
                                           long ldc) {
    if (mc > MC) return 0;
    const long mpad = (MC + MR - 1) / MR * MR;
    if (trans_a && !a_panels) {
        a_panels = aligned_alloc(64, sizeof(float) * mpad * KSPAN);
        if (!a_panels) return 0;
    }
    const long npad = (n + NR - 1) / NR * NR;
    // Row-major A is read where it lies: the micro-kernel broadcasts from its 6 rows (6
    // streams), 3 % faster on the gemm workload than packing them. Aᵀ (columns of A
    // contiguous) is packed into panels.
    const int pack = trans_a;
    for (long k0 = 0, span; k0 < k; k0 += span) {
        // The k blocks of this span, by OpenBLAS's rule (with their rows of Aᵀ packed).
        long kcs[MAX_SPAN_BLOCKS], blocks = 0;
        span = 0;
        while (k0 + span < k && blocks < MAX_SPAN_BLOCKS) {
            const long kc = netl_sgemm_k_block(k - k0 - span, threaded);
            if (blocks > 0 && span + kc > KSPAN) break;
            if (pack) pack_a_transposed_block(i0, mc, k0 + span, kc, a, lda, a_panels + span * mpad);
            kcs[blocks++] = kc;
            span += kc;
        }
        for (long j0 = 0; j0 < n; j0 += NR) {
            const long cols = n - j0 < NR ? n - j0 : NR;
            for (long r0 = 0; r0 < mc; r0 += MR) {
                const long rows = mc - r0 < MR ? mc - r0 : MR;
                float *cb = c + (i0 + r0) * ldc + j0;
                for (long q = 0, kb = k0; q < blocks; kb += kcs[q], q++) {
                    const long kc = kcs[q];
                    const int mode = accumulate || kb > 0 ? ADD_TO_C : SET_TO_SUM;
                    if (pack)
                        c_block(kc, a_panels + (kb - k0) * mpad + r0 * kc, 1, MR, packed_b + kb * npad + j0 * kc, cb, ldc,
                                rows, cols, mode);
                    else
                        c_block(kc, a + (i0 + r0) * lda + kb, lda, 1, packed_b + kb * npad + j0 * kc, cb, ldc, rows,
                                cols, mode);
                }
            }
        }
    }
    return 1;
}

#else
long netl_sgemm_k_block(long rest, int threaded) { (void)threaded; return rest; }
long netl_sgemm_packed_b_count(long k, long n) { (void)k; (void)n; return 0; }
void netl_sgemm_pack_b_f32_avx512(int trans_b, long k, long n, const float *b, long ldb, int threaded,
                                  float *packed, long p0, long p1) {
    (void)trans_b; (void)k; (void)n; (void)b; (void)ldb; (void)threaded; (void)packed; (void)p0; (void)p1;
    __builtin_trap();  // never called: LargeSgemm is off off x86-64
}
int netl_sgemm_rows_f32_avx512(int trans_a, long i0, long mc, long n, long k, const float *a, long lda,
                               const float *packed_b, int accumulate, int threaded, float *c, long ldc) {
    (void)trans_a; (void)i0; (void)mc; (void)n; (void)k; (void)a; (void)lda; (void)packed_b; (void)accumulate;
    (void)threaded; (void)c; (void)ldc;
    return 0;
}
#endif
