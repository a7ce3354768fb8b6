// AVX2 versions of training passes written in Swift on SIMD8 vectors (NeuralKernels' FastMath,
// QuantizationProxy.softRound, the overfitted codec's ARM training pass): each lane does the
// operations of the Swift code, in the same order, each rounded once (no reassociation, and fused
// multiply-adds only where the Swift path uses the planar matrix product's), so the results are
// bit-identical to it. Swift's SIMD8 code runs on the baseline x86-64 target as pairs of 4-wide
// instructions; these run 8 wide.
#include "CNeuralKernels.h"
#include "simd8_lanes.h"

#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__clang__)
#include <cpuid.h>
#include <immintrin.h>

#define KERNEL __attribute__((target("avx2"), always_inline)) static inline

KERNEL __m256 splat(float v) { return _mm256_set1_ps(v); }
KERNEL __m256 add(__m256 a, __m256 b) { return _mm256_add_ps(a, b); }
KERNEL __m256 sub(__m256 a, __m256 b) { return _mm256_sub_ps(a, b); }
KERNEL __m256 mul(__m256 a, __m256 b) { return _mm256_mul_ps(a, b); }
/// `where ? b : a` lane by lane.
KERNEL __m256 pick(__m256 a, __m256 b, __m256 where) { return _mm256_blendv_ps(a, b, where); }
KERNEL __m256 less(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
KERNEL __m256 greater(__m256 a, __m256 b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }

/// FastMath.absolute.
KERNEL __m256 absolute(__m256 x) { return _mm256_and_ps(x, _mm256_castsi256_ps(_mm256_set1_epi32(0x7FFFFFFF))); }

/// FastMath.roundedToNearest: (x + 1.5 * 2^23) - 1.5 * 2^23, x itself where |x| >= 2^22.
KERNEL __m256 rounded(__m256 x) {
    const __m256 magic = splat(12582912.0f);
    const __m256 shifted = sub(add(x, magic), magic);
    return pick(shifted, x, _mm256_cmp_ps(absolute(x), splat(4194304.0f), _CMP_GE_OQ));
}

/// FastMath.floor.
KERNEL __m256 floored(__m256 x) {
    const __m256 nearest = rounded(x);
    return pick(nearest, sub(nearest, splat(1.0f)), greater(nearest, x));
}

/// FastMath.exp.
KERNEL __m256 exponential(__m256 x) {
    __m256 clamped = pick(x, splat(-87.0f), less(x, splat(-87.0f)));
    clamped = pick(clamped, splat(88.0f), greater(x, splat(88.0f)));
    const __m256 n = rounded(mul(clamped, splat(1.44269504f)));
    const __m256 r = add(sub(clamped, mul(n, splat(0.693359375f))), mul(n, splat(2.1219444e-4f)));
    __m256 p = splat(1.98756915e-4f);
    p = add(mul(p, r), splat(1.39819995e-3f));
    p = add(mul(p, r), splat(8.3334519e-3f));
    p = add(mul(p, r), splat(4.16657959e-2f));
    p = add(mul(p, r), splat(1.66666655e-1f));
    p = add(mul(p, r), splat(5.00000012e-1f));
    const __m256 mantissa = add(add(mul(p, mul(r, r)), r), splat(1.0f));
    const __m256i biased = _mm256_sub_epi32(_mm256_castps_si256(add(n, splat(8388735.0f))), _mm256_set1_epi32(0x4B000000));
    return mul(mantissa, _mm256_castsi256_ps(_mm256_slli_epi32(biased, 23)));
}

/// FastMath.tanh.
KERNEL __m256 hyperbolic_tangent(__m256 x) {
    __m256 magnitude = absolute(x);
    magnitude = pick(magnitude, splat(9.0f), greater(magnitude, splat(9.0f)));
    const __m256 e = exponential(mul(splat(-2.0f), magnitude));
    __m256 result = _mm256_div_ps(sub(splat(1.0f), e), add(splat(1.0f), e));
    const __m256 x2 = mul(magnitude, magnitude);
    __m256 series = splat(62.0f / 2835.0f);
    series = sub(mul(series, x2), splat(17.0f / 315.0f));
    series = add(mul(series, x2), splat(2.0f / 15.0f));
    series = sub(mul(series, x2), splat(1.0f / 3.0f));
    series = mul(add(mul(series, x2), splat(1.0f)), magnitude);
    result = pick(result, series, less(magnitude, splat(0.125f)));
    return pick(result, _mm256_xor_ps(result, splat(-0.0f)), less(x, splat(0.0f)));
}

__attribute__((target("avx2")))
void nk_soft_round_avx2(const float *x, ptrdiff_t count, float sharpness, float normaliser, float *output,
                        float *derivative) {
    for (ptrdiff_t i = 0; i < count; i += 8) {
        const ptrdiff_t lanes = count - i < 8 ? count - i : 8;
        const __m256 v = nk_simd8_load(x + i, lanes);
        const __m256 m = add(floored(v), splat(0.5f));
        const __m256 t = hyperbolic_tangent(mul(splat(sharpness), sub(v, m)));
        nk_simd8_store(add(m, mul(splat(normaliser), t)), output + i, lanes);
        if (derivative) nk_simd8_store(sub(splat(1.0f), mul(t, t)), derivative + i, lanes);
    }
}

__attribute__((target("avx2")))
void nk_soft_round_backward_avx2(const float *x, ptrdiff_t count, float sharpness, float normaliser,
                                 const float *grad_output, float *grad_input, int accumulate) {
    for (ptrdiff_t i = 0; i < count; i += 8) {
        const ptrdiff_t lanes = count - i < 8 ? count - i : 8;
        const __m256 v = nk_simd8_load(x + i, lanes);
        const __m256 m = add(floored(v), splat(0.5f));
        const __m256 t = hyperbolic_tangent(mul(splat(sharpness), sub(v, m)));
        __m256 d = mul(mul(nk_simd8_load(grad_output + i, lanes), splat(normaliser)), sub(splat(1.0f), mul(t, t)));
        if (accumulate) d = add(d, nk_simd8_load(grad_input + i, lanes));
        nk_simd8_store(d, grad_input + i, lanes);
    }
}

__attribute__((target("avx2")))
void nk_squared_errors_avx2(const float *output, const float *target, ptrdiff_t count, float scale, float *gradient,
                            double *lanes) {
    const __m256 zero = _mm256_setzero_ps(), one = splat(1.0f);
    __m256d low = _mm256_loadu_pd(lanes), high = _mm256_loadu_pd(lanes + 4);
    for (ptrdiff_t i = 0; i < count; i += 8) {
        const ptrdiff_t n = count - i < 8 ? count - i : 8;
        const __m256 value = nk_simd8_load(output + i, n);
        __m256 clamped = pick(value, zero, less(value, zero));
        clamped = pick(clamped, one, greater(clamped, one));
        const __m256 difference = sub(clamped, nk_simd8_load(target + i, n));
        const __m256d difference_low = _mm256_cvtps_pd(_mm256_castps256_ps128(difference));
        const __m256d difference_high = _mm256_cvtps_pd(_mm256_extractf128_ps(difference, 1));
        low = _mm256_add_pd(low, _mm256_mul_pd(difference_low, difference_low));
        high = _mm256_add_pd(high, _mm256_mul_pd(difference_high, difference_high));
        if (gradient) {
            const __m256 passes = _mm256_and_ps(greater(value, zero), less(value, one));
            nk_simd8_store(_mm256_and_ps(passes, mul(splat(scale), difference)), gradient + i, n);
        }
    }
    _mm256_storeu_pd(lanes, low);
    _mm256_storeu_pd(lanes + 4, high);
}

/// FastMath.log2 (positive normal inputs).
KERNEL __m256 logarithm2(__m256 x) {
    const __m256i bits = _mm256_castps_si256(x);
    __m256i exponent = _mm256_sub_epi32(_mm256_srai_epi32(bits, 23), _mm256_set1_epi32(127));
    __m256 m = _mm256_castsi256_ps(_mm256_or_si256(_mm256_and_si256(bits, _mm256_set1_epi32(0x007FFFFF)),
                                                   _mm256_set1_epi32(0x3F800000)));
    const __m256 high = greater(m, splat(1.41421356f));
    m = pick(m, mul(m, splat(0.5f)), high);
    exponent = _mm256_castps_si256(pick(_mm256_castsi256_ps(exponent),
                                        _mm256_castsi256_ps(_mm256_add_epi32(exponent, _mm256_set1_epi32(1))), high));
    const __m256 s = _mm256_div_ps(sub(m, splat(1.0f)), add(m, splat(1.0f)));
    const __m256 s2 = mul(s, s);
    __m256 p = splat(1.0f / 9.0f);
    p = add(mul(p, s2), splat(1.0f / 7.0f));
    p = add(mul(p, s2), splat(1.0f / 5.0f));
    p = add(mul(p, s2), splat(1.0f / 3.0f));
    p = add(mul(p, s2), splat(1.0f));
    const __m256 exponent_value = sub(_mm256_castsi256_ps(_mm256_add_epi32(exponent, _mm256_set1_epi32(0x4B400000))),
                                      splat(12582912.0f));
    return add(exponent_value, mul(mul(splat(2.0f * 1.44269504f), s), p));
}

/// LaplaceRate.eight: bits of eight values and their derivatives w.r.t. the values and log-scales.
KERNEL void laplace_rate(__m256 value, __m256 mean, __m256 log_scale, __m256 *bits, __m256 *d_value,
                         __m256 *d_log_scale) {
    const __m256 one = splat(1.0f), half = splat(0.5f), zero = _mm256_setzero_ps(), sign = splat(-0.0f);
    const __m256 inverse_b = _mm256_div_ps(one, exponential(log_scale));
    const __m256 z = sub(value, mean);
    const __m256 d = absolute(z);
    const __m256 upper = add(d, half), lower = sub(d, half);
    const __m256 e_upper = exponential(mul(_mm256_xor_ps(upper, sign), inverse_b));
    const __m256 e_lower = exponential(mul(_mm256_xor_ps(absolute(lower), sign), inverse_b));
    __m256 probability = sub(sub(one, mul(half, e_upper)), mul(half, e_lower));
    probability = pick(probability, mul(half, sub(e_lower, e_upper)), _mm256_cmp_ps(lower, zero, _CMP_GE_OQ));
    const __m256 floored = _mm256_cmp_ps(probability, splat(1.0f / 65536.0f), _CMP_LE_OQ);
    const __m256 safe = pick(probability, one, floored);
    const __m256 pdf_upper = mul(mul(half, inverse_b), e_upper), pdf_lower = mul(mul(half, inverse_b), e_lower);
    const __m256 d_probability = sub(pdf_upper, pdf_lower);
    const __m256 d_probability_log_scale = add(mul(_mm256_xor_ps(pdf_upper, sign), upper), mul(pdf_lower, lower));
    const __m256 d_bits = _mm256_div_ps(splat(-1.0f), mul(safe, splat((float)0.69314718055994530942)));
    __m256 dv = mul(d_bits, d_probability);
    dv = pick(dv, _mm256_xor_ps(dv, sign), less(z, zero));
    *bits = _mm256_xor_ps(pick(logarithm2(safe), splat(-16.0f), floored), sign);
    *d_value = pick(dv, zero, floored);
    *d_log_scale = pick(mul(d_bits, d_probability_log_scale), zero, floored);
}

// QuantizationProxy.uniform's SplitMix64 finaliser constants.
enum { NOISE_LANES = 8 };
static const uint64_t golden_gamma = 0x9E3779B97F4A7C15ull, mix1 = 0xBF58476D1CE4E5B9ull, mix2 = 0x94D049BB133111EBull;

/// The low 64 bits of a * b, four lanes (AVX2 has no 64-bit multiply).
KERNEL __m256i multiply64(__m256i a, __m256i b) {
    const __m256i low = _mm256_mul_epu32(a, b);
    const __m256i cross = _mm256_add_epi64(_mm256_mul_epu32(_mm256_srli_epi64(a, 32), b),
                                           _mm256_mul_epu32(a, _mm256_srli_epi64(b, 32)));
    return _mm256_add_epi64(low, _mm256_slli_epi64(cross, 32));
}

/// QuantizationProxy.uniform of four counters: (z >> 40) * 2^-24 after the SplitMix64 finaliser,
/// as four 32-bit integers below 2^24 in the low half.
KERNEL __m128i uniform_bits4(uint64_t seed, __m256i index) {
    __m256i z = _mm256_add_epi64(_mm256_set1_epi64x((long long)seed), multiply64(index, _mm256_set1_epi64x((long long)golden_gamma)));
    z = multiply64(_mm256_xor_si256(z, _mm256_srli_epi64(z, 30)), _mm256_set1_epi64x((long long)mix1));
    z = multiply64(_mm256_xor_si256(z, _mm256_srli_epi64(z, 27)), _mm256_set1_epi64x((long long)mix2));
    z = _mm256_srli_epi64(_mm256_xor_si256(z, _mm256_srli_epi64(z, 31)), 40);
    return _mm256_castsi256_si128(_mm256_permutevar8x32_epi32(z, _mm256_setr_epi32(0, 2, 4, 6, 0, 2, 4, 6)));
}

/// QuantizationProxy.uniform of counters base + 4 i + draw for eight values i (draw 0...3).
KERNEL __m256 uniform8(uint64_t seed, uint64_t base, int draw) {
    const __m256i first = _mm256_setr_epi64x(0, 4, 8, 12), second = _mm256_setr_epi64x(16, 20, 24, 28);
    const __m256i start = _mm256_set1_epi64x((long long)(base + (uint64_t)draw));
    const __m256i bits = _mm256_setr_m128i(uniform_bits4(seed, _mm256_add_epi64(start, first)),
                                           uniform_bits4(seed, _mm256_add_epi64(start, second)));
    return mul(_mm256_cvtepi32_ps(bits), splat(1.0f / 16777216.0f));
}

__attribute__((target("avx2")))
void nk_add_gaussian_noise_avx2(const float *x, ptrdiff_t count, float scale, uint64_t seed, uint64_t offset,
                                float *output) {
    for (ptrdiff_t i = 0; i < count; i += NOISE_LANES) {
        const ptrdiff_t lanes = count - i < NOISE_LANES ? count - i : NOISE_LANES;
        const uint64_t base = (offset + (uint64_t)i) * 4;
        const __m256 sum = add(add(add(uniform8(seed, base, 0), uniform8(seed, base, 1)), uniform8(seed, base, 2)),
                               uniform8(seed, base, 3));
        nk_simd8_store(add(nk_simd8_load(x + i, lanes), mul(splat(scale), sub(sum, splat(2.0f)))), output + i, lanes);
    }
}

int nk_avx512dq_available(void) {
    unsigned eax, ebx, ecx, edx;
    if (!nk_avx512_available() || !__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    return (ebx & (1u << 17)) != 0;  // AVX-512DQ
}

#define DQ_KERNEL __attribute__((target("avx512f,avx512dq,avx2"), always_inline)) static inline

/// uniform8 with AVX-512DQ's 64-bit products, eight counters per vector.
DQ_KERNEL __m256 uniform8_dq(uint64_t seed, uint64_t base, int draw) {
    const __m512i index = _mm512_add_epi64(_mm512_set1_epi64((long long)(base + (uint64_t)draw)),
                                           _mm512_setr_epi64(0, 4, 8, 12, 16, 20, 24, 28));
    __m512i z = _mm512_add_epi64(_mm512_set1_epi64((long long)seed), _mm512_mullo_epi64(index, _mm512_set1_epi64((long long)golden_gamma)));
    z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 30)), _mm512_set1_epi64((long long)mix1));
    z = _mm512_mullo_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 27)), _mm512_set1_epi64((long long)mix2));
    z = _mm512_srli_epi64(_mm512_xor_si512(z, _mm512_srli_epi64(z, 31)), 40);
    return mul(_mm256_cvtepi32_ps(_mm512_cvtepi64_epi32(z)), splat(1.0f / 16777216.0f));
}

