// AVX2 + FMA and AVX-512F kernels for NeuralKernels (see include/CNeuralKernels.h). Compiled for
// the baseline target; only the functions below carry target attributes, and they run only after
// the CPU check. Products are accumulated with explicit FMA instructions in the order of the
// portable kernels (generic_kernels.h); nothing else may be contracted, or results would differ.
#include "CNeuralKernels.h"
#include "generic_kernels.h"

#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__clang__)
#include <cpuid.h>
#include <immintrin.h>

int nk_avx512_available(void) {
    if (!nk_avx2_available()) return 0;
    unsigned eax, ebx, ecx, edx;
    unsigned xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 0xE6u) != 0xE6u) return 0;  // opmask and all ZMM state saved by the OS
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & (1u << 16)) != 0;  // AVX-512F
}

int nk_avx2_available(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    const unsigned fma = 1u << 12, osxsave = 1u << 27, avx = 1u << 28;
    if ((ecx & fma) == 0 || (ecx & osxsave) == 0 || (ecx & avx) == 0) return 0;
    unsigned xcr0_low, xcr0_high;
    __asm__ volatile("xgetbv" : "=a"(xcr0_low), "=d"(xcr0_high) : "c"(0));
    if ((xcr0_low & 6u) != 6u) return 0;  // XMM and YMM state saved by the OS
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & (1u << 5)) != 0;
}

#define AVX2 __attribute__((target("avx2,fma"), always_inline)) static inline

AVX2 __m256 finish(__m256 sum, const float *bias, ptrdiff_t row, const float *target, int accumulate, int relu) {
    if (bias) sum = _mm256_add_ps(sum, _mm256_set1_ps(bias[row]));
    if (relu) sum = _mm256_blendv_ps(sum, _mm256_setzero_ps(), _mm256_cmp_ps(sum, _mm256_setzero_ps(), _CMP_LT_OQ));
    if (accumulate) sum = _mm256_add_ps(_mm256_loadu_ps(target), sum);
    return sum;
}

