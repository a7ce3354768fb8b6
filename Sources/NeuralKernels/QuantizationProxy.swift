import Foundation
import CNeuralKernels

/// Differentiable stand-ins for rounding used while training latents.
///
/// - Additive noise: `x + u`, `u` uniform in `[-amplitude, amplitude)` or approximately Gaussian;
///   gradient 1.
/// - Soft-round (Agustsson & Theis 2020, "Universally Quantized Neural Compression"): with
///   `a = 1 / temperature`, `m = floor(x) + 0.5` and `r = x - m`,
///   `s(x) = m + 0.5 * tanh(a r) / tanh(a / 2)`; it tends to `round` as the temperature goes to 0
///   and to the identity as it grows. Gradient `0.5 a (1 - tanh^2(a r)) / tanh(a / 2)`.
/// - Straight-through rounding: forward `round` (half away from zero), backward identity (so the
///   backward is simply passing the gradient on).
public enum QuantizationProxy {
    static let grain = 1 << 15
    /// Whether the CPU has AVX-512DQ's 64-bit vector products (the noise kernel's fast form).
    static let hasAVX512DQ = nk_avx512dq_available() != 0

    /// `output[i] = x[i] + amplitude * (2 u_i - 1)` where `u_i` in [0, 1) depends only on `seed`
    /// and `offset + i` (a counter-based generator), so the noise is the same for any thread count
    /// and can be regenerated. May run in place.
    public static func addUniformNoise(_ x: UnsafePointer<Float>, count: Int, amplitude: Float = 0.5, seed: UInt64,
                                       offset: UInt64 = 0, output: UnsafeMutablePointer<Float>) {
        Parallel.forRanges(count: count, grain: grain) { range in
            for i in range {
                output[i] = x[i] + amplitude * (2 * uniform(seed: seed, index: offset &+ UInt64(i)) - 1)
            }
        }
    }

    /// `output[i] = x[i] + standardDeviation * n_i` with `n_i` approximately standard normal: the
    /// centred sum of four counter-based uniforms (Irwin-Hall, scaled to unit variance; bounded by
    /// +-2 sqrt(3)), so it needs no libm and is the same for any thread count. Cool-chic 5 trains
    /// with Gaussian noise of standard deviation 0.22 -> 0.15 inside the soft-round. May run in place.
    /// At `level` AVX2 or above (at most ``Acceleration/level``; tests pass `.portable` to compare)
    /// `nk_add_gaussian_noise_avx2`, or with AVX-512DQ `nk_add_gaussian_noise_avx512dq` (about 4
    /// times faster than the Swift loop), does the same operations.
    public static func addGaussianNoise(_ x: UnsafePointer<Float>, count: Int, standardDeviation: Float, seed: UInt64,
                                        offset: UInt64 = 0, output: UnsafeMutablePointer<Float>,
                                        level: Acceleration.Level = Acceleration.level) {
        let noise = GaussianNoise(standardDeviation: standardDeviation, seed: seed, offset: offset, level: level)
        Parallel.forRanges(count: count, grain: grain) { range in noise.add(x, range: range, output: output) }
    }

    /// The noise of ``addGaussianNoise(_:count:standardDeviation:seed:offset:output:level:)``, added
    /// to one range of positions on the calling thread.
    private struct GaussianNoise {
        let scale: Float
        let seed: UInt64
        let offset: UInt64
        let kernel: (@convention(c) (UnsafePointer<Float>?, Int, Float, UInt64, UInt64, UnsafeMutablePointer<Float>?) -> Void)?

        init(standardDeviation: Float, seed: UInt64, offset: UInt64, level: Acceleration.Level) {
            scale = standardDeviation * Float(3).squareRoot()
            self.seed = seed
            self.offset = offset
            let level = min(level, Acceleration.level)
            kernel = level >= .avx512 && hasAVX512DQ ? nk_add_gaussian_noise_avx512dq
                : level >= .avx2 ? nk_add_gaussian_noise_avx2 : nil
        }

        func add(_ x: UnsafePointer<Float>, range: Range<Int>, output: UnsafeMutablePointer<Float>) {
            if let kernel {
                kernel(x + range.lowerBound, range.count, scale, seed, offset &+ UInt64(range.lowerBound),
                       output + range.lowerBound)
                return
            }
            for i in range {
                let base = (offset &+ UInt64(i)) &* 4
                let sum = uniform(seed: seed, index: base) + uniform(seed: seed, index: base &+ 1)
                    + uniform(seed: seed, index: base &+ 2) + uniform(seed: seed, index: base &+ 3)
                output[i] = x[i] + scale * (sum - 2)
            }
        }
    }

