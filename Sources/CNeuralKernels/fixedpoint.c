// Wide-vector fixed-point residual MLP (see include/CNeuralKernels.h). Compiled for the baseline
// target; only the functions below carry target attributes, and they run only after the CPU check.
#include "CNeuralKernels.h"

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2"), always_inline)) static inline

// Arithmetic shift right by 16 of four Int64 lanes (AVX2 has no 64-bit arithmetic shift).
AVX2 __m256i shift_right16_avx2(__m256i x) {
    const __m256i sign = _mm256_cmpgt_epi64(_mm256_setzero_si256(), x);
    return _mm256_or_si256(_mm256_srli_epi64(x, 16), _mm256_slli_epi64(sign, 48));
}

// out = in + max(((W in + 2^15) >> 16) + bias, 0) for NB blocks of four outputs, all in wrapping
// Int64 arithmetic. `wt` is the transposed weight matrix, `wt[i * 4 * NB + o]`. Each product is a
// signed 32 x 32 -> 64-bit multiply of the low halves (exact because every operand is in the Int32
// range). Returns the OR over outputs of (out + 2^31) >> 32 (logical): zero iff every output is in
// the Int32 range.
AVX2 __m256i layer_avx2(const int NB, int c, const int64_t *wt, const int64_t *bias, const int64_t *in,
                        int64_t *out) {
    __m256i acc[NB];
    for (int b = 0; b < NB; b++) acc[b] = _mm256_setzero_si256();
    for (int i = 0; i < c; i++) {
        const __m256i x = _mm256_set1_epi64x(in[i]);
        const int64_t *row = wt + (ptrdiff_t)i * 4 * NB;
        for (int b = 0; b < NB; b++) {
            acc[b] = _mm256_add_epi64(acc[b], _mm256_mul_epi32(_mm256_loadu_si256((const __m256i *)(row + 4 * b)), x));
        }
    }
    const __m256i half = _mm256_set1_epi64x(1 << 15), offset = _mm256_set1_epi64x((int64_t)1 << 31);
    __m256i outside = _mm256_setzero_si256();
    for (int b = 0; b < NB; b++) {
        __m256i v = _mm256_add_epi64(shift_right16_avx2(_mm256_add_epi64(acc[b], half)),
                                     _mm256_loadu_si256((const __m256i *)(bias + 4 * b)));
        v = _mm256_and_si256(v, _mm256_cmpgt_epi64(v, _mm256_setzero_si256()));
        v = _mm256_add_epi64(v, _mm256_loadu_si256((const __m256i *)(in + 4 * b)));
        outside = _mm256_or_si256(outside, _mm256_srli_epi64(_mm256_add_epi64(v, offset), 32));
        _mm256_storeu_si256((__m256i *)(out + 4 * b), v);
    }
    return outside;
}

// Both output sums: sum_i w_out[k][i] * h2[i] + w_linear[k][i] * in[i] for k = 0, 1.
AVX2 void outputs_avx2(const int NB, const int64_t *w_out, const int64_t *w_linear, const int64_t *h2,
                       const int64_t *in, int64_t *sums) {
    const int stride = 4 * NB;
    __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
    for (int b = 0; b < NB; b++) {
        const __m256i h = _mm256_loadu_si256((const __m256i *)(h2 + 4 * b));
        const __m256i x = _mm256_loadu_si256((const __m256i *)(in + 4 * b));
        s0 = _mm256_add_epi64(s0, _mm256_mul_epi32(_mm256_loadu_si256((const __m256i *)(w_out + 4 * b)), h));
        s0 = _mm256_add_epi64(s0, _mm256_mul_epi32(_mm256_loadu_si256((const __m256i *)(w_linear + 4 * b)), x));
        s1 = _mm256_add_epi64(s1, _mm256_mul_epi32(_mm256_loadu_si256((const __m256i *)(w_out + stride + 4 * b)), h));
        s1 = _mm256_add_epi64(s1, _mm256_mul_epi32(_mm256_loadu_si256((const __m256i *)(w_linear + stride + 4 * b)), x));
    }
    int64_t l0[4], l1[4];
    _mm256_storeu_si256((__m256i *)l0, s0);
    _mm256_storeu_si256((__m256i *)l1, s1);
    sums[0] = (int64_t)((uint64_t)l0[0] + (uint64_t)l0[1] + (uint64_t)l0[2] + (uint64_t)l0[3]);
    sums[1] = (int64_t)((uint64_t)l1[0] + (uint64_t)l1[1] + (uint64_t)l1[2] + (uint64_t)l1[3]);
}

