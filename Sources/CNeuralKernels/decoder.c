// The overfitted decoder's AVX-512 and AVX2 loops (see include/CNeuralKernels.h): the entropy model
// (ARM) on 16 (8) positions at once in 32-bit lanes, the x2 up-sampling passes and the synthesis' 3x3
// residual layer. Compiled for the baseline target; only these functions carry target attributes,
// and callers run them only after the CPU check (nk_avx512_available, nk_avx2_available).
#include "CNeuralKernels.h"

#if defined(__x86_64__)
#include <cpuid.h>
#endif

// Float arithmetic below must stay unfused (one rounding per multiply and per add), as in Swift.
#pragma clang fp contract(off)

// One output of nk_arm_finish: ((s + 2^15) >> 16) + bias (wrapping, arithmetic shift), clamped to
// +-2^40, then (o + 128) >> 8 clamped to low...high.
static inline int32_t arm_finish_one(int64_t s, int64_t bias, int64_t low, int64_t high) {
    int64_t o = (int64_t)((uint64_t)((int64_t)((uint64_t)s + (1u << 15)) >> 16) + (uint64_t)bias);
    o = o < -((int64_t)1 << 40) ? -((int64_t)1 << 40) : o > ((int64_t)1 << 40) ? ((int64_t)1 << 40) : o;
    o = (o + 128) >> 8;
    return (int32_t)(o < low ? low : o > high ? high : o);
}

// nk_arm_finish's positions from `start` on, one at a time (the AVX2 loop's tail and the portable path).
static void arm_finish_scalar(const int64_t *sums, ptrdiff_t start, ptrdiff_t count, int64_t mean_bias,
                              int64_t scale_bias, int32_t log_scale_min, int32_t log_scale_max, int32_t *means,
                              int32_t *log_scales) {
    for (ptrdiff_t n = start; n < count; n++) {
        means[n] = arm_finish_one(sums[2 * n], mean_bias, -((int64_t)1 << 20), (int64_t)1 << 20);
        log_scales[n] = arm_finish_one(sums[2 * n + 1], scale_bias, log_scale_min, log_scale_max);
    }
}

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define AVX512_INLINE __attribute__((target("avx512f,avx512bw"), always_inline)) static inline

enum { ARM_LANES = 16 };

int nk_avx512bw_available(void) {
    unsigned eax, ebx, ecx, edx;
    if (!nk_avx512_available() || !__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & (1u << 30)) != 0;  // AVX-512BW
}

// pairs[p] holds x[2p] in the low and x[2p + 1] (0 past the end) in the high 16 bits of each lane;
// the caller knows every value fits in Int16.
AVX512_INLINE void pack_pairs(const __m512i *x, int c, __m512i *pairs) {
    const __m512i low = _mm512_set1_epi32(0xFFFF);
    for (int p = 0; 2 * p < c; p++) {
        const __m512i high = 2 * p + 1 < c ? _mm512_slli_epi32(x[2 * p + 1], 16) : _mm512_setzero_si512();
        pairs[p] = _mm512_or_si512(_mm512_and_si512(x[2 * p], low), high);
    }
}

// sum_p w[p].low * pairs[p].low + w[p].high * pairs[p].high in 32-bit lanes (vpmaddwd: each pair sum
// is exact because no weight is -2^15); the caller's bounds keep every partial sum inside Int32.
AVX512_INLINE __m512i dot_pairs(__m512i acc, const int32_t *w, const __m512i *pairs, int count) {
    for (int p = 0; p < count; p++) acc = _mm512_add_epi32(acc, _mm512_madd_epi16(pairs[p], _mm512_set1_epi32(w[p])));
    return acc;
}

// Whether every lane of x[0 ..< c] is in the Int16 range.
AVX512_INLINE int fit_int16(const __m512i *x, int c) {
    const __m512i offset = _mm512_set1_epi32(1 << 15), limit = _mm512_set1_epi32(0xFFFF);
    __mmask16 outside = 0;
    for (int i = 0; i < c; i++) outside |= _mm512_cmpgt_epu32_mask(_mm512_add_epi32(x[i], offset), limit);
    return outside == 0;
}

// sum_i w[i] * v[i] in 32-bit lanes; the caller's bounds keep every partial sum inside Int32.
AVX512_INLINE __m512i dot_lanes(__m512i acc, const int32_t *w, const __m512i *v, int c) {
    for (int i = 0; i < c; i++) acc = _mm512_add_epi32(acc, _mm512_mullo_epi32(v[i], _mm512_set1_epi32(w[i])));
    return acc;
}

// A vector whose 64-bit lanes hold w[0] in their low 32 bits (all vpmuldq reads): one broadcast
// load of w[0 ..< 2] (w[1] is in bounds at every call below).
AVX512_INLINE __m512i broadcast_low_dword(const int32_t *w) {
    return _mm512_broadcastq_epi64(_mm_loadl_epi64((const __m128i *)w));
}

// The two output sums of one batch (wrapping Int64): ((sum_i w_out[k][i] h2[i]) << sum_shift) +
// (linear[k] << linear_shift), the dot product with 64-bit products and sums (exact modulo 2^64,
// which is all the caller needs). vpmuldq multiplies the low halves of 64-bit lanes, so each h2[i]
// serves as it is for the even positions and shifted down 32 bits for the odd ones:
// out[k][0][j] is position 2j's sum k, out[k][1][j] position 2j + 1's.
AVX512_INLINE void output_sums(const int c, const int32_t *w_out, const __m512i *h2, const __m512i *linear,
                               __m128i sum_shift, __m128i linear_shift, int64_t out[2][2][8]) {
    __m512i q[2][2] = {{_mm512_setzero_si512(), _mm512_setzero_si512()}, {_mm512_setzero_si512(), _mm512_setzero_si512()}};
    for (int i = 0; i < c; i++) {
        const __m512i odd = _mm512_srli_epi64(h2[i], 32);
        for (int k = 0; k < 2; k++) {
            const __m512i w = broadcast_low_dword(w_out + k * c + i);
            q[k][0] = _mm512_add_epi64(q[k][0], _mm512_mul_epi32(h2[i], w));
            q[k][1] = _mm512_add_epi64(q[k][1], _mm512_mul_epi32(odd, w));
        }
    }
    for (int k = 0; k < 2; k++) {
        // The linear sums sign-extended from the low and the high half of each 64-bit lane.
        const __m512i l[2] = {_mm512_srai_epi64(_mm512_slli_epi64(linear[k], 32), 32), _mm512_srai_epi64(linear[k], 32)};
        for (int parity = 0; parity < 2; parity++) {
            const __m512i s = _mm512_add_epi64(_mm512_sll_epi64(q[k][parity], sum_shift), _mm512_sll_epi64(l[parity], linear_shift));
            _mm512_storeu_si512((void *)out[k][parity], s);
        }
    }
}

