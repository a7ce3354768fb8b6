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

    /// ``expReducedQ60(_:)`` of two arguments, the same operations on each in two independent chains
    /// (so the processor overlaps them); it stops when both terms are zero, a chain that reached zero
    /// before adding zeros (its later terms are all zero), so both results are those of the
    /// one-argument form.
    static func expReducedQ60(_ aQ32: UInt64, _ bQ32: UInt64) -> (UInt64, UInt64) {
        let a = aQ32 << 28, b = bQ32 << 28
        var powerA: UInt64 = 1 << 60, powerB: UInt64 = 1 << 60
        var sumA: UInt64 = 1 << 60, sumB: UInt64 = 1 << 60
        for k in 1..<taylorTermCount {
            powerA = multiplyShift(powerA, a, 60)
            powerB = multiplyShift(powerB, b, 60)
            let termA = multiplyShift(powerA, inverseFactorialsQ62[k], 62)
            let termB = multiplyShift(powerB, inverseFactorialsQ62[k], 62)
            if termA | termB == 0 { break }
            sumA += termA
            sumB += termB
        }
        return (sumA, sumB)
    }

    /// e^x for `x` in Q32, result in Q`fractionBits` (0...60), truncated; saturates at UInt64.max.
    /// Reduction: x = n ln2 + r with r in [0, ln 2), e^x = 2^n e^r.
    static func exp(_ xQ32: Int64, fractionBits: Int) -> UInt64 {
        let (n, r) = reduced(xQ32)
        return scaled(expReducedQ60(r), power: n, fractionBits: fractionBits)
    }

    /// ``exp(_:fractionBits:)`` of two arguments (the reduced exponentials computed together).
    static func exp(_ xQ32: Int64, _ yQ32: Int64, fractionBits: Int) -> (UInt64, UInt64) {
        let (n, r) = reduced(xQ32), (m, s) = reduced(yQ32)
        let (e, f) = expReducedQ60(r, s)
        return (scaled(e, power: n, fractionBits: fractionBits), scaled(f, power: m, fractionBits: fractionBits))
    }

    /// `x = n ln2 + r` with `r` in [0, ln 2) (Q32).
    private static func reduced(_ xQ32: Int64) -> (n: Int64, r: UInt64) {
        var n = xQ32 / ln2Q32
        var r = xQ32 - n * ln2Q32
        if r < 0 {
            r += ln2Q32
            n -= 1
        }
        return (n, UInt64(r))
    }

    /// `2^n * mantissa` (Q60) in Q`fractionBits`, truncated; saturates at UInt64.max.
    private static func scaled(_ mantissa: UInt64, power n: Int64, fractionBits: Int) -> UInt64 {
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

    /// ``laplaceCDF(_:)`` at two points `t, u >= 0` (the exponentials computed together).
    static func laplaceCDF(nonNegative tQ32: Int64, _ uQ32: Int64) -> (UInt64, UInt64) {
        let (a, b) = exp(-tQ32.magnitudeClamped, -uQ32.magnitudeClamped, fractionBits: 47)
        return (oneQ48 - a, oneQ48 - b)
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
