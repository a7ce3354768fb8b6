// The Winograd F(2x2, 3x3) tile transforms of NeuralKernels' WinogradConvolution on AVX2 (see
// include/CNeuralKernels.h). They only add, subtract and negate, element by element, in the order of
// the Swift transforms, so their results equal those of the Swift code bit for bit; the AVX2
// versions differ only in how many tiles they take at once. Nothing may be contracted.
#include "CNeuralKernels.h"

#pragma clang fp contract(off)

// Row `r` (0..3) of an input tile row: NULL when it lies outside the source's rows.
static inline const float *nk_wino_row(const float *plane, ptrdiff_t row_stride, ptrdiff_t first_row,
                                       ptrdiff_t height, ptrdiff_t r) {
    const ptrdiff_t y = first_row + r;
    return y >= 0 && y < height ? plane + y * row_stride : NULL;
}

// One input tile (B^T d B) at source column `column` (its first of four; samples outside
// [0, width) and rows that are NULL read as zero), into v[p * position_stride], p = 4 a + b.
static inline void nk_wino_input_tile(const float *const rows[4], ptrdiff_t column, ptrdiff_t width, float *v,
                                      ptrdiff_t position_stride) {
    float t[4][4];
    for (int c = 0; c < 4; c++) {
        const ptrdiff_t x = column + c;
        float d[4];
        for (int r = 0; r < 4; r++) d[r] = rows[r] && x >= 0 && x < width ? rows[r][x] : 0.0f;
        // Rows of B^T d: d0 - d2, d1 + d2, d2 - d1, d1 - d3.
        t[0][c] = d[0] - d[2];
        t[1][c] = d[1] + d[2];
        t[2][c] = d[2] - d[1];
        t[3][c] = d[1] - d[3];
    }
    for (int a = 0; a < 4; a++) {
        float *target = v + 4 * a * position_stride;
        target[0] = t[a][0] - t[a][2];
        target[position_stride] = t[a][1] + t[a][2];
        target[2 * position_stride] = t[a][2] - t[a][1];
        target[3 * position_stride] = t[a][1] - t[a][3];
    }
}

// One output-gradient tile (A dy A^T) at source column `column` (its first of two; columns at or
// beyond `width` give zero rows, a NULL second row reads as zero), into m[p * position_stride].
static inline void nk_wino_gradient_tile(const float *y0, const float *y1, ptrdiff_t column, ptrdiff_t width,
                                         float *m, ptrdiff_t position_stride) {
    float t[4][2];
    for (int c = 0; c < 2; c++) {
        const ptrdiff_t x = column + c;
        if (x < width) {
            const float a0 = y0[x], a1 = y1 ? y1[x] : 0.0f;
            // Rows of A dy: y0, y0 + y1, y0 - y1, -y1.
            t[0][c] = a0;
            t[1][c] = a0 + a1;
            t[2][c] = a0 - a1;
            t[3][c] = -a1;
        } else {
            for (int a = 0; a < 4; a++) t[a][c] = 0.0f;
        }
    }
    for (int a = 0; a < 4; a++) {
        float *target = m + 4 * a * position_stride;
        target[0] = t[a][0];
        target[position_stride] = t[a][0] + t[a][1];
        target[2 * position_stride] = t[a][0] - t[a][1];
        target[3 * position_stride] = -t[a][1];
    }
}

static void nk_wino_input_generic(const float *source, ptrdiff_t plane_stride, ptrdiff_t row_stride,
                                  ptrdiff_t channels, ptrdiff_t first_row, ptrdiff_t height, ptrdiff_t left,
                                  ptrdiff_t width, ptrdiff_t tiles, float *v, ptrdiff_t channel_stride) {
    const ptrdiff_t position_stride = channels * channel_stride;
    for (ptrdiff_t i = 0; i < channels; i++) {
        const float *plane = source + i * plane_stride;
        const float *rows[4];
        for (int r = 0; r < 4; r++) rows[r] = nk_wino_row(plane, row_stride, first_row, height, r);
        for (ptrdiff_t k = 0; k < tiles; k++)
            nk_wino_input_tile(rows, 2 * k - left, width, v + i * channel_stride + k, position_stride);
    }
}

