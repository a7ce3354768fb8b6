// The portable kernels: plain C for the baseline target, fused multiply-add through
// __builtin_fmaf. On ARM64 (and any target with FMA instructions) that is one instruction and the
// loops vectorize; on an x86-64 without FMA (before 2013) it is glibc's exact fmaf, slow but
// correctly rounded, so results still match every other level bit for bit.
#include "generic_kernels.h"

#pragma clang fp contract(off)

void nk_planar_gemm_portable(const float *packed, ptrdiff_t rows, ptrdiff_t depth, const ptrdiff_t *offsets,
                             const float *b, ptrdiff_t column_stride, float *c, ptrdiff_t ldc, const float *bias,
                             ptrdiff_t column_begin, ptrdiff_t column_end, ptrdiff_t block_begin,
                             ptrdiff_t block_end, int accumulate, int relu) {
    nk_generic_gemm(packed, rows, depth, offsets, b, column_stride, c, ldc, bias, column_begin, column_end,
                    block_begin, block_end, accumulate, relu);
}

void nk_correlate_portable(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                           ptrdiff_t left_row_stride, const float *right, const ptrdiff_t *right_offsets,
                           ptrdiff_t right_count, ptrdiff_t right_row_stride, ptrdiff_t right_stride,
                           ptrdiff_t rows, ptrdiff_t n, float *sums) {
    nk_generic_correlate(left, left_offsets, left_count, left_row_stride, right, right_offsets, right_count,
                         right_row_stride, right_stride, rows, n, sums);
}

void nk_row_products_portable(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                              const float *right, const ptrdiff_t *right_offsets, ptrdiff_t right_count,
                              ptrdiff_t n, float *sums) {
    nk_generic_row_products(left, left_offsets, left_count, right, right_offsets, right_count, n, sums);
}

void nk_round_clamp(const float *sums, float bias, ptrdiff_t count, float low, float high, float *values,
                    float *passes) {
    for (ptrdiff_t i = 0; i < count; i++) {
        float v = sums[i] + bias;
        v = v < -1000.0f ? -1000.0f : v > 1000.0f ? 1000.0f : v;
        float t = (float)(int32_t)v;  // truncated towards zero; exact, as is v - t
        float d = v - t;
        float rounded = t + (d >= 0.5f ? 1.0f : 0.0f) - (d <= -0.5f ? 1.0f : 0.0f);
        float clamped = rounded < low ? low : rounded > high ? high : rounded;
        values[i] = clamped;
        passes[i] = clamped == rounded ? 1.0f : 0.0f;
    }
}
