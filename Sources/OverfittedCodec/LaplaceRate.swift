import Foundation

/// The training-time rate of a latent under the ARM's Laplace: `-log2 P(bin)` with
/// `P(bin) = F(value + 1/2) - F(value - 1/2)` for the Laplace CDF `F` of location `mean` and scale
/// `exp(logScale)`, floored at 2^-16 (as Cool-chic does). Float, libm-based: used only to train; the
/// bitstream's probabilities come from the integer ARM and the entropy layer's tables.
enum LaplaceRate {
    /// Bounds of the log-scale (natural log of the Laplace scale) the ARM may output.
    static let logScaleRange: ClosedRange<Float> = -4.5...5.0
    static let floorProbability: Float = 1.0 / 65536

    /// Bits and their derivatives w.r.t. the value, the mean and the log-scale.
    @inline(__always)
    static func bits(value: Float, mean: Float, logScale: Float) -> (bits: Float, dValue: Float, dMean: Float, dLogScale: Float) {
        let b = Foundation.exp(logScale)
        let inverse = 1 / b
        let upper = value - mean + 0.5
        let lower = value - mean - 0.5
        let eUpper = Foundation.exp(-abs(upper) * inverse)
        let eLower = Foundation.exp(-abs(lower) * inverse)
        let probability: Float
        if lower >= 0 {
            probability = 0.5 * (eLower - eUpper)
        } else if upper <= 0 {
            probability = 0.5 * (eUpper - eLower)
        } else {
            probability = 1 - 0.5 * eUpper - 0.5 * eLower
        }
        guard probability > floorProbability else {
            return (16, 0, 0, 0)
        }
        // Densities f(x) = exp(-|x| / b) / (2b).
        let fUpper = 0.5 * eUpper * inverse
        let fLower = 0.5 * eLower * inverse
        let dBitsdP = -1 / (probability * Float(M_LN2))
        let dPdValue = fUpper - fLower
        let dPdLogScale = -upper * fUpper + lower * fLower
        let bits = -Foundation.log2(probability)
        return (bits, dBitsdP * dPdValue, -dBitsdP * dPdValue, dBitsdP * dPdLogScale)
    }
}
