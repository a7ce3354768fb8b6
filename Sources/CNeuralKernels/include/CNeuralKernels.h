// The hot loops of NeuralKernels (the planar matrix product, the weight-gradient correlation and
// the Winograd weight gradient's row products) at three levels: portable C, AVX2 + FMA, AVX-512F,
// the wide ones selected at run time. Every level accumulates each product with a fused
// multiply-add (one rounding) and takes the terms in the same order, so all levels give
// bit-identical results on every machine.
#ifndef CNEURALKERNELS_H
#define CNEURALKERNELS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// 1 when the CPU and OS support AVX2 and FMA (256-bit vectors), 0 otherwise or off x86-64.
int nk_avx2_available(void);

/// 1 when, in addition, the CPU and OS support AVX-512F (512-bit vectors), 0 otherwise.
int nk_avx512_available(void);

/// A hint to the CPU that the caller is spinning on a memory location (x86 `pause`, ARM `yield`).
static inline void nk_spin_pause(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield");
#endif
}

/// Rows per packed block of the matrix-product kernels.
enum { NK_GEMM_BLOCK_ROWS = 6 };

/// C[o * ldc + p] (+)= relu?(bias[o] + sum_k A[o, k] * B(k, p)) for rows in blocks [block_begin, block_end)
/// and columns [column_begin, column_end), where B(k, p) = b[offsets[k] + p * column_stride] and A is
/// packed in blocks of 6 rows: packed[(block * depth + k) * 6 + r] (rows beyond `rows` zero). Each
/// sum starts at 0 and runs in increasing k as s = fma(B, A, s); then + bias, then max(0, .) if relu,
/// then C_old + value if accumulate.
void nk_planar_gemm_portable(const float *packed, ptrdiff_t rows, ptrdiff_t depth, const ptrdiff_t *offsets,
                             const float *b, ptrdiff_t column_stride, float *c, ptrdiff_t ldc, const float *bias,
                             ptrdiff_t column_begin, ptrdiff_t column_end, ptrdiff_t block_begin,
                             ptrdiff_t block_end, int accumulate, int relu);

/// nk_planar_gemm_portable on AVX2 + FMA (same results bit for bit).
void nk_planar_gemm_avx2(const float *packed, ptrdiff_t rows, ptrdiff_t depth, const ptrdiff_t *offsets,
                         const float *b, ptrdiff_t column_stride, float *c, ptrdiff_t ldc, const float *bias,
                         ptrdiff_t column_begin, ptrdiff_t column_end, ptrdiff_t block_begin,
                         ptrdiff_t block_end, int accumulate, int relu);

/// nk_planar_gemm_portable on AVX-512F (same results bit for bit).
void nk_planar_gemm_avx512(const float *packed, ptrdiff_t rows, ptrdiff_t depth, const ptrdiff_t *offsets,
                           const float *b, ptrdiff_t column_stride, float *c, ptrdiff_t ldc, const float *bias,
                           ptrdiff_t column_begin, ptrdiff_t column_end, ptrdiff_t block_begin,
                           ptrdiff_t block_end, int accumulate, int relu);

/// sums[l * right_count + r] += sum over y < rows, j < n of
/// left[left_offsets[l] + y * left_row_stride + j] * right[right_offsets[r] + y * right_row_stride + j * right_stride].
/// Order: 16 lane sums take the terms j < 16 * floor(n / 16) (lane = j mod 16), rows in order; a
/// scalar sum takes the other terms, rows in order; every term is added with s = fma(left, right, s).
/// With m_i = lane_i + lane_(i+8), the result is ((m0 + m4) + (m2 + m6)) + ((m1 + m5) + (m3 + m7)) + scalar.
void nk_correlate_portable(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                           ptrdiff_t left_row_stride, const float *right, const ptrdiff_t *right_offsets,
                           ptrdiff_t right_count, ptrdiff_t right_row_stride, ptrdiff_t right_stride,
                           ptrdiff_t rows, ptrdiff_t n, float *sums);