// nk_arm_narrow_avx512 for context c (a compile-time constant at the calls below, so that the
// loops unroll and the packed pairs stay in registers).
AVX512_INLINE int arm_narrow(const int c, const int32_t *packed, const int32_t *shifts, const int32_t *grid,
                             const int32_t *offsets, ptrdiff_t stride, ptrdiff_t count, int64_t *sums) {
    const int32_t *w1 = packed, *b1 = w1 + c * c, *w2 = b1 + c, *b2 = w2 + c * c, *w_out = b2 + c;
    const int32_t *w_linear = w_out + 2 * c, *w1_pairs = w_linear + 2 * c, *w2_pairs = w1_pairs + c * ((c + 1) / 2);
    const int32_t *linear_pairs = w2_pairs + c * ((c + 1) / 2);
    const int pairs = (c + 1) / 2;
    const __m128i input_shift = _mm_cvtsi32_si128(shifts[0]), hidden_shift = _mm_cvtsi32_si128(shifts[1]);
    const __m128i round_shift = _mm_cvtsi32_si128(shifts[2]);
    const __m128i sum_shift = _mm_cvtsi32_si128(shifts[3]), linear_shift = _mm_cvtsi32_si128(shifts[4]);
    const __m512i round = _mm512_set1_epi32(shifts[2] > 0 ? 1 << (shifts[2] - 1) : 0);
    const __m512i zero = _mm512_setzero_si512(), low = _mm512_set1_epi32(-64), high = _mm512_set1_epi32(64);
    const __m512i lane_offsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                    _mm512_set1_epi32((int32_t)stride));
    __m512i lat[NK_ARM_NARROW_MAX_CONTEXT], h1[NK_ARM_NARROW_MAX_CONTEXT], h2[NK_ARM_NARROW_MAX_CONTEXT];
    __m512i packed_pairs[NK_ARM_NARROW_MAX_CONTEXT / 2];
    for (ptrdiff_t n = 0; n < count; n += ARM_LANES) {
        const ptrdiff_t active = count - n < ARM_LANES ? count - n : ARM_LANES;
        const __mmask16 mask = (__mmask16)((1u << active) - 1u);
        const int32_t *base = grid + n * stride;
        __mmask16 outside = 0;
        for (int i = 0; i < c; i++) {
            // Adjacent positions (the decoder's step window) are a masked load, not a gather.
            lat[i] = stride == 1 ? _mm512_maskz_loadu_epi32(mask, base + offsets[i])
                                 : _mm512_mask_i32gather_epi32(zero, mask, _mm512_add_epi32(lane_offsets, _mm512_set1_epi32(offsets[i])),
                                                               base, 4);
            outside |= _mm512_cmplt_epi32_mask(lat[i], low) | _mm512_cmpgt_epi32_mask(lat[i], high);
        }
        if (outside) return 0;  // the bounds the caller checked assume latents in -64...64
        // Latents always fit in Int16: layer 1 and the linear branch on 16-bit pairs when their weights do.
        if (shifts[5] || shifts[7]) pack_pairs(lat, c, packed_pairs);
        for (int o = 0; o < c; o++) {
            const __m512i b = _mm512_set1_epi32(b1[o]);
            const __m512i z = shifts[5] ? dot_pairs(b, w1_pairs + o * pairs, packed_pairs, pairs) : dot_lanes(b, w1 + o * c, lat, c);
            h1[o] = _mm512_max_epi32(_mm512_add_epi32(_mm512_sll_epi32(lat[o], input_shift), z), zero);
        }
        const __m512i linear[2] = {
            shifts[7] ? dot_pairs(zero, linear_pairs, packed_pairs, pairs) : dot_lanes(zero, w_linear, lat, c),
            shifts[7] ? dot_pairs(zero, linear_pairs + pairs, packed_pairs, pairs) : dot_lanes(zero, w_linear + c, lat, c)};
        // Layer 2 on 16-bit pairs when its weights and this batch's activations fit.
        const int layer2_pairs = shifts[6] && fit_int16(h1, c);
        if (layer2_pairs) pack_pairs(h1, c, packed_pairs);
        for (int o = 0; o < c; o++) {
            const __m512i p = layer2_pairs ? dot_pairs(round, w2_pairs + o * pairs, packed_pairs, pairs)
                                           : dot_lanes(round, w2 + o * c, h1, c);
            const __m512i z = _mm512_add_epi32(_mm512_sra_epi32(p, round_shift), _mm512_set1_epi32(b2[o]));
            h2[o] = _mm512_max_epi32(_mm512_add_epi32(_mm512_sll_epi32(h1[o], hidden_shift), z), zero);
        }
        int64_t out[2][2][8];
        output_sums(c, w_out, h2, linear, sum_shift, linear_shift, out);
        for (ptrdiff_t k = 0; k < active; k++) {
            sums[2 * (n + k)] = out[0][k & 1][k >> 1];
            sums[2 * (n + k) + 1] = out[1][k & 1][k >> 1];
        }
    }
    return 1;
}

__attribute__((target("avx512f,avx512bw")))
int nk_arm_narrow_avx512(const int32_t *packed, int context, const int32_t *shifts, const int32_t *grid,
                         const int32_t *offsets, ptrdiff_t stride, ptrdiff_t count, int64_t *sums) {
    switch (context) {  // the presets' contexts
    case 8: return arm_narrow(8, packed, shifts, grid, offsets, stride, count, sums);
    case 14: return arm_narrow(14, packed, shifts, grid, offsets, stride, count, sums);
    case 20: return arm_narrow(20, packed, shifts, grid, offsets, stride, count, sums);
    case 24: return arm_narrow(24, packed, shifts, grid, offsets, stride, count, sums);
    default:
        if (context < 1 || context > NK_ARM_NARROW_MAX_CONTEXT) return 0;
        return arm_narrow(context, packed, shifts, grid, offsets, stride, count, sums);
    }
}

// The same ARM on AVX2, 8 positions per 256-bit vector (nk_arm_narrow_avx2): the operations of
// arm_narrow on half as many lanes, so the same 32-bit values in every lane and the same sums.
#define AVX2_INLINE __attribute__((target("avx2,fma"), always_inline)) static inline
#define AVX512F_INLINE __attribute__((target("avx512f"), always_inline)) static inline

enum { ARM_LANES_AVX2 = 8 };

// pack_pairs on 8 lanes.
AVX2_INLINE void pack_pairs_avx2(const __m256i *x, int c, __m256i *pairs) {
    const __m256i low = _mm256_set1_epi32(0xFFFF);
    for (int p = 0; 2 * p < c; p++) {
        const __m256i high = 2 * p + 1 < c ? _mm256_slli_epi32(x[2 * p + 1], 16) : _mm256_setzero_si256();
        pairs[p] = _mm256_or_si256(_mm256_and_si256(x[2 * p], low), high);
    }
}

// dot_pairs on 8 lanes (vpmaddwd, exact as there).
AVX2_INLINE __m256i dot_pairs_avx2(__m256i acc, const int32_t *w, const __m256i *pairs, int count) {
    for (int p = 0; p < count; p++) acc = _mm256_add_epi32(acc, _mm256_madd_epi16(pairs[p], _mm256_set1_epi32(w[p])));
    return acc;
}

// dot_pairs_avx2 of four consecutive outputs at once (their pair rows `count` apart in w): each pair
// vector is loaded once for the four outputs, so a multiply needs 1.25 loads instead of 2 (the same
// products and sums, so the same values).
AVX2_INLINE void dot_pairs4_avx2(__m256i acc[4], const int32_t *w, const __m256i *pairs, int count) {
    for (int p = 0; p < count; p++) {
        const __m256i x = pairs[p];
        for (int j = 0; j < 4; j++) acc[j] = _mm256_add_epi32(acc[j], _mm256_madd_epi16(x, _mm256_set1_epi32(w[j * count + p])));
    }
}

// A layer-1 activation from its latent and its sum z: max((lat << input_shift) + z, 0).
AVX2_INLINE __m256i hidden1_avx2(__m256i lat, __m256i z, __m128i input_shift) {
    return _mm256_max_epi32(_mm256_add_epi32(_mm256_sll_epi32(lat, input_shift), z), _mm256_setzero_si256());
}

// A layer-2 activation from the layer-1 one and its rounded sum p: max((h1 << hidden_shift) + (p >> round_shift) + b2, 0).
AVX2_INLINE __m256i hidden2_avx2(__m256i h1, __m256i p, int32_t b2, __m128i hidden_shift, __m128i round_shift) {
    const __m256i z = _mm256_add_epi32(_mm256_sra_epi32(p, round_shift), _mm256_set1_epi32(b2));
    return _mm256_max_epi32(_mm256_add_epi32(_mm256_sll_epi32(h1, hidden_shift), z), _mm256_setzero_si256());
}

// Whether every lane of x[0 ..< c] is in the Int16 range: x + 2^15 has no bit above the low 16.
AVX2_INLINE int fit_int16_avx2(const __m256i *x, int c) {
    const __m256i offset = _mm256_set1_epi32(1 << 15);
    __m256i outside = _mm256_setzero_si256();
    for (int i = 0; i < c; i++) outside = _mm256_or_si256(outside, _mm256_add_epi32(x[i], offset));
    return _mm256_testz_si256(outside, _mm256_set1_epi32((int32_t)0xFFFF0000u));
}

// dot_lanes on 8 lanes.
AVX2_INLINE __m256i dot_lanes_avx2(__m256i acc, const int32_t *w, const __m256i *v, int c) {
    for (int i = 0; i < c; i++) acc = _mm256_add_epi32(acc, _mm256_mullo_epi32(v[i], _mm256_set1_epi32(w[i])));
    return acc;
}

