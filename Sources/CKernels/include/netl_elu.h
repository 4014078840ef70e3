// The 16-wide ELU passes: the fused dense chains' (DenseChainKernel) and UnaryOp's. Kept
// apart from netl_kernels.h (the convolution micro-kernels) so each kernel family has its
// own header.
#ifndef NETL_ELU_H
#define NETL_ELU_H

/// y[i] ← elu(y[i] + bias[i]) (bias NULL: elu(y[i])) for i < count, Float32 with AVX-512,
/// with exactly the operations of the Swift `eluInPlace` (eˣ at min(x, 0) by the Cephes
/// range reduction and degree-6 polynomial in fused multiply-adds), so the results are
/// equal bit for bit; NaN stays NaN, −0 gives +0 as there.
void netl_bias_elu_f32_avx512(float *y, const float *bias, long count, float alpha);

/// y[i] ← x[i] > 0 ? x[i] : α·(eˣ − 1) for i < count, Float32 with AVX-512: `UnaryOp`'s
/// elu, with eˣ by exactly the operations of `Float.fastExp` (separate multiplications and
/// additions, no fused multiply-add), so the results equal the Swift loop's bit for bit.
/// NaN stays NaN; x and y may be the same array.
void netl_elu_f32_avx512(const float *x, float *y, long count, float alpha);

/// y[i] ← x[i] > 0 ? positive : α·eˣ for i < count, the same way: `UnaryOp`'s elu'
/// (positive = 1) and elu'' (positive = 0), the tables of `TabulatedScaleOp`.
void netl_elu_derivative_f32_avx512(const float *x, float *y, long count, float alpha, float positive);

#endif