__attribute__((target("avx512f,avx512dq,avx2")))
void nk_add_gaussian_noise_avx512dq(const float *x, ptrdiff_t count, float scale, uint64_t seed, uint64_t offset,
                                    float *output) {
    for (ptrdiff_t i = 0; i < count; i += NOISE_LANES) {
        const ptrdiff_t lanes = count - i < NOISE_LANES ? count - i : NOISE_LANES;
        const uint64_t base = (offset + (uint64_t)i) * 4;
        const __m256 sum = add(add(add(uniform8_dq(seed, base, 0), uniform8_dq(seed, base, 1)), uniform8_dq(seed, base, 2)),
                               uniform8_dq(seed, base, 3));
        nk_simd8_store(add(nk_simd8_load(x + i, lanes), mul(splat(scale), sub(sum, splat(2.0f)))), output + i, lanes);
    }
}

#define FMA_KERNEL __attribute__((target("avx2,fma"), always_inline)) static inline

/// out[r] = fma(x[k], w[r * row_stride + k * depth_stride], out[r]) from +0 over k < depth in
/// increasing order, then `+ bias[r]` when given: the rows of the planar matrix product
/// (nk_planar_gemm_*) for eight positions, all rows' chains interleaved.
FMA_KERNEL void rows_product(const __m256 *x, const float *w, ptrdiff_t row_stride, ptrdiff_t depth_stride, int rows,
                             int depth, const float *bias, __m256 *out) {
    // The chains start from zero with the first term's fused multiply-add (the same operation as
    // adding it to a zeroed accumulator); written out so that clang does not zero `out` in memory.
#pragma clang loop unroll(full) vectorize(disable) distribute(disable)
    for (int r = 0; r < rows; r++) out[r] = _mm256_fmadd_ps(x[0], splat(w[r * row_stride]), _mm256_setzero_ps());
    for (int k = 1; k < depth; k++) {
        // Unrolled so that each weight is a broadcast operand of its FMA (clang otherwise splits the
        // loop and stores the broadcasts to a table first).
#pragma clang loop unroll(full) vectorize(disable) distribute(disable)
        for (int r = 0; r < rows; r++) out[r] = _mm256_fmadd_ps(x[k], splat(w[r * row_stride + k * depth_stride]), out[r]);
    }
    if (bias) {
        for (int r = 0; r < rows; r++) out[r] = add(out[r], splat(bias[r]));
    }
}