// The two output sums of one batch of 8 (output_sums on 8 lanes): the 64-bit products
// w_out[k][i] h2[i] of the even lanes (vpmuldq reads the low half of each 64-bit lane) and of the odd
// lanes (shifted down first), summed in wrapping Int64; the linear sums sign-extended the same way.
AVX2_INLINE void output_sums_avx2(const int c, const int32_t *w_out, const __m256i *h2, const __m256i *linear,
                                  __m128i sum_shift, __m128i linear_shift, int64_t *mean, int64_t *scale) {
    __m256i even[2] = {_mm256_setzero_si256(), _mm256_setzero_si256()}, odd[2] = {even[0], even[0]};
    for (int i = 0; i < c; i++) {
        const __m256i h2_odd = _mm256_srli_epi64(h2[i], 32);
        for (int k = 0; k < 2; k++) {
            const __m256i w = _mm256_set1_epi32(w_out[k * c + i]);
            even[k] = _mm256_add_epi64(even[k], _mm256_mul_epi32(h2[i], w));
            odd[k] = _mm256_add_epi64(odd[k], _mm256_mul_epi32(h2_odd, w));
        }
    }
    const __m256i one = _mm256_set1_epi32(1);
    for (int k = 0; k < 2; k++) {
        const __m256i l_even = _mm256_mul_epi32(linear[k], one), l_odd = _mm256_mul_epi32(_mm256_srli_epi64(linear[k], 32), one);
        int64_t e[4], o[4];
        _mm256_storeu_si256((__m256i *)e, _mm256_add_epi64(_mm256_sll_epi64(even[k], sum_shift), _mm256_sll_epi64(l_even, linear_shift)));
        _mm256_storeu_si256((__m256i *)o, _mm256_add_epi64(_mm256_sll_epi64(odd[k], sum_shift), _mm256_sll_epi64(l_odd, linear_shift)));
        int64_t *out = k ? scale : mean;
        for (int j = 0; j < 4; j++) {
            out[2 * j] = e[j];
            out[2 * j + 1] = o[j];
        }
    }
}

// arm_narrow on AVX2 (context c a compile-time constant at the calls below).
AVX2_INLINE int arm_narrow_avx2(const int c, const int32_t *packed, const int32_t *shifts, const int32_t *grid,
                                const int32_t *offsets, ptrdiff_t stride, ptrdiff_t count, int64_t *sums) {
    const int32_t *w1 = packed, *b1 = w1 + c * c, *w2 = b1 + c, *b2 = w2 + c * c, *w_out = b2 + c;
    const int32_t *w_linear = w_out + 2 * c, *w1_pairs = w_linear + 2 * c, *w2_pairs = w1_pairs + c * ((c + 1) / 2);
    const int32_t *linear_pairs = w2_pairs + c * ((c + 1) / 2);
    const int pairs = (c + 1) / 2;
    const __m128i input_shift = _mm_cvtsi32_si128(shifts[0]), hidden_shift = _mm_cvtsi32_si128(shifts[1]);
    const __m128i round_shift = _mm_cvtsi32_si128(shifts[2]);
    const __m128i sum_shift = _mm_cvtsi32_si128(shifts[3]), linear_shift = _mm_cvtsi32_si128(shifts[4]);
    const __m256i round = _mm256_set1_epi32(shifts[2] > 0 ? 1 << (shifts[2] - 1) : 0);
    const __m256i zero = _mm256_setzero_si256(), low = _mm256_set1_epi32(-64), high = _mm256_set1_epi32(64);
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i lane_offsets = _mm256_mullo_epi32(lanes, _mm256_set1_epi32((int32_t)stride));
    __m256i lat[NK_ARM_NARROW_MAX_CONTEXT], h1[NK_ARM_NARROW_MAX_CONTEXT], h2[NK_ARM_NARROW_MAX_CONTEXT];
    __m256i packed_pairs[NK_ARM_NARROW_MAX_CONTEXT / 2];
    for (ptrdiff_t n = 0; n < count; n += ARM_LANES_AVX2) {
        const ptrdiff_t active = count - n < ARM_LANES_AVX2 ? count - n : ARM_LANES_AVX2;
        const __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)active), lanes);
        const int32_t *base = grid + n * stride;
        __m256i outside = zero;
        for (int i = 0; i < c; i++) {
            // Adjacent positions (stride 1) are one masked load per neighbour; others a gather.
            lat[i] = stride == 1 ? _mm256_maskload_epi32(base + offsets[i], mask)
                                 : _mm256_mask_i32gather_epi32(zero, base, _mm256_add_epi32(lane_offsets, _mm256_set1_epi32(offsets[i])),
                                                               mask, 4);
            outside = _mm256_or_si256(outside, _mm256_or_si256(_mm256_cmpgt_epi32(low, lat[i]), _mm256_cmpgt_epi32(lat[i], high)));
        }
        if (!_mm256_testz_si256(outside, outside)) return 0;  // the bounds assume latents in -64...64
        int o = 0;  // outputs done; with 16-bit pairs, four at a time first
        if (shifts[5] || shifts[7]) pack_pairs_avx2(lat, c, packed_pairs);
        if (shifts[5]) {
            for (; o + 4 <= c; o += 4) {
                __m256i z[4];
                for (int j = 0; j < 4; j++) z[j] = _mm256_set1_epi32(b1[o + j]);
                dot_pairs4_avx2(z, w1_pairs + o * pairs, packed_pairs, pairs);
                for (int j = 0; j < 4; j++) h1[o + j] = hidden1_avx2(lat[o + j], z[j], input_shift);
            }
        }
        for (; o < c; o++) {
            const __m256i b = _mm256_set1_epi32(b1[o]);
            const __m256i z = shifts[5] ? dot_pairs_avx2(b, w1_pairs + o * pairs, packed_pairs, pairs)
                                        : dot_lanes_avx2(b, w1 + o * c, lat, c);
            h1[o] = hidden1_avx2(lat[o], z, input_shift);
        }
        const __m256i linear[2] = {
            shifts[7] ? dot_pairs_avx2(zero, linear_pairs, packed_pairs, pairs) : dot_lanes_avx2(zero, w_linear, lat, c),
            shifts[7] ? dot_pairs_avx2(zero, linear_pairs + pairs, packed_pairs, pairs) : dot_lanes_avx2(zero, w_linear + c, lat, c)};
        const int layer2_pairs = shifts[6] && fit_int16_avx2(h1, c);
        o = 0;
        if (layer2_pairs) {
            pack_pairs_avx2(h1, c, packed_pairs);
            for (; o + 4 <= c; o += 4) {
                __m256i p[4] = {round, round, round, round};
                dot_pairs4_avx2(p, w2_pairs + o * pairs, packed_pairs, pairs);
                for (int j = 0; j < 4; j++) h2[o + j] = hidden2_avx2(h1[o + j], p[j], b2[o + j], hidden_shift, round_shift);
            }
        }
        for (; o < c; o++) {
            const __m256i p = layer2_pairs ? dot_pairs_avx2(round, w2_pairs + o * pairs, packed_pairs, pairs)
                                           : dot_lanes_avx2(round, w2 + o * c, h1, c);
            h2[o] = hidden2_avx2(h1[o], p, b2[o], hidden_shift, round_shift);
        }
        int64_t mean[ARM_LANES_AVX2], scale[ARM_LANES_AVX2];
        output_sums_avx2(c, w_out, h2, linear, sum_shift, linear_shift, mean, scale);
        for (ptrdiff_t k = 0; k < active; k++) {
            sums[2 * (n + k)] = mean[k];
            sums[2 * (n + k) + 1] = scale[k];
        }
    }
    return 1;
}

__attribute__((target("avx2,fma")))
int nk_arm_narrow_avx2(const int32_t *packed, int context, const int32_t *shifts, const int32_t *grid,
                       const int32_t *offsets, ptrdiff_t stride, ptrdiff_t count, int64_t *sums) {
    switch (context) {  // the presets' contexts
    case 8: return arm_narrow_avx2(8, packed, shifts, grid, offsets, stride, count, sums);
    case 14: return arm_narrow_avx2(14, packed, shifts, grid, offsets, stride, count, sums);
    case 20: return arm_narrow_avx2(20, packed, shifts, grid, offsets, stride, count, sums);
    case 24: return arm_narrow_avx2(24, packed, shifts, grid, offsets, stride, count, sums);
    default:
        if (context < 1 || context > NK_ARM_NARROW_MAX_CONTEXT) return 0;
        return arm_narrow_avx2(context, packed, shifts, grid, offsets, stride, count, sums);
    }
}

