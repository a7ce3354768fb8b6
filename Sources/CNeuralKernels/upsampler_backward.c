// The overfitted codec's up-sampler backward passes (see include/CNeuralKernels.h): the Swift loops of
// Upsampler.filterColumnsBackward (on AVX-512F and AVX2) and Upsampler.filterRowsBackward (on AVX2)
// with the same operations in the same order, so the same results bit for bit. Compiled for the baseline target;
// only these functions carry target attributes, and callers run them only after the CPU check.
#include "CNeuralKernels.h"
#include "simd8_lanes.h"

#include <string.h>

// Float arithmetic below must stay unfused (one rounding per multiply and per add), as in Swift.
#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) static inline

// Source index (clamped to 0 ..< count) of tap t of output j of the x2 filter (Upsampler.tap).
static inline ptrdiff_t backward_tap_index(ptrdiff_t j, int t, ptrdiff_t count) {
    const ptrdiff_t index = (j >> 1) + ((j & 1) == 0 ? t - 2 : t - 1);
    return index < 0 ? 0 : (index > count - 1 ? count - 1 : index);
}

// Kernel value index of tap t of output j (Upsampler.tap).
static inline int backward_tap_coefficient(ptrdiff_t j, int t) {
    static const int even_coefficients[4] = {3, 1, 0, 2}, odd_coefficients[4] = {2, 0, 1, 3};
    return (j & 1) == 0 ? even_coefficients[t] : odd_coefficients[t];
}

// --- Columns (Upsampler.filterColumnsBackward) ---

// Fills a column backward pass's per-row tables for output row y: the source rows of its taps in
// `rows` and `out`, their kernel value indices and values.
static inline void column_taps(ptrdiff_t y, ptrdiff_t width, ptrdiff_t height, const float *rows, float *destination,
                               const float *kernel, const float *r[4], float *o[4], int coefficient[4], float c[4]) {
    for (int t = 0; t < 4; t++) {
        const ptrdiff_t index = backward_tap_index(y, t, height);
        r[t] = rows + index * width;
        o[t] = destination + index * width;
        coefficient[t] = backward_tap_coefficient(y, t);
        c[t] = kernel[coefficient[t]];
    }
}

// Positions x ..< width of one output row of the column backward passes (after the wide loops):
// SIMD8 steps of the dot products (VectorOps.axpy's SIMD8 form alongside), then the scalar tails;
// returns the `taps` dot products as VectorOps.dot does, acc.sum() + tail.
AVX2_INLINE void column_finish_avx2(const int taps, const float *g, const float *const *r, float *const *o,
                                    const float *c, ptrdiff_t x, ptrdiff_t width, __m256 *acc, float *dots) {
    for (; x + 8 <= width; x += 8) {
        const __m256 gx = _mm256_loadu_ps(g + x);
        for (int t = 0; t < taps; t++) {
            acc[t] = _mm256_add_ps(acc[t], _mm256_mul_ps(gx, _mm256_loadu_ps(r[t] + x)));
            _mm256_storeu_ps(o[t] + x, _mm256_add_ps(_mm256_loadu_ps(o[t] + x), _mm256_mul_ps(gx, _mm256_set1_ps(c[t]))));
        }
    }
    float tail[4] = {0, 0, 0, 0};
    for (; x < width; x++) {
        for (int t = 0; t < taps; t++) {
            tail[t] = tail[t] + g[x] * r[t][x];
            o[t][x] = o[t][x] + c[t] * g[x];
        }
    }
    for (int t = 0; t < taps; t++) dots[t] = nk_simd8_sum(acc[t]) + tail[t];
}

// `taps` taps (two: four would spill AVX2's 16 registers) of one output row of
// nk_upsample_columns_backward_avx2: o[t] += c[t] g (VectorOps.axpy) and dots[t] = VectorOps.dot(g, r[t]):
// four SIMD8 accumulators over 32-float blocks, combined as (acc0 + acc1) + (acc2 + acc3).
AVX2_INLINE void column_taps_avx2(const int taps, const float *g, const float *const *r, float *const *o,
                                  const float *c, ptrdiff_t width, float *dots) {
    __m256 acc[4][4];
    for (int t = 0; t < taps; t++)
        for (int a = 0; a < 4; a++) acc[t][a] = _mm256_setzero_ps();
    ptrdiff_t x = 0;
    for (; x + 32 <= width; x += 32) {
        __m256 gx[4];
        for (int a = 0; a < 4; a++) gx[a] = _mm256_loadu_ps(g + x + 8 * a);
        for (int t = 0; t < taps; t++) {
            const __m256 ct = _mm256_set1_ps(c[t]);
            for (int a = 0; a < 4; a++) {
                acc[t][a] = _mm256_add_ps(acc[t][a], _mm256_mul_ps(gx[a], _mm256_loadu_ps(r[t] + x + 8 * a)));
                float *p = o[t] + x + 8 * a;
                _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), _mm256_mul_ps(gx[a], ct)));
            }
        }
    }
    __m256 sums[4];
    for (int t = 0; t < taps; t++)
        sums[t] = _mm256_add_ps(_mm256_add_ps(acc[t][0], acc[t][1]), _mm256_add_ps(acc[t][2], acc[t][3]));
    column_finish_avx2(taps, g, r, o, c, x, width, sums, dots);
}