/// Swift.max(s, 0) lane by lane: 0 where s <= 0, s otherwise (NaN kept).
KERNEL __m256 relu(__m256 s) { return pick(s, _mm256_setzero_ps(), _mm256_cmp_ps(s, _mm256_setzero_ps(), _CMP_LE_OQ)); }

/// The ReLU's backward from its output `mask`, as PointwiseMLP's copyWherePositive does it: on a full
/// vector g where mask <= 0 is false, on a partial one (its scalar tail) g where mask > 0.
KERNEL __m256 relu_backward(__m256 g, __m256 mask, int full) {
    const __m256 zero = _mm256_setzero_ps();
    return full ? pick(g, zero, _mm256_cmp_ps(mask, zero, _CMP_LE_OQ)) : pick(zero, g, greater(mask, zero));
}

/// PlaneCorrelation.addRunSums: per plane, 8-lane sums of the first 8 floor(n / 8) values, reduced
/// as ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)), then the rest added one at a time; added to sums.
KERNEL void run_sums(const float *planes, int count, ptrdiff_t n, float *sums) {
    for (int l = 0; l < count; l++) {
        const float *a = planes + l * NK_ARM_TRAIN_CHUNK;
        __m256 lanes = _mm256_setzero_ps();
        ptrdiff_t j = 0;
        for (; j + 8 <= n; j += 8) lanes = add(lanes, _mm256_loadu_ps(a + j));
        float v[8];
        _mm256_storeu_ps(v, lanes);
        float t = ((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]));
        for (; j < n; j++) t = t + a[j];
        sums[l] = sums[l] + t;
    }
}