/// nk_correlate_portable on AVX2 + FMA (same order, same results bit for bit).
void nk_correlate_avx2(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                       ptrdiff_t left_row_stride, const float *right, const ptrdiff_t *right_offsets,
                       ptrdiff_t right_count, ptrdiff_t right_row_stride, ptrdiff_t right_stride,
                       ptrdiff_t rows, ptrdiff_t n, float *sums);

/// nk_correlate_portable on AVX-512F (same order, same results bit for bit).
void nk_correlate_avx512(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                         ptrdiff_t left_row_stride, const float *right, const ptrdiff_t *right_offsets,
                         ptrdiff_t right_count, ptrdiff_t right_row_stride, ptrdiff_t right_stride,
                         ptrdiff_t rows, ptrdiff_t n, float *sums);

/// sums[l * right_count + r] += sum over j < n of left[left_offsets[l] + j] * right[right_offsets[r] + j]
/// (the transformed-domain products of the Winograd weight gradient). Order: 8 lane sums take the
/// terms j < 8 * floor(n / 8) (lane = j mod 8), a scalar sum the others, each term added with
/// s = fma(left, right, s); the result is ((l0 + l4) + (l2 + l6)) + ((l1 + l5) + (l3 + l7)) + scalar.
void nk_row_products_portable(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                              const float *right, const ptrdiff_t *right_offsets, ptrdiff_t right_count,
                              ptrdiff_t n, float *sums);

/// nk_row_products_portable on AVX2 + FMA (same order, same results bit for bit).
void nk_row_products_avx2(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                          const float *right, const ptrdiff_t *right_offsets, ptrdiff_t right_count,
                          ptrdiff_t n, float *sums);

/// nk_row_products_portable for the AVX-512 level: the AVX2 kernel (its 8 lanes are one ymm register).
void nk_row_products_avx512(const float *left, const ptrdiff_t *left_offsets, ptrdiff_t left_count,
                            const float *right, const ptrdiff_t *right_offsets, ptrdiff_t right_count,
                            ptrdiff_t n, float *sums);

/// One position of a fixed-point residual MLP (the codec's entropy model) on 256-bit vectors, in
/// wrapping Int64 arithmetic: h1 = max(x + ((W1 x + 2^15) >> 16) + b1, 0), h2 likewise from h1 with
/// W2, b2, then sums[k] = sum_i w_out[k][i] * h2[i] + w_linear[k][i] * x[i] for k = 0, 1
/// (>> is arithmetic). `packed` holds, with P = 4 * ceil(context / 4) and zero padding:
/// W1 transposed (`[i * P + o]`, context x P), W2 transposed, w_out (2 x P), w_linear (2 x P), b1 (P),
/// b2 (P). `input` holds P values (zero beyond `context`); `scratch` 2 * P. Every weight must be in
/// the Int32 range (products are 32 x 32 -> 64-bit). Returns 1 with `sums` set when every input and
/// hidden activation is in the Int32 range (then each product is exact and the result equals the
/// Int64 computation bit for bit); returns 0, leaving `sums` unspecified, when one is not, when
/// `context` is outside 1...40, or off x86-64.
int nk_fixed_residual_mlp_avx2(const int64_t *packed, int context, const int64_t *input, int64_t *scratch,
                               int64_t *sums);

/// nk_fixed_residual_mlp_avx2 for `count` positions: inputs `inputs + n * P`, sums written to
/// `sums[2n]`, `sums[2n + 1]`, and `done[n]` = its return value (0 everywhere off x86-64).
/// When `latents` is not NULL, the caller guarantees `inputs[n * P + i] == latents[n * P8 + i] * 2^16`
/// (P8 = 8 * ceil(context / 8), zero padding) and `w1_narrow` holds W1 transposed as Int32
/// (`[i * P8 + o]`) with sum_i |W1[o][i]| * 64 < 2^31 for every row; then a position whose latents
/// all lie in -64...64 computes layer 1 with 32-bit products (exact under those bounds, same result).
void nk_fixed_residual_mlp_batch_avx2(const int64_t *packed, int context, const int64_t *inputs,
                                      const int32_t *w1_narrow, const int32_t *latents, ptrdiff_t count,
                                      int64_t *scratch, int64_t *sums, uint8_t *done);

