/// Integer-only transcendental functions used to build probability tables. Every operation is an
/// integer add, shift, 64x64->128-bit multiply or 128/64-bit divide, so the results are identical
/// on every platform and build. Notation: `Qn` is a fixed-point number with `n` fraction bits.
enum FixedPointMath {
    /// round(ln 2 * 2^32).
    static let ln2Q32: Int64 = 2_977_044_472
    /// Number of Taylor terms kept by `expReducedQ60` (the 25th term is below 2^-60 for r < ln 2).
    static let taylorTermCount = 25
    /// 1/k! in Q62 for k = 0 ..< taylorTermCount, computed by repeated integer division.
    static let inverseFactorialsQ62: [UInt64] = {
        var values: [UInt64] = [1 << 62]
        for k in 1..<UInt64(taylorTermCount) { values.append(values[values.count - 1] / k) }
        return values
    }()

    /// `(a * b) >> shift` with a 128-bit intermediate; the caller guarantees the result fits.
    static func multiplyShift(_ a: UInt64, _ b: UInt64, _ shift: Int) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        if shift == 0 { return low }
        return (high << UInt64(64 - shift)) | (low >> UInt64(shift))
    }

    /// e^r for `r` in [0, ln 2] given in Q32; result in Q60 (so in [2^60, 2^61]).
    /// Taylor series sum_k r^k / k!, powers truncated to Q60, terms to Q60.
    /// Stops at the first zero term: powers and 1/k! never increase (r < 1), so every later term is
    /// zero too.
    static func expReducedQ60(_ rQ32: UInt64) -> UInt64 {
        let r = rQ32 << 28
        var power: UInt64 = 1 << 60
        var sum: UInt64 = 1 << 60
        for k in 1..<taylorTermCount {
            power = multiplyShift(power, r, 60)
            let term = multiplyShift(power, inverseFactorialsQ62[k], 62)
            if term == 0 { break }
            sum += term
        }
        return sum
    }

    /// e^x for `x` in Q32, result in Q`fractionBits` (0...60), truncated; saturates at UInt64.max.
    /// Reduction: x = n ln2 + r with r in [0, ln 2), e^x = 2^n e^r.
    static func exp(_ xQ32: Int64, fractionBits: Int) -> UInt64 {
        var n = xQ32 / ln2Q32
        var r = xQ32 - n * ln2Q32
        if r < 0 {
            r += ln2Q32
            n -= 1
        }
        let mantissa = expReducedQ60(UInt64(r))
        let rightShift = 60 - Int64(fractionBits) - n
        if rightShift >= 64 { return 0 }
        if rightShift >= 0 { return mantissa >> UInt64(rightShift) }
        if rightShift <= -3 { return .max }
        return mantissa << UInt64(-rightShift)
    }

    // MARK: Standard distributions (scale 1), probabilities in Q48.

    static let oneQ48: UInt64 = 1 << 48

    /// P(X <= t) for the standard Laplace (density e^{-|t|}/2), `t` in Q32.
    static func laplaceCDF(_ tQ32: Int64) -> UInt64 {
        let halfTail = exp(-tQ32.magnitudeClamped, fractionBits: 47)
        return tQ32 >= 0 ? oneQ48 - halfTail : halfTail
    }

    /// P(X <= t) for the standard logistic (CDF 1 / (1 + e^{-t})), `t` in Q32.
    static func logisticCDF(_ tQ32: Int64) -> UInt64 {
        let tail = exp(-tQ32.magnitudeClamped, fractionBits: 48)
        // 2^96 / (2^48 + tail) = 2^48 / (1 + e^{-|t|}) in Q48.
        let upper = (oneQ48 + tail).dividingFullWidth((high: 1 << 32, low: 0)).quotient
        return tQ32 >= 0 ? upper : oneQ48 - upper
    }

    /// P(X <= t) for the standard normal, `t` in Q32. See ``GaussianIntegral``.
    static func gaussianCDF(_ tQ32: Int64) -> UInt64 {
        let half = GaussianIntegral.shared.upperHalfCDF(UInt64(tQ32.magnitudeClamped))
        return tQ32 >= 0 ? half : oneQ48 - half
    }
}

extension Int64 {
    /// |self|, clamped to 2^40 (beyond which every CDF here is saturated).
    var magnitudeClamped: Int64 { Swift.min(self.magnitude, 1 << 40).toInt64 }
}
extension UInt64 {
    var toInt64: Int64 { Int64(truncatingIfNeeded: self) }
}