// The rate step of eight positions (ARMTraining.rateChunk's operations): the linear branch on the
// inputs x added to the MLP's outputs (lanes past `lanes` zeroed, as when rateChunk loads them), the
// clamped log-scale and the Laplace rate. Adds the bits to *total lane by lane, writes
// scale * d bits / d value, returns the output gradients in g and stores them in the chunk's
// planes (unless g_mean_plane is NULL), adds the linear branch's weight-gradient lanes to
// linear_sums, and replaces x by the linear branch's input gradient.
FMA_KERNEL void rate_eight(const int c, __m256 *x, __m256 mlp_mean, __m256 mlp_raw, const float *values,
                           ptrdiff_t lanes, const float *linear, float scale, float log_scale_min,
                           float log_scale_max, double *total, float *grad_values, float *linear_sums,
                           float *g_mean_plane, float *g_raw_plane, __m256 g[2]) {
    const __m256 valid = _mm256_castsi256_ps(nk_simd8_mask(lanes));
    __m256 linear_mean = _mm256_setzero_ps(), linear_scale = _mm256_setzero_ps();
    for (int k = 0; k < c; k++) {
        linear_mean = add(linear_mean, mul(x[k], splat(linear[k])));
        linear_scale = add(linear_scale, mul(x[k], splat(linear[c + k])));
    }
    const __m256 mean = add(_mm256_and_ps(mlp_mean, valid), linear_mean);
    const __m256 raw = add(_mm256_and_ps(mlp_raw, valid), linear_scale);
    const __m256 below = less(raw, splat(log_scale_min)), above = greater(raw, splat(log_scale_max));
    const __m256 log_scale = pick(pick(raw, splat(log_scale_min), below), splat(log_scale_max), above);
    __m256 bits, d_value, d_log_scale;
    laplace_rate(nk_simd8_load(values, lanes), mean, log_scale, &bits, &d_value, &d_log_scale);
    g[0] = mul(splat(-scale), d_value);
    g[1] = pick(mul(splat(scale), d_log_scale), _mm256_setzero_ps(), _mm256_or_ps(below, above));
    float lane_bits[8];
    _mm256_storeu_ps(lane_bits, bits);
    for (ptrdiff_t lane = 0; lane < lanes; lane++) *total += (double)lane_bits[lane];
    nk_simd8_store(mul(splat(scale), d_value), grad_values, lanes);
    if (g_mean_plane) {
        _mm256_storeu_ps(g_mean_plane, g[0]);
        _mm256_storeu_ps(g_raw_plane, g[1]);
    }
    for (int k = 0; k < c; k++) {
        _mm256_storeu_ps(linear_sums + 8 * k, add(_mm256_loadu_ps(linear_sums + 8 * k), mul(g[0], x[k])));
        _mm256_storeu_ps(linear_sums + 8 * (c + k), add(_mm256_loadu_ps(linear_sums + 8 * (c + k)), mul(g[1], x[k])));
        x[k] = add(mul(g[0], splat(linear[k])), mul(g[1], splat(linear[c + k])));
    }
}

// The weight and bias gradients of one chunk: the correlations of PointwiseMLP's backward, layer by
// layer, on the chunk's planes (see arm_train_chunk for the layout).
FMA_KERNEL void arm_weight_gradients(const int c, ptrdiff_t n, const float *inputs, ptrdiff_t plane,
                                     const float *scratch, int avx512, float *mlp_gradients) {
    const ptrdiff_t chunk = NK_ARM_TRAIN_CHUNK;
    const float *h1 = scratch, *h2 = h1 + c * chunk, *g_out = h2 + c * chunk, *z1 = g_out + 2 * chunk, *z0 = z1 + c * chunk;
    ptrdiff_t chunk_planes[NK_ARM_TRAIN_MAX_CONTEXT], input_planes[NK_ARM_TRAIN_MAX_CONTEXT];
    for (int k = 0; k < NK_ARM_TRAIN_MAX_CONTEXT; k++) {  // the output gradient's two planes too when c = 1
        chunk_planes[k] = k * chunk;
        input_planes[k] = k * plane;
    }
    void (*correlate)(const float *, const ptrdiff_t *, ptrdiff_t, ptrdiff_t, const float *, const ptrdiff_t *, ptrdiff_t,
                      ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, float *) = avx512 ? nk_correlate_avx512 : nk_correlate_avx2;
    correlate(g_out, chunk_planes, 2, 0, h2, chunk_planes, c, 0, 1, 1, n, mlp_gradients + (2 * c * c + 2 * c));
    run_sums(g_out, 2, n, mlp_gradients + (2 * c * c + 4 * c));
    correlate(z1, chunk_planes, c, 0, h1, chunk_planes, c, 0, 1, 1, n, mlp_gradients + (c * c + c));
    run_sums(z1, c, n, mlp_gradients + (2 * c * c + c));
    correlate(z0, chunk_planes, c, 0, inputs, input_planes, c, 0, 1, 1, n, mlp_gradients);
    run_sums(z0, c, n, mlp_gradients + c * c);
}