/// Largest context of nk_arm_narrow_avx512.
enum { NK_ARM_NARROW_MAX_CONTEXT = 40 };

/// 1 when the CPU and OS support AVX-512F and AVX-512BW, 0 otherwise.
int nk_avx512bw_available(void);

/// The entropy model (ARM) of the overfitted decoder for `count` positions, 16 at a time in 32-bit
/// lanes (AVX-512F and BW). Position n reads the latents lat[i] = grid[n * stride + offsets[i]],
/// i < context. With packed = w1 (context x context, row-major) | b1 | w2 | b2 | w_out (2 x context) |
/// w_linear (2 x context) | w1_pairs | w2_pairs | linear_pairs and shifts = {input, hidden, round, sum,
/// linear, layer-1 pairs, layer-2 pairs, linear pairs}, in 32-bit arithmetic:
///   h1[o] = max((lat[o] << input) + b1[o] + sum_i w1[o][i] lat[i], 0)
///   h2[o] = max((h1[o] << hidden) + ((2^(round-1) [if round > 0] + sum_i w2[o][i] h1[i]) >> round) + b2[o], 0)
/// and sums[2n + k] = ((sum_i w_out[k][i] h2[i]) << sum) + ((sum_i w_linear[k][i] lat[i]) << linear)
/// in wrapping Int64. When the layer-1 (layer-2, linear) pairs flag is set, w1_pairs (w2_pairs,
/// linear_pairs, 2 rows) holds, per row o and pair p < ceil(context / 2), w[o][2p] in the low and
/// w[o][2p + 1] (0 past the end) in the high 16 bits, none of them -2^15: the layer then multiplies
/// 16-bit pairs (layer 2 only for batches whose h1 fits in Int16), with the same results. The products w_out[k][i] h2[i] are 64-bit; for
/// the rest, the caller guarantees that no 32-bit partial sum overflows when every latent is in
/// -64...64. Returns 0 (sums incomplete) if a latent is outside, or off x86-64, else 1.
int nk_arm_narrow_avx512(const int32_t *packed, int context, const int32_t *shifts, const int32_t *grid,
                         const int32_t *offsets, ptrdiff_t stride, ptrdiff_t count, int64_t *sums);

/// nk_arm_narrow_avx512 on AVX2 (8 positions per 256-bit vector), with the same contract and results.
/// Needs AVX2 (the caller checks).
int nk_arm_narrow_avx2(const int32_t *packed, int context, const int32_t *shifts, const int32_t *grid,
                       const int32_t *offsets, ptrdiff_t stride, ptrdiff_t count, int64_t *sums);

/// FixedPointARM's last step for `count` positions: from the output sums `sums[2n]`, `sums[2n + 1]` (as
/// nk_arm_narrow_avx2 writes them), o = ((s + 2^15) >> 16) + bias (wrapping, arithmetic shift), clamped
/// to +-2^40, then (o + 128) >> 8 clamped to -2^20...2^20 into means[n] and to
/// log_scale_min...log_scale_max into log_scales[n]. On x86-64 it needs AVX2 (the caller checks);
/// elsewhere the same integer steps run one position at a time, with the same values.
void nk_arm_finish(const int64_t *sums, ptrdiff_t count, int64_t mean_bias, int64_t scale_bias, int32_t log_scale_min,
                   int32_t log_scale_max, int32_t *means, int32_t *log_scales);

/// nk_arm_finish on AVX-512F, eight positions per iteration (the same values). Needs AVX-512F (the
/// caller checks).
void nk_arm_finish_avx512(const int64_t *sums, ptrdiff_t count, int64_t mean_bias, int64_t scale_bias,
                          int32_t log_scale_min, int32_t log_scale_max, int32_t *means, int32_t *log_scales);

