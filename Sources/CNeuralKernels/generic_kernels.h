// The plain-C form of the planar matrix product and of the correlation (private to
// CNeuralKernels). portable.c compiles it for the baseline target; x86.c inlines it into
// AVX2+FMA functions for the strided cases. Every product is accumulated with a correctly
// rounded fused multiply-add (__builtin_fmaf, IEEE-754 fusedMultiplyAdd), so the sums are
// bit-identical to the AVX2 / AVX-512 kernels, which take the same terms in the same order.
#ifndef CNEURALKERNELS_GENERIC_KERNELS_H
#define CNEURALKERNELS_GENERIC_KERNELS_H

#include "CNeuralKernels.h"

#define NK_GENERIC static inline __attribute__((always_inline))

// Bias, ReLU and accumulation of one finished sum, as every kernel applies them.
NK_GENERIC float nk_generic_finish(float sum, const float *bias, ptrdiff_t row, const float *target, int accumulate,
                                   int relu) {
    if (bias) sum = sum + bias[row];
    if (relu && sum < 0) sum = 0;
    if (accumulate) sum = *target + sum;
    return sum;
}

// One packed block of NK_GEMM_BLOCK_ROWS rows x `width` <= 8 columns, columns `stride` apart in B.
NK_GENERIC void nk_generic_gemm_tile(const float *a, ptrdiff_t depth, const ptrdiff_t *offsets, const float *b,
                                     ptrdiff_t stride, int width, float *c, ptrdiff_t ldc, const float *bias,
                                     ptrdiff_t first_row, int rows_here, int accumulate, int relu) {
    float s[NK_GEMM_BLOCK_ROWS][8] = {{0}};
    for (ptrdiff_t k = 0; k < depth; k++) {
        const float *row = b + offsets[k];
        float x[8];
        for (int j = 0; j < 8; j++) x[j] = j < width ? row[j * stride] : 0;
        const float *w = a + k * NK_GEMM_BLOCK_ROWS;
        for (int r = 0; r < NK_GEMM_BLOCK_ROWS; r++)
            for (int j = 0; j < 8; j++) s[r][j] = __builtin_fmaf(x[j], w[r], s[r][j]);
    }
    for (int r = 0; r < rows_here; r++) {
        float *target = c + (first_row + r) * ldc;
        for (int j = 0; j < width; j++)
            target[j] = nk_generic_finish(s[r][j], bias, first_row + r, target + j, accumulate, relu);
    }
}

// nk_planar_gemm_portable's contract (see CNeuralKernels.h).
NK_GENERIC void nk_generic_gemm(const float *packed, ptrdiff_t rows, ptrdiff_t depth, const ptrdiff_t *offsets,
                                const float *b, ptrdiff_t column_stride, float *c, ptrdiff_t ldc, const float *bias,
                                ptrdiff_t column_begin, ptrdiff_t column_end, ptrdiff_t block_begin,
                                ptrdiff_t block_end, int accumulate, int relu) {
    for (ptrdiff_t panel = column_begin; panel < column_end; panel += 64) {
        const ptrdiff_t panel_end = panel + 64 < column_end ? panel + 64 : column_end;
        for (ptrdiff_t block = block_begin; block < block_end; block++) {
            const float *a = packed + block * depth * NK_GEMM_BLOCK_ROWS;
            const ptrdiff_t first_row = block * NK_GEMM_BLOCK_ROWS;
            const int rows_here = rows - first_row < NK_GEMM_BLOCK_ROWS ? (int)(rows - first_row) : NK_GEMM_BLOCK_ROWS;
            ptrdiff_t p = panel;
            for (; p + 8 <= panel_end; p += 8)
                nk_generic_gemm_tile(a, depth, offsets, b + p * column_stride, column_stride, 8, c + p, ldc, bias,
                                     first_row, rows_here, accumulate, relu);
            if (p < panel_end)
                nk_generic_gemm_tile(a, depth, offsets, b + p * column_stride, column_stride, (int)(panel_end - p),
                                     c + p, ldc, bias, first_row, rows_here, accumulate, relu);
        }
    }
}

// The fixed reduction of 16 lane sums and a scalar tail (see nk_correlate_portable).
NK_GENERIC float nk_generic_reduce(const float lanes[16], float tail) {
    float m[8];
    for (int i = 0; i < 8; i++) m[i] = lanes[i] + lanes[i + 8];
    return (((m[0] + m[4]) + (m[2] + m[6])) + ((m[1] + m[5]) + (m[3] + m[7]))) + tail;
}

// nk_correlate_portable's contract (see CNeuralKernels.h).
NK_GENERIC void nk_generic_correlate(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                                     ptrdiff_t left_row_stride, const float *right, const ptrdiff_t *right_offsets,
                                     ptrdiff_t right_count, ptrdiff_t right_row_stride, ptrdiff_t right_stride,
                                     ptrdiff_t rows, ptrdiff_t n, float *sums) {
    const ptrdiff_t vector_end = n / 16 * 16;
    for (ptrdiff_t l = 0; l < left_count; l++) {
        for (ptrdiff_t r = 0; r < right_count; r++) {
            float lanes[16] = {0}, tail = 0;
            for (ptrdiff_t y = 0; y < rows; y++) {
                const float *a = left + left_offsets[l] + y * left_row_stride;
                const float *b = right + right_offsets[r] + y * right_row_stride;
                for (ptrdiff_t j = 0; j < vector_end; j += 16)
                    for (int i = 0; i < 16; i++) lanes[i] = __builtin_fmaf(a[j + i], b[(j + i) * right_stride], lanes[i]);
                for (ptrdiff_t j = vector_end; j < n; j++) tail = __builtin_fmaf(a[j], b[j * right_stride], tail);
            }
            sums[l * right_count + r] += nk_generic_reduce(lanes, tail);
        }
    }
}

// nk_row_products_portable's contract (see CNeuralKernels.h).
NK_GENERIC void nk_generic_row_products(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                                        const float *right, const ptrdiff_t *right_offsets, ptrdiff_t right_count,
                                        ptrdiff_t n, float *sums) {
    const ptrdiff_t vector_end = n / 8 * 8;
    for (ptrdiff_t l = 0; l < left_count; l++) {
        for (ptrdiff_t r = 0; r < right_count; r++) {
            const float *a = left + left_offsets[l], *b = right + right_offsets[r];
            float lanes[8] = {0}, tail = 0;
            for (ptrdiff_t j = 0; j < vector_end; j += 8)
                for (int i = 0; i < 8; i++) lanes[i] = __builtin_fmaf(a[j + i], b[j + i], lanes[i]);
            for (ptrdiff_t j = vector_end; j < n; j++) tail = __builtin_fmaf(a[j], b[j], tail);
            const float even = (lanes[0] + lanes[4]) + (lanes[2] + lanes[6]);
            const float odd = (lanes[1] + lanes[5]) + (lanes[3] + lanes[7]);
            sums[l * right_count + r] += (even + odd) + tail;
        }
    }
}

#endif