// nk_arm_train_chunk's body on AVX2, eight positions per vector; inlined with the presets' contexts
// as constants, so that the loops unroll and the vectors stay in registers. The scratch planes (each
// NK_ARM_TRAIN_CHUNK floats): h1 (c), h2 (c), the output gradients (2), z1 (c), z0 (c).
FMA_KERNEL double arm_train_chunk(const int c, ptrdiff_t n, const float *inputs, ptrdiff_t plane, const float *values,
                                  const float *mlp, const float *linear, float scale, float log_scale_min,
                                  float log_scale_max, float *scratch, float *grad_values, float *grad_inputs,
                                  ptrdiff_t grad_plane, float *mlp_gradients, float *linear_sums) {
    // Parameters in PointwiseMLP order: w1 (c x c), b1, w2 (c x c), b2, wOut (2 x c), bOut.
    const float *w1 = mlp, *b1 = w1 + c * c, *w2 = b1 + c, *b2 = w2 + c * c, *w_out = b2 + c, *b_out = w_out + 2 * c;
    const ptrdiff_t chunk = NK_ARM_TRAIN_CHUNK;
    float *h1 = scratch, *h2 = h1 + c * chunk, *g_out = h2 + c * chunk, *z1 = g_out + 2 * chunk, *z0 = z1 + c * chunk;
    const int keep = mlp_gradients != 0;  // the planes feed only the weight gradients
    double total = 0;
    for (ptrdiff_t j = 0; j < n; j += 8) {
        const ptrdiff_t lanes = n - j < 8 ? n - j : 8;
        const int full = lanes == 8;
        __m256 x[NK_ARM_TRAIN_MAX_CONTEXT], a[NK_ARM_TRAIN_MAX_CONTEXT], b[NK_ARM_TRAIN_MAX_CONTEXT], out[2];
        for (int k = 0; k < c; k++) x[k] = nk_simd8_load(inputs + k * plane + j, lanes);
        // Forward: h1 = relu(x + W1 x + b1), h2 = relu(h1 + W2 h1 + b2), outputs Wout h2 + bOut.
        rows_product(x, w1, c, 1, c, c, b1, a);
        for (int r = 0; r < c; r++) a[r] = relu(add(x[r], a[r]));
        rows_product(a, w2, c, 1, c, c, b2, b);
        for (int r = 0; r < c; r++) b[r] = relu(add(a[r], b[r]));
        for (int r = 0; r < c && keep; r++) {
            _mm256_storeu_ps(h1 + r * chunk + j, a[r]);
            _mm256_storeu_ps(h2 + r * chunk + j, b[r]);
        }
        rows_product(b, w_out, c, 1, 2, c, b_out, out);
        __m256 g[2];
        rate_eight(c, x, out[0], out[1], values + j, lanes, linear, scale, log_scale_min, log_scale_max, &total,
                   grad_values + j, linear_sums, keep ? g_out + j : 0, g_out + chunk + j, g);
        if (!grad_inputs) continue;  // the rate alone
        // Backward: z1 = relu'(h2) Wout^T g; dh1 = z1 + W2^T z1; z0 = relu'(h1) dh1;
        // d inputs = (linear branch's, now in x, + z0) + W1^T z0.
        __m256 t[NK_ARM_TRAIN_MAX_CONTEXT];
        rows_product(g, w_out, 1, c, c, 2, 0, t);
        for (int r = 0; r < c; r++) {
            t[r] = relu_backward(t[r], b[r], full);
            if (keep) _mm256_storeu_ps(z1 + r * chunk + j, t[r]);
        }
        rows_product(t, w2, 1, c, c, c, 0, b);
        for (int r = 0; r < c; r++) {
            b[r] = relu_backward(add(t[r], b[r]), a[r], full);
            if (keep) _mm256_storeu_ps(z0 + r * chunk + j, b[r]);
        }
        rows_product(b, w1, 1, c, c, c, 0, a);
        for (int r = 0; r < c; r++) nk_simd8_store(add(add(x[r], b[r]), a[r]), grad_inputs + r * grad_plane + j, lanes);
    }
    if (mlp_gradients) arm_weight_gradients(c, n, inputs, plane, scratch, 0, mlp_gradients);
    return total;
}

#define AVX512_KERNEL __attribute__((target("avx512f,avx2,fma"), always_inline)) static inline

/// rows_product on sixteen positions.
AVX512_KERNEL void rows_product16(const __m512 *x, const float *w, ptrdiff_t row_stride, ptrdiff_t depth_stride,
                                  int rows, int depth, const float *bias, __m512 *out) {
#pragma clang loop unroll(full) vectorize(disable) distribute(disable)
    for (int r = 0; r < rows; r++) out[r] = _mm512_fmadd_ps(x[0], _mm512_set1_ps(w[r * row_stride]), _mm512_setzero_ps());
    for (int k = 1; k < depth; k++) {
#pragma clang loop unroll(full) vectorize(disable) distribute(disable)
        for (int r = 0; r < rows; r++)
            out[r] = _mm512_fmadd_ps(x[k], _mm512_set1_ps(w[r * row_stride + k * depth_stride]), out[r]);
    }
    if (bias) {
        for (int r = 0; r < rows; r++) out[r] = _mm512_add_ps(out[r], _mm512_set1_ps(bias[r]));
    }
}

/// relu on sixteen positions.
AVX512_KERNEL __m512 relu16(__m512 s) {
    return _mm512_mask_blend_ps(_mm512_cmp_ps_mask(s, _mm512_setzero_ps(), _CMP_LE_OQ), s, _mm512_setzero_ps());
}

/// relu_backward on sixteen positions, the lanes of `vector_part` with the full vectors' rule.
AVX512_KERNEL __m512 relu_backward16(__m512 g, __m512 mask, __mmask16 vector_part) {
    const __m512 zero = _mm512_setzero_ps();
    const __m512 vector_rule = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(mask, zero, _CMP_LE_OQ), g, zero);
    const __m512 tail_rule = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(mask, zero, _CMP_GT_OQ), zero, g);
    return _mm512_mask_blend_ps(vector_part, tail_rule, vector_rule);
}

AVX512_KERNEL __m256 low_half(__m512 v) { return _mm512_castps512_ps256(v); }
AVX512_KERNEL __m256 high_half(__m512 v) { return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)); }