/// The overfitted codec's x2 up-sampling of each row of a width x height plane to target_width
/// columns (2 width - 1 or 2 width), with the symmetric kernel k = kernel[0...3]: output 2i reads
/// source i + (-2, -1, 0, 1) with weights (k3, k1, k0, k2), output 2i + 1 reads i + (-1, 0, 1, 2) with
/// (k2, k0, k1, k3). When all four indices are inside: ((w0 s0 + w1 s1) + w2 s2) + w3 s3; otherwise,
/// indices clamped to the row, 0 + w0 s0, then + w1 s1, ... Products and sums rounded separately.
/// Needs AVX-512F (the caller checks); does nothing off x86-64.
void nk_upsample_rows_avx512(const float *source, ptrdiff_t width, ptrdiff_t height, ptrdiff_t target_width,
                             const float *kernel, float *destination);

/// The same filter down the columns of a width x height plane to target_height rows: output row y is
/// 0 + s0 w0, then + s1 w1, ... over its four source rows (indices clamped to the plane).
void nk_upsample_columns_avx512(const float *source, ptrdiff_t width, ptrdiff_t height, ptrdiff_t target_height,
                                const float *kernel, float *destination);

/// nk_upsample_rows_avx512 on AVX2 (same operations, same results). Needs AVX2 (the caller checks).
void nk_upsample_rows_avx2(const float *source, ptrdiff_t width, ptrdiff_t height, ptrdiff_t target_width,
                           const float *kernel, float *destination);

/// The overfitted codec's pre-concatenation filter, row pass, for rows row_begin ..< row_end of a
/// plane `width` wide: out[y][x] = 0 + g[y][x-3] w(-3) + ... + g[y][x+3] w(3) in tap order, taps
/// outside the row skipped, w(t) = kernel[|t|]. Needs AVX-512F (the caller checks).
void nk_prefilter_rows_avx512(const float *grid, ptrdiff_t width, ptrdiff_t row_begin, ptrdiff_t row_end,
                              const float *kernel, float *out);

/// Its column pass: out[y][x] = base[y][x] + s, s = 0 + p[y-3][x] w(-3) + ... + p[y+3][x] w(3) with
/// rows outside the plane (height rows) skipped; out[y][x] = s when base is NULL. Needs AVX-512F (the
/// caller checks).
void nk_prefilter_columns_avx512(const float *plane, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin,
                                 ptrdiff_t row_end, const float *kernel, const float *base, float *out);

/// nk_upsample_columns_avx512 on AVX2 (same operations, same results). Needs AVX2 (the caller checks).
void nk_upsample_columns_avx2(const float *source, ptrdiff_t width, ptrdiff_t height, ptrdiff_t target_height,
                              const float *kernel, float *destination);

/// Largest channel count of nk_residual3x3_avx512.
enum { NK_RESIDUAL_MAX_CHANNELS = 4 };

/// Rows [row_begin, row_end) of the overfitted synthesis' 3x3 residual layer on k planes of
/// width x height (plane o at input + o * width * height): output = x + bias[o] + sum over input
/// channel i, ky, kx (in that order) of input[i][y + ky - 1][x + kx - 1] * weights[((o k + i) 3 + ky) 3 + kx],
/// taps outside the image skipped, each product and sum rounded separately (no fused multiply-add).
/// Needs AVX-512F (the caller checks); does nothing off x86-64 or when k is outside 1...4.
void nk_residual3x3_avx512(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin, ptrdiff_t row_end,
                           const float *weights, const float *bias, const float *input, float *output);

/// nk_residual3x3_avx512 on AVX2, 8 samples per vector (same operations, same results). Needs AVX2
/// (the caller checks); does nothing off x86-64 or when k is outside 1...4.
void nk_residual3x3_avx2(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin, ptrdiff_t row_end,
                         const float *weights, const float *bias, const float *input, float *output);

/// Largest input and output counts of nk_synthesis_pointwise_avx2.
enum { NK_POINTWISE_MAX_INPUTS = 7, NK_POINTWISE_MAX_OUTPUTS = 3 };