AVX2 int mlp_avx2(const int NB, const int64_t *packed, int c, const int64_t *input, int64_t *scratch, int64_t *sums) {
    const ptrdiff_t p = 4 * NB;
    const int64_t *w1 = packed, *w2 = w1 + c * p, *w_out = w2 + c * p, *w_linear = w_out + 2 * p;
    const int64_t *b1 = w_linear + 2 * p, *b2 = b1 + p;
    int64_t *h1 = scratch, *h2 = scratch + p;
    const __m256i offset = _mm256_set1_epi64x((int64_t)1 << 31);
    __m256i outside = _mm256_setzero_si256();
    for (int b = 0; b < NB; b++) {
        const __m256i x = _mm256_loadu_si256((const __m256i *)(input + 4 * b));
        outside = _mm256_or_si256(outside, _mm256_srli_epi64(_mm256_add_epi64(x, offset), 32));
    }
    if (!_mm256_testz_si256(outside, outside)) return 0;
    outside = _mm256_or_si256(layer_avx2(NB, c, w1, b1, input, h1), layer_avx2(NB, c, w2, b2, h1, h2));
    if (!_mm256_testz_si256(outside, outside)) return 0;
    outputs_avx2(NB, w_out, w_linear, h2, input, sums);
    return 1;
}

__attribute__((target("avx2")))
int nk_fixed_residual_mlp_avx2(const int64_t *packed, int context, const int64_t *input, int64_t *scratch,
                               int64_t *sums) {
    switch ((context + 3) / 4) {
    case 1: return mlp_avx2(1, packed, context, input, scratch, sums);
    case 2: return mlp_avx2(2, packed, context, input, scratch, sums);
    case 3: return mlp_avx2(3, packed, context, input, scratch, sums);
    case 4: return mlp_avx2(4, packed, context, input, scratch, sums);
    case 5: return mlp_avx2(5, packed, context, input, scratch, sums);
    case 6: return mlp_avx2(6, packed, context, input, scratch, sums);
    case 7: return mlp_avx2(7, packed, context, input, scratch, sums);
    case 8: return mlp_avx2(8, packed, context, input, scratch, sums);
    case 9: return mlp_avx2(9, packed, context, input, scratch, sums);
    case 10: return mlp_avx2(10, packed, context, input, scratch, sums);
    default: return 0;
    }
}

__attribute__((target("avx2")))
void nk_fixed_residual_mlp_batch_avx2(const int64_t *packed, int context, const int64_t *inputs, ptrdiff_t count,
                                      int64_t *scratch, int64_t *sums, uint8_t *done) {
    const ptrdiff_t p = (context + 3) / 4 * 4;
    for (ptrdiff_t n = 0; n < count; n++) {
        done[n] = (uint8_t)nk_fixed_residual_mlp_avx2(packed, context, inputs + n * p, scratch, sums + 2 * n);
    }
}

#else

void nk_fixed_residual_mlp_batch_avx2(const int64_t *packed, int context, const int64_t *inputs, ptrdiff_t count,
                                      int64_t *scratch, int64_t *sums, uint8_t *done) {
    (void)packed; (void)context; (void)inputs; (void)scratch; (void)sums;
    for (ptrdiff_t n = 0; n < count; n++) done[n] = 0;
}

int nk_fixed_residual_mlp_avx2(const int64_t *packed, int context, const int64_t *input, int64_t *scratch,
                               int64_t *sums) {
    (void)packed; (void)context; (void)input; (void)scratch; (void)sums;
    return 0;
}

#endif