// The rate step on sixteen positions: the same operations as the eight-lane helpers above (each
// rounded once, no fused multiply-adds), so every lane gets the same bits.
AVX512_KERNEL __m512 splat16(float v) { return _mm512_set1_ps(v); }
AVX512_KERNEL __m512 add16(__m512 a, __m512 b) { return _mm512_add_ps(a, b); }
AVX512_KERNEL __m512 sub16(__m512 a, __m512 b) { return _mm512_sub_ps(a, b); }
AVX512_KERNEL __m512 mul16(__m512 a, __m512 b) { return _mm512_mul_ps(a, b); }
AVX512_KERNEL __m512 negated16(__m512 a) {
    return _mm512_castsi512_ps(_mm512_xor_si512(_mm512_castps_si512(a), _mm512_set1_epi32((int)0x80000000)));
}
AVX512_KERNEL __m512 absolute16(__m512 x) {
    return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(x), _mm512_set1_epi32(0x7FFFFFFF)));
}
/// `where ? b : a` lane by lane.
AVX512_KERNEL __m512 pick16(__m512 a, __m512 b, __mmask16 where) { return _mm512_mask_blend_ps(where, a, b); }
AVX512_KERNEL __mmask16 less16(__m512 a, __m512 b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
AVX512_KERNEL __mmask16 greater16(__m512 a, __m512 b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }

/// rounded on sixteen lanes.
AVX512_KERNEL __m512 rounded16(__m512 x) {
    const __m512 magic = splat16(12582912.0f);
    const __m512 shifted = sub16(add16(x, magic), magic);
    return pick16(shifted, x, _mm512_cmp_ps_mask(absolute16(x), splat16(4194304.0f), _CMP_GE_OQ));
}

/// exponential on sixteen lanes.
AVX512_KERNEL __m512 exponential16(__m512 x) {
    __m512 clamped = pick16(x, splat16(-87.0f), less16(x, splat16(-87.0f)));
    clamped = pick16(clamped, splat16(88.0f), greater16(x, splat16(88.0f)));
    const __m512 n = rounded16(mul16(clamped, splat16(1.44269504f)));
    const __m512 r = add16(sub16(clamped, mul16(n, splat16(0.693359375f))), mul16(n, splat16(2.1219444e-4f)));
    __m512 p = splat16(1.98756915e-4f);
    p = add16(mul16(p, r), splat16(1.39819995e-3f));
    p = add16(mul16(p, r), splat16(8.3334519e-3f));
    p = add16(mul16(p, r), splat16(4.16657959e-2f));
    p = add16(mul16(p, r), splat16(1.66666655e-1f));
    p = add16(mul16(p, r), splat16(5.00000012e-1f));
    const __m512 mantissa = add16(add16(mul16(p, mul16(r, r)), r), splat16(1.0f));
    const __m512i biased = _mm512_sub_epi32(_mm512_castps_si512(add16(n, splat16(8388735.0f))),
                                            _mm512_set1_epi32(0x4B000000));
    return mul16(mantissa, _mm512_castsi512_ps(_mm512_slli_epi32(biased, 23)));
}

/// floored on sixteen lanes.
AVX512_KERNEL __m512 floored16(__m512 x) {
    const __m512 nearest = rounded16(x);
    return pick16(nearest, sub16(nearest, splat16(1.0f)), greater16(nearest, x));
}

/// hyperbolic_tangent on sixteen lanes.
AVX512_KERNEL __m512 hyperbolic_tangent16(__m512 x) {
    __m512 magnitude = absolute16(x);
    magnitude = pick16(magnitude, splat16(9.0f), greater16(magnitude, splat16(9.0f)));
    const __m512 e = exponential16(mul16(splat16(-2.0f), magnitude));
    __m512 result = _mm512_div_ps(sub16(splat16(1.0f), e), add16(splat16(1.0f), e));
    const __m512 x2 = mul16(magnitude, magnitude);
    __m512 series = splat16(62.0f / 2835.0f);
    series = sub16(mul16(series, x2), splat16(17.0f / 315.0f));
    series = add16(mul16(series, x2), splat16(2.0f / 15.0f));
    series = sub16(mul16(series, x2), splat16(1.0f / 3.0f));
    series = mul16(add16(mul16(series, x2), splat16(1.0f)), magnitude);
    result = pick16(result, series, less16(magnitude, splat16(0.125f)));
    return pick16(result, negated16(result), less16(x, _mm512_setzero_ps()));
}

__attribute__((target("avx512f,avx2,fma")))
void nk_soft_round_avx512(const float *x, ptrdiff_t count, float sharpness, float normaliser, float *output,
                          float *derivative) {
    for (ptrdiff_t i = 0; i < count; i += 16) {
        const __mmask16 lanes = count - i < 16 ? (__mmask16)((1u << (count - i)) - 1) : (__mmask16)0xFFFF;
        const __m512 v = _mm512_maskz_loadu_ps(lanes, x + i);
        const __m512 m = add16(floored16(v), splat16(0.5f));
        const __m512 t = hyperbolic_tangent16(mul16(splat16(sharpness), sub16(v, m)));
        _mm512_mask_storeu_ps(output + i, lanes, add16(m, mul16(splat16(normaliser), t)));
        if (derivative) _mm512_mask_storeu_ps(derivative + i, lanes, sub16(splat16(1.0f), mul16(t, t)));
    }
}

/// logarithm2 on sixteen lanes.
AVX512_KERNEL __m512 logarithm2_16(__m512 x) {
    const __m512i bits = _mm512_castps_si512(x);
    __m512i exponent = _mm512_sub_epi32(_mm512_srai_epi32(bits, 23), _mm512_set1_epi32(127));
    __m512 m = _mm512_castsi512_ps(_mm512_or_si512(_mm512_and_si512(bits, _mm512_set1_epi32(0x007FFFFF)),
                                                   _mm512_set1_epi32(0x3F800000)));
    const __mmask16 high = greater16(m, splat16(1.41421356f));
    m = pick16(m, mul16(m, splat16(0.5f)), high);
    exponent = _mm512_mask_add_epi32(exponent, high, exponent, _mm512_set1_epi32(1));
    const __m512 s = _mm512_div_ps(sub16(m, splat16(1.0f)), add16(m, splat16(1.0f)));
    const __m512 s2 = mul16(s, s);
    __m512 p = splat16(1.0f / 9.0f);
    p = add16(mul16(p, s2), splat16(1.0f / 7.0f));
    p = add16(mul16(p, s2), splat16(1.0f / 5.0f));
    p = add16(mul16(p, s2), splat16(1.0f / 3.0f));
    p = add16(mul16(p, s2), splat16(1.0f));
    const __m512 exponent_value = sub16(_mm512_castsi512_ps(_mm512_add_epi32(exponent, _mm512_set1_epi32(0x4B400000))),
                                        splat16(12582912.0f));
    return add16(exponent_value, mul16(mul16(splat16(2.0f * 1.44269504f), s), p));
}

/// laplace_rate on sixteen lanes.
AVX512_KERNEL void laplace_rate16(__m512 value, __m512 mean, __m512 log_scale, __m512 *bits, __m512 *d_value,
                                  __m512 *d_log_scale) {
    const __m512 one = splat16(1.0f), half = splat16(0.5f), zero = _mm512_setzero_ps();
    const __m512 inverse_b = _mm512_div_ps(one, exponential16(log_scale));
    const __m512 z = sub16(value, mean);
    const __m512 d = absolute16(z);
    const __m512 upper = add16(d, half), lower = sub16(d, half);
    const __m512 e_upper = exponential16(mul16(negated16(upper), inverse_b));
    const __m512 e_lower = exponential16(mul16(negated16(absolute16(lower)), inverse_b));
    __m512 probability = sub16(sub16(one, mul16(half, e_upper)), mul16(half, e_lower));
    probability = pick16(probability, mul16(half, sub16(e_lower, e_upper)), _mm512_cmp_ps_mask(lower, zero, _CMP_GE_OQ));
    const __mmask16 floored = _mm512_cmp_ps_mask(probability, splat16(1.0f / 65536.0f), _CMP_LE_OQ);
    const __m512 safe = pick16(probability, one, floored);
    const __m512 pdf_upper = mul16(mul16(half, inverse_b), e_upper), pdf_lower = mul16(mul16(half, inverse_b), e_lower);
    const __m512 d_probability = sub16(pdf_upper, pdf_lower);
    const __m512 d_probability_log_scale = add16(mul16(negated16(pdf_upper), upper), mul16(pdf_lower, lower));
    const __m512 d_bits = _mm512_div_ps(splat16(-1.0f), mul16(safe, splat16((float)0.69314718055994530942)));
    __m512 dv = mul16(d_bits, d_probability);
    dv = pick16(dv, negated16(dv), less16(z, zero));
    *bits = negated16(pick16(logarithm2_16(safe), splat16(-16.0f), floored));
    *d_value = pick16(dv, zero, floored);
    *d_log_scale = pick16(mul16(d_bits, d_probability_log_scale), zero, floored);
}

/// rate_eight on sixteen positions (`lanes` of them valid): the same values lane by lane, the bits
/// added to *total and the linear branch's weight-gradient lanes to linear_sums in the order of two
/// rate_eight calls (the first eight positions, then the rest, when there are more than eight);
/// with at most eight positions the upper half of g is zero, as the caller of rate_eight leaves it.
AVX512_KERNEL void rate_sixteen(const int c, __m512 *x, __m512 mlp_mean, __m512 mlp_raw, const float *values,
                                ptrdiff_t lanes, const float *linear, float scale, float log_scale_min,
                                float log_scale_max, double *total, float *grad_values, float *linear_sums,
                                float *g_mean_plane, float *g_raw_plane, __m512 g[2]) {
    const __mmask16 valid = (__mmask16)((1u << lanes) - 1);
    const __mmask16 computed = lanes > 8 ? (__mmask16)0xFFFF : (__mmask16)0x00FF;  // the lanes rate_eight writes
    __m512 linear_mean = _mm512_setzero_ps(), linear_scale = _mm512_setzero_ps();
    for (int k = 0; k < c; k++) {
        linear_mean = add16(linear_mean, mul16(x[k], splat16(linear[k])));
        linear_scale = add16(linear_scale, mul16(x[k], splat16(linear[c + k])));
    }
    const __m512 mean = add16(_mm512_maskz_mov_ps(valid, mlp_mean), linear_mean);
    const __m512 raw = add16(_mm512_maskz_mov_ps(valid, mlp_raw), linear_scale);
    const __mmask16 below = less16(raw, splat16(log_scale_min)), above = greater16(raw, splat16(log_scale_max));
    const __m512 log_scale = pick16(pick16(raw, splat16(log_scale_min), below), splat16(log_scale_max), above);
    __m512 bits, d_value, d_log_scale;
    laplace_rate16(_mm512_maskz_loadu_ps(valid, values), mean, log_scale, &bits, &d_value, &d_log_scale);
    g[0] = _mm512_maskz_mov_ps(computed, mul16(splat16(-scale), d_value));
    g[1] = _mm512_maskz_mov_ps(computed & (__mmask16)~(below | above), mul16(splat16(scale), d_log_scale));
    float lane_bits[16];
    _mm512_storeu_ps(lane_bits, bits);
    for (ptrdiff_t lane = 0; lane < lanes; lane++) *total += (double)lane_bits[lane];
    _mm512_mask_storeu_ps(grad_values, valid, mul16(splat16(scale), d_value));
    if (g_mean_plane) {
        _mm512_mask_storeu_ps(g_mean_plane, computed, g[0]);
        _mm512_mask_storeu_ps(g_raw_plane, computed, g[1]);
    }
    for (int k = 0; k < c; k++) {
        const __m512 mean_product = mul16(g[0], x[k]), scale_product = mul16(g[1], x[k]);
        __m256 mean_sum = add(_mm256_loadu_ps(linear_sums + 8 * k), low_half(mean_product));
        __m256 scale_sum = add(_mm256_loadu_ps(linear_sums + 8 * (c + k)), low_half(scale_product));
        if (lanes > 8) {
            mean_sum = add(mean_sum, high_half(mean_product));
            scale_sum = add(scale_sum, high_half(scale_product));
        }
        _mm256_storeu_ps(linear_sums + 8 * k, mean_sum);
        _mm256_storeu_ps(linear_sums + 8 * (c + k), scale_sum);
        x[k] = add16(mul16(g[0], splat16(linear[k])), mul16(g[1], splat16(linear[c + k])));
    }
}

// nk_arm_train_chunk's body on AVX-512F: arm_train_chunk with sixteen positions per vector for the
// MLP (the same sums per position) and the rate step on each half (eight positions at a time, in
// position order, as rateChunk does).
AVX512_KERNEL double arm_train_chunk16(const int c, ptrdiff_t n, const float *inputs, ptrdiff_t plane,
                                       const float *values, const float *mlp, const float *linear, float scale,
                                       float log_scale_min, float log_scale_max, float *scratch, float *grad_values,
                                       float *grad_inputs, ptrdiff_t grad_plane, float *mlp_gradients,
                                       float *linear_sums) {
    const float *w1 = mlp, *b1 = w1 + c * c, *w2 = b1 + c, *b2 = w2 + c * c, *w_out = b2 + c, *b_out = w_out + 2 * c;
    const ptrdiff_t chunk = NK_ARM_TRAIN_CHUNK;
    float *h1 = scratch, *h2 = h1 + c * chunk, *g_out = h2 + c * chunk, *z1 = g_out + 2 * chunk, *z0 = z1 + c * chunk;
    const ptrdiff_t vector_end = n / 8 * 8;  // PointwiseMLP's vector loops end here, scalar tails after
    const int keep = mlp_gradients != 0;  // the planes feed only the weight gradients
    double total = 0;
    for (ptrdiff_t j = 0; j < n; j += 16) {
        const ptrdiff_t lanes = n - j < 16 ? n - j : 16;
        const __mmask16 active = (__mmask16)((1u << lanes) - 1);
        const ptrdiff_t vector_lanes = vector_end - j < 0 ? 0 : vector_end - j > 16 ? 16 : vector_end - j;
        const __mmask16 vector_part = (__mmask16)((1u << vector_lanes) - 1);
        __m512 x[NK_ARM_TRAIN_MAX_CONTEXT], a[NK_ARM_TRAIN_MAX_CONTEXT], b[NK_ARM_TRAIN_MAX_CONTEXT], out[2];
        for (int k = 0; k < c; k++) x[k] = _mm512_maskz_loadu_ps(active, inputs + k * plane + j);
        rows_product16(x, w1, c, 1, c, c, b1, a);
        for (int r = 0; r < c; r++) a[r] = relu16(_mm512_add_ps(x[r], a[r]));
        rows_product16(a, w2, c, 1, c, c, b2, b);
        for (int r = 0; r < c; r++) b[r] = relu16(_mm512_add_ps(a[r], b[r]));
        for (int r = 0; r < c && keep; r++) {
            _mm512_storeu_ps(h1 + r * chunk + j, a[r]);
            _mm512_storeu_ps(h2 + r * chunk + j, b[r]);
        }
        rows_product16(b, w_out, c, 1, 2, c, b_out, out);
        __m512 g[2];
        rate_sixteen(c, x, out[0], out[1], values + j, lanes, linear, scale, log_scale_min, log_scale_max, &total,
                     grad_values + j, linear_sums, keep ? g_out + j : 0, g_out + chunk + j, g);
        if (!grad_inputs) continue;  // the rate alone
        __m512 t[NK_ARM_TRAIN_MAX_CONTEXT];
        rows_product16(g, w_out, 1, c, c, 2, 0, t);
        for (int r = 0; r < c; r++) {
            t[r] = relu_backward16(t[r], b[r], vector_part);
            if (keep) _mm512_storeu_ps(z1 + r * chunk + j, t[r]);
        }
        rows_product16(t, w2, 1, c, c, c, 0, b);
        for (int r = 0; r < c; r++) {
            b[r] = relu_backward16(_mm512_add_ps(t[r], b[r]), a[r], vector_part);
            if (keep) _mm512_storeu_ps(z0 + r * chunk + j, b[r]);
        }
        rows_product16(b, w1, 1, c, c, c, 0, a);
        for (int r = 0; r < c; r++) {
            _mm512_mask_storeu_ps(grad_inputs + r * grad_plane + j, active, _mm512_add_ps(_mm512_add_ps(x[r], b[r]), a[r]));
        }
    }
    if (mlp_gradients) arm_weight_gradients(c, n, inputs, plane, scratch, 1, mlp_gradients);
    return total;
}

#define ARM_TRAIN_CHUNK(body, c) body(c, n, inputs, plane, values, mlp, linear, scale, log_scale_min, log_scale_max, \
                                      scratch, grad_values, grad_inputs, grad_plane, mlp_gradients, linear_sums)