/// The overfitted synthesis' 1x1 part on pixels [begin, end) of `inputs` feature planes (plane i at
/// features + i * plane), `outputs` planes written at output + o * plane:
/// h[r] = relu(b1[r] + sum_i x[i] w1[r][i]), y[o] = b2[o] + sum_r h[r] w2[o][r], each sum from 0 by
/// fused multiply-add in increasing index with the bias added after it (the planar matrix product's
/// order), then y[o] = y[o] + x[i] * s[o][i] for i in increasing order, unfused (the linear branch).
/// `packed` holds every value as 8 equal floats: for each hidden r, w1[r][0 ..< inputs], b1[r],
/// w2[0 ..< outputs][r]; then b2[0 ..< outputs]; then s[o][i] (o-major). Needs AVX2 + FMA (the caller
/// checks); does nothing off x86-64 or when the counts are outside 1...NK_POINTWISE_MAX_*.
/// Unless `signs` is NULL, it also records which h[r] are positive, one bit per pixel: bit p % 8 of
/// signs[p / 8 * hidden + r] (the bits of the pixels past `end` in its last byte are meaningless);
/// `begin` must then be a multiple of 8, or nothing is done.
void nk_synthesis_pointwise_avx2(int inputs, int outputs, ptrdiff_t hidden, const float *packed,
                                 const float *features, ptrdiff_t plane, ptrdiff_t begin, ptrdiff_t end,
                                 float *output, uint8_t *signs);

/// nk_synthesis_pointwise_avx2 on AVX-512F, 16 pixels per vector (each weight read from the first
/// of its 8 copies): the same contract and results, signs included. Needs AVX-512F (the caller checks).
void nk_synthesis_pointwise_avx512(int inputs, int outputs, ptrdiff_t hidden, const float *packed,
                                   const float *features, ptrdiff_t plane, ptrdiff_t begin, ptrdiff_t end,
                                   float *output, uint8_t *signs);

/// The backward of a ReLU whose mask is packed as nk_synthesis_pointwise_avx2's signs: target[j] =
/// source[j] where bit j % 8 of bits[j / 8 * bit_stride] is set, else +0, for j < count. Needs AVX2
/// (the caller checks; the signs exist only where that kernel ran); does nothing off x86-64.
void nk_copy_where_bits_avx2(const float *source, const uint8_t *bits, ptrdiff_t bit_stride, float *target,
                             ptrdiff_t count);

/// QuantizationProxy.softRound in AVX2, bit-identical to the Swift code: output[i] = m + normaliser *
/// tanh(sharpness * (x[i] - m)) with m = floor(x[i]) + 1/2 (FastMath's tanh and floor), and unless
/// derivative is NULL derivative[i] = 1 - t^2 with t that tanh. May run in place. Needs AVX2 (the
/// caller checks); does nothing off x86-64.
void nk_soft_round_avx2(const float *x, ptrdiff_t count, float sharpness, float normaliser, float *output,
                        float *derivative);

/// The overfitted codec's loss pass on AVX2, bit-identical to its Swift loop: for each position
/// d = clamp(output[i], 0, 1) - target[i]; lanes[i % 8] += (double)d * (double)d (positions counted
/// from `output`); unless gradient is NULL, gradient[i] = scale * d where 0 < output[i] < 1, else 0.
/// Needs AVX2; does nothing off x86-64.
void nk_squared_errors_avx2(const float *output, const float *target, ptrdiff_t count, float scale, float *gradient,
                            double *lanes);

/// nk_soft_round_avx2 sixteen positions per vector on AVX-512F, with the same values. Needs AVX-512F.
void nk_soft_round_avx512(const float *x, ptrdiff_t count, float sharpness, float normaliser, float *output,
                          float *derivative);

