// Swift's SIMD8<Float> idioms on 256-bit vectors, for the C kernels that repeat Swift loops bit
// for bit (private to CNeuralKernels; x86-64 with clang only, like those kernels).
#ifndef CNEURALKERNELS_SIMD8_LANES_H
#define CNEURALKERNELS_SIMD8_LANES_H

#include <stddef.h>

#if defined(__x86_64__) && defined(__clang__)
#include <immintrin.h>

#define NK_SIMD8 __attribute__((target("avx2"), always_inline)) static inline

// The lanes below `count` (0 ... 8) as a mask.
NK_SIMD8 __m256i nk_simd8_mask(ptrdiff_t count) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32((int)count), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// VectorLanes.load: the first `count` (1 ... 8) floats at p, the other lanes zero.
NK_SIMD8 __m256 nk_simd8_load(const float *p, ptrdiff_t count) {
    return count >= 8 ? _mm256_loadu_ps(p) : _mm256_maskload_ps(p, nk_simd8_mask(count));
}

// VectorLanes.store: the first `count` (1 ... 8) lanes of v to p.
NK_SIMD8 void nk_simd8_store(__m256 v, float *p, ptrdiff_t count) {
    if (count >= 8) _mm256_storeu_ps(p, v);
    else _mm256_maskstore_ps(p, nk_simd8_mask(count), v);
}

// SIMD8<Float>.sum(): -0 + v0 + v1 + ... + v7, in lane order, each add rounded.
NK_SIMD8 float nk_simd8_sum(__m256 v) {
    float lanes[8];
    _mm256_storeu_ps(lanes, v);
    float sum = -0.0f;
    for (int i = 0; i < 8; i++) sum = sum + lanes[i];
    return sum;
}

#endif

#endif