// Upsampler.filterColumnsBackward on AVX2: taps 0 and 1, then 2 and 3, of each output row (each
// value of `destination` still receives its terms in tap order).
__attribute__((target("avx2,fma")))
void nk_upsample_columns_backward_avx2(const float *grad, const float *rows, ptrdiff_t width, ptrdiff_t height,
                                       ptrdiff_t target_height, const float *kernel, float *grad_kernel,
                                       float *destination) {
    memset(destination, 0, (size_t)(width * height) * sizeof(float));
    for (ptrdiff_t y = 0; y < target_height; y++) {
        const float *r[4];
        float *o[4], c[4], dots[4];
        int coefficient[4];
        column_taps(y, width, height, rows, destination, kernel, r, o, coefficient, c);
        const float *g = grad + y * width;
        column_taps_avx2(2, g, r, o, c, width, dots);
        column_taps_avx2(2, g, r + 2, o + 2, c + 2, width, dots + 2);
        for (int t = 0; t < 4; t++) grad_kernel[coefficient[t]] = grad_kernel[coefficient[t]] + dots[t];
    }
}

// Upsampler.filterColumnsBackward on AVX-512F: in each 32-float block, one 512-bit accumulator per tap
// holds VectorOps.dot's acc0 | acc1 and another acc2 | acc3; the four taps in one pass.
__attribute__((target("avx512f")))
void nk_upsample_columns_backward_avx512(const float *grad, const float *rows, ptrdiff_t width, ptrdiff_t height,
                                         ptrdiff_t target_height, const float *kernel, float *grad_kernel,
                                         float *destination) {
    memset(destination, 0, (size_t)(width * height) * sizeof(float));
    for (ptrdiff_t y = 0; y < target_height; y++) {
        const float *r[4];
        float *o[4], c[4], dots[4];
        int coefficient[4];
        column_taps(y, width, height, rows, destination, kernel, r, o, coefficient, c);
        const float *g = grad + y * width;
        __m512 low[4], high[4];
        for (int t = 0; t < 4; t++) low[t] = high[t] = _mm512_setzero_ps();
        ptrdiff_t x = 0;
        for (; x + 32 <= width; x += 32) {
            const __m512 g0 = _mm512_loadu_ps(g + x), g1 = _mm512_loadu_ps(g + x + 16);
            for (int t = 0; t < 4; t++) {
                low[t] = _mm512_add_ps(low[t], _mm512_mul_ps(g0, _mm512_loadu_ps(r[t] + x)));
                high[t] = _mm512_add_ps(high[t], _mm512_mul_ps(g1, _mm512_loadu_ps(r[t] + x + 16)));
                const __m512 ct = _mm512_set1_ps(c[t]);
                _mm512_storeu_ps(o[t] + x, _mm512_add_ps(_mm512_loadu_ps(o[t] + x), _mm512_mul_ps(g0, ct)));
                _mm512_storeu_ps(o[t] + x + 16, _mm512_add_ps(_mm512_loadu_ps(o[t] + x + 16), _mm512_mul_ps(g1, ct)));
            }
        }
        __m256 sums[4];
        for (int t = 0; t < 4; t++) {
            const __m256 s01 = _mm256_add_ps(_mm512_castps512_ps256(low[t]),
                                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(low[t]), 1)));
            const __m256 s23 = _mm256_add_ps(_mm512_castps512_ps256(high[t]),
                                             _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(high[t]), 1)));
            sums[t] = _mm256_add_ps(s01, s23);
        }
        column_finish_avx2(4, g, r, o, c, x, width, sums, dots);
        for (int t = 0; t < 4; t++) grad_kernel[coefficient[t]] = grad_kernel[coefficient[t]] + dots[t];
    }
}

// --- Rows (Upsampler.filterRowsBackward) ---

// The bounds of one row of the row backward pass, as filterRowBackward derives them: sources
// 4 ..< covered_end and outputs 4 ..< outputs_end come from the vector loops; `remaining` outputs
// 0 ..< skipped_begin and skipped_end ..< target_width go one at a time.
typedef struct {
    ptrdiff_t covered_end, outputs_end, skipped_begin, skipped_end;
} RowBackwardBounds;

