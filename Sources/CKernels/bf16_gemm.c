// bfloat16 matrix products with float32 accumulation (AVX512_BF16). See include/ckernels.h.
//
// Layout and blocking:
// - Weights: panels of NR = 32 output columns; inside a panel, per k-pair q, 32 × (W[j, 2q], W[j, 2q+1])
//   = 128 bytes, exactly the two zmm operands of `vdpbf16ps` for 32 columns.
// - Activations: bf16 rows of ceil(k/2) pairs (row stride: an odd number of 64-byte lines); the microkernel broadcasts one pair
//   (32 bits) of each of its MR rows per k-pair.
// - Microkernel: MR = 14 rows × 32 columns = 28 zmm accumulators (+ 2 weight registers and one
//   register for the broadcast pair).
// - Cache blocking: KC k-pairs (one panel slice, KC × 128 bytes, stays in L1 while the microkernel
//   walks the MC rows of the A block, which stays in L2); partial sums accumulate in y in float32.
#include "ckernels.h"

#include <stdlib.h>
#include <string.h>

#define NR LITEVL_BF16_NR
#define MR 14
#define MC (MR * 8)
#define KC 384

typedef uint32_t __attribute__((may_alias)) alias_u32;

static size_t pairs_of(int k) { return (size_t)((k + 1) / 2); }

// Row stride of converted activations, in pairs: whole 64-byte lines, an odd number of them, so
// the MR rows the microkernel reads side by side fall in different L1 sets (K = 3072 gives a
// 6 KiB stride otherwise, which maps all 14 rows to two sets).
static size_t row_stride(int k) {
    size_t lines = (pairs_of(k) + 15) / 16;
    return 16 * (lines | 1);
}

size_t litevl_bf16_packed_size(int n, int k) {
    size_t panels = (size_t)((n + NR - 1) / NR);
    return panels * pairs_of(k) * NR * 2;
}

size_t litevl_bf16_rows_size(int m, int k) { return (size_t)m * row_stride(k) * 2; }

size_t litevl_bf16_scratch_size(int m, int k) { return litevl_bf16_rows_size(m, k); }

uint16_t litevl_bf16_from_float(float x) {
    uint32_t bits;
    memcpy(&bits, &x, 4);
    if ((bits & 0x7f800000u) == 0x7f800000u && (bits & 0x007fffffu) != 0) {
        return (uint16_t)((bits >> 16) | 0x0040u); // quiet NaN
    }
    if ((bits & 0x7f800000u) == 0) bits &= 0x80000000u; // denormal inputs are zero, as vcvtne2ps2bf16
    bits += 0x7fffu + ((bits >> 16) & 1u);
    return (uint16_t)(bits >> 16);
}

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

static int env_disables(void) {
    const char *v = getenv("LITEVL_NO_BF16");
    return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

#define AVX512_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512dq,avx512bf16")))

static int cpu_has_bf16(void) {
    unsigned a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    if (!(c & (1u << 27))) return 0; // OSXSAVE: xgetbv is usable
    unsigned lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    (void)hi;
    if ((lo & 0xe6u) != 0xe6u) return 0; // XMM, YMM, opmask, ZMM_Hi256, Hi16_ZMM state enabled by the OS
    if (__get_cpuid_max(0, NULL) < 7) return 0;
    __cpuid_count(7, 0, a, b, c, d);
    const unsigned need = (1u << 16) | (1u << 17) | (1u << 30) | (1u << 31); // AVX512F, DQ, BW, VL
    if ((b & need) != need) return 0;
    __cpuid_count(7, 1, a, b, c, d);
    return (a & (1u << 5)) != 0; // AVX512_BF16
}

int litevl_bf16_supported_uncached(void) { return !env_disables() && cpu_has_bf16(); }

int litevl_bf16_supported(void) {
    static _Atomic int cached = -1;
    int v = cached;
    if (v < 0) {
        v = litevl_bf16_supported_uncached();
        cached = v;
    }
    return v;
}

// Converts n ≤ 32 floats (zero beyond n) to bf16, round to nearest even.
AVX512_TARGET static inline __m512i convert32(const float *src, int n) {
    __mmask16 m0 = n >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << n) - 1);
    __mmask16 m1 = n >= 32 ? (__mmask16)0xffff : n > 16 ? (__mmask16)((1u << (n - 16)) - 1) : (__mmask16)0;
    __m512 lo = _mm512_maskz_loadu_ps(m0, src);
    __m512 hi = _mm512_maskz_loadu_ps(m1, src + 16);
    return (__m512i)_mm512_cvtne2ps_pbh(hi, lo);
}

