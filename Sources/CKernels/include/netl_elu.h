// The 16-wide ELU pass of the fused dense chains (DenseChainKernel). Kept apart from
// netl_kernels.h (the convolution micro-kernels) so each kernel family has its own header.
#ifndef NETL_ELU_H
#define NETL_ELU_H

/// y[i] ← elu(y[i] + bias[i]) (bias NULL: elu(y[i])) for i < count, Float32 with AVX-512,
/// with exactly the operations of the Swift `eluInPlace` (eˣ at min(x, 0) by the Cephes
/// range reduction and degree-6 polynomial in fused multiply-adds), so the results are
/// equal bit for bit; NaN stays NaN, −0 gives +0 as there.
void netl_bias_elu_f32_avx512(float *y, const float *bias, long count, float alpha);

#endif
