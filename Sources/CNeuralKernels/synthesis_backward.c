// Training-time backward passes of the overfitted synthesis (see include/CNeuralKernels.h), on AVX2
// and AVX-512F, reproducing the Swift loops operation for operation so that results are
// bit-identical to the portable path:
// - the 3x3 residual layer's weight and bias gradients (Synthesis.residualBackward): each gradient
//   entry receives, row by row, one dot product formed as VectorOps.dot forms it (four interleaved
//   8-lane accumulators over blocks of 32, then 8-lane steps, a scalar tail, the lanes summed in
//   order, then the tail); the speed comes from computing the three horizontal taps of one
//   (gradient row, input row) pair in one pass, in wider registers;
// - the linear branch's backward (Synthesis.linearBranchBackward): every (output, input) pair's
//   work done in one pass over the pixels instead of one pass per pair.
#include "CNeuralKernels.h"
#include "simd8_lanes.h"

// Float arithmetic below must stay unfused (one rounding per multiply and per add), as in Swift.
#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) static inline
#define AVX512_INLINE __attribute__((target("avx512f,avx2,fma"), always_inline)) static inline

// The end of one VectorOps.dot(a, b, count) whose four accumulators `acc` hold the blocks of 32
// before `i`: the remaining blocks of 32, the 8-lane steps, the tail and the final sum.
AVX2_INLINE float dot_finish(__m256 acc[4], const float *a, const float *b, ptrdiff_t i, ptrdiff_t count) {
    if (count <= 0) return 0.0f;
    for (; i + 32 <= count; i += 32) {
        for (int q = 0; q < 4; q++) {
            acc[q] = _mm256_add_ps(acc[q], _mm256_mul_ps(_mm256_loadu_ps(a + i + 8 * q), _mm256_loadu_ps(b + i + 8 * q)));
        }
    }
    __m256 total = _mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3]));
    for (; i + 8 <= count; i += 8) {
        total = _mm256_add_ps(total, _mm256_mul_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i)));
    }
    float tail = 0.0f;
    for (; i < count; i++) tail = tail + a[i] * b[i];
    return nk_simd8_sum(total) + tail;
}

// VectorOps.sum(a, count): 8-lane steps, a scalar tail, lanes summed in order, then the tail.
AVX2_INLINE float row_sum(const float *a, ptrdiff_t count) {
    __m256 acc = _mm256_setzero_ps();
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) acc = _mm256_add_ps(acc, _mm256_loadu_ps(a + i));
    float tail = 0.0f;
    for (; i < count; i++) tail = tail + a[i];
    return nk_simd8_sum(acc) + tail;
}

// The three dots of one gradient row g and one input row s of width w, for kx = 0, 1, 2:
// dot(g + 1, s, w - 1), dot(g, s, w), dot(g, s + 1, w - 1); their common blocks of 32 in one pass.
AVX2_INLINE void three_taps_avx2(const float *g, const float *s, ptrdiff_t w, float out[3]) {
    __m256 acc[3][4];
    for (int t = 0; t < 3; t++) {
        for (int q = 0; q < 4; q++) acc[t][q] = _mm256_setzero_ps();
    }
    ptrdiff_t i = 0;
    for (; i + 32 <= w - 1; i += 32) {
        for (int q = 0; q < 4; q++) {
            const ptrdiff_t j = i + 8 * q;
            const __m256 g0 = _mm256_loadu_ps(g + j), g1 = _mm256_loadu_ps(g + 1 + j);
            const __m256 s0 = _mm256_loadu_ps(s + j), s1 = _mm256_loadu_ps(s + 1 + j);
            acc[0][q] = _mm256_add_ps(acc[0][q], _mm256_mul_ps(g1, s0));
            acc[1][q] = _mm256_add_ps(acc[1][q], _mm256_mul_ps(g0, s0));
            acc[2][q] = _mm256_add_ps(acc[2][q], _mm256_mul_ps(g0, s1));
        }
    }
    out[0] = dot_finish(acc[0], g + 1, s, i, w - 1);
    out[1] = dot_finish(acc[1], g, s, i, w);
    out[2] = dot_finish(acc[2], g, s + 1, i, w - 1);
}

// three_taps_avx2 with the blocks of 32 in two 16-lane registers per dot: lanes 0-15 hold
// accumulators 0 and 1, lanes 16-31 accumulators 2 and 3 (the same sums).
AVX512_INLINE void three_taps_avx512(const float *g, const float *s, ptrdiff_t w, float out[3]) {
    __m512 low[3], high[3];
    for (int t = 0; t < 3; t++) low[t] = high[t] = _mm512_setzero_ps();
    ptrdiff_t i = 0;
    for (; i + 32 <= w - 1; i += 32) {
        const __m512 g0 = _mm512_loadu_ps(g + i), g1 = _mm512_loadu_ps(g + 1 + i);
        const __m512 s0 = _mm512_loadu_ps(s + i), s1 = _mm512_loadu_ps(s + 1 + i);
        const __m512 h0 = _mm512_loadu_ps(g + i + 16), h1 = _mm512_loadu_ps(g + 17 + i);
        const __m512 t0 = _mm512_loadu_ps(s + i + 16), t1 = _mm512_loadu_ps(s + 17 + i);
        low[0] = _mm512_add_ps(low[0], _mm512_mul_ps(g1, s0));
        low[1] = _mm512_add_ps(low[1], _mm512_mul_ps(g0, s0));
        low[2] = _mm512_add_ps(low[2], _mm512_mul_ps(g0, s1));
        high[0] = _mm512_add_ps(high[0], _mm512_mul_ps(h1, t0));
        high[1] = _mm512_add_ps(high[1], _mm512_mul_ps(h0, t0));
        high[2] = _mm512_add_ps(high[2], _mm512_mul_ps(h0, t1));
    }
    __m256 acc[3][4];
    for (int t = 0; t < 3; t++) {
        acc[t][0] = _mm512_castps512_ps256(low[t]);
        acc[t][1] = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(low[t]), 1));
        acc[t][2] = _mm512_castps512_ps256(high[t]);
        acc[t][3] = _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(high[t]), 1));
    }
    out[0] = dot_finish(acc[0], g + 1, s, i, w - 1);
    out[1] = dot_finish(acc[1], g, s, i, w);
    out[2] = dot_finish(acc[2], g, s + 1, i, w - 1);
}