// The bounds for rows of `width` sources and `target_width` outputs (filterRowBackward's `covered`,
// `vectorOutputs` and `skipped`).
static inline RowBackwardBounds row_backward_bounds(ptrdiff_t width, ptrdiff_t target_width) {
    RowBackwardBounds b;
    const ptrdiff_t vector_end = width - 4 > 4 ? width - 4 : 4;
    b.covered_end = 4 + (vector_end - 4) / 8 * 8;
    const ptrdiff_t interior_end = width - 2 < (target_width - 1) / 2 ? width - 2 : (target_width - 1) / 2;
    b.outputs_end = interior_end - 2 >= 8 ? 2 * (2 + (interior_end - 2) / 8 * 8) : 4;
    b.skipped_begin = target_width < 12 ? target_width : 12;
    ptrdiff_t end = 2 * (b.covered_end - 2);
    end = b.outputs_end < end ? b.outputs_end : end;
    end = target_width < end ? target_width : end;
    b.skipped_end = end > b.skipped_begin ? end : b.skipped_begin;
    return b;
}

// filterRowBackward's `remaining(x)`: output x's terms not done by the vector loops, tap by tap, into
// the source gradient o and the row's kernel gradient dk. `odd` is x & 1, a constant at each call, so
// that the kernel value indices are constants and dk can stay in registers.
__attribute__((always_inline))
static inline void row_backward_remaining(const float *g, const float *s, ptrdiff_t width, const float *k,
                                          const RowBackwardBounds *b, ptrdiff_t x, const int odd, float *o,
                                          float dk[4]) {
    static const int coefficients[2][4] = {{3, 1, 0, 2}, {2, 0, 1, 3}};
    const float gx = g[x];
    const int interior = (x >> 1) >= 2 && (x >> 1) < width - 2;
    const int vector_output = x >= 4 && x < b->outputs_end;
    for (int t = 0; t < 4; t++) {
        const ptrdiff_t index = backward_tap_index(x, t, width);
        const int coefficient = coefficients[odd][t];
        if (!(interior && index >= 4 && index < b->covered_end)) o[index] = o[index] + k[coefficient] * gx;
        if (!vector_output) dk[coefficient] = dk[coefficient] + gx * s[index];
    }
}

// The scalar part of one row of the row backward passes: every output outside the skipped range.
__attribute__((always_inline))
static inline void row_backward_edges(const float *g, const float *s, ptrdiff_t width, ptrdiff_t target_width,
                                      const float *k, const RowBackwardBounds *b, float *o, float dk[4]) {
    for (ptrdiff_t x = 0; x < target_width; x++) {
        if (x == b->skipped_begin) x = b->skipped_end;
        if (x >= target_width) break;
        if (x & 1) row_backward_remaining(g, s, width, k, b, x, 1, o, dk);
        else row_backward_remaining(g, s, width, k, b, x, 0, o, dk);
    }
}

// Source gradients j ..< j + 8 of the vector loop: ((E(j) + D(j)) k0 + (E(j+1) + D(j-1)) k1)
// + (E(j-1) + D(j+1)) k2) + (E(j+2) + D(j-2)) k3, E(i) and D(i) read from e + i and d + i.
AVX2_INLINE __m256 row_source_avx2(const float *e, const float *d, ptrdiff_t j, const __m256 *k) {
    const __m256 a = _mm256_mul_ps(_mm256_add_ps(_mm256_loadu_ps(e + j), _mm256_loadu_ps(d + j)), k[0]);
    const __m256 b = _mm256_mul_ps(_mm256_add_ps(_mm256_loadu_ps(e + j + 1), _mm256_loadu_ps(d + j - 1)), k[1]);
    const __m256 c = _mm256_mul_ps(_mm256_add_ps(_mm256_loadu_ps(e + j - 1), _mm256_loadu_ps(d + j + 1)), k[2]);
    const __m256 f = _mm256_mul_ps(_mm256_add_ps(_mm256_loadu_ps(e + j + 2), _mm256_loadu_ps(d + j - 2)), k[3]);
    return _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a, b), c), f);
}