// R rows x 16 columns.
AVX2 void tile16(const int R, const float *a, ptrdiff_t depth, const ptrdiff_t *offsets, const float *b,
                 float *c, ptrdiff_t ldc, const float *bias, ptrdiff_t first_row, int accumulate, int relu) {
    __m256 s0[NK_GEMM_BLOCK_ROWS], s1[NK_GEMM_BLOCK_ROWS];
    for (int r = 0; r < R; r++) { s0[r] = _mm256_setzero_ps(); s1[r] = _mm256_setzero_ps(); }
    for (ptrdiff_t k = 0; k < depth; k++) {
        const float *row = b + offsets[k];
        const __m256 x0 = _mm256_loadu_ps(row), x1 = _mm256_loadu_ps(row + 8);
        const float *w = a + k * NK_GEMM_BLOCK_ROWS;
        for (int r = 0; r < R; r++) {
            const __m256 weight = _mm256_broadcast_ss(w + r);
            s0[r] = _mm256_fmadd_ps(x0, weight, s0[r]);
            s1[r] = _mm256_fmadd_ps(x1, weight, s1[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        float *target = c + (first_row + r) * ldc;
        _mm256_storeu_ps(target, finish(s0[r], bias, first_row + r, target, accumulate, relu));
        _mm256_storeu_ps(target + 8, finish(s1[r], bias, first_row + r, target + 8, accumulate, relu));
    }
}

// R rows x 8 columns.
AVX2 void tile8(const int R, const float *a, ptrdiff_t depth, const ptrdiff_t *offsets, const float *b,
                float *c, ptrdiff_t ldc, const float *bias, ptrdiff_t first_row, int accumulate, int relu) {
    __m256 s[NK_GEMM_BLOCK_ROWS];
    for (int r = 0; r < R; r++) s[r] = _mm256_setzero_ps();
    for (ptrdiff_t k = 0; k < depth; k++) {
        const __m256 x = _mm256_loadu_ps(b + offsets[k]);
        const float *w = a + k * NK_GEMM_BLOCK_ROWS;
        for (int r = 0; r < R; r++) s[r] = _mm256_fmadd_ps(x, _mm256_broadcast_ss(w + r), s[r]);
    }
    for (int r = 0; r < R; r++) {
        float *target = c + (first_row + r) * ldc;
        _mm256_storeu_ps(target, finish(s[r], bias, first_row + r, target, accumulate, relu));
    }
}

// R rows, one column, scalar (same order as the vector lanes).
AVX2 void column1(int R, const float *a, ptrdiff_t depth, const ptrdiff_t *offsets, const float *b,
                    float *c, ptrdiff_t ldc, const float *bias, ptrdiff_t first_row, int accumulate, int relu) {
    for (int r = 0; r < R; r++) {
        float s = 0;
        for (ptrdiff_t k = 0; k < depth; k++) s = __builtin_fmaf(b[offsets[k]], a[k * NK_GEMM_BLOCK_ROWS + r], s);
        float *target = c + (first_row + r) * ldc;
        *target = nk_generic_finish(s, bias, first_row + r, target, accumulate, relu);
    }
}

#define DISPATCH_ROWS(F, R, ...)                 \
    switch (R) {                                 \
    case 1: F(1, __VA_ARGS__); break;            \
    case 2: F(2, __VA_ARGS__); break;            \
    case 3: F(3, __VA_ARGS__); break;            \
    case 4: F(4, __VA_ARGS__); break;            \
    case 5: F(5, __VA_ARGS__); break;            \
    default: F(6, __VA_ARGS__); break;           \
    }

__attribute__((target("avx2,fma")))
void nk_planar_gemm_avx2(const float *packed, ptrdiff_t rows, ptrdiff_t depth, const ptrdiff_t *offsets,
                         const float *b, ptrdiff_t column_stride, float *c, ptrdiff_t ldc, const float *bias,
                         ptrdiff_t column_begin, ptrdiff_t column_end, ptrdiff_t block_begin,
                         ptrdiff_t block_end, int accumulate, int relu) {
    if (column_stride != 1) {
        nk_generic_gemm(packed, rows, depth, offsets, b, column_stride, c, ldc, bias, column_begin, column_end,
                        block_begin, block_end, accumulate, relu);
        return;
    }
    // Panels of 64 columns keep the B rows of one panel in L1 while every row block sweeps them.
    for (ptrdiff_t panel = column_begin; panel < column_end; panel += 64) {
        const ptrdiff_t panel_end = panel + 64 < column_end ? panel + 64 : column_end;
        for (ptrdiff_t block = block_begin; block < block_end; block++) {
            const float *a = packed + block * depth * NK_GEMM_BLOCK_ROWS;
            const ptrdiff_t first_row = block * NK_GEMM_BLOCK_ROWS;
            const ptrdiff_t left = rows - first_row;
            const int R = left < NK_GEMM_BLOCK_ROWS ? (int)left : NK_GEMM_BLOCK_ROWS;
            ptrdiff_t p = panel;
            for (; p + 16 <= panel_end; p += 16) {
                DISPATCH_ROWS(tile16, R, a, depth, offsets, b + p, c + p, ldc, bias, first_row, accumulate, relu)
            }
            for (; p + 8 <= panel_end; p += 8) {
                DISPATCH_ROWS(tile8, R, a, depth, offsets, b + p, c + p, ldc, bias, first_row, accumulate, relu)
            }
            for (; p < panel_end; p++) column1(R, a, depth, offsets, b + p, c + p, ldc, bias, first_row, accumulate, relu);
        }
    }
}

#define AVX512 __attribute__((target("avx512f,avx2,fma"), always_inline)) static inline

AVX512 __m512 finish16(__m512 sum, const float *bias, ptrdiff_t row, const float *target, int accumulate, int relu) {
    if (bias) sum = _mm512_add_ps(sum, _mm512_set1_ps(bias[row]));
    if (relu) sum = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(sum, _mm512_setzero_ps(), _CMP_LT_OQ), sum, _mm512_setzero_ps());
    if (accumulate) sum = _mm512_add_ps(_mm512_loadu_ps(target), sum);
    return sum;
}

// R rows x 32 columns with 512-bit vectors.
AVX512 void tile32(const int R, const float *a, ptrdiff_t depth, const ptrdiff_t *offsets, const float *b,
                   float *c, ptrdiff_t ldc, const float *bias, ptrdiff_t first_row, int accumulate, int relu) {
    __m512 s0[NK_GEMM_BLOCK_ROWS], s1[NK_GEMM_BLOCK_ROWS];
    for (int r = 0; r < R; r++) { s0[r] = _mm512_setzero_ps(); s1[r] = _mm512_setzero_ps(); }
    for (ptrdiff_t k = 0; k < depth; k++) {
        const float *row = b + offsets[k];
        const __m512 x0 = _mm512_loadu_ps(row), x1 = _mm512_loadu_ps(row + 16);
        const float *w = a + k * NK_GEMM_BLOCK_ROWS;
        for (int r = 0; r < R; r++) {
            const __m512 weight = _mm512_set1_ps(w[r]);
            s0[r] = _mm512_fmadd_ps(x0, weight, s0[r]);
            s1[r] = _mm512_fmadd_ps(x1, weight, s1[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        float *target = c + (first_row + r) * ldc;
        _mm512_storeu_ps(target, finish16(s0[r], bias, first_row + r, target, accumulate, relu));
        _mm512_storeu_ps(target + 16, finish16(s1[r], bias, first_row + r, target + 16, accumulate, relu));
    }
}

// R rows x 64 columns with 512-bit vectors (24 accumulators of the 32 registers).
AVX512 void tile64(const int R, const float *a, ptrdiff_t depth, const ptrdiff_t *offsets, const float *b,
                   float *c, ptrdiff_t ldc, const float *bias, ptrdiff_t first_row, int accumulate, int relu) {
    __m512 s[NK_GEMM_BLOCK_ROWS][4];
    for (int r = 0; r < R; r++)
        for (int v = 0; v < 4; v++) s[r][v] = _mm512_setzero_ps();
    for (ptrdiff_t k = 0; k < depth; k++) {
        const float *row = b + offsets[k];
        __m512 x[4];
        for (int v = 0; v < 4; v++) x[v] = _mm512_loadu_ps(row + 16 * v);
        const float *w = a + k * NK_GEMM_BLOCK_ROWS;
        for (int r = 0; r < R; r++) {
            const __m512 weight = _mm512_set1_ps(w[r]);
            for (int v = 0; v < 4; v++) s[r][v] = _mm512_fmadd_ps(x[v], weight, s[r][v]);
        }
    }
    for (int r = 0; r < R; r++) {
        float *target = c + (first_row + r) * ldc;
        for (int v = 0; v < 4; v++)
            _mm512_storeu_ps(target + 16 * v, finish16(s[r][v], bias, first_row + r, target + 16 * v, accumulate, relu));
    }
}

__attribute__((target("avx512f,avx2,fma")))
void nk_planar_gemm_avx512(const float *packed, ptrdiff_t rows, ptrdiff_t depth, const ptrdiff_t *offsets,
                           const float *b, ptrdiff_t column_stride, float *c, ptrdiff_t ldc, const float *bias,
                           ptrdiff_t column_begin, ptrdiff_t column_end, ptrdiff_t block_begin,
                           ptrdiff_t block_end, int accumulate, int relu) {
    if (column_stride != 1) {
        nk_planar_gemm_avx2(packed, rows, depth, offsets, b, column_stride, c, ldc, bias, column_begin, column_end,
                            block_begin, block_end, accumulate, relu);
        return;
    }
    for (ptrdiff_t panel = column_begin; panel < column_end; panel += 64) {
        const ptrdiff_t panel_end = panel + 64 < column_end ? panel + 64 : column_end;
        for (ptrdiff_t block = block_begin; block < block_end; block++) {
            const float *a = packed + block * depth * NK_GEMM_BLOCK_ROWS;
            const ptrdiff_t first_row = block * NK_GEMM_BLOCK_ROWS;
            const ptrdiff_t left = rows - first_row;
            const int R = left < NK_GEMM_BLOCK_ROWS ? (int)left : NK_GEMM_BLOCK_ROWS;
            ptrdiff_t p = panel;
            for (; p + 64 <= panel_end; p += 64) {
                DISPATCH_ROWS(tile64, R, a, depth, offsets, b + p, c + p, ldc, bias, first_row, accumulate, relu)
            }
            for (; p + 32 <= panel_end; p += 32) {
                DISPATCH_ROWS(tile32, R, a, depth, offsets, b + p, c + p, ldc, bias, first_row, accumulate, relu)
            }
            for (; p + 16 <= panel_end; p += 16) {
                DISPATCH_ROWS(tile16, R, a, depth, offsets, b + p, c + p, ldc, bias, first_row, accumulate, relu)
            }
            for (; p + 8 <= panel_end; p += 8) {
                DISPATCH_ROWS(tile8, R, a, depth, offsets, b + p, c + p, ldc, bias, first_row, accumulate, relu)
            }
            for (; p < panel_end; p++) column1(R, a, depth, offsets, b + p, c + p, ldc, bias, first_row, accumulate, relu);
        }
    }
}

AVX2 float horizontal_sum(__m256 v) {
    const __m128 half = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 quarter = _mm_add_ps(half, _mm_movehl_ps(half, half));
    return _mm_cvtss_f32(quarter) + _mm_cvtss_f32(_mm_shuffle_ps(quarter, quarter, 1));
}

// Both correlation kernels keep 16 lane sums per pair (two ymm registers, or one zmm), fold them
// as lanes i + (i + 8), then reduce the 8 values like horizontal_sum, and add the scalar tail.

// L left runs x Q right runs (L <= 2 with AVX2), over `rows` rows.
AVX2 void correlate_tile8(const int L, const int Q, const float *const *lp, const float *const *rp,
                          ptrdiff_t left_row_stride, ptrdiff_t right_row_stride, ptrdiff_t rows, ptrdiff_t n,
                          float *const *targets) {
    __m256 lo[2][3], hi[2][3];
    float tail[2][3];
    for (int l = 0; l < L; l++)
        for (int q = 0; q < Q; q++) { lo[l][q] = _mm256_setzero_ps(); hi[l][q] = _mm256_setzero_ps(); tail[l][q] = 0; }
    const ptrdiff_t vector_end = n / 16 * 16;
    for (ptrdiff_t y = 0; y < rows; y++) {
        const float *a[2], *b[3];
        for (int l = 0; l < L; l++) a[l] = lp[l] + y * left_row_stride;
        for (int q = 0; q < Q; q++) b[q] = rp[q] + y * right_row_stride;
        for (ptrdiff_t j = 0; j < vector_end; j += 16) {
            __m256 v0[3], v1[3];
            for (int q = 0; q < Q; q++) { v0[q] = _mm256_loadu_ps(b[q] + j); v1[q] = _mm256_loadu_ps(b[q] + j + 8); }
            for (int l = 0; l < L; l++) {
                const __m256 x0 = _mm256_loadu_ps(a[l] + j), x1 = _mm256_loadu_ps(a[l] + j + 8);
                for (int q = 0; q < Q; q++) {
                    lo[l][q] = _mm256_fmadd_ps(x0, v0[q], lo[l][q]);
                    hi[l][q] = _mm256_fmadd_ps(x1, v1[q], hi[l][q]);
                }
            }
        }
        for (ptrdiff_t j = vector_end; j < n; j++)
            for (int l = 0; l < L; l++)
                for (int q = 0; q < Q; q++) tail[l][q] = __builtin_fmaf(a[l][j], b[q][j], tail[l][q]);
    }
    for (int l = 0; l < L; l++)
        for (int q = 0; q < Q; q++)
            *targets[l * 3 + q] += horizontal_sum(_mm256_add_ps(lo[l][q], hi[l][q])) + tail[l][q];
}

__attribute__((target("avx2,fma")))
void nk_correlate_avx2(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                       ptrdiff_t left_row_stride, const float *right, const ptrdiff_t *right_offsets,
                       ptrdiff_t right_count, ptrdiff_t right_row_stride, ptrdiff_t right_stride,
                       ptrdiff_t rows, ptrdiff_t n, float *sums) {
    if (right_stride != 1) {
        nk_generic_correlate(left, left_offsets, left_count, left_row_stride, right, right_offsets, right_count,
                             right_row_stride, right_stride, rows, n, sums);
        return;
    }
    for (ptrdiff_t l = 0; l < left_count; l += 2) {
        const int L = left_count - l < 2 ? (int)(left_count - l) : 2;
        const float *lp[2];
        for (int i = 0; i < L; i++) lp[i] = left + left_offsets[l + i];
        for (ptrdiff_t r = 0; r < right_count; r += 3) {
            const int Q = right_count - r < 3 ? (int)(right_count - r) : 3;
            const float *rp[3];
            float *targets[12];
            for (int q = 0; q < Q; q++) rp[q] = right + right_offsets[r + q];
            for (int i = 0; i < L; i++)
                for (int q = 0; q < Q; q++) targets[i * 3 + q] = sums + (l + i) * right_count + r + q;
            // Constant-size tiles for the full tile and the codec's partial ones (3 x 2 right runs
            // when the count is 2 mod 3), so their accumulators stay in registers.
            if (L == 2 && Q == 3) correlate_tile8(2, 3, lp, rp, left_row_stride, right_row_stride, rows, n, targets);
            else if (L == 2 && Q == 2) correlate_tile8(2, 2, lp, rp, left_row_stride, right_row_stride, rows, n, targets);
            else correlate_tile8(L, Q, lp, rp, left_row_stride, right_row_stride, rows, n, targets);
        }
    }
}

// Register tile of the row products: RL left runs x RQ right runs, one 8-lane accumulator each
// (12 of the 16 ymm registers), 7 loads per 12 fused multiply-adds.
enum { RL = 4, RQ = 3 };

AVX2 void row_products_tile(const int L, const int Q, const float *const *a, const float *const *b, ptrdiff_t n,
                            float *sums, ptrdiff_t right_count) {
    __m256 s[RL][RQ];
    float tail[RL][RQ];
    for (int l = 0; l < L; l++)
        for (int q = 0; q < Q; q++) { s[l][q] = _mm256_setzero_ps(); tail[l][q] = 0; }
    const ptrdiff_t vector_end = n / 8 * 8;
    for (ptrdiff_t j = 0; j < vector_end; j += 8) {
        __m256 v[RQ];
        for (int q = 0; q < Q; q++) v[q] = _mm256_loadu_ps(b[q] + j);
        for (int l = 0; l < L; l++) {
            const __m256 x = _mm256_loadu_ps(a[l] + j);
            for (int q = 0; q < Q; q++) s[l][q] = _mm256_fmadd_ps(x, v[q], s[l][q]);
        }
    }
    for (ptrdiff_t j = vector_end; j < n; j++)
        for (int l = 0; l < L; l++)
            for (int q = 0; q < Q; q++) tail[l][q] = __builtin_fmaf(a[l][j], b[q][j], tail[l][q]);
    for (int l = 0; l < L; l++)
        for (int q = 0; q < Q; q++) sums[l * right_count + q] += horizontal_sum(s[l][q]) + tail[l][q];
}

__attribute__((target("avx2,fma")))
void nk_row_products_avx2(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                          const float *right, const ptrdiff_t *right_offsets, ptrdiff_t right_count,
                          ptrdiff_t n, float *sums) {
    for (ptrdiff_t l = 0; l < left_count; l += RL) {
        const int L = left_count - l < RL ? (int)(left_count - l) : RL;
        const float *a[RL];
        for (int i = 0; i < L; i++) a[i] = left + left_offsets[l + i];
        for (ptrdiff_t r = 0; r < right_count; r += RQ) {
            const int Q = right_count - r < RQ ? (int)(right_count - r) : RQ;
            const float *b[RQ];
            for (int q = 0; q < Q; q++) b[q] = right + right_offsets[r + q];
            float *target = sums + l * right_count + r;
            if (L == RL && Q == RQ) row_products_tile(RL, RQ, a, b, n, target, right_count);
            else row_products_tile(L, Q, a, b, n, target, right_count);
        }
    }
}

void nk_row_products_avx512(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                            const float *right, const ptrdiff_t *right_offsets, ptrdiff_t right_count,
                            ptrdiff_t n, float *sums) {
    nk_row_products_avx2(left, left_offsets, left_count, right, right_offsets, right_count, n, sums);
}

// Register tile of the 512-bit correlation: CL left runs x CQ right runs, 24 accumulators and
// 11 loads per 24 fused multiply-adds (4 x 3 measured 7% slower on the 3x3 conv's weight gradient).
enum { CL = 8, CQ = 3 };

// L left runs x Q right runs (L <= CL, Q <= CQ), over `rows` rows, 512-bit.
AVX512 void correlate_tile16(const int L, const int Q, const float *const *lp, const float *const *rp,
                             ptrdiff_t left_row_stride, ptrdiff_t right_row_stride, ptrdiff_t rows, ptrdiff_t n,
                             float *const *targets) {
    __m512 s[CL][CQ];
    float tail[CL][CQ];
    for (int l = 0; l < L; l++)
        for (int q = 0; q < Q; q++) { s[l][q] = _mm512_setzero_ps(); tail[l][q] = 0; }
    const ptrdiff_t vector_end = n / 16 * 16;
    for (ptrdiff_t y = 0; y < rows; y++) {
        const float *a[CL], *b[CQ];
        for (int l = 0; l < L; l++) a[l] = lp[l] + y * left_row_stride;
        for (int q = 0; q < Q; q++) b[q] = rp[q] + y * right_row_stride;
        for (ptrdiff_t j = 0; j < vector_end; j += 16) {
            __m512 v[CQ];
            for (int q = 0; q < Q; q++) v[q] = _mm512_loadu_ps(b[q] + j);
            for (int l = 0; l < L; l++) {
                const __m512 x = _mm512_loadu_ps(a[l] + j);
                for (int q = 0; q < Q; q++) s[l][q] = _mm512_fmadd_ps(x, v[q], s[l][q]);
            }
        }
        for (ptrdiff_t j = vector_end; j < n; j++)
            for (int l = 0; l < L; l++)
                for (int q = 0; q < Q; q++) tail[l][q] = __builtin_fmaf(a[l][j], b[q][j], tail[l][q]);
    }
    for (int l = 0; l < L; l++)
        for (int q = 0; q < Q; q++) {
            const __m256 folded = _mm256_add_ps(_mm512_castps512_ps256(s[l][q]),
                                                _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(s[l][q]), 1)));
            *targets[l * CQ + q] += horizontal_sum(folded) + tail[l][q];
        }
}

__attribute__((target("avx512f,avx2,fma")))
void nk_correlate_avx512(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                         ptrdiff_t left_row_stride, const float *right, const ptrdiff_t *right_offsets,
                         ptrdiff_t right_count, ptrdiff_t right_row_stride, ptrdiff_t right_stride,
                         ptrdiff_t rows, ptrdiff_t n, float *sums) {
    if (right_stride != 1) {
        nk_correlate_avx2(left, left_offsets, left_count, left_row_stride, right, right_offsets, right_count,
                          right_row_stride, right_stride, rows, n, sums);
        return;
    }
    for (ptrdiff_t l = 0; l < left_count; l += CL) {
        const int L = left_count - l < CL ? (int)(left_count - l) : CL;
        const float *lp[CL];
        for (int i = 0; i < L; i++) lp[i] = left + left_offsets[l + i];
        for (ptrdiff_t r = 0; r < right_count; r += CQ) {
            const int Q = right_count - r < CQ ? (int)(right_count - r) : CQ;
            const float *rp[CQ];
            float *targets[CL * CQ];
            for (int q = 0; q < Q; q++) rp[q] = right + right_offsets[r + q];
            for (int i = 0; i < L; i++)
                for (int q = 0; q < Q; q++) targets[i * CQ + q] = sums + (l + i) * right_count + r + q;
            // The tiles of the codec's shapes (ARM contexts 8 ... 24, its 2 outputs) with constant
            // sizes, so their accumulators stay in registers; any other through the general tile.
#define TILE(l, q) if (L == l && Q == q) correlate_tile16(l, q, lp, rp, left_row_stride, right_row_stride, rows, n, targets)
            TILE(8, 3); else TILE(8, 2); else TILE(6, 3); else TILE(6, 2); else TILE(4, 3); else TILE(4, 2);
            else TILE(2, 3); else TILE(2, 2);
            else correlate_tile16(L, Q, lp, rp, left_row_stride, right_row_stride, rows, n, targets);
#undef TILE
        }
    }
}

#else

int nk_avx2_available(void) { return 0; }
int nk_avx512_available(void) { return 0; }

// Never selected off x86-64; defined so that every platform links the same symbols.
void nk_planar_gemm_avx2(const float *packed, ptrdiff_t rows, ptrdiff_t depth, const ptrdiff_t *offsets,
                         const float *b, ptrdiff_t column_stride, float *c, ptrdiff_t ldc, const float *bias,
                         ptrdiff_t column_begin, ptrdiff_t column_end, ptrdiff_t block_begin,
                         ptrdiff_t block_end, int accumulate, int relu) {
    nk_generic_gemm(packed, rows, depth, offsets, b, column_stride, c, ldc, bias, column_begin, column_end,
                    block_begin, block_end, accumulate, relu);
}

void nk_planar_gemm_avx512(const float *packed, ptrdiff_t rows, ptrdiff_t depth, const ptrdiff_t *offsets,
                           const float *b, ptrdiff_t column_stride, float *c, ptrdiff_t ldc, const float *bias,
                           ptrdiff_t column_begin, ptrdiff_t column_end, ptrdiff_t block_begin,
                           ptrdiff_t block_end, int accumulate, int relu) {
    nk_generic_gemm(packed, rows, depth, offsets, b, column_stride, c, ldc, bias, column_begin, column_end,
                    block_begin, block_end, accumulate, relu);
}

void nk_correlate_avx2(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                       ptrdiff_t left_row_stride, const float *right, const ptrdiff_t *right_offsets,
                       ptrdiff_t right_count, ptrdiff_t right_row_stride, ptrdiff_t right_stride,
                       ptrdiff_t rows, ptrdiff_t n, float *sums) {
    nk_generic_correlate(left, left_offsets, left_count, left_row_stride, right, right_offsets, right_count,
                         right_row_stride, right_stride, rows, n, sums);
}

void nk_correlate_avx512(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                         ptrdiff_t left_row_stride, const float *right, const ptrdiff_t *right_offsets,
                         ptrdiff_t right_count, ptrdiff_t right_row_stride, ptrdiff_t right_stride,
                         ptrdiff_t rows, ptrdiff_t n, float *sums) {
    nk_generic_correlate(left, left_offsets, left_count, left_row_stride, right, right_offsets, right_count,
                         right_row_stride, right_stride, rows, n, sums);
}

void nk_row_products_avx2(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                          const float *right, const ptrdiff_t *right_offsets, ptrdiff_t right_count,
                          ptrdiff_t n, float *sums) {
    nk_generic_row_products(left, left_offsets, left_count, right, right_offsets, right_count, n, sums);
}

void nk_row_products_avx512(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                            const float *right, const ptrdiff_t *right_offsets, ptrdiff_t right_count,
                            ptrdiff_t n, float *sums) {
    nk_generic_row_products(left, left_offsets, left_count, right, right_offsets, right_count, n, sums);
}

#endif