// Arithmetic right shift of 64-bit lanes (AVX2 has only the logical one): flip negative lanes to
// their complement, shift, flip back (floor division by 2^n, as >> on Int64).
AVX2_INLINE __m256i srai64_avx2(__m256i x, int n) {
    const __m256i sign = _mm256_cmpgt_epi64(_mm256_setzero_si256(), x);
    return _mm256_xor_si256(_mm256_srli_epi64(_mm256_xor_si256(x, sign), n), sign);
}

// min(max(x, low), high) of 64-bit lanes.
AVX2_INLINE __m256i clamp64_avx2(__m256i x, __m256i low, __m256i high) {
    x = _mm256_blendv_epi8(x, low, _mm256_cmpgt_epi64(low, x));
    return _mm256_blendv_epi8(x, high, _mm256_cmpgt_epi64(x, high));
}

// nk_arm_finish on two positions (mean, log-scale, mean, log-scale in the four lanes): the low 32
// bits of the results, in the same order.
AVX2_INLINE __m128i arm_finish_pair_avx2(__m256i sums, __m256i bias, __m256i low, __m256i high) {
    const __m256i bound = _mm256_set1_epi64x((int64_t)1 << 40);
    __m256i o = _mm256_add_epi64(srai64_avx2(_mm256_add_epi64(sums, _mm256_set1_epi64x(1 << 15)), 16), bias);
    o = clamp64_avx2(o, _mm256_sub_epi64(_mm256_setzero_si256(), bound), bound);
    o = clamp64_avx2(srai64_avx2(_mm256_add_epi64(o, _mm256_set1_epi64x(128)), 8), low, high);
    return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(o, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6)));
}

__attribute__((target("avx2,fma")))
void nk_arm_finish(const int64_t *sums, ptrdiff_t count, int64_t mean_bias, int64_t scale_bias, int32_t log_scale_min,
                   int32_t log_scale_max, int32_t *means, int32_t *log_scales) {
    const __m256i bias = _mm256_setr_epi64x(mean_bias, scale_bias, mean_bias, scale_bias);
    const __m256i low = _mm256_setr_epi64x(-((int64_t)1 << 20), log_scale_min, -((int64_t)1 << 20), log_scale_min);
    const __m256i high = _mm256_setr_epi64x((int64_t)1 << 20, log_scale_max, (int64_t)1 << 20, log_scale_max);
    ptrdiff_t n = 0;
    for (; n + 4 <= count; n += 4) {
        const __m128 a = _mm_castsi128_ps(arm_finish_pair_avx2(_mm256_loadu_si256((const __m256i *)(sums + 2 * n)), bias, low, high));
        const __m128 b = _mm_castsi128_ps(arm_finish_pair_avx2(_mm256_loadu_si256((const __m256i *)(sums + 2 * n + 4)), bias, low, high));
        _mm_storeu_si128((__m128i *)(means + n), _mm_castps_si128(_mm_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0))));
        _mm_storeu_si128((__m128i *)(log_scales + n), _mm_castps_si128(_mm_shuffle_ps(a, b, _MM_SHUFFLE(3, 1, 3, 1))));
    }
    arm_finish_scalar(sums, n, count, mean_bias, scale_bias, log_scale_min, log_scale_max, means, log_scales);
}

// nk_arm_finish on AVX-512F: eight positions per iteration, with its native 64-bit arithmetic shifts
// and clamps (the same operations as arm_finish_one).
AVX512F_INLINE __m512i arm_finish_lanes_avx512(__m512i sums, __m512i bias, __m512i low, __m512i high) {
    const __m512i bound = _mm512_set1_epi64((int64_t)1 << 40);
    __m512i o = _mm512_add_epi64(_mm512_srai_epi64(_mm512_add_epi64(sums, _mm512_set1_epi64(1 << 15)), 16), bias);
    o = _mm512_min_epi64(_mm512_max_epi64(o, _mm512_sub_epi64(_mm512_setzero_si512(), bound)), bound);
    o = _mm512_srai_epi64(_mm512_add_epi64(o, _mm512_set1_epi64(128)), 8);
    return _mm512_min_epi64(_mm512_max_epi64(o, low), high);
}

__attribute__((target("avx512f")))
void nk_arm_finish_avx512(const int64_t *sums, ptrdiff_t count, int64_t mean_bias, int64_t scale_bias,
                          int32_t log_scale_min, int32_t log_scale_max, int32_t *means, int32_t *log_scales) {
    const __m512i bias = _mm512_setr_epi64(mean_bias, scale_bias, mean_bias, scale_bias, mean_bias, scale_bias, mean_bias,
                                           scale_bias);
    const int64_t mean_low = -((int64_t)1 << 20), mean_high = (int64_t)1 << 20;
    const __m512i low = _mm512_setr_epi64(mean_low, log_scale_min, mean_low, log_scale_min, mean_low, log_scale_min,
                                          mean_low, log_scale_min);
    const __m512i high = _mm512_setr_epi64(mean_high, log_scale_max, mean_high, log_scale_max, mean_high, log_scale_max,
                                           mean_high, log_scale_max);
    // The 16 results (mean, log-scale alternating) with the means first, then the log-scales.
    const __m512i split = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15);
    ptrdiff_t n = 0;
    for (; n + 8 <= count; n += 8) {
        const __m256i a = _mm512_cvtepi64_epi32(arm_finish_lanes_avx512(_mm512_loadu_si512((const void *)(sums + 2 * n)), bias, low, high));
        const __m256i b = _mm512_cvtepi64_epi32(arm_finish_lanes_avx512(_mm512_loadu_si512((const void *)(sums + 2 * n + 8)), bias, low, high));
        const __m512i both = _mm512_permutexvar_epi32(split, _mm512_inserti64x4(_mm512_castsi256_si512(a), b, 1));
        _mm256_storeu_si256((__m256i *)(means + n), _mm512_castsi512_si256(both));
        _mm256_storeu_si256((__m256i *)(log_scales + n), _mm512_extracti64x4_epi64(both, 1));
    }
    arm_finish_scalar(sums, n, count, mean_bias, scale_bias, log_scale_min, log_scale_max, means, log_scales);
}

// One border sample of the residual kernels, taps outside the image skipped.
static float residual_sample(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t y, ptrdiff_t x, const float *taps,
                             float bias, const float *input, float value) {
    const ptrdiff_t n = width * height;
    float acc = value + bias;
    for (int i = 0; i < k; i++) {
        for (int ky = y == 0 ? 1 : 0; ky <= (y == height - 1 ? 1 : 2); ky++) {
            const float *line = input + i * n + (y + ky - 1) * width;
            const float *t = taps + (i * 3 + ky) * 3;
            for (int kx = 0; kx < 3; kx++) {
                if (x + kx >= 1 && x + kx - 1 < width) acc = acc + line[x + kx - 1] * t[kx];
            }
        }
    }
    return acc;
}

// The first and last sample of row y of every output plane (the residual kernels' vectors cover the others).
static void residual_border_samples(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t y, const float *weights,
                                    const float *bias, const float *input, float *output) {
    const ptrdiff_t n = width * height;
    for (int o = 0; o < k; o++) {
        const float *taps = weights + o * k * 9;
        const ptrdiff_t row = o * n + y * width;
        output[row] = residual_sample(k, width, height, y, 0, taps, bias[o], input, input[row]);
        if (width > 1) {
            output[row + width - 1] = residual_sample(k, width, height, y, width - 1, taps, bias[o], input,
                                                      input[row + width - 1]);
        }
    }
}