// One row of k floats to 2·ceil(k/2) bf16 (odd k: a zero at the end).
AVX512_TARGET static void convert_row(const float *src, int k, uint16_t *dst) {
    int width = (int)pairs_of(k) * 2;
    for (int c = 0; c < width; c += 32) {
        int left = width - c;
        __mmask32 store = left >= 32 ? (__mmask32)0xffffffffu : (__mmask32)((1u << left) - 1);
        int valid = k - c < 32 ? k - c : 32;
        _mm512_mask_storeu_epi16(dst + c, store, convert32(src + c, valid));
    }
}

// Panel by panel: the panel's 32 weight rows are converted to bf16 rows in a buffer (L2-sized),
// then read as 32 streams of pairs and written out sequentially.
AVX512_TARGET static void pack_weights_avx512(const float *w, int n, int k, uint16_t *packed) {
    const size_t kp = pairs_of(k);
    uint16_t *rows = malloc((size_t)NR * kp * 2 * sizeof(uint16_t));
    if (rows == NULL) abort();
    const alias_u32 *pairs = (const alias_u32 *)rows;
    const int panels = (n + NR - 1) / NR;
    for (int p = 0; p < panels; p++) {
        const int cols = n - p * NR < NR ? n - p * NR : NR;
        for (int j = 0; j < cols; j++) convert_row(w + (size_t)(p * NR + j) * (size_t)k, k, rows + (size_t)j * kp * 2);
        if (cols < NR) memset(rows + (size_t)cols * kp * 2, 0, (size_t)(NR - cols) * kp * 2 * sizeof(uint16_t));
        alias_u32 *panel = (alias_u32 *)(packed + (size_t)p * kp * NR * 2);
        const __m512i index = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                                  _mm512_set1_epi32((int)kp));
        const alias_u32 *upper = pairs + 16 * kp;
        for (size_t q = 0; q < kp; q++) {
            _mm512_storeu_si512((void *)(panel + q * NR), _mm512_i32gather_epi32(index, (const void *)(pairs + q), 4));
            _mm512_storeu_si512((void *)(panel + q * NR + 16), _mm512_i32gather_epi32(index, (const void *)(upper + q), 4));
        }
    }
    free(rows);
}

void litevl_bf16_pack_weights(const float *w, int n, int k, uint16_t *packed) {
    pack_weights_avx512(w, n, k, packed);
}

AVX512_TARGET static void pack_rows_avx512(int m, int k, const float *x, int ldx, uint16_t *rows) {
    const size_t stride = row_stride(k) * 2;
    for (int r = 0; r < m; r++) convert_row(x + (size_t)r * (size_t)ldx, k, rows + (size_t)r * stride);
}

void litevl_bf16_pack_rows(int m, int k, const float *x, int ldx, uint16_t *rows) {
    pack_rows_avx512(m, k, x, ldx, rows);
}

// mr × 32 block of y (mr ≤ MR, a compile-time constant after inlining) over kc k-pairs.
// first: y = acc (+ bias); otherwise y += acc. m0/m1: which of the 32 columns exist.
AVX512_TARGET __attribute__((always_inline)) static inline void
micro(const int mr, int kc, const alias_u32 *a, size_t lda, const uint16_t *b, float *y, size_t ldy,
      int first, const float *bias, __mmask16 m0, __mmask16 m1) {
    __m512 c0[MR], c1[MR];
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
        if (i < mr) {
            c0[i] = _mm512_setzero_ps();
            c1[i] = _mm512_setzero_ps();
        }
    }
    for (int q = 0; q < kc; q++) {
        __m512bh b0 = (__m512bh)_mm512_loadu_si512((const void *)(b + (size_t)q * 64));
        __m512bh b1 = (__m512bh)_mm512_loadu_si512((const void *)(b + (size_t)q * 64 + 32));
#pragma clang loop unroll(full)
        for (int i = 0; i < MR; i++) {
            if (i < mr) {
                __m512bh ai = (__m512bh)_mm512_set1_epi32((int)a[(size_t)i * lda + (size_t)q]);
                c0[i] = _mm512_dpbf16_ps(c0[i], ai, b0);
                c1[i] = _mm512_dpbf16_ps(c1[i], ai, b1);
            }
        }
    }
    __m512 bias0 = _mm512_setzero_ps(), bias1 = _mm512_setzero_ps();
    if (first && bias != NULL) {
        bias0 = _mm512_maskz_loadu_ps(m0, bias);
        bias1 = _mm512_maskz_loadu_ps(m1, bias + 16);
    }