// One block of the kernel-gradient loop (output pairs i ..< i + 8), added to dk[0...3].
AVX2_INLINE void row_kernel_block_avx2(const float *e, const float *d, const float *s, ptrdiff_t i, __m256 *dk) {
    const __m256 ev = _mm256_loadu_ps(e + i), dv = _mm256_loadu_ps(d + i);
    const __m256 sm2 = _mm256_loadu_ps(s + i - 2), sm1 = _mm256_loadu_ps(s + i - 1), s0 = _mm256_loadu_ps(s + i);
    const __m256 sp1 = _mm256_loadu_ps(s + i + 1), sp2 = _mm256_loadu_ps(s + i + 2);
    dk[0] = _mm256_add_ps(dk[0], _mm256_mul_ps(_mm256_add_ps(ev, dv), s0));
    dk[1] = _mm256_add_ps(dk[1], _mm256_add_ps(_mm256_mul_ps(ev, sm1), _mm256_mul_ps(dv, sp1)));
    dk[2] = _mm256_add_ps(dk[2], _mm256_add_ps(_mm256_mul_ps(ev, sp1), _mm256_mul_ps(dv, sm1)));
    dk[3] = _mm256_add_ps(dk[3], _mm256_add_ps(_mm256_mul_ps(ev, sm2), _mm256_mul_ps(dv, sp2)));
}

// Upsampler.filterRowsBackward on AVX2. Each row's output gradients are first split into e[i] = g[2i]
// and d[i] = g[2i + 1] (scratch), which the vector loops then read as filterRowBackward's evenHalf and
// oddHalf of 16 consecutive outputs.
__attribute__((target("avx2,fma")))
void nk_upsample_rows_backward_avx2(const float *grad, const float *source, ptrdiff_t width, ptrdiff_t height,
                                    ptrdiff_t target_width, const float *kernel, float *grad_kernel, float *scratch,
                                    float *destination) {
    const __m256 k[4] = {_mm256_set1_ps(kernel[0]), _mm256_set1_ps(kernel[1]), _mm256_set1_ps(kernel[2]),
                         _mm256_set1_ps(kernel[3])};
    const __m256i split = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
    const RowBackwardBounds b = row_backward_bounds(width, target_width);
    const ptrdiff_t pairs = target_width / 2;
    float *e = scratch, *d = scratch + pairs;
    float total[4] = {0, 0, 0, 0};
    for (ptrdiff_t y = 0; y < height; y++) {
        const float *g = grad + y * target_width, *s = source + y * width;
        float *o = destination + y * width;
        ptrdiff_t p = 0;
        for (; p + 8 <= pairs; p += 8) {
            const __m256 low = _mm256_permutevar8x32_ps(_mm256_loadu_ps(g + 2 * p), split);
            const __m256 high = _mm256_permutevar8x32_ps(_mm256_loadu_ps(g + 2 * p + 8), split);
            _mm256_storeu_ps(e + p, _mm256_permute2f128_ps(low, high, 0x20));
            _mm256_storeu_ps(d + p, _mm256_permute2f128_ps(low, high, 0x31));
        }
        for (; p < pairs; p++) {
            e[p] = g[2 * p];
            d[p] = g[2 * p + 1];
        }
        memset(o, 0, (size_t)width * sizeof(float));
        for (ptrdiff_t j = 4; j < b.covered_end; j += 8) _mm256_storeu_ps(o + j, row_source_avx2(e, d, j, k));
        __m256 dkv[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        for (ptrdiff_t i = 2; i < b.outputs_end / 2; i += 8) row_kernel_block_avx2(e, d, s, i, dkv);
        float dk[4];
        for (int t = 0; t < 4; t++) dk[t] = nk_simd8_sum(dkv[t]);
        row_backward_edges(g, s, width, target_width, kernel, &b, o, dk);
        for (int t = 0; t < 4; t++) total[t] = total[t] + dk[t];
    }
    for (int t = 0; t < 4; t++) grad_kernel[t] = grad_kernel[t] + total[t];
}

#else

void nk_upsample_columns_backward_avx512(const float *grad, const float *rows, ptrdiff_t width, ptrdiff_t height,
                                         ptrdiff_t target_height, const float *kernel, float *grad_kernel,
                                         float *destination) {
    (void)grad; (void)rows; (void)width; (void)height; (void)target_height; (void)kernel; (void)grad_kernel;
    (void)destination;
}

void nk_upsample_columns_backward_avx2(const float *grad, const float *rows, ptrdiff_t width, ptrdiff_t height,
                                       ptrdiff_t target_height, const float *kernel, float *grad_kernel,
                                       float *destination) {
    (void)grad; (void)rows; (void)width; (void)height; (void)target_height; (void)kernel; (void)grad_kernel;
    (void)destination;
}

void nk_upsample_rows_backward_avx2(const float *grad, const float *source, ptrdiff_t width, ptrdiff_t height,
                                    ptrdiff_t target_width, const float *kernel, float *grad_kernel, float *scratch,
                                    float *destination) {
    (void)grad; (void)source; (void)width; (void)height; (void)target_width; (void)kernel; (void)grad_kernel;
    (void)scratch; (void)destination;
}

#endif