/// QuantizationProxy.softRoundBackward in AVX2, bit-identical to the Swift code: grad_input[i] (+)=
/// grad_output[i] * normaliser * (1 - t^2), t = tanh(sharpness * (x[i] - m)). Needs AVX2; does nothing
/// off x86-64.
void nk_soft_round_backward_avx2(const float *x, ptrdiff_t count, float sharpness, float normaliser,
                                 const float *grad_output, float *grad_input, int accumulate);

/// QuantizationProxy.addGaussianNoise on AVX2, bit-identical to the Swift code: output[i] = x[i] +
/// scale * (((u0 + u1) + u2) + u3 - 2), u_k = QuantizationProxy.uniform(seed, 4 (offset + i) + k)
/// (SplitMix64's finaliser, 24 bits). Needs AVX2 (the caller checks); does nothing off x86-64.
void nk_add_gaussian_noise_avx2(const float *x, ptrdiff_t count, float scale, uint64_t seed, uint64_t offset,
                                float *output);

/// 1 when the CPU and OS support AVX-512F and AVX-512DQ (64-bit vector products), else 0.
int nk_avx512dq_available(void);

/// nk_add_gaussian_noise_avx2 with AVX-512DQ's 64-bit products (same results). Needs AVX-512F and DQ
/// (the caller checks); does nothing off x86-64.
void nk_add_gaussian_noise_avx512dq(const float *x, ptrdiff_t count, float scale, uint64_t seed, uint64_t offset,
                                    float *output);

/// Positions per call of nk_arm_train_chunk (at most), and its largest context.
enum { NK_ARM_TRAIN_CHUNK = 256, NK_ARM_TRAIN_MAX_CONTEXT = 40 };

/// One chunk of the overfitted codec's ARM training pass (its Swift form: PointwiseMLP.train with
/// ARMTraining.rateChunk as the loss), bit-identical to it: for n <= NK_ARM_TRAIN_CHUNK positions with
/// `context` inputs (inputs + k * plane), the residual MLP forward (nk_planar_gemm's sums, 8 or, with
/// `avx512` non-zero, 16 positions per vector), the linear branch and Laplace rate (LaplaceRate.eight's
/// operations, 8 positions at a time; the linear branch's weight-gradient lanes added to linear_sums,
/// 2 x context x 8 floats), the backward to the inputs (written to grad_inputs + k * grad_plane) and
/// to scale * d bits / d value (grad_values), and the weight and bias gradients added to
/// mlp_gradients (PointwiseMLP's parameter order, by nk_correlate_avx512 or nk_correlate_avx2 and
/// addRunSums' order; none when mlp_gradients is NULL, for a chunk the weight gradient skips). With
/// grad_inputs NULL (and mlp_gradients NULL) the backward is skipped: the rate alone, the same bits.
/// `mlp`: w1, b1, w2, b2, wOut, bOut; `linear`: the mean row then the log-scale row. `scratch`
/// holds (4 context + 2) x NK_ARM_TRAIN_CHUNK floats. Returns the bits, summed in position order in
/// double. Needs AVX2 + FMA, and AVX-512F when `avx512` is non-zero (the caller
/// checks); returns 0 off x86-64 or when context or n is out of range.
double nk_arm_train_chunk(int avx512, int context, ptrdiff_t n, const float *inputs, ptrdiff_t plane,
                          const float *values, const float *mlp, const float *linear, float scale, float log_scale_min,
                          float log_scale_max, float *scratch, float *grad_values, float *grad_inputs,
                          ptrdiff_t grad_plane, float *mlp_gradients, float *linear_sums);

/// The overfitted decoder's output samples: destination[i] = 0 if source[i] is NaN, else with
/// x = clamp(source[i], 0, 1) * max_value and t = (float)(int32_t)x (truncated),
/// (x - t >= 1/2 ? t + 1 : t) / max_value (each operation rounded once; x is in [0, 2^23)).
/// Needs AVX2 (the caller checks); does nothing off x86-64.
void nk_quantize_samples_avx2(const float *source, ptrdiff_t count, float max_value, float *destination);