static void nk_wino_gradient_generic(const float *source, ptrdiff_t plane_stride, ptrdiff_t row_stride,
                                     ptrdiff_t channels, ptrdiff_t first_row, ptrdiff_t height, ptrdiff_t width,
                                     ptrdiff_t tiles, float *m, ptrdiff_t channel_stride) {
    const ptrdiff_t position_stride = channels * channel_stride;
    for (ptrdiff_t o = 0; o < channels; o++) {
        const float *y0 = source + o * plane_stride + first_row * row_stride;
        const float *y1 = first_row + 1 < height ? y0 + row_stride : NULL;
        for (ptrdiff_t k = 0; k < tiles; k++)
            nk_wino_gradient_tile(y0, y1, 2 * k, width, m + o * channel_stride + k, position_stride);
    }
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,fma"), always_inline)) static inline

// Even and odd samples of p[0..15], each in the lane order (0, 1, 4, 5, 2, 3, 6, 7) of
// _mm256_shuffle_ps; `natural` restores the order.
AVX2 __m256 evens(__m256 lo, __m256 hi) { return _mm256_shuffle_ps(lo, hi, 0x88); }
AVX2 __m256 odds(__m256 lo, __m256 hi) { return _mm256_shuffle_ps(lo, hi, 0xDD); }
AVX2 __m256 natural(__m256 x) { return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(x), 0xD8)); }
AVX2 __m256 load_or_zero(const float *row, ptrdiff_t x) { return row ? _mm256_loadu_ps(row + x) : _mm256_setzero_ps(); }

// Eight input tiles k .. k + 7 whose samples all lie inside the columns (first at `column`).
AVX2 void input_block(const float *const rows[4], ptrdiff_t column, float *v, ptrdiff_t position_stride) {
    // Four 8-sample loads per row: columns +0, +8 (tiles' first two samples), +2, +10 (last two).
    __m256 t[4][4];
    for (int s = 0; s < 4; s++) {
        const ptrdiff_t x = column + (s & 1) * 8 + (s >> 1) * 2;
        const __m256 d0 = load_or_zero(rows[0], x), d1 = load_or_zero(rows[1], x);
        const __m256 d2 = load_or_zero(rows[2], x), d3 = load_or_zero(rows[3], x);
        t[0][s] = _mm256_sub_ps(d0, d2);
        t[1][s] = _mm256_add_ps(d1, d2);
        t[2][s] = _mm256_sub_ps(d2, d1);
        t[3][s] = _mm256_sub_ps(d1, d3);
    }
    for (int a = 0; a < 4; a++) {
        const __m256 e0 = evens(t[a][0], t[a][1]), o0 = odds(t[a][0], t[a][1]);
        const __m256 e1 = evens(t[a][2], t[a][3]), o1 = odds(t[a][2], t[a][3]);
        float *target = v + 4 * a * position_stride;
        _mm256_storeu_ps(target, natural(_mm256_sub_ps(e0, e1)));
        _mm256_storeu_ps(target + position_stride, natural(_mm256_add_ps(o0, e1)));
        _mm256_storeu_ps(target + 2 * position_stride, natural(_mm256_sub_ps(e1, o0)));
        _mm256_storeu_ps(target + 3 * position_stride, natural(_mm256_sub_ps(o0, o1)));
    }
}

__attribute__((target("avx2,fma")))
void nk_winograd_input_avx2(const float *source, ptrdiff_t plane_stride, ptrdiff_t row_stride, ptrdiff_t channels,
                            ptrdiff_t first_row, ptrdiff_t height, ptrdiff_t left, ptrdiff_t width, ptrdiff_t tiles,
                            float *v, ptrdiff_t channel_stride) {
    // Tiles [begin, end) read only columns inside [0, width) with whole blocks of eight (the last
    // block may overlap the one before; it writes the same values again).
    const ptrdiff_t begin = (left + 1) / 2;
    ptrdiff_t end = width + left - 18 >= 0 ? (width + left - 18) / 2 + 8 : 0;
    if (end > tiles) end = tiles;
    if (end - begin < 8) {
        nk_wino_input_generic(source, plane_stride, row_stride, channels, first_row, height, left, width, tiles, v,
                              channel_stride);
        return;
    }
    const ptrdiff_t position_stride = channels * channel_stride;
    for (ptrdiff_t i = 0; i < channels; i++) {
        const float *plane = source + i * plane_stride;
        const float *rows[4];
        for (int r = 0; r < 4; r++) rows[r] = nk_wino_row(plane, row_stride, first_row, height, r);
        float *target = v + i * channel_stride;
        for (ptrdiff_t k = 0; k < begin; k++) nk_wino_input_tile(rows, 2 * k - left, width, target + k, position_stride);
        for (ptrdiff_t k = begin;; k += 8) {
            if (k > end - 8) k = end - 8;
            input_block(rows, 2 * k - left, target + k, position_stride);
            if (k == end - 8) break;
        }
        for (ptrdiff_t k = end; k < tiles; k++) nk_wino_input_tile(rows, 2 * k - left, width, target + k, position_stride);
    }
}