__attribute__((target("avx512f")))
void nk_residual3x3_avx512(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin, ptrdiff_t row_end,
                           const float *weights, const float *bias, const float *input, float *output) {
    if (k < 1 || k > NK_RESIDUAL_MAX_CHANNELS) return;
    const ptrdiff_t n = width * height;
    for (ptrdiff_t y = row_begin; y < row_end; y++) {
        const int first_ky = y == 0 ? 1 : 0, last_ky = y == height - 1 ? 1 : 2;
        for (ptrdiff_t x0 = 1; x0 < width - 1; x0 += 16) {
            const ptrdiff_t active = width - 1 - x0 < 16 ? width - 1 - x0 : 16;
            const __mmask16 mask = (__mmask16)((1u << active) - 1u);
            __m512 acc[NK_RESIDUAL_MAX_CHANNELS];
            for (int o = 0; o < k; o++) {
                acc[o] = _mm512_add_ps(_mm512_maskz_loadu_ps(mask, input + o * n + y * width + x0), _mm512_set1_ps(bias[o]));
            }
            for (int i = 0; i < k; i++) {
                for (int ky = first_ky; ky <= last_ky; ky++) {
                    const float *line = input + i * n + (y + ky - 1) * width + x0 - 1;
                    for (int kx = 0; kx < 3; kx++) {
                        const __m512 v = _mm512_maskz_loadu_ps(mask, line + kx);
                        for (int o = 0; o < k; o++) {
                            const float t = weights[((o * k + i) * 3 + ky) * 3 + kx];
                            acc[o] = _mm512_add_ps(acc[o], _mm512_mul_ps(v, _mm512_set1_ps(t)));
                        }
                    }
                }
            }
            for (int o = 0; o < k; o++) _mm512_mask_storeu_ps(output + o * n + y * width + x0, mask, acc[o]);
        }
        residual_border_samples(k, width, height, y, weights, bias, input, output);
    }
}

// Lanes 0 ..< active set (active <= 8), as a mask for vmaskmovps.
AVX2_INLINE __m256i lane_mask_avx2(ptrdiff_t active) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int32_t)active), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// Loads and stores of 8 floats, only the lanes of `mask` unless `full` (a compile-time constant at
// the calls): masked stores are slow on some CPUs, so full vectors use plain ones.
AVX2_INLINE __m256 load_avx2(const int full, const float *p, __m256i mask) {
    return full ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, mask);
}

AVX2_INLINE void store_avx2(const int full, float *p, __m256i mask, __m256 v) {
    if (full) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, mask, v);
}

// Samples x0 ..< x0 + 8 (the lanes of `mask`) of row y of every output plane of nk_residual3x3_avx2.
AVX2_INLINE void residual_block_avx2(const int full, int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t y,
                                     ptrdiff_t x0, __m256i mask, const float *weights, const float *bias,
                                     const float *input, float *output) {
    const ptrdiff_t n = width * height;
    const int first_ky = y == 0 ? 1 : 0, last_ky = y == height - 1 ? 1 : 2;
    __m256 acc[NK_RESIDUAL_MAX_CHANNELS];
    for (int o = 0; o < k; o++) {
        acc[o] = _mm256_add_ps(load_avx2(full, input + o * n + y * width + x0, mask), _mm256_set1_ps(bias[o]));
    }
    for (int i = 0; i < k; i++) {
        for (int ky = first_ky; ky <= last_ky; ky++) {
            const float *line = input + i * n + (y + ky - 1) * width + x0 - 1;
            for (int kx = 0; kx < 3; kx++) {
                const __m256 v = load_avx2(full, line + kx, mask);
                for (int o = 0; o < k; o++) {
                    const float t = weights[((o * k + i) * 3 + ky) * 3 + kx];
                    acc[o] = _mm256_add_ps(acc[o], _mm256_mul_ps(v, _mm256_set1_ps(t)));
                }
            }
        }
    }
    for (int o = 0; o < k; o++) store_avx2(full, output + o * n + y * width + x0, mask, acc[o]);
}

// Samples x0 ..< x0 + 16 of row y of every output plane of nk_residual3x3_avx2, all inside: the
// operations of two residual_block_avx2 calls, interleaved (twice the independent sums in flight).
AVX2_INLINE void residual_pair_avx2(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t y, ptrdiff_t x0,
                                    const float *weights, const float *bias, const float *input, float *output) {
    const ptrdiff_t n = width * height;
    const int first_ky = y == 0 ? 1 : 0, last_ky = y == height - 1 ? 1 : 2;
    __m256 acc[NK_RESIDUAL_MAX_CHANNELS][2];
    for (int o = 0; o < k; o++) {
        const __m256 b = _mm256_set1_ps(bias[o]);
        acc[o][0] = _mm256_add_ps(_mm256_loadu_ps(input + o * n + y * width + x0), b);
        acc[o][1] = _mm256_add_ps(_mm256_loadu_ps(input + o * n + y * width + x0 + 8), b);
    }
    for (int i = 0; i < k; i++) {
        for (int ky = first_ky; ky <= last_ky; ky++) {
            const float *line = input + i * n + (y + ky - 1) * width + x0 - 1;
            for (int kx = 0; kx < 3; kx++) {
                const __m256 v0 = _mm256_loadu_ps(line + kx), v1 = _mm256_loadu_ps(line + kx + 8);
                for (int o = 0; o < k; o++) {
                    const __m256 t = _mm256_set1_ps(weights[((o * k + i) * 3 + ky) * 3 + kx]);
                    acc[o][0] = _mm256_add_ps(acc[o][0], _mm256_mul_ps(v0, t));
                    acc[o][1] = _mm256_add_ps(acc[o][1], _mm256_mul_ps(v1, t));
                }
            }
        }
    }
    for (int o = 0; o < k; o++) {
        _mm256_storeu_ps(output + o * n + y * width + x0, acc[o][0]);
        _mm256_storeu_ps(output + o * n + y * width + x0 + 8, acc[o][1]);
    }
}

__attribute__((target("avx2,fma")))
void nk_residual3x3_avx2(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin, ptrdiff_t row_end,
                         const float *weights, const float *bias, const float *input, float *output) {
    if (k < 1 || k > NK_RESIDUAL_MAX_CHANNELS) return;
    const __m256i all = _mm256_set1_epi32(-1);
    for (ptrdiff_t y = row_begin; y < row_end; y++) {
        ptrdiff_t x0 = 1;
        for (; x0 + 16 <= width - 1; x0 += 16) residual_pair_avx2(k, width, height, y, x0, weights, bias, input, output);
        for (; x0 + 8 <= width - 1; x0 += 8) residual_block_avx2(1, k, width, height, y, x0, all, weights, bias, input, output);
        if (x0 < width - 1) {
            residual_block_avx2(0, k, width, height, y, x0, lane_mask_avx2(width - 1 - x0), weights, bias, input, output);
        }
        residual_border_samples(k, width, height, y, weights, bias, input, output);
    }
}

// The 1x1 part of the synthesis on the 8 pixels of x (I input vectors), O output vectors into
// result; packed as nk_synthesis_pointwise_avx2 documents. Per output the operations and their
// order are those of the planar matrix product (hidden sums and output sums from zero by fused
// multiply-add in increasing index, then + bias, ReLU on the hidden layer) and of the linear branch
// (+ x[i] * s[o][i] in increasing i, unfused).
AVX2_INLINE void pointwise_block_avx2(const int I, const int O, ptrdiff_t hidden, const float *packed,
                                      const __m256 *x, __m256 *result, uint8_t *signs) {
    const __m256 zero = _mm256_setzero_ps();
    __m256 acc[NK_POINTWISE_MAX_OUTPUTS];
    for (int o = 0; o < O; o++) acc[o] = zero;
    const float *w = packed;
    for (ptrdiff_t r = 0; r < hidden; r++, w += (I + 1 + O) * 8) {
        __m256 h = zero;
        for (int i = 0; i < I; i++) h = _mm256_fmadd_ps(x[i], _mm256_loadu_ps(w + i * 8), h);
        h = _mm256_add_ps(h, _mm256_loadu_ps(w + I * 8));
        h = _mm256_blendv_ps(h, zero, _mm256_cmp_ps(h, zero, _CMP_LT_OQ));
        if (signs) signs[r] = (uint8_t)_mm256_movemask_ps(_mm256_cmp_ps(h, zero, _CMP_GT_OQ));
        for (int o = 0; o < O; o++) acc[o] = _mm256_fmadd_ps(h, _mm256_loadu_ps(w + (I + 1 + o) * 8), acc[o]);
    }
    const float *linear = w + O * 8;
    for (int o = 0; o < O; o++) {
        __m256 sum = _mm256_add_ps(acc[o], _mm256_loadu_ps(w + o * 8));
        for (int i = 0; i < I; i++) sum = _mm256_add_ps(sum, _mm256_mul_ps(x[i], _mm256_loadu_ps(linear + (o * I + i) * 8)));
        result[o] = sum;
    }
}

