// AVX2 versions of element-wise training passes written in Swift on SIMD8 vectors (NeuralKernels'
// FastMath, QuantizationProxy.softRound, the overfitted codec's ARM rate): each lane does the
// operations of the Swift code, in the same order, each rounded once (no fused multiply-add, no
// reassociation), so the results are bit-identical to it. Swift's SIMD8 code runs on the baseline
// x86-64 target as pairs of 4-wide instructions; these run 8 wide.
#include "CNeuralKernels.h"

#pragma clang fp contract(off)

#if defined(__x86_64__) && defined(__clang__)
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

/// Loads `lanes` (1...8) floats, the other lanes 0 (VectorLanes.load).
KERNEL __m256 load(const float *p, ptrdiff_t lanes) {
    if (lanes >= 8) return _mm256_loadu_ps(p);
    float buffer[8] = {0};
    for (ptrdiff_t i = 0; i < lanes; i++) buffer[i] = p[i];
    return _mm256_loadu_ps(buffer);
}

/// Stores `lanes` (1...8) floats (VectorLanes.store).
KERNEL void store(__m256 v, float *p, ptrdiff_t lanes) {
    if (lanes >= 8) {
        _mm256_storeu_ps(p, v);
        return;
    }
    float buffer[8];
    _mm256_storeu_ps(buffer, v);
    for (ptrdiff_t i = 0; i < lanes; i++) p[i] = buffer[i];
}

__attribute__((target("avx2")))
void nk_soft_round_avx2(const float *x, ptrdiff_t count, float sharpness, float normaliser, float *output) {
    for (ptrdiff_t i = 0; i < count; i += 8) {
        const ptrdiff_t lanes = count - i < 8 ? count - i : 8;
        const __m256 v = load(x + i, lanes);
        const __m256 m = add(floored(v), splat(0.5f));
        store(add(m, mul(splat(normaliser), hyperbolic_tangent(mul(splat(sharpness), sub(v, m))))), output + i, lanes);
    }
}

__attribute__((target("avx2")))
void nk_soft_round_backward_avx2(const float *x, ptrdiff_t count, float sharpness, float normaliser,
                                 const float *grad_output, float *grad_input, int accumulate) {
    for (ptrdiff_t i = 0; i < count; i += 8) {
        const ptrdiff_t lanes = count - i < 8 ? count - i : 8;
        const __m256 v = load(x + i, lanes);
        const __m256 m = add(floored(v), splat(0.5f));
        const __m256 t = hyperbolic_tangent(mul(splat(sharpness), sub(v, m)));
        __m256 d = mul(mul(load(grad_output + i, lanes), splat(normaliser)), sub(splat(1.0f), mul(t, t)));
        if (accumulate) d = add(d, load(grad_input + i, lanes));
        store(d, grad_input + i, lanes);
    }
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

__attribute__((target("avx2")))
double nk_arm_rate_avx2(ptrdiff_t n, int context, const float *inputs, ptrdiff_t plane, const float *weights,
                        const float *mean_outputs, const float *raw_outputs, const float *values, float scale,
                        float log_scale_min, float log_scale_max, float *grad_values, float *grad_means,
                        float *grad_raws, float *grad_inputs, float *sums) {
    const int c = context;
    double total = 0;
    for (ptrdiff_t j = 0; j < n; j += 8) {
        const ptrdiff_t lanes = n - j < 8 ? n - j : 8;
        __m256 linear_mean = _mm256_setzero_ps(), linear_scale = _mm256_setzero_ps();
        for (int k = 0; k < c; k++) {
            const __m256 x = load(inputs + k * plane + j, lanes);
            linear_mean = add(linear_mean, mul(x, splat(weights[k])));
            linear_scale = add(linear_scale, mul(x, splat(weights[c + k])));
        }
        const __m256 mean = add(load(mean_outputs + j, lanes), linear_mean);
        const __m256 raw = add(load(raw_outputs + j, lanes), linear_scale);
        const __m256 below = less(raw, splat(log_scale_min)), above = greater(raw, splat(log_scale_max));
        const __m256 log_scale = pick(pick(raw, splat(log_scale_min), below), splat(log_scale_max), above);
        __m256 bits, d_value, d_log_scale;
        laplace_rate(load(values + j, lanes), mean, log_scale, &bits, &d_value, &d_log_scale);
        const __m256 g_mean = mul(splat(-scale), d_value);
        const __m256 g_log_scale = pick(mul(splat(scale), d_log_scale), _mm256_setzero_ps(), _mm256_or_ps(below, above));
        float lane_bits[8];
        _mm256_storeu_ps(lane_bits, bits);
        for (ptrdiff_t lane = 0; lane < lanes; lane++) total += (double)lane_bits[lane];
        store(mul(splat(scale), d_value), grad_values + j, lanes);
        store(g_mean, grad_means + j, lanes);
        store(g_log_scale, grad_raws + j, lanes);
        for (int k = 0; k < c; k++) {
            const __m256 x = load(inputs + k * plane + j, lanes);
            _mm256_storeu_ps(sums + 8 * k, add(_mm256_loadu_ps(sums + 8 * k), mul(g_mean, x)));
            _mm256_storeu_ps(sums + 8 * (c + k), add(_mm256_loadu_ps(sums + 8 * (c + k)), mul(g_log_scale, x)));
            store(add(mul(g_mean, splat(weights[k])), mul(g_log_scale, splat(weights[c + k]))), grad_inputs + k * plane + j, lanes);
        }
    }
    return total;
}

#else

// Never selected off x86-64 (the callers check for AVX2); defined so that every platform links.
void nk_soft_round_avx2(const float *x, ptrdiff_t count, float sharpness, float normaliser, float *output) {
    (void)x; (void)count; (void)sharpness; (void)normaliser; (void)output;
}

void nk_soft_round_backward_avx2(const float *x, ptrdiff_t count, float sharpness, float normaliser,
                                 const float *grad_output, float *grad_input, int accumulate) {
    (void)x; (void)count; (void)sharpness; (void)normaliser; (void)grad_output; (void)grad_input; (void)accumulate;
}

double nk_arm_rate_avx2(ptrdiff_t n, int context, const float *inputs, ptrdiff_t plane, const float *weights,
                        const float *mean_outputs, const float *raw_outputs, const float *values, float scale,
                        float log_scale_min, float log_scale_max, float *grad_values, float *grad_means,
                        float *grad_raws, float *grad_inputs, float *sums) {
    (void)n; (void)context; (void)inputs; (void)plane; (void)weights; (void)mean_outputs; (void)raw_outputs;
    (void)values; (void)scale; (void)log_scale_min; (void)log_scale_max; (void)grad_values; (void)grad_means;
    (void)grad_raws; (void)grad_inputs; (void)sums;
    return 0;
}

#endif
