/// Vector `exp`, `tanh` and `log2` for the training loops, on eight lanes, in plain multiplies and
/// adds (no libm, no fused multiply-add), so they vectorise on the baseline x86-64 target and give
/// the same results on every machine.
///
/// `exp`: Cody-Waite range reduction `x = n ln2 + r` (ln2 split in two parts) and a degree-6
/// polynomial for `e^r` on `|r| <= ln2 / 2` (the classic minimax coefficients of Cephes' `expf`),
/// then scaling by `2^n` through the exponent bits; inputs are clamped to [-87, 88] (results stay
/// normal). Relative error about 2e-7.
/// `tanh`: `(1 - e) / (1 + e)` with `e = exp(-2|x|)`, and its odd Taylor series below |x| = 1/8
/// (where the quotient would lose relative precision). Absolute error below 3e-7.
/// `log2`: for positive normal inputs, exponent plus `2 atanh(s) / ln 2` with `s = (m - 1) / (m + 1)`,
/// `m` in [sqrt(1/2), sqrt(2)), series to `s^9`. Error below 3e-7 times max(1, |log2 x|), i.e.
/// about one unit in the last place of the result.
public enum FastMath {
    public typealias Vector = SIMD8<Float>

    @inline(__always)
    public static func exp(_ x: Vector) -> Vector {
        var clamped = x.replacing(with: -87, where: x .< -87)
        clamped.replace(with: 88, where: x .> 88)
        let n = roundedToNearest(clamped * 1.442_695_04)
        let r = clamped - n * 0.693_359_375 + n * 2.121_944_4e-4
        var p = Vector(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_95e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_59e-2
        p = p * r + 1.666_666_55e-1
        p = p * r + 5.000_000_12e-1
        let mantissa = p * (r * r) + r + 1
        // 2^n: n + 127 + 2^23 has the bits 0x4B000000 + n + 127 (n is integral, |n| <= 127).
        let biased = unsafeBitCast(n + 8_388_735, to: SIMD8<Int32>.self) &- 0x4B00_0000
        return mantissa * unsafeBitCast(biased &<< 23, to: Vector.self)
    }

    @inline(__always)
    public static func tanh(_ x: Vector) -> Vector {
        var magnitude = absolute(x)
        magnitude.replace(with: 9, where: magnitude .> 9)
        let e = exp(-2 * magnitude)
        var result = (1 - e) / (1 + e)
        let x2 = magnitude * magnitude
        var series = Vector(repeating: 62.0 / 2835)
        series = series * x2 - 17.0 / 315
        series = series * x2 + 2.0 / 15
        series = series * x2 - 1.0 / 3
        series = (series * x2 + 1) * magnitude
        result.replace(with: series, where: magnitude .< 0.125)
        return result.replacing(with: -result, where: x .< 0)
    }

    /// Round to nearest, ties to even, by adding and subtracting 1.5 * 2^23 (exact for |x| < 2^22;
    /// larger floats are already integers and are returned unchanged). Generic `rounded(_:)` on SIMD
    /// vectors is not vectorised by the compiler; this is.
    @inline(__always)
    public static func roundedToNearest(_ x: Vector) -> Vector {
        let shifted = (x + 12_582_912) - 12_582_912
        return shifted.replacing(with: x, where: absolute(x) .>= 4_194_304)
    }

    /// `floor(x)` lane by lane (see ``roundedToNearest(_:)``).
    @inline(__always)
    public static func floor(_ x: Vector) -> Vector {
        let nearest = roundedToNearest(x)
        return nearest.replacing(with: nearest - 1, where: nearest .> x)
    }

    /// `|x|` lane by lane (clears the sign bit).
    @inline(__always)
    public static func absolute(_ x: Vector) -> Vector {
        unsafeBitCast(unsafeBitCast(x, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Vector.self)
    }

    /// `log2(x)` for positive normal `x` (zero, negative and subnormal inputs are not handled).
    @inline(__always)
    public static func log2(_ x: Vector) -> Vector {
        let bits = unsafeBitCast(x, to: SIMD8<Int32>.self)
        var exponent = (bits &>> 23) &- 127
        var m = unsafeBitCast((bits & 0x007F_FFFF) | 0x3F80_0000, to: Vector.self)
        let high = m .> 1.414_213_56
        m.replace(with: m * 0.5, where: high)
        exponent.replace(with: exponent &+ 1, where: high)
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        var p = Vector(repeating: 1.0 / 9)
        p = p * s2 + 1.0 / 7
        p = p * s2 + 1.0 / 5
        p = p * s2 + 1.0 / 3
        p = p * s2 + 1
        // Int32 -> Float without a conversion instruction: the bits 0x4B400000 + e are 1.5 * 2^23 + e.
        let exponentValue = unsafeBitCast(exponent &+ 0x4B40_0000, to: Vector.self) - 12_582_912
        return exponentValue + (2 * 1.442_695_04) * s * p
    }
}