    /// A uniform value in [0, 1) (24 random bits) from a counter: SplitMix64 finaliser of
    /// `seed` and `index`.
    @inline(__always)
    public static func uniform(seed: UInt64, index: UInt64) -> Float {
        var z = seed &+ index &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Float(z >> 40) * (1.0 / 16_777_216)
    }

    /// Soft-round forward; may run in place. `temperature` must be positive (values <= 0 are
    /// treated as hard rounding of the fraction, i.e. `round`).
    /// At `level` AVX2 or above (at most ``Acceleration/level``; tests pass `.portable` to compare)
    /// `nk_soft_round_avx2` does the same operations.
    public static func softRound(_ x: UnsafePointer<Float>, count: Int, temperature: Float,
                                 output: UnsafeMutablePointer<Float>, level: Acceleration.Level = Acceleration.level) {
        guard temperature > 0 else {
            straightThroughRound(x, count: count, output: output)
            return
        }
        let softRound = SoftRound(temperature: temperature, level: level)
        Parallel.forRanges(count: count, grain: grain) { range in softRound.forward(x, range: range, output: output) }
    }

    /// Soft-round backward: `gradInput[i] (+)= s'(x[i]) * gradOutput[i]`, `x` the forward input.
    /// At `level` AVX2 or above, `nk_soft_round_backward_avx2` does the same operations.
    public static func softRoundBackward(_ x: UnsafePointer<Float>, count: Int, temperature: Float,
                                         gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>,
                                         accumulate: Bool = false, level: Acceleration.Level = Acceleration.level) {
        guard temperature > 0 else { return }
        let softRound = SoftRound(temperature: temperature, level: level)
        Parallel.forRanges(count: count, grain: grain) { range in
            softRound.backward(x, range: range, gradOutput: gradOutput, gradInput: gradInput, accumulate: accumulate)
        }
    }

    /// The training proxy of a latent `x`: `output = softRound(noisy, t)` with `noisy = softRound(x, t)
    /// + noise` (the noise of ``addGaussianNoise(_:count:standardDeviation:seed:offset:output:level:)``
    /// with the same seed and offset). The same values as the three calls, made block by block so
    /// that a block stays in cache between them. For the backward pass it writes the factors
    /// `1 - tanh^2` of the two soft-rounds' derivatives: `derivatives[i]` for the inner one (at `x`),
    /// `derivatives[count + i]` for the outer one (at `noisy`), so that the backward computes no
    /// tanh. `derivatives` holds `2 * count` values; they are not written at temperature 0.
    public static func noisySoftRound(_ x: UnsafePointer<Float>, count: Int, temperature: Float, standardDeviation: Float,
                                      seed: UInt64, offset: UInt64, derivatives: UnsafeMutablePointer<Float>,
                                      output: UnsafeMutablePointer<Float>, level: Acceleration.Level = Acceleration.level) {
        guard temperature > 0 else {
            softRound(x, count: count, temperature: temperature, output: output, level: level)
            addGaussianNoise(output, count: count, standardDeviation: standardDeviation, seed: seed, offset: offset,
                             output: output, level: level)
            softRound(output, count: count, temperature: temperature, output: output, level: level)
            return
        }
        let softRound = SoftRound(temperature: temperature, level: level)
        let noise = GaussianNoise(standardDeviation: standardDeviation, seed: seed, offset: offset, level: level)
        Parallel.forRanges(count: count, grain: grain) { range in
            softRound.forward(x, range: range, output: output, derivative: derivatives)
            noise.add(output, range: range, output: output)
            softRound.forward(output, range: range, output: output, derivative: derivatives + count)
        }
    }