#pragma clang loop unroll(full)
    for (int i = 0; i < MR; i++) {
        if (i < mr) {
            float *row = y + (size_t)i * ldy;
            __m512 v0, v1;
            if (first) {
                v0 = _mm512_add_ps(c0[i], bias0);
                v1 = _mm512_add_ps(c1[i], bias1);
            } else {
                v0 = _mm512_add_ps(c0[i], _mm512_maskz_loadu_ps(m0, row));
                v1 = _mm512_add_ps(c1[i], _mm512_maskz_loadu_ps(m1, row + 16));
            }
            _mm512_mask_storeu_ps(row, m0, v0);
            _mm512_mask_storeu_ps(row + 16, m1, v1);
        }
    }
}

#define MICRO_CASE(R)                                                                   \
    case R:                                                                             \
        micro(R, kc, a, lda, b, y, ldy, first, bias, m0, m1);                           \
        break;

AVX512_TARGET static void micro_dispatch(int mr, int kc, const alias_u32 *a, size_t lda, const uint16_t *b, float *y,
                                         size_t ldy, int first, const float *bias, __mmask16 m0, __mmask16 m1) {
    switch (mr) {
        MICRO_CASE(1) MICRO_CASE(2) MICRO_CASE(3) MICRO_CASE(4) MICRO_CASE(5) MICRO_CASE(6) MICRO_CASE(7)
        MICRO_CASE(8) MICRO_CASE(9) MICRO_CASE(10) MICRO_CASE(11) MICRO_CASE(12) MICRO_CASE(13)
        default: micro(MR, kc, a, lda, b, y, ldy, first, bias, m0, m1); break;
    }
}

AVX512_TARGET static void gemm_rows_avx512(int m, int k, const uint16_t *rows, const uint16_t *packed,
                                           int col_begin, int col_end, const float *bias, float *y, int ldy) {
    const size_t kp = pairs_of(k), lda = row_stride(k);
    const alias_u32 *a_all = (const alias_u32 *)rows;
    for (size_t q0 = 0; q0 < kp; q0 += KC) {
        const int kc = (int)(kp - q0 < KC ? kp - q0 : KC);
        const int first = q0 == 0;
        for (int r0 = 0; r0 < m; r0 += MC) {
            const int r1 = r0 + MC < m ? r0 + MC : m;
            for (int c0 = col_begin; c0 < col_end; c0 += NR) {
                const int valid = col_end - c0 < NR ? col_end - c0 : NR;
                const __mmask16 m0 = valid >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << valid) - 1);
                const __mmask16 m1 = valid >= 32 ? (__mmask16)0xffff
                                     : valid > 16 ? (__mmask16)((1u << (valid - 16)) - 1)
                                                  : (__mmask16)0;
                const uint16_t *b = packed + ((size_t)(c0 / NR) * kp + q0) * NR * 2;
                const float *bp = bias != NULL ? bias + c0 : NULL;
                for (int r = r0; r < r1; r += MR) {
                    const int mr = r1 - r < MR ? r1 - r : MR;
                    micro_dispatch(mr, kc, a_all + (size_t)r * lda + q0, lda, b, y + (size_t)r * (size_t)ldy + c0,
                                   (size_t)ldy, first, bp, m0, m1);
                }
            }
        }
    }
}

void litevl_bf16_gemm_rows(int m, int k, const uint16_t *rows, const uint16_t *packed, int n, int col_begin,
                           int col_end, const float *bias, float *y, int ldy) {
    if (m <= 0 || col_end <= col_begin) return;
    if (col_end > n) col_end = n;
    gemm_rows_avx512(m, k, rows, packed, col_begin, col_end, bias, y, ldy);
}

#else // not x86-64: no bf16 kernels

int litevl_bf16_supported_uncached(void) { return 0; }
int litevl_bf16_supported(void) { return 0; }

void litevl_bf16_pack_weights(const float *w, int n, int k, uint16_t *packed) {
    (void)w; (void)n; (void)k; (void)packed;
    abort();
}

void litevl_bf16_pack_rows(int m, int k, const float *x, int ldx, uint16_t *rows) {
    (void)m; (void)k; (void)x; (void)ldx; (void)rows;
    abort();
}

void litevl_bf16_gemm_rows(int m, int k, const uint16_t *rows, const uint16_t *packed, int n, int col_begin,
                           int col_end, const float *bias, float *y, int ldy) {
    (void)m; (void)k; (void)rows; (void)packed; (void)n; (void)col_begin; (void)col_end; (void)bias; (void)y; (void)ldy;
    abort();
}

#endif

void litevl_bf16_gemm(int m, int k, const float *x, int ldx, const uint16_t *packed, int n, int col_begin, int col_end,
                      const float *bias, float *y, int ldy, uint16_t *scratch) {
    if (m <= 0 || col_end <= col_begin) return;
    litevl_bf16_pack_rows(m, k, x, ldx, scratch);
    litevl_bf16_gemm_rows(m, k, scratch, packed, n, col_begin, col_end, bias, y, ldy);
}