/// Raises glibc's mmap and trim thresholds so that freed multi-megabyte buffers are reused
/// instead of being returned to the kernel and page-faulted in again. Returns 1 when applied,
/// 0 where the C library is not glibc (then nothing changes).
int nk_keep_freed_memory_for_reuse(void);

/// After nk_keep_freed_memory_for_reuse: extends the heap by `bytes` (untouched) and advises the
/// kernel to back that range with 2 MiB pages, so large buffers allocated there fault once per
/// 2 MiB instead of once per 4 KiB. Returns 1 when applied, 0 otherwise (then nothing changes).
int nk_prefer_huge_pages_on_heap(size_t bytes);

/// The input transform of the Winograd F(2x2, 3x3) convolution on AVX2 (NeuralKernels'
/// WinogradConvolution; off x86-64 a scalar loop): for each channel i < channels and tile k < tiles,
/// v[(p * channels + i) * channel_stride + k] = (B^T d B)_p, p = 4 a + b, where d is the 4 x 4 tile
/// of rows first_row .. first_row + 3 and columns 2 k - left .. 2 k - left + 3 of the plane
/// source + i * plane_stride (rows row_stride apart), samples outside rows [0, height) and columns
/// [0, width) reading as zero. Rows of B^T d first (d0 - d2, d1 + d2, d2 - d1, d1 - d3), then the
/// same on the columns: the Swift transform's operations, so the same results bit for bit.
void nk_winograd_input_avx2(const float *source, ptrdiff_t plane_stride, ptrdiff_t row_stride, ptrdiff_t channels,
                            ptrdiff_t first_row, ptrdiff_t height, ptrdiff_t left, ptrdiff_t width, ptrdiff_t tiles,
                            float *v, ptrdiff_t channel_stride);

/// The output-gradient transform of the Winograd weight gradient on AVX2 (off x86-64 a scalar
/// loop): m[(p * channels + o) * channel_stride + k] = (A dy A^T)_p for the 2 x 2 tiles dy of rows
/// first_row, first_row + 1 (the second zero when at or beyond `height`) and columns 2 k, 2 k + 1
/// (zero at or beyond `width`) of the plane source + o * plane_stride. Rows of A dy first (y0,
/// y0 + y1, y0 - y1, -y1; a column beyond `width` gives +0 in all four), then E, E + O, E - O, -O on
/// the columns, as the Swift transform does.
void nk_winograd_gradient_avx2(const float *source, ptrdiff_t plane_stride, ptrdiff_t row_stride,
                               ptrdiff_t channels, ptrdiff_t first_row, ptrdiff_t height, ptrdiff_t width,
                               ptrdiff_t tiles, float *m, ptrdiff_t channel_stride);

/// The weight and bias gradients of the overfitted synthesis' 3x3 residual layer (Synthesis.residualBackward)
/// from rows [row_begin, row_end) of the output gradient `grad` and the layer input `input` (k planes
/// of width x height each), added to gradients[0 ..< 9 k k] (entry ((o k + i) 3 + ky) 3 + kx) and
/// gradients[9 k k ..< 9 k k + k] (biases). Row by row, each entry gets one dot product formed as
/// the Swift loop forms it (unfused, four interleaved 8-lane accumulators, 8-lane steps, scalar tail),
/// so the results are the portable path's bit for bit. Needs AVX-512F (the caller checks); does
/// nothing off x86-64.
void nk_residual3x3_weight_gradient_avx512(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin,
                                           ptrdiff_t row_end, const float *grad, const float *input, float *gradients);

/// nk_residual3x3_weight_gradient_avx512 on AVX2 (same operations, same results). Needs AVX2 (the
/// caller checks); does nothing off x86-64.
void nk_residual3x3_weight_gradient_avx2(int k, ptrdiff_t width, ptrdiff_t height, ptrdiff_t row_begin,
                                         ptrdiff_t row_end, const float *grad, const float *input, float *gradients);

/// Largest output count of nk_synthesis_linear_backward_avx2.
enum { NK_LINEAR_BACKWARD_MAX_OUTPUTS = 4 };

