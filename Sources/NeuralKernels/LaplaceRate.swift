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
        Parallel.sumOverRanges(count: count, grain: chunk) { range in
            var total = 0.0
            var i = range.lowerBound
            while i < range.upperBound {
                let lanes = min(8, range.upperBound - i)
                let term = eight(value: VectorLanes.load(values + i, count: lanes),
                                 mean: VectorLanes.load(means + i, count: lanes),
                                 logScale: VectorLanes.load(logScales + i, count: lanes))
                for lane in 0..<lanes { total += Double(term.bits[lane]) }
                if let gradValues { VectorLanes.store(scale * term.dValue, to: gradValues + i, count: lanes) }
                if let gradMeans { VectorLanes.store(-scale * term.dValue, to: gradMeans + i, count: lanes) }
                if let gradLogScales { VectorLanes.store(scale * term.dLogScale, to: gradLogScales + i, count: lanes) }
                i += lanes
            }
            return total
        }
    }

    public typealias Vector = SIMD8<Float>

    /// Bits of one value and their derivatives with respect to the value and the log-scale (the
    /// derivative with respect to the mean is `-dValue`): lane 0 of ``eight(value:mean:logScale:)``.
    public static func single(value: Float, mean: Float, logScale: Float) -> (bits: Float, dValue: Float, dLogScale: Float) {
        let term = eight(value: Vector(repeating: value), mean: Vector(repeating: mean), logScale: Vector(repeating: logScale))
        return (term.bits[0], term.dValue[0], term.dLogScale[0])
    }

    /// Bits of eight values and their derivatives with respect to the values and the log-scales,
    /// using ``FastMath`` (no libm: the same results on every machine).
    @inline(__always)
    public static func eight(value: Vector, mean: Vector, logScale: Vector) -> (bits: Vector, dValue: Vector, dLogScale: Vector) {
        let inverseB = 1 / FastMath.exp(logScale)
        // The mass is symmetric in z = value - mean: work with |z| and restore the sign at the end.
        let z = value - mean
        let d = FastMath.absolute(z)
        let upper = d + 0.5, lower = d - 0.5
        // exp(-|v| / b) at both bin edges (the lower edge may lie on either side of the mean).
        let eUpper = FastMath.exp(-upper * inverseB)
        let eLower = FastMath.exp(-FastMath.absolute(lower) * inverseB)
        var probability = 1 - 0.5 * eUpper - 0.5 * eLower
        probability.replace(with: 0.5 * (eLower - eUpper), where: lower .>= 0)
        let floored = probability .<= probabilityFloor
        let safeProbability = probability.replacing(with: 1, where: floored)
        // Densities at the bin edges: exp(-|v| / b) / (2b).
        let pdfUpper = 0.5 * inverseB * eUpper, pdfLower = 0.5 * inverseB * eLower
        let dProbability = pdfUpper - pdfLower
        // d F(v) / d logScale = -pdf(v) * v (v measured from the mean).
        let dProbabilityLogScale = -pdfUpper * upper + pdfLower * lower
        let dBits = -1 / (safeProbability * Float(M_LN2))
        var dValue = dBits * dProbability
        dValue.replace(with: -dValue, where: z .< 0)
        let zero = Vector(repeating: 0)
        return (-FastMath.log2(safeProbability).replacing(with: -16, where: floored),
                dValue.replacing(with: zero, where: floored),
                (dBits * dProbabilityLogScale).replacing(with: zero, where: floored))
    }
}