// The presets' contexts (DecoderComplexity) as constants, any other as a variable.
#define ARM_TRAIN_DISPATCH(body)                        \
    switch (context) {                                  \
    case 8: return ARM_TRAIN_CHUNK(body, 8);            \
    case 14: return ARM_TRAIN_CHUNK(body, 14);          \
    case 20: return ARM_TRAIN_CHUNK(body, 20);          \
    case 24: return ARM_TRAIN_CHUNK(body, 24);          \
    default: return ARM_TRAIN_CHUNK(body, context);     \
    }

__attribute__((target("avx512f,avx2,fma")))
static double arm_train_chunk_avx512(int context, ptrdiff_t n, const float *inputs, ptrdiff_t plane,
                                     const float *values, const float *mlp, const float *linear, float scale,
                                     float log_scale_min, float log_scale_max, float *scratch, float *grad_values,
                                     float *grad_inputs, ptrdiff_t grad_plane, float *mlp_gradients,
                                     float *linear_sums) {
    ARM_TRAIN_DISPATCH(arm_train_chunk16)
}

__attribute__((target("avx2,fma")))
double nk_arm_train_chunk(int avx512, int context, ptrdiff_t n, const float *inputs, ptrdiff_t plane,
                          const float *values, const float *mlp, const float *linear, float scale, float log_scale_min,
                          float log_scale_max, float *scratch, float *grad_values, float *grad_inputs,
                          ptrdiff_t grad_plane, float *mlp_gradients, float *linear_sums) {
    if (context < 1 || context > NK_ARM_TRAIN_MAX_CONTEXT || n < 1 || n > NK_ARM_TRAIN_CHUNK) return 0;
    if (avx512) {
        return arm_train_chunk_avx512(context, n, inputs, plane, values, mlp, linear, scale, log_scale_min,
                                      log_scale_max, scratch, grad_values, grad_inputs, grad_plane, mlp_gradients,
                                      linear_sums);
    }
    ARM_TRAIN_DISPATCH(arm_train_chunk)
}

