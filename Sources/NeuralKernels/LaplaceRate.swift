import Foundation

/// The rate of a quantized Laplace: the bits an ideal entropy coder spends on an integer (or
/// relaxed) value `y` whose probability is the Laplace mass of the bin `[y - 0.5, y + 0.5]`.
///
/// With `b = exp(logScale)` and `F` the Laplace CDF centred on `mean`:
/// `P = max(F(y + 0.5) - F(y - 0.5), 2^-16)` and `bits = -log2 P`. Where the floor is active the
/// gradients are 0 (like a clamp). The mass is computed from exponentials of the distances to the
/// bin edges (never as a difference of two CDFs near 1), so tails stay accurate.
///
/// The caller maps its network output to `logScale`; Cool-chic uses
/// `logScale = clamp(raw - 4, -5, 5)` (scale = exp of that), whose gradient is 1 inside the range
/// and 0 outside.
public enum LaplaceRate {
    /// The probability floor, 2^-16.
    public static let probabilityFloor: Float = 1.0 / 65536
    static let chunk = 1 << 14

    /// Returns the total bits over `count` values (accumulated in Double, in a fixed order) and,
    /// for each gradient buffer given, writes `scale * d bits_i / d (value_i | mean_i | logScale_i)`.
    public static func bits(values: UnsafePointer<Float>, means: UnsafePointer<Float>, logScales: UnsafePointer<Float>,
                            count: Int, gradValues: UnsafeMutablePointer<Float>? = nil,
                            gradMeans: UnsafeMutablePointer<Float>? = nil,
                            gradLogScales: UnsafeMutablePointer<Float>? = nil, scale: Float = 1) -> Double {
        guard count > 0 else { return 0 }
        let chunks = (count + chunk - 1) / chunk
        var partials = [Double](repeating: 0, count: chunks)
        partials.withUnsafeMutableBufferPointer { buffer in
            guard let sums = buffer.baseAddress else { return }
            Parallel.forEach(chunks) { index in
                var total = 0.0
                for i in index * chunk..<min(count, (index + 1) * chunk) {
                    let term = single(value: values[i], mean: means[i], logScale: logScales[i])
                    total += Double(term.bits)
                    gradValues?[i] = scale * term.dValue
                    gradMeans?[i] = -scale * term.dValue
                    gradLogScales?[i] = scale * term.dLogScale
                }
                sums[index] = total
            }
        }
        return partials.reduce(0, +)
    }

    /// Bits of one value and their derivatives with respect to the value and the log-scale (the
    /// derivative with respect to the mean is `-dValue`).
    @inline(__always)
    public static func single(value: Float, mean: Float, logScale: Float) -> (bits: Float, dValue: Float, dLogScale: Float) {
        let b = exp(logScale)
        let inverseB = 1 / b
        // The mass is symmetric in z = value - mean: work with |z| and restore the sign at the end.
        let z = value - mean
        let flip: Float = z < 0 ? -1 : 1
        let d = abs(z)
        let upper = d + 0.5, lower = d - 0.5
        let eUpper = exp(-upper * inverseB)
        let probability: Float
        let eLower: Float
        if lower >= 0 {
            eLower = exp(-lower * inverseB)
            probability = 0.5 * (eLower - eUpper)
        } else {
            eLower = exp(lower * inverseB)
            probability = 1 - 0.5 * eUpper - 0.5 * eLower
        }
        guard probability > probabilityFloor else { return (16, 0, 0) }
        // Densities at the bin edges: exp(-|v| / b) / (2b).
        let pdfUpper = 0.5 * inverseB * eUpper, pdfLower = 0.5 * inverseB * eLower
        let dProbability = pdfUpper - pdfLower
        // d F(v) / d logScale = -pdf(v) * v (v measured from the mean).
        let dProbabilityLogScale = -pdfUpper * upper + pdfLower * lower
        let dBits = -1 / (probability * Float(M_LN2))
        return (-log2(probability), flip * dBits * dProbability, dBits * dProbabilityLogScale)
    }
}
