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

// out = max(in + ((W in + 2^15) >> 16) + bias, 0) for NB blocks of four outputs, all in wrapping
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
        v = _mm256_add_epi64(v, _mm256_loadu_si256((const __m256i *)(in + 4 * b)));
        v = _mm256_and_si256(v, _mm256_cmpgt_epi64(v, _mm256_setzero_si256()));
        outside = _mm256_or_si256(outside, _mm256_srli_epi64(_mm256_add_epi64(v, offset), 32));
        _mm256_storeu_si256((__m256i *)(out + 4 * b), v);
    }
    return outside;
}

// Layer 1 of the entropy model when its inputs are small integers in Q16: in[i] = lat[i] * 2^16 with
// |lat[i]| <= 64 (checked by the caller of this function), and every row of W1 satisfies
// sum_i |W1[o][i]| * 64 < 2^31 (checked once per network by the caller of the kernel). Then:
//   - sum_i W1[o][i] * in[i] = T_o * 2^16 exactly, with T_o = sum_i W1[o][i] * lat[i];
//   - every partial sum of T_o is at most sum_i |W1[o][i]| * 64 < 2^31 in magnitude, so T_o computed
//     with 32-bit lanes (vpmulld, vpaddd) never wraps and is exact;
//   - (T_o * 2^16 + 2^15) >> 16 = T_o (the added 2^15 is below one unit of 2^16).
// So out = max(in + T + bias, 0) equals layer_avx2's result bit for bit, with 8 products per
// instruction instead of 4. `wt32[i * 8 * NB8 + o]` is W1 transposed; NB8 = ceil(NB / 2).
AVX2 __m256i layer1_narrow_avx2(const int NB, int c, const int32_t *wt32, const int64_t *bias, const int32_t *lat,
                                const int64_t *in, int64_t *out) {
    const int NB8 = (NB + 1) / 2;
    __m256i acc[NB8];
    for (int b = 0; b < NB8; b++) acc[b] = _mm256_setzero_si256();
    for (int i = 0; i < c; i++) {
        const __m256i x = _mm256_set1_epi32(lat[i]);
        const int32_t *row = wt32 + (ptrdiff_t)i * 8 * NB8;
        for (int b = 0; b < NB8; b++) {
            acc[b] = _mm256_add_epi32(acc[b], _mm256_mullo_epi32(_mm256_loadu_si256((const __m256i *)(row + 8 * b)), x));
        }
    }
    int32_t sums32[8 * NB8];
    for (int b = 0; b < NB8; b++) _mm256_storeu_si256((__m256i *)(sums32 + 8 * b), acc[b]);
    const __m256i offset = _mm256_set1_epi64x((int64_t)1 << 31);
    __m256i outside = _mm256_setzero_si256();
    for (int b = 0; b < NB; b++) {
        __m256i v = _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm_loadu_si128((const __m128i *)(sums32 + 4 * b))),
                                     _mm256_loadu_si256((const __m256i *)(bias + 4 * b)));
        v = _mm256_add_epi64(v, _mm256_loadu_si256((const __m256i *)(in + 4 * b)));
        v = _mm256_and_si256(v, _mm256_cmpgt_epi64(v, _mm256_setzero_si256()));
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