#undef ARM_TRAIN_DISPATCH
#undef ARM_TRAIN_CHUNK

#else

// Never selected off x86-64 (the callers check for AVX2); defined so that every platform links.
void nk_add_gaussian_noise_avx2(const float *x, ptrdiff_t count, float scale, uint64_t seed, uint64_t offset,
                                float *output) {
    (void)x; (void)count; (void)scale; (void)seed; (void)offset; (void)output;
}

int nk_avx512dq_available(void) { return 0; }

void nk_add_gaussian_noise_avx512dq(const float *x, ptrdiff_t count, float scale, uint64_t seed, uint64_t offset,
                                    float *output) {
    (void)x; (void)count; (void)scale; (void)seed; (void)offset; (void)output;
}

void nk_soft_round_avx2(const float *x, ptrdiff_t count, float sharpness, float normaliser, float *output,
                        float *derivative) {
    (void)x; (void)count; (void)sharpness; (void)normaliser; (void)output; (void)derivative;
}

void nk_squared_errors_avx2(const float *output, const float *target, ptrdiff_t count, float scale, float *gradient,
                            double *lanes) {
    (void)output; (void)target; (void)count; (void)scale; (void)gradient; (void)lanes;
}

void nk_soft_round_avx512(const float *x, ptrdiff_t count, float sharpness, float normaliser, float *output,
                          float *derivative) {
    (void)x; (void)count; (void)sharpness; (void)normaliser; (void)output; (void)derivative;
}

void nk_soft_round_backward_avx2(const float *x, ptrdiff_t count, float sharpness, float normaliser,
                                 const float *grad_output, float *grad_input, int accumulate) {
    (void)x; (void)count; (void)sharpness; (void)normaliser; (void)grad_output; (void)grad_input; (void)accumulate;
}

double nk_arm_train_chunk(int avx512, int context, ptrdiff_t n, const float *inputs, ptrdiff_t plane,
                          const float *values, const float *mlp, const float *linear, float scale, float log_scale_min,
                          float log_scale_max, float *scratch, float *grad_values, float *grad_inputs,
                          ptrdiff_t grad_plane, float *mlp_gradients, float *linear_sums) {
    (void)avx512; (void)context; (void)n; (void)inputs; (void)plane; (void)values; (void)mlp; (void)linear;
    (void)scale; (void)log_scale_min; (void)log_scale_max; (void)scratch; (void)grad_values; (void)grad_inputs;
    (void)grad_plane; (void)mlp_gradients; (void)linear_sums;
    return 0;
}

#endif