// Eight output-gradient tiles k .. k + 7 whose columns all lie inside the row (first at `column`).
AVX2 void gradient_block(const float *y0, const float *y1, ptrdiff_t column, float *m, ptrdiff_t position_stride) {
    const __m256 lo0 = _mm256_loadu_ps(y0 + column), hi0 = _mm256_loadu_ps(y0 + column + 8);
    const __m256 lo1 = load_or_zero(y1, column), hi1 = load_or_zero(y1, column + 8);
    const __m256 sign = _mm256_set1_ps(-0.0f);
    const __m256 e0 = natural(evens(lo0, hi0)), o0 = natural(odds(lo0, hi0));
    const __m256 e1 = natural(evens(lo1, hi1)), o1 = natural(odds(lo1, hi1));
    // Rows of A dy (y0, y0 + y1, y0 - y1, -y1) on the even and odd columns.
    const __m256 e[4] = {e0, _mm256_add_ps(e0, e1), _mm256_sub_ps(e0, e1), _mm256_xor_ps(e1, sign)};
    const __m256 o[4] = {o0, _mm256_add_ps(o0, o1), _mm256_sub_ps(o0, o1), _mm256_xor_ps(o1, sign)};
    for (int a = 0; a < 4; a++) {
        float *target = m + 4 * a * position_stride;
        _mm256_storeu_ps(target, e[a]);
        _mm256_storeu_ps(target + position_stride, _mm256_add_ps(e[a], o[a]));
        _mm256_storeu_ps(target + 2 * position_stride, _mm256_sub_ps(e[a], o[a]));
        _mm256_storeu_ps(target + 3 * position_stride, _mm256_xor_ps(o[a], sign));
    }
}

__attribute__((target("avx2,fma")))
void nk_winograd_gradient_avx2(const float *source, ptrdiff_t plane_stride, ptrdiff_t row_stride,
                               ptrdiff_t channels, ptrdiff_t first_row, ptrdiff_t height, ptrdiff_t width,
                               ptrdiff_t tiles, float *m, ptrdiff_t channel_stride) {
    ptrdiff_t end = width - 16 >= 0 ? (width - 16) / 2 + 8 : 0;
    if (end > tiles) end = tiles;
    if (end < 8) {
        nk_wino_gradient_generic(source, plane_stride, row_stride, channels, first_row, height, width, tiles, m,
                                 channel_stride);
        return;
    }
    const ptrdiff_t position_stride = channels * channel_stride;
    for (ptrdiff_t o = 0; o < channels; o++) {
        const float *y0 = source + o * plane_stride + first_row * row_stride;
        const float *y1 = first_row + 1 < height ? y0 + row_stride : NULL;
        float *target = m + o * channel_stride;
        for (ptrdiff_t k = 0;; k += 8) {
            if (k > end - 8) k = end - 8;
            gradient_block(y0, y1, 2 * k, target + k, position_stride);
            if (k == end - 8) break;
        }
        for (ptrdiff_t k = end; k < tiles; k++) nk_wino_gradient_tile(y0, y1, 2 * k, width, target + k, position_stride);
    }
}

#else

// Never selected off x86-64; defined so that every platform links the same symbols.
void nk_winograd_input_avx2(const float *source, ptrdiff_t plane_stride, ptrdiff_t row_stride, ptrdiff_t channels,
                            ptrdiff_t first_row, ptrdiff_t height, ptrdiff_t left, ptrdiff_t width, ptrdiff_t tiles,
                            float *v, ptrdiff_t channel_stride) {
    nk_wino_input_generic(source, plane_stride, row_stride, channels, first_row, height, left, width, tiles, v,
                          channel_stride);
}

void nk_winograd_gradient_avx2(const float *source, ptrdiff_t plane_stride, ptrdiff_t row_stride,
                               ptrdiff_t channels, ptrdiff_t first_row, ptrdiff_t height, ptrdiff_t width,
                               ptrdiff_t tiles, float *m, ptrdiff_t channel_stride) {
    nk_wino_gradient_generic(source, plane_stride, row_stride, channels, first_row, height, width, tiles, m,
                             channel_stride);
}

#endif