/// The backward of the overfitted synthesis' linear branch (Synthesis.linearBranchBackward) on
/// pixels [begin, end) of planes `plane` apart: for each input i, in 8-pixel steps (the last one
/// partial, its missing lanes zero), grad_features[i] = grad_features[i] + grad[o] * s[o][i] for o
/// in increasing order, and lanes[o] = lanes[o] + grad[o] * features[i]; then sums[o * inputs + i]
/// = the 8 lanes added in order in double from 0. Unfused, so the Swift loop's results bit for bit.
/// Needs AVX2 (the caller checks); does nothing off x86-64 or when outputs is outside
/// 1...NK_LINEAR_BACKWARD_MAX_OUTPUTS.
void nk_synthesis_linear_backward_avx2(int inputs, int outputs, ptrdiff_t plane, ptrdiff_t begin, ptrdiff_t end,
                                       const float *s, const float *grad, const float *features,
                                       float *grad_features, double *sums);
/// The overfitted codec's up-sampler, backward of its column pass (Swift: Upsampler.filterColumnsBackward),
/// bit-identical to the Swift loops. grad is width x target_height, rows (the pass's input) width x
/// height; destination (width x height, all overwritten) gets, from zero, for each output row y and
/// tap t in order, + kernel[c] * grad row y on the tap's source row (clamped; c its kernel value
/// index, as nk_upsample_columns_avx512), and grad_kernel[c] += the dot product of grad row y and that
/// row of `rows` (VectorOps.dot: four 8-lane sums over 32-float blocks, (s0 + s1) + (s2 + s3), then
/// 8-lane steps, a scalar tail, lanes summed in order, + tail). Products and sums rounded separately.
/// Needs AVX-512F (the caller checks); does nothing off x86-64.
void nk_upsample_columns_backward_avx512(const float *grad, const float *rows, ptrdiff_t width, ptrdiff_t height,
                                         ptrdiff_t target_height, const float *kernel, float *grad_kernel,
                                         float *destination);

/// nk_upsample_columns_backward_avx512 on AVX2 (same operations, same results). Needs AVX2 (the caller checks).
void nk_upsample_columns_backward_avx2(const float *grad, const float *rows, ptrdiff_t width, ptrdiff_t height,
                                       ptrdiff_t target_height, const float *kernel, float *grad_kernel,
                                       float *destination);

/// The overfitted codec's up-sampler, backward of its row pass (Swift: Upsampler.filterRowsBackward),
/// bit-identical to the Swift loops: destination (width x height, all overwritten) is the gradient
/// w.r.t. `source` (width x height) of the x2 row filter (nk_upsample_rows_avx2) given the gradient
/// `grad` (target_width x height, target_width = 2 width - 1 or 2 width) of its output, and the kernel
/// gradient, summed row by row, is added to grad_kernel[0...3]. Interior sources and the kernel
/// gradient of interior outputs go 8 at a time with filterRowBackward's expressions, the rest tap by
/// tap as its `remaining`. `scratch` holds target_width floats. There is no AVX-512 version: 16 lanes
/// gave no speed-up (the scalar edges dominate). Needs AVX2 (the caller checks); does nothing off x86-64.
void nk_upsample_rows_backward_avx2(const float *grad, const float *source, ptrdiff_t width, ptrdiff_t height,
                                    ptrdiff_t target_width, const float *kernel, float *grad_kernel, float *scratch,
                                    float *destination);

/// The overfitted codec's inter-grid features in training (Swift: InterGridContext.trainingFeatures):
/// values[i] = clamp(round(sums[i] + bias), low, high), halves away from zero, and passes[i] = 1 where
/// the clamp left the rounded value as it was, else 0. Exact operations only (the rounding through a
/// truncation of the sum bounded to +-1000), so every build gives the same values; plain C that the
/// compiler vectorises.
void nk_round_clamp(const float *sums, float bias, ptrdiff_t count, float low, float high, float *values,
                    float *passes);

#ifdef __cplusplus
}
#endif

#endif
