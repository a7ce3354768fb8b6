/// An integer linear layer for the networks whose outputs choose entropy-coder probabilities:
/// identical results on every platform and thread count (integer arithmetic only).
///
/// Number formats: activations are `Int32` with `activationFractionBits` fractional bits
/// (value = integer / 2^A); weights are `Int32` with `weightFractionBits` (W) fractional bits;
/// biases are `Int64` with `A + W` fractional bits. For each position,
/// `acc = bias[o] + sum_i Int64(weight[o, i]) * Int64(input[i])` in Int64 (wrapping arithmetic,
/// exact unless the sum leaves the Int64 range), then `y = (acc + 2^(W-1)) >> W` (arithmetic
/// shift: round half up), clamped to the Int32 range; with `relu`, `y = max(0, y)`; with
/// `accumulate`, `output = output + y` (clamped), which gives residual layers.
///
/// Layout as in ``Linear``: planar, `input[i * count + p]`, `output[o * count + p]`,
/// `weights[o * inFeatures + i]`.
///
/// Error against the float layer it quantizes (``init(weights:biases:inFeatures:outFeatures:weightFractionBits:activationFractionBits:)``),
/// for inputs already on the activation grid with error `e_i`: at most
/// `sum_i (|w_i| + 2^-(W+1)) e_i + 2^-(W+1) sum_i |x_i| + 2^-(A+W+1) + 2^-(A+1)` per output
/// (weight rounding, bias rounding, output rounding); ReLU and residual adds do not increase it.
public struct FixedPointLinear: Sendable, Equatable {
    public let inFeatures: Int
    public let outFeatures: Int
    public let weights: [Int32]
    public let biases: [Int64]
    public let weightFractionBits: Int

    /// Wraps integer parameters; nil when the counts do not match or `weightFractionBits` is
    /// outside 0...30.
    public init?(inFeatures: Int, outFeatures: Int, weights: [Int32], biases: [Int64], weightFractionBits: Int) {
        guard inFeatures >= 0, outFeatures >= 0, weights.count == inFeatures * outFeatures,
              biases.count == outFeatures, (0...30).contains(weightFractionBits) else { return nil }
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weights = weights
        self.biases = biases
        self.weightFractionBits = weightFractionBits
    }

    /// Quantizes a float layer (row-major `outFeatures x inFeatures` weights): weights rounded to
    /// multiples of 2^-W, biases to multiples of 2^-(A+W) (half away from zero, saturating).
    /// Nil on count mismatch or bit counts outside 0...30.
    public init?(weights: [Float], biases: [Float], inFeatures: Int, outFeatures: Int, weightFractionBits: Int,
                 activationFractionBits: Int) {
        guard (0...30).contains(activationFractionBits), (0...30).contains(weightFractionBits) else { return nil }
        let weightScale = Double(1 << weightFractionBits)
        let biasScale = weightScale * Double(1 << activationFractionBits)
        self.init(inFeatures: inFeatures, outFeatures: outFeatures,
                  weights: weights.map { Int32(clamping: Int64(clampingToInt64: (Double($0) * weightScale).rounded())) },
                  biases: biases.map { Int64(clampingToInt64: (Double($0) * biasScale).rounded()) },
                  weightFractionBits: weightFractionBits)
    }

    /// Runs the layer on `count` positions. `output` must not alias `input`. Does nothing when
    /// `count`, `inFeatures` or `outFeatures` is 0.
    public func apply(input: UnsafePointer<Int32>, count: Int, output: UnsafeMutablePointer<Int32>,
                      relu: Bool = false, accumulate: Bool = false) {
        guard count > 0, inFeatures > 0, outFeatures > 0 else { return }
        let inFeatures = inFeatures, outFeatures = outFeatures, shift = Int64(weightFractionBits)
        let half: Int64 = weightFractionBits > 0 ? 1 << (shift - 1) : 0
        weights.withUnsafeBufferPointer { weightBuffer in
            biases.withUnsafeBufferPointer { biasBuffer in
                guard let w = weightBuffer.baseAddress,
                      let b = biasBuffer.baseAddress else { return }
                Parallel.forRanges(count: count, grain: 1024) { range in
                    var acc = [Int64](repeating: 0, count: range.count)
                    acc.withUnsafeMutableBufferPointer { accBuffer in
                        guard let sums = accBuffer.baseAddress else { return }
                        for o in 0..<outFeatures {
                            sums.update(repeating: b[o] &+ half, count: range.count)
                            for i in 0..<inFeatures {
                                let weight = Int64(w[o * inFeatures + i])
                                let x = input + i * count + range.lowerBound
                                for j in 0..<range.count { sums[j] = sums[j] &+ weight &* Int64(x[j]) }
                            }
                            let y = output + o * count + range.lowerBound
                            for j in 0..<range.count {
                                var value = Int32(clamping: sums[j] >> shift)
                                if relu { value = max(0, value) }
                                y[j] = accumulate ? Int32(clamping: Int64(y[j]) + Int64(value)) : value
                            }
                        }
                    }
                }
            }
        }
    }
}

extension Int64 {
    /// Converts a Double, saturating at the Int64 range (NaN becomes 0).
    init(clampingToInt64 value: Double) {
        if value.isNaN { self = 0 } else if value >= 9.2e18 { self = .max } else if value <= -9.2e18 { self = .min } else { self = Int64(value) }
    }
}