// nk_synthesis_pointwise_avx2 for I inputs and O outputs (compile-time constants at the calls).
AVX2_INLINE void pointwise_avx2(const int I, const int O, ptrdiff_t hidden, const float *packed,
                                const float *features, ptrdiff_t plane, ptrdiff_t begin, ptrdiff_t end,
                                float *output, uint8_t *signs) {
    __m256 x[NK_POINTWISE_MAX_INPUTS], result[NK_POINTWISE_MAX_OUTPUTS];
    ptrdiff_t p = begin;
    for (; p + 8 <= end; p += 8) {
        for (int i = 0; i < I; i++) x[i] = _mm256_loadu_ps(features + i * plane + p);
        pointwise_block_avx2(I, O, hidden, packed, x, result, signs ? signs + p / 8 * hidden : NULL);
        for (int o = 0; o < O; o++) _mm256_storeu_ps(output + o * plane + p, result[o]);
    }
    if (p < end) {
        // The last pixels through zero-padded lanes (lanes are independent).
        const int active = (int)(end - p);
        float lanes[8];
        for (int i = 0; i < I; i++) {
            for (int j = 0; j < 8; j++) lanes[j] = j < active ? features[i * plane + p + j] : 0;
            x[i] = _mm256_loadu_ps(lanes);
        }
        pointwise_block_avx2(I, O, hidden, packed, x, result, signs ? signs + p / 8 * hidden : NULL);
        for (int o = 0; o < O; o++) {
            _mm256_storeu_ps(lanes, result[o]);
            for (int j = 0; j < active; j++) output[o * plane + p + j] = lanes[j];
        }
    }
}

// The 1x1 entry points' checks and their dispatch to `kernel`'s form for the given (inputs,
// outputs), compile-time constants there (one macro for every vector level).
#define POINTWISE_OUTPUTS(kernel, I, O, ...)                 \
    switch (O) {                                             \
    case 1: kernel(I, 1, __VA_ARGS__); break;                \
    case 2: kernel(I, 2, __VA_ARGS__); break;                \
    default: kernel(I, 3, __VA_ARGS__); break;               \
    }
#define POINTWISE_DISPATCH(kernel)                                                                               \
    if (inputs < 1 || inputs > NK_POINTWISE_MAX_INPUTS || outputs < 1 || outputs > NK_POINTWISE_MAX_OUTPUTS) return; \
    if (signs && begin % 8 != 0) return;                                                                           \
    switch (inputs) {                                                                                              \
    case 1: POINTWISE_OUTPUTS(kernel, 1, outputs, hidden, packed, features, plane, begin, end, output, signs); break; \
    case 2: POINTWISE_OUTPUTS(kernel, 2, outputs, hidden, packed, features, plane, begin, end, output, signs); break; \
    case 3: POINTWISE_OUTPUTS(kernel, 3, outputs, hidden, packed, features, plane, begin, end, output, signs); break; \
    case 4: POINTWISE_OUTPUTS(kernel, 4, outputs, hidden, packed, features, plane, begin, end, output, signs); break; \
    case 5: POINTWISE_OUTPUTS(kernel, 5, outputs, hidden, packed, features, plane, begin, end, output, signs); break; \
    case 6: POINTWISE_OUTPUTS(kernel, 6, outputs, hidden, packed, features, plane, begin, end, output, signs); break; \
    default: POINTWISE_OUTPUTS(kernel, 7, outputs, hidden, packed, features, plane, begin, end, output, signs); break; \
    }

__attribute__((target("avx2,fma")))
void nk_synthesis_pointwise_avx2(int inputs, int outputs, ptrdiff_t hidden, const float *packed,
                                 const float *features, ptrdiff_t plane, ptrdiff_t begin, ptrdiff_t end,
                                 float *output, uint8_t *signs) {
    POINTWISE_DISPATCH(pointwise_avx2)
}

// pointwise_block_avx2 on the 16 pixels of x (AVX-512F): the same operations per lane, each weight
// broadcast from the first of its 8 copies. Hidden unit r's positive lanes 0-7 go to low_signs[r],
// lanes 8-15 to high_signs[r] (each written unless NULL).
AVX512F_INLINE void pointwise_block_avx512(const int I, const int O, ptrdiff_t hidden, const float *packed,
                                           const __m512 *x, __m512 *result, uint8_t *low_signs, uint8_t *high_signs) {
    const __m512 zero = _mm512_setzero_ps();
    __m512 acc[NK_POINTWISE_MAX_OUTPUTS];
    for (int o = 0; o < O; o++) acc[o] = zero;
    const float *w = packed;
    for (ptrdiff_t r = 0; r < hidden; r++, w += (I + 1 + O) * 8) {
        __m512 h = zero;
        for (int i = 0; i < I; i++) h = _mm512_fmadd_ps(x[i], _mm512_set1_ps(w[i * 8]), h);
        h = _mm512_add_ps(h, _mm512_set1_ps(w[I * 8]));
        h = _mm512_mask_mov_ps(h, _mm512_cmp_ps_mask(h, zero, _CMP_LT_OQ), zero);
        if (low_signs) {
            const __mmask16 positive = _mm512_cmp_ps_mask(h, zero, _CMP_GT_OQ);
            low_signs[r] = (uint8_t)positive;
            if (high_signs) high_signs[r] = (uint8_t)(positive >> 8);
        }
        for (int o = 0; o < O; o++) acc[o] = _mm512_fmadd_ps(h, _mm512_set1_ps(w[(I + 1 + o) * 8]), acc[o]);
    }
    const float *linear = w + O * 8;
    for (int o = 0; o < O; o++) {
        __m512 sum = _mm512_add_ps(acc[o], _mm512_set1_ps(w[o * 8]));
        for (int i = 0; i < I; i++) sum = _mm512_add_ps(sum, _mm512_mul_ps(x[i], _mm512_set1_ps(linear[(o * I + i) * 8])));
        result[o] = sum;
    }
}

// nk_synthesis_pointwise_avx512 for I inputs and O outputs (compile-time constants at the calls).
// A vector's 16 sign bits are the bytes of two 8-pixel blocks; the second is written only when
// it holds a pixel before `end`.
AVX512F_INLINE void pointwise_avx512(const int I, const int O, ptrdiff_t hidden, const float *packed,
                                     const float *features, ptrdiff_t plane, ptrdiff_t begin, ptrdiff_t end,
                                     float *output, uint8_t *signs) {
    __m512 x[NK_POINTWISE_MAX_INPUTS], result[NK_POINTWISE_MAX_OUTPUTS];
    for (ptrdiff_t p = begin; p < end; p += 16) {
        const __mmask16 mask = end - p >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (end - p)) - 1u);
        // Lanes past `end` read zeros (lanes are independent).
        for (int i = 0; i < I; i++) x[i] = _mm512_maskz_loadu_ps(mask, features + i * plane + p);
        uint8_t *low_signs = signs ? signs + p / 8 * hidden : NULL;
        pointwise_block_avx512(I, O, hidden, packed, x, result, low_signs, low_signs && p + 8 < end ? low_signs + hidden : NULL);
        for (int o = 0; o < O; o++) _mm512_mask_storeu_ps(output + o * plane + p, mask, result[o]);
    }
}

__attribute__((target("avx512f")))
void nk_synthesis_pointwise_avx512(int inputs, int outputs, ptrdiff_t hidden, const float *packed,
                                   const float *features, ptrdiff_t plane, ptrdiff_t begin, ptrdiff_t end,
                                   float *output, uint8_t *signs) {
    POINTWISE_DISPATCH(pointwise_avx512)
}

__attribute__((target("avx2")))
void nk_copy_where_bits_avx2(const float *source, const uint8_t *bits, ptrdiff_t bit_stride, float *target,
                             ptrdiff_t count) {
    const __m256i lanes = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
    ptrdiff_t j = 0;
    for (; j + 8 <= count; j += 8) {
        const __m256i set = _mm256_and_si256(_mm256_set1_epi32(bits[j / 8 * bit_stride]), lanes);
        const __m256 keep = _mm256_castsi256_ps(_mm256_cmpeq_epi32(set, lanes));
        _mm256_storeu_ps(target + j, _mm256_and_ps(_mm256_loadu_ps(source + j), keep));
    }
    for (; j < count; j++) target[j] = (bits[j / 8 * bit_stride] >> (j % 8)) & 1 ? source[j] : 0.0f;
}

