// The pre-concatenation filter's passes (PreConcatenationFilter in the overfitted codec) on AVX-512F:
// the same operations per output as the Swift loops (one rounding per multiply and per add, taps in
// increasing order), so the results are the same bits. Compiled for the baseline target; only these
// functions carry target attributes, and callers run them only after the CPU check.
#include "CNeuralKernels.h"

#pragma clang fp contract(off)

enum { PREFILTER_RADIUS = 3 };

// Tap t (-3...3) of the symmetric kernel whose free values (centre first) are k[0...3].
static inline float prefilter_tap(const float *k, int t) { return k[t < 0 ? -t : t]; }

// One output of the row pass, taps outside the row skipped.
static inline float prefilter_row_sample(const float *row, ptrdiff_t width, ptrdiff_t x, const float *k) {
    float sum = 0;
    for (int t = -PREFILTER_RADIUS; t <= PREFILTER_RADIUS; t++) {
        if (x + t >= 0 && x + t < width) sum = sum + row[x + t] * prefilter_tap(k, t);
    }
    return sum;
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

__attribute__((target("avx512f")))
void nk_prefilter_rows_avx512(const float *grid, ptrdiff_t width, ptrdiff_t row_begin, ptrdiff_t row_end,
                              const float *kernel, float *out) {
    __m512 w[2 * PREFILTER_RADIUS + 1];
    for (int t = -PREFILTER_RADIUS; t <= PREFILTER_RADIUS; t++) w[t + PREFILTER_RADIUS] = _mm512_set1_ps(prefilter_tap(kernel, t));
    const ptrdiff_t interior_end = width - PREFILTER_RADIUS;  // outputs [3, interior_end) read no padding
    for (ptrdiff_t y = row_begin; y < row_end; y++) {
        const float *row = grid + y * width;
        float *o = out + y * width;
        ptrdiff_t x = 0;
        for (; x < PREFILTER_RADIUS && x < width; x++) o[x] = prefilter_row_sample(row, width, x, kernel);
        for (; x < interior_end; x += 16) {
            const ptrdiff_t active = interior_end - x < 16 ? interior_end - x : 16;
            const __mmask16 mask = (__mmask16)((1u << active) - 1u);
            __m512 sum = _mm512_setzero_ps();
            for (int t = -PREFILTER_RADIUS; t <= PREFILTER_RADIUS; t++) {
                sum = _mm512_add_ps(sum, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, row + x + t), w[t + PREFILTER_RADIUS]));
            }
            _mm512_mask_storeu_ps(o + x, mask, sum);
        }
        for (x = x > interior_end ? interior_end : x; x < width; x++) {
            if (x >= PREFILTER_RADIUS) o[x] = prefilter_row_sample(row, width, x, kernel);
        }
    }
}

__attribute__((target("avx512f")))
void nk_prefilter_columns_avx512(const float *plane, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin,
                                 ptrdiff_t row_end, const float *kernel, const float *base, float *out) {
    for (ptrdiff_t y = row_begin; y < row_end; y++) {
        const int first = y < PREFILTER_RADIUS ? (int)-y : -PREFILTER_RADIUS;
        const int last = height - 1 - y < PREFILTER_RADIUS ? (int)(height - 1 - y) : PREFILTER_RADIUS;
        __m512 w[2 * PREFILTER_RADIUS + 1];
        const float *rows[2 * PREFILTER_RADIUS + 1];
        int taps = 0;
        for (int t = first; t <= last; t++, taps++) {
            w[taps] = _mm512_set1_ps(prefilter_tap(kernel, t));
            rows[taps] = plane + (y + t) * width;
        }
        float *o = out + y * width;
        for (ptrdiff_t x = 0; x < width; x += 16) {
            const ptrdiff_t active = width - x < 16 ? width - x : 16;
            const __mmask16 mask = (__mmask16)((1u << active) - 1u);
            __m512 sum = _mm512_setzero_ps();
            for (int t = 0; t < taps; t++) sum = _mm512_add_ps(sum, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, rows[t] + x), w[t]));
            if (base) sum = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, base + y * width + x), sum);
            _mm512_mask_storeu_ps(o + x, mask, sum);
        }
    }
}

#else

// Never selected off x86-64 (the callers check for AVX-512F); defined so that every platform links.
void nk_prefilter_rows_avx512(const float *grid, ptrdiff_t width, ptrdiff_t row_begin, ptrdiff_t row_end,
                              const float *kernel, float *out) {
    (void)grid; (void)width; (void)row_begin; (void)row_end; (void)kernel; (void)out;
}

void nk_prefilter_columns_avx512(const float *plane, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin,
                                 ptrdiff_t row_end, const float *kernel, const float *base, float *out) {
    (void)plane; (void)width; (void)height; (void)row_begin; (void)row_end; (void)kernel; (void)base; (void)out;
}

#endif