    /// Backward of ``noisySoftRound(_:count:temperature:standardDeviation:seed:offset:derivatives:output:level:)``
    /// (the noise's gradient is 1) from the derivative factors it wrote: `gradInput = s'(x) * s'(noisy)
    /// * gradOutput`, overwritten; may run in place (`gradInput == gradOutput`). Bit for bit the values
    /// of the two ``softRoundBackward`` calls (outer, then inner), block by block.
    public static func noisySoftRoundBackward(derivatives: UnsafePointer<Float>, count: Int, temperature: Float,
                                              gradOutput: UnsafePointer<Float>, gradInput: UnsafeMutablePointer<Float>) {
        guard temperature > 0 else {
            if UnsafePointer(gradInput) != gradOutput { gradInput.update(from: gradOutput, count: count) }
            return
        }
        let scale = SoftRound(temperature: temperature, level: .portable).backwardScale
        Parallel.forRanges(count: count, grain: grain) { range in
            var i = range.lowerBound
            while i < range.upperBound {
                let lanes = min(8, range.upperBound - i)
                let g = VectorLanes.load(gradOutput + i, count: lanes)
                let outer = VectorLanes.load(derivatives + count + i, count: lanes)
                let inner = VectorLanes.load(derivatives + i, count: lanes)
                VectorLanes.store(((g * scale) * outer * scale) * inner, to: gradInput + i, count: lanes)
                i += lanes
            }
        }
    }

    /// Soft-round at one positive temperature, forward and backward on one range of positions on
    /// the calling thread.
    private struct SoftRound {
        /// `1 / temperature`.
        let sharpness: Float
        /// `0.5 / tanh(a / 2)`, and the backward's `0.5 a / tanh(a / 2)`.
        let forwardScale: Float
        let backwardScale: Float
        /// The kernels' level: AVX2 (8 lanes) or AVX-512 (16 lanes, the forward only), else Swift.
        let level: Acceleration.Level

        init(temperature: Float, level: Acceleration.Level) {
            sharpness = 1 / temperature
            forwardScale = 0.5 / tanh(sharpness / 2)
            backwardScale = 0.5 * sharpness / tanh(sharpness / 2)
            self.level = min(level, Acceleration.level)
        }

        /// The soft-round of `x` over `range` into `output` (may be `x`), and `1 - tanh^2` of it into
        /// `derivative` unless that is nil.
        func forward(_ x: UnsafePointer<Float>, range: Range<Int>, output: UnsafeMutablePointer<Float>,
                     derivative: UnsafeMutablePointer<Float>? = nil) {
            if level >= .avx2 {
                let kernel = level >= .avx512 ? nk_soft_round_avx512 : nk_soft_round_avx2
                kernel(x + range.lowerBound, range.count, sharpness, forwardScale, output + range.lowerBound,
                       derivative.map { $0 + range.lowerBound })
                return
            }
            var i = range.lowerBound
            while i < range.upperBound {
                let lanes = min(8, range.upperBound - i)
                let v = VectorLanes.load(x + i, count: lanes)
                let m = FastMath.floor(v) + 0.5
                let t = FastMath.tanh(sharpness * (v - m))
                VectorLanes.store(m + forwardScale * t, to: output + i, count: lanes)
                if let derivative { VectorLanes.store(1 - t * t, to: derivative + i, count: lanes) }
                i += lanes
            }
        }

        func backward(_ x: UnsafePointer<Float>, range: Range<Int>, gradOutput: UnsafePointer<Float>,
                      gradInput: UnsafeMutablePointer<Float>, accumulate: Bool) {
            if level >= .avx2 {
                nk_soft_round_backward_avx2(x + range.lowerBound, range.count, sharpness, backwardScale,
                                            gradOutput + range.lowerBound, gradInput + range.lowerBound, accumulate ? 1 : 0)
                return
            }
            var i = range.lowerBound
            while i < range.upperBound {
                let lanes = min(8, range.upperBound - i)
                let v = VectorLanes.load(x + i, count: lanes)
                let m = FastMath.floor(v) + 0.5
                let t = FastMath.tanh(sharpness * (v - m))
                var d = VectorLanes.load(gradOutput + i, count: lanes) * backwardScale * (1 - t * t)
                if accumulate { d += VectorLanes.load(gradInput + i, count: lanes) }
                VectorLanes.store(d, to: gradInput + i, count: lanes)
                i += lanes
            }
        }
    }

    /// `output[i] = round(x[i])` (half away from zero); the backward pass is the identity.
    public static func straightThroughRound(_ x: UnsafePointer<Float>, count: Int, output: UnsafeMutablePointer<Float>) {
        Parallel.forRanges(count: count, grain: grain) { range in
            for i in range { output[i] = x[i].rounded(.toNearestOrAwayFromZero) }
        }
    }
}