// One output of the x2 row filter: the four-tap form when every tap is inside, else the taps in
// order from 0 with clamped indices (as the Swift loops).
static float upsample_row_sample(const float *row, ptrdiff_t width, ptrdiff_t x, const float *k) {
    const ptrdiff_t i = x >> 1;
    if (i >= 2 && i + 2 < width) {
        return (x & 1) == 0 ? k[3] * row[i - 2] + k[1] * row[i - 1] + k[0] * row[i] + k[2] * row[i + 1]
                            : k[2] * row[i - 1] + k[0] * row[i] + k[1] * row[i + 1] + k[3] * row[i + 2];
    }
    static const int even_coefficients[4] = {3, 1, 0, 2}, odd_coefficients[4] = {2, 0, 1, 3};
    float sum = 0;
    for (int t = 0; t < 4; t++) {
        ptrdiff_t index = i + ((x & 1) == 0 ? t - 2 : t - 1);
        index = index < 0 ? 0 : (index > width - 1 ? width - 1 : index);
        sum = sum + k[(x & 1) == 0 ? even_coefficients[t] : odd_coefficients[t]] * row[index];
    }
    return sum;
}

__attribute__((target("avx512f")))
void nk_upsample_rows_avx512(const float *source, ptrdiff_t width, ptrdiff_t height, ptrdiff_t target_width,
                             const float *kernel, float *destination) {
    const __m512 k0 = _mm512_set1_ps(kernel[0]), k1 = _mm512_set1_ps(kernel[1]);
    const __m512 k2 = _mm512_set1_ps(kernel[2]), k3 = _mm512_set1_ps(kernel[3]);
    const __m512i first = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
    const __m512i second = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
    // Source positions i in [2, end) give outputs 2i and 2i + 1 with all four taps inside.
    const ptrdiff_t end_by_taps = width - 2, end_by_outputs = target_width / 2;
    const ptrdiff_t end = end_by_taps < end_by_outputs ? end_by_taps : end_by_outputs;
    for (ptrdiff_t y = 0; y < height; y++) {
        const float *row = source + y * width;
        float *out = destination + y * target_width;
        for (ptrdiff_t i = 2; i < end; i += 16) {
            const ptrdiff_t active = end - i < 16 ? end - i : 16;
            const __mmask16 mask = (__mmask16)((1u << active) - 1u);
            const __m512 m2 = _mm512_maskz_loadu_ps(mask, row + i - 2), m1 = _mm512_maskz_loadu_ps(mask, row + i - 1);
            const __m512 c0 = _mm512_maskz_loadu_ps(mask, row + i), p1 = _mm512_maskz_loadu_ps(mask, row + i + 1);
            const __m512 p2 = _mm512_maskz_loadu_ps(mask, row + i + 2);
            const __m512 even = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(m2, k3), _mm512_mul_ps(m1, k1)),
                                                            _mm512_mul_ps(c0, k0)), _mm512_mul_ps(p1, k2));
            const __m512 odd = _mm512_add_ps(_mm512_add_ps(_mm512_add_ps(_mm512_mul_ps(m1, k2), _mm512_mul_ps(c0, k0)),
                                                           _mm512_mul_ps(p1, k1)), _mm512_mul_ps(p2, k3));
            const ptrdiff_t outputs = 2 * active;
            const __mmask16 low = (__mmask16)(outputs >= 16 ? 0xFFFFu : (1u << outputs) - 1u);
            const __mmask16 high = (__mmask16)(outputs <= 16 ? 0u : (1u << (outputs - 16)) - 1u);
            _mm512_mask_storeu_ps(out + 2 * i, low, _mm512_permutex2var_ps(even, first, odd));
            _mm512_mask_storeu_ps(out + 2 * i + 16, high, _mm512_permutex2var_ps(even, second, odd));
        }
        for (ptrdiff_t x = 0; x < target_width; x++) {
            if (x == 4 && 2 * end > 4) x = 2 * end;  // outputs 4 ..< 2 end came from the vectors
            if (x >= target_width) break;
            out[x] = upsample_row_sample(row, width, x, kernel);
        }
    }
}

// Source row (clamped to the plane) and kernel value of tap t of output row y of the column pass.
static inline ptrdiff_t upsample_column_source(ptrdiff_t y, int t, ptrdiff_t height) {
    const ptrdiff_t index = (y >> 1) + ((y & 1) == 0 ? t - 2 : t - 1);
    return index < 0 ? 0 : (index > height - 1 ? height - 1 : index);
}

static inline int upsample_column_coefficient(ptrdiff_t y, int t) {
    static const int even_coefficients[4] = {3, 1, 0, 2}, odd_coefficients[4] = {2, 0, 1, 3};
    return (y & 1) == 0 ? even_coefficients[t] : odd_coefficients[t];
}

__attribute__((target("avx512f")))
void nk_upsample_columns_avx512(const float *source, ptrdiff_t width, ptrdiff_t height, ptrdiff_t target_height,
                                const float *kernel, float *destination) {
    for (ptrdiff_t y = 0; y < target_height; y++) {
        const float *rows[4];
        __m512 c[4];
        for (int t = 0; t < 4; t++) {
            rows[t] = source + upsample_column_source(y, t, height) * width;
            c[t] = _mm512_set1_ps(kernel[upsample_column_coefficient(y, t)]);
        }
        float *out = destination + y * width;
        for (ptrdiff_t x = 0; x < width; x += 16) {
            const ptrdiff_t active = width - x < 16 ? width - x : 16;
            const __mmask16 mask = (__mmask16)((1u << active) - 1u);
            __m512 acc = _mm512_setzero_ps();
            for (int t = 0; t < 4; t++) acc = _mm512_add_ps(acc, _mm512_mul_ps(_mm512_maskz_loadu_ps(mask, rows[t] + x), c[t]));
            _mm512_mask_storeu_ps(out + x, mask, acc);
        }
    }
}

// Outputs 2i ..< 2i + 16 (of source positions i ..< i + 8, the lanes of `mask`) of nk_upsample_rows_avx2.
AVX2_INLINE void upsample_row_block_avx2(const int full, const float *row, ptrdiff_t i, __m256i mask, ptrdiff_t active,
                                         const __m256 *k, float *out) {
    const __m256 m2 = load_avx2(full, row + i - 2, mask), m1 = load_avx2(full, row + i - 1, mask);
    const __m256 c0 = load_avx2(full, row + i, mask), p1 = load_avx2(full, row + i + 1, mask);
    const __m256 p2 = load_avx2(full, row + i + 2, mask);
    const __m256 even = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(m2, k[3]), _mm256_mul_ps(m1, k[1])),
                                                    _mm256_mul_ps(c0, k[0])), _mm256_mul_ps(p1, k[2]));
    const __m256 odd = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(m1, k[2]), _mm256_mul_ps(c0, k[0])),
                                                   _mm256_mul_ps(p1, k[1])), _mm256_mul_ps(p2, k[3]));
    // Interleaved: e0 o0 e1 o1 e4 o4 e5 o5 and e2 o2 e3 o3 e6 o6 e7 o7, then the 128-bit halves in order.
    const __m256 low = _mm256_unpacklo_ps(even, odd), high = _mm256_unpackhi_ps(even, odd);
    store_avx2(full, out + 2 * i, lane_mask_avx2(2 * active), _mm256_permute2f128_ps(low, high, 0x20));
    store_avx2(full, out + 2 * i + 8, lane_mask_avx2(2 * active - 8), _mm256_permute2f128_ps(low, high, 0x31));
}