// The body shared by both levels: rows [row_begin, row_end) in Swift's order, three taps at a time.
#define RESIDUAL_WEIGHT_GRADIENT(three_taps)                                                                   \
    const ptrdiff_t n = width * height;                                                                       \
    for (ptrdiff_t y = row_begin; y < row_end; y++) {                                                         \
        for (int o = 0; o < k; o++) {                                                                         \
            const float *g = grad + o * n + y * width;                                                        \
            gradients[k * k * 9 + o] = gradients[k * k * 9 + o] + row_sum(g, width);                          \
            for (int i = 0; i < k; i++) {                                                                     \
                for (int ky = 0; ky < 3; ky++) {                                                              \
                    const ptrdiff_t sy = y + ky - 1;                                                          \
                    if (sy < 0 || sy >= height) continue;                                                     \
                    float taps[3];                                                                            \
                    three_taps(g, input + i * n + sy * width, width, taps);                                   \
                    float *entry = gradients + ((o * k + i) * 3 + ky) * 3;                                    \
                    for (int kx = 0; kx < 3; kx++) entry[kx] = entry[kx] + taps[kx];                          \
                }                                                                                             \
            }                                                                                                 \
        }                                                                                                     \
    }

__attribute__((target("avx2,fma")))
void nk_residual3x3_weight_gradient_avx2(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin,
                                         ptrdiff_t row_end, const float *grad, const float *input, float *gradients) {
    RESIDUAL_WEIGHT_GRADIENT(three_taps_avx2)
}

__attribute__((target("avx512f,avx2,fma")))
void nk_residual3x3_weight_gradient_avx512(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin,
                                           ptrdiff_t row_end, const float *grad, const float *input, float *gradients) {
    RESIDUAL_WEIGHT_GRADIENT(three_taps_avx512)
}

__attribute__((target("avx2,fma")))
void nk_synthesis_linear_backward_avx2(int inputs, int outputs, ptrdiff_t plane, ptrdiff_t begin, ptrdiff_t end,
                                       const float *s, const float *grad, const float *features,
                                       float *grad_features, double *sums) {
    if (outputs < 1 || outputs > NK_LINEAR_BACKWARD_MAX_OUTPUTS) return;
    for (int i = 0; i < inputs; i++) {
        __m256 lanes[NK_LINEAR_BACKWARD_MAX_OUTPUTS];
        __m256 weight[NK_LINEAR_BACKWARD_MAX_OUTPUTS];
        for (int o = 0; o < outputs; o++) {
            lanes[o] = _mm256_setzero_ps();
            weight[o] = _mm256_set1_ps(s[o * inputs + i]);
        }
        const float *f = features + i * plane;
        float *gf = grad_features + i * plane;
        for (ptrdiff_t p = begin; p < end; p += 8) {
            const ptrdiff_t count = end - p < 8 ? end - p : 8;
            const __m256 x = nk_simd8_load(f + p, count);
            __m256 y = nk_simd8_load(gf + p, count);
            for (int o = 0; o < outputs; o++) {
                const __m256 g = nk_simd8_load(grad + o * plane + p, count);
                y = _mm256_add_ps(y, _mm256_mul_ps(g, weight[o]));
                lanes[o] = _mm256_add_ps(lanes[o], _mm256_mul_ps(g, x));
            }
            nk_simd8_store(y, gf + p, count);
        }
        for (int o = 0; o < outputs; o++) {
            float values[8];
            _mm256_storeu_ps(values, lanes[o]);
            double sum = 0.0;
            for (int lane = 0; lane < 8; lane++) sum += (double)values[lane];
            sums[o * inputs + i] = sum;
        }
    }
}

#else

void nk_synthesis_linear_backward_avx2(int inputs, int outputs, ptrdiff_t plane, ptrdiff_t begin, ptrdiff_t end,
                                       const float *s, const float *grad, const float *features,
                                       float *grad_features, double *sums) {
    (void)inputs; (void)outputs; (void)plane; (void)begin; (void)end; (void)s; (void)grad; (void)features;
    (void)grad_features; (void)sums;
}

void nk_residual3x3_weight_gradient_avx2(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin,
                                         ptrdiff_t row_end, const float *grad, const float *input, float *gradients) {
    (void)k; (void)width; (void)height; (void)row_begin; (void)row_end; (void)grad; (void)input; (void)gradients;
}

void nk_residual3x3_weight_gradient_avx512(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin,
                                           ptrdiff_t row_end, const float *grad, const float *input, float *gradients) {
    (void)k; (void)width; (void)height; (void)row_begin; (void)row_end; (void)grad; (void)input; (void)gradients;
}

#endif