AVX2 int mlp_avx2(const int NB, const int64_t *packed, int c, const int64_t *input, const int32_t *w1_narrow,
                  const int32_t *lat, int64_t *scratch, int64_t *sums) {
    const ptrdiff_t p = 4 * NB;
    const int64_t *w1 = packed, *w2 = w1 + c * p, *w_out = w2 + c * p, *w_linear = w_out + 2 * p;
    const int64_t *b1 = w_linear + 2 * p, *b2 = b1 + p;
    int64_t *h1 = scratch, *h2 = scratch + p;
    if (w1_narrow) {
        // |lat[i]| <= 64 for every i (the padding is zero), as layer1_narrow_avx2 requires.
        const int NB8 = (NB + 1) / 2;
        const __m256i limit = _mm256_set1_epi32(64);
        __m256i large = _mm256_setzero_si256();
        for (int b = 0; b < NB8; b++) {
            const __m256i l = _mm256_abs_epi32(_mm256_loadu_si256((const __m256i *)(lat + 8 * b)));
            large = _mm256_or_si256(large, _mm256_cmpgt_epi32(l, limit));
        }
        if (_mm256_testz_si256(large, large)) {
            const __m256i outside = _mm256_or_si256(layer1_narrow_avx2(NB, c, w1_narrow, b1, lat, input, h1),
                                                    layer_avx2(NB, c, w2, b2, h1, h2));
            if (!_mm256_testz_si256(outside, outside)) return 0;
            outputs_avx2(NB, w_out, w_linear, h2, input, sums);
            return 1;
        }
    }
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

AVX2 int mlp_dispatch_avx2(const int64_t *packed, int context, const int64_t *input, const int32_t *w1_narrow,
                           const int32_t *lat, int64_t *scratch, int64_t *sums) {
    switch ((context + 3) / 4) {
    case 1: return mlp_avx2(1, packed, context, input, w1_narrow, lat, scratch, sums);
    case 2: return mlp_avx2(2, packed, context, input, w1_narrow, lat, scratch, sums);
    case 3: return mlp_avx2(3, packed, context, input, w1_narrow, lat, scratch, sums);
    case 4: return mlp_avx2(4, packed, context, input, w1_narrow, lat, scratch, sums);
    case 5: return mlp_avx2(5, packed, context, input, w1_narrow, lat, scratch, sums);
    case 6: return mlp_avx2(6, packed, context, input, w1_narrow, lat, scratch, sums);
    case 7: return mlp_avx2(7, packed, context, input, w1_narrow, lat, scratch, sums);
    case 8: return mlp_avx2(8, packed, context, input, w1_narrow, lat, scratch, sums);
    case 9: return mlp_avx2(9, packed, context, input, w1_narrow, lat, scratch, sums);
    case 10: return mlp_avx2(10, packed, context, input, w1_narrow, lat, scratch, sums);
    default: return 0;
    }
}

__attribute__((target("avx2")))
int nk_fixed_residual_mlp_avx2(const int64_t *packed, int context, const int64_t *input, int64_t *scratch,
                               int64_t *sums) {
    return mlp_dispatch_avx2(packed, context, input, NULL, NULL, scratch, sums);
}

__attribute__((target("avx2")))
void nk_fixed_residual_mlp_batch_avx2(const int64_t *packed, int context, const int64_t *inputs,
                                      const int32_t *w1_narrow, const int32_t *latents, ptrdiff_t count,
                                      int64_t *scratch, int64_t *sums, uint8_t *done) {
    const ptrdiff_t p = (context + 3) / 4 * 4, p8 = (context + 7) / 8 * 8;
    for (ptrdiff_t n = 0; n < count; n++) {
        done[n] = (uint8_t)mlp_dispatch_avx2(packed, context, inputs + n * p, latents ? w1_narrow : NULL,
                                             latents ? latents + n * p8 : NULL, scratch, sums + 2 * n);
    }
}

#else

void nk_fixed_residual_mlp_batch_avx2(const int64_t *packed, int context, const int64_t *inputs,
                                      const int32_t *w1_narrow, const int32_t *latents, ptrdiff_t count,
                                      int64_t *scratch, int64_t *sums, uint8_t *done) {
    (void)packed; (void)context; (void)inputs; (void)w1_narrow; (void)latents; (void)scratch; (void)sums;
    for (ptrdiff_t n = 0; n < count; n++) done[n] = 0;
}

int nk_fixed_residual_mlp_avx2(const int64_t *packed, int context, const int64_t *input, int64_t *scratch,
                               int64_t *sums) {
    (void)packed; (void)context; (void)input; (void)scratch; (void)sums;
    return 0;
}

#endif
