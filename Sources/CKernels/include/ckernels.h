#ifndef LITEVL_CKERNELS_H
#define LITEVL_CKERNELS_H
// bfloat16 matrix products with float32 accumulation (AVX512_BF16, `vdpbf16ps`).
//
// Weights are pre-packed once from PyTorch's [N, K] float32 layout into panels of
// LITEVL_BF16_NR output columns, K split into pairs: for panel p, for k-pair q, NR × 2 bf16
// (column j's W[j, 2q], W[j, 2q+1]). K is zero-padded to even, N to a multiple of NR.
// Activations are converted to bf16 rows (round to nearest even) right before the product.
// On CPUs without AVX512_BF16 (and off x86-64) `litevl_bf16_supported` returns 0 and the
// product functions must not be called.
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Output columns per packed panel.
#define LITEVL_BF16_NR 32

/// 1 when the CPU and OS support AVX-512F + AVX512_BF16 with ZMM state enabled, and the
/// environment variable LITEVL_NO_BF16 is not set to a non-empty value other than "0".
/// Evaluated once; later changes to the environment are not seen.
int litevl_bf16_supported(void);

/// The same test, evaluated now (reads LITEVL_NO_BF16 again; for tests).
int litevl_bf16_supported_uncached(void);

/// Elements (uint16) of the packed form of an [n, k] weight.
size_t litevl_bf16_packed_size(int n, int k);

/// Packs W ([n, k] float32, row-major) into `packed` (litevl_bf16_packed_size(n, k) elements).
void litevl_bf16_pack_weights(const float *w, int n, int k, uint16_t *packed);

/// Elements (uint16) of `m` activation rows of width k converted to bf16 (rows padded to even k).
size_t litevl_bf16_rows_size(int m, int k);

/// Converts m rows of x (row stride ldx floats) to bf16 (odd k zero-padded) in the layout
/// litevl_bf16_gemm_rows reads (rows padded to an odd number of 64-byte lines).
void litevl_bf16_pack_rows(int m, int k, const float *x, int ldx, uint16_t *rows);

/// y[r, j] = Σ_k a[r, k] · W[j, k] (+ bias[j]) for r < m, j in [col_begin, col_end), with `a`
/// rows from litevl_bf16_pack_rows. col_begin must be a multiple of LITEVL_BF16_NR; nothing
/// outside those rows and columns of y is written. Safe to call concurrently on disjoint columns.
void litevl_bf16_gemm_rows(int m, int k, const uint16_t *rows, const uint16_t *packed, int n,
                           int col_begin, int col_end, const float *bias, float *y, int ldy);

/// Elements (uint16) of scratch that litevl_bf16_gemm needs for m rows of width k.
size_t litevl_bf16_scratch_size(int m, int k);

/// litevl_bf16_pack_rows of x into `scratch`, then litevl_bf16_gemm_rows.
void litevl_bf16_gemm(int m, int k, const float *x, int ldx, const uint16_t *packed, int n,
                      int col_begin, int col_end, const float *bias, float *y, int ldy, uint16_t *scratch);

/// float → bf16 exactly as the packing functions round (nearest even; denormals to zero).
uint16_t litevl_bf16_from_float(float x);

#ifdef __cplusplus
}
#endif
#endif
