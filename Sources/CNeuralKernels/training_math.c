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

#else

// Never selected off x86-64 (the callers check for AVX2); defined so that every platform links.
void nk_soft_round_avx2(const float *x, ptrdiff_t count, float sharpness, float normaliser, float *output) {
    (void)x; (void)count; (void)sharpness; (void)normaliser; (void)output;
}

void nk_soft_round_backward_avx2(const float *x, ptrdiff_t count, float sharpness, float normaliser,
                                 const float *grad_output, float *grad_input, int accumulate) {
    (void)x; (void)count; (void)sharpness; (void)normaliser; (void)grad_output; (void)grad_input; (void)accumulate;
}

#endif