__attribute__((target("avx2,fma")))
void nk_upsample_rows_avx2(const float *source, ptrdiff_t width, ptrdiff_t height, ptrdiff_t target_width,
                           const float *kernel, float *destination) {
    const __m256 k[4] = {_mm256_set1_ps(kernel[0]), _mm256_set1_ps(kernel[1]), _mm256_set1_ps(kernel[2]),
                         _mm256_set1_ps(kernel[3])};
    const __m256i all = _mm256_set1_epi32(-1);
    // Source positions i in [2, end) give outputs 2i and 2i + 1 with all four taps inside.
    const ptrdiff_t end_by_taps = width - 2, end_by_outputs = target_width / 2;
    const ptrdiff_t end = end_by_taps < end_by_outputs ? end_by_taps : end_by_outputs;
    for (ptrdiff_t y = 0; y < height; y++) {
        const float *row = source + y * width;
        float *out = destination + y * target_width;
        ptrdiff_t i = 2;
        for (; i + 8 <= end; i += 8) upsample_row_block_avx2(1, row, i, all, 8, k, out);
        if (i < end) upsample_row_block_avx2(0, row, i, lane_mask_avx2(end - i), end - i, k, out);
        for (ptrdiff_t x = 0; x < target_width; x++) {
            if (x == 4 && 2 * end > 4) x = 2 * end;  // outputs 4 ..< 2 end came from the vectors
            if (x >= target_width) break;
            out[x] = upsample_row_sample(row, width, x, kernel);
        }
    }
}

// Outputs x ..< x + 8 (the lanes of `mask`) of one row of nk_upsample_columns_avx2.
AVX2_INLINE void upsample_column_block_avx2(const int full, const float *const *rows, ptrdiff_t x, __m256i mask,
                                            const __m256 *c, float *out) {
    __m256 acc = _mm256_setzero_ps();
    for (int t = 0; t < 4; t++) acc = _mm256_add_ps(acc, _mm256_mul_ps(load_avx2(full, rows[t] + x, mask), c[t]));
    store_avx2(full, out + x, mask, acc);
}

__attribute__((target("avx2,fma")))
void nk_upsample_columns_avx2(const float *source, ptrdiff_t width, ptrdiff_t height, ptrdiff_t target_height,
                              const float *kernel, float *destination) {
    const __m256i all = _mm256_set1_epi32(-1);
    for (ptrdiff_t y = 0; y < target_height; y++) {
        const float *rows[4];
        __m256 c[4];
        for (int t = 0; t < 4; t++) {
            rows[t] = source + upsample_column_source(y, t, height) * width;
            c[t] = _mm256_set1_ps(kernel[upsample_column_coefficient(y, t)]);
        }
        float *out = destination + y * width;
        ptrdiff_t x = 0;
        for (; x + 8 <= width; x += 8) upsample_column_block_avx2(1, rows, x, all, c, out);
        if (x < width) upsample_column_block_avx2(0, rows, x, lane_mask_avx2(width - x), c, out);
    }
}

// One sample of nk_quantize_samples_avx2 (its definition, for the tail).
static float quantize_sample(float s, float max_value) {
    if (s != s) return 0;  // NaN
    const float x = (s < 0 ? 0 : (s > 1 ? 1 : s)) * max_value;
    const float t = (float)(int32_t)x;
    return (x - t >= 0.5f ? t + 1 : t) / max_value;
}

__attribute__((target("avx2,fma")))
void nk_quantize_samples_avx2(const float *source, ptrdiff_t count, float max_value, float *destination) {
    const __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1), half = _mm256_set1_ps(0.5f);
    const __m256 scale = _mm256_set1_ps(max_value);
    ptrdiff_t i = 0;
    for (; i + 8 <= count; i += 8) {
        const __m256 s = _mm256_loadu_ps(source + i);
        const __m256 x = _mm256_mul_ps(_mm256_min_ps(_mm256_max_ps(s, zero), one), scale);
        const __m256 t = _mm256_cvtepi32_ps(_mm256_cvttps_epi32(x));
        const __m256 r = _mm256_add_ps(t, _mm256_and_ps(_mm256_cmp_ps(_mm256_sub_ps(x, t), half, _CMP_GE_OQ), one));
        const __m256 number = _mm256_cmp_ps(s, s, _CMP_ORD_Q);
        _mm256_storeu_ps(destination + i, _mm256_and_ps(_mm256_div_ps(r, scale), number));
    }
    for (; i < count; i++) destination[i] = quantize_sample(source[i], max_value);
}

#else

int nk_avx512bw_available(void) { return 0; }

void nk_arm_finish(const int64_t *sums, ptrdiff_t count, int64_t mean_bias, int64_t scale_bias, int32_t log_scale_min,
                   int32_t log_scale_max, int32_t *means, int32_t *log_scales) {
    arm_finish_scalar(sums, 0, count, mean_bias, scale_bias, log_scale_min, log_scale_max, means, log_scales);
}

void nk_arm_finish_avx512(const int64_t *sums, ptrdiff_t count, int64_t mean_bias, int64_t scale_bias,
                          int32_t log_scale_min, int32_t log_scale_max, int32_t *means, int32_t *log_scales) {
    arm_finish_scalar(sums, 0, count, mean_bias, scale_bias, log_scale_min, log_scale_max, means, log_scales);
}

void nk_upsample_rows_avx512(const float *source, ptrdiff_t width, ptrdiff_t height, ptrdiff_t target_width,
                             const float *kernel, float *destination) {
    (void)source; (void)width; (void)height; (void)target_width; (void)kernel; (void)destination;
}

void nk_upsample_columns_avx512(const float *source, ptrdiff_t width, ptrdiff_t height, ptrdiff_t target_height,
                                const float *kernel, float *destination) {
    (void)source; (void)width; (void)height; (void)target_height; (void)kernel; (void)destination;
}

void nk_residual3x3_avx512(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin, ptrdiff_t row_end,
                           const float *weights, const float *bias, const float *input, float *output) {
    (void)k; (void)width; (void)height; (void)row_begin; (void)row_end; (void)weights; (void)bias; (void)input;
    (void)output;
}

int nk_arm_narrow_avx512(const int32_t *packed, int context, const int32_t *shifts, const int32_t *grid,
                         const int32_t *offsets, ptrdiff_t stride, ptrdiff_t count, int64_t *sums) {
    (void)packed; (void)context; (void)shifts; (void)grid; (void)offsets; (void)stride; (void)count; (void)sums;
    return 0;
}

int nk_arm_narrow_avx2(const int32_t *packed, int context, const int32_t *shifts, const int32_t *grid,
                       const int32_t *offsets, ptrdiff_t stride, ptrdiff_t count, int64_t *sums) {
    (void)packed; (void)context; (void)shifts; (void)grid; (void)offsets; (void)stride; (void)count; (void)sums;
    return 0;
}

void nk_upsample_rows_avx2(const float *source, ptrdiff_t width, ptrdiff_t height, ptrdiff_t target_width,
                           const float *kernel, float *destination) {
    (void)source; (void)width; (void)height; (void)target_width; (void)kernel; (void)destination;
}

void nk_upsample_columns_avx2(const float *source, ptrdiff_t width, ptrdiff_t height, ptrdiff_t target_height,
                              const float *kernel, float *destination) {
    (void)source; (void)width; (void)height; (void)target_height; (void)kernel; (void)destination;
}

void nk_residual3x3_avx2(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin, ptrdiff_t row_end,
                         const float *weights, const float *bias, const float *input, float *output) {
    (void)k; (void)width; (void)height; (void)row_begin; (void)row_end; (void)weights; (void)bias; (void)input;
    (void)output;
}


void nk_synthesis_pointwise_avx2(int inputs, int outputs, ptrdiff_t hidden, const float *packed,
                                 const float *features, ptrdiff_t plane, ptrdiff_t begin, ptrdiff_t end,
                                 float *output, uint8_t *signs) {
    (void)inputs; (void)outputs; (void)hidden; (void)packed; (void)features; (void)plane; (void)begin; (void)end;
    (void)output; (void)signs;
}

void nk_synthesis_pointwise_avx512(int inputs, int outputs, ptrdiff_t hidden, const float *packed,
                                   const float *features, ptrdiff_t plane, ptrdiff_t begin, ptrdiff_t end,
                                   float *output, uint8_t *signs) {
    nk_synthesis_pointwise_avx2(inputs, outputs, hidden, packed, features, plane, begin, end, output, signs);
}

void nk_copy_where_bits_avx2(const float *source, const uint8_t *bits, ptrdiff_t bit_stride, float *target,
                             ptrdiff_t count) {
    (void)source; (void)bits; (void)bit_stride; (void)target; (void)count;
}

void nk_quantize_samples_avx2(const float *source, ptrdiff_t count, float max_value, float *destination) {
    (void)source; (void)count; (void)max_value; (void)destination;
}

#endif
