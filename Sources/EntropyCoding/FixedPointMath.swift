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
        return inverseFactorialsQ62.withUnsafeBufferPointer { inverseFactorials in
            for k in 1..<taylorTermCount {
                power = multiplyShift(power, r, 60)
                let term = multiplyShift(power, inverseFactorials[k], 62)
                if term == 0 { break }
                sum += term
            }
            return sum
        }
    }

    /// ``expReducedQ60(_:)`` of four arguments, the same operations on each in four independent
    /// chains (so the processor overlaps them); it stops when all four terms are zero, a chain that
    /// reached zero before adding zeros (its later terms are all zero), so the results are those of
    /// the one-argument form.
    static func expReducedQ60(_ a: UInt64, _ b: UInt64, _ c: UInt64, _ d: UInt64) -> (UInt64, UInt64, UInt64, UInt64) {
        let x = (a << 28, b << 28, c << 28, d << 28)
        var power: (UInt64, UInt64, UInt64, UInt64) = (1 << 60, 1 << 60, 1 << 60, 1 << 60)
        var sum = power
        return inverseFactorialsQ62.withUnsafeBufferPointer { inverseFactorials in
            for k in 1..<taylorTermCount {
                power = (multiplyShift(power.0, x.0, 60), multiplyShift(power.1, x.1, 60),
                         multiplyShift(power.2, x.2, 60), multiplyShift(power.3, x.3, 60))
                let f = inverseFactorials[k]
                let term = (multiplyShift(power.0, f, 62), multiplyShift(power.1, f, 62),
                            multiplyShift(power.2, f, 62), multiplyShift(power.3, f, 62))
                if term.0 | term.1 | term.2 | term.3 == 0 { break }
                sum = (sum.0 + term.0, sum.1 + term.1, sum.2 + term.2, sum.3 + term.3)
            }
            return sum
        }
    }

    /// e^x for `x` in Q32, result in Q`fractionBits` (0...60), truncated; saturates at UInt64.max.
    /// Reduction: x = n ln2 + r with r in [0, ln 2), e^x = 2^n e^r.
    static func exp(_ xQ32: Int64, fractionBits: Int) -> UInt64 {
        let (n, r) = reduced(xQ32)
        return scaled(expReducedQ60(r), power: n, fractionBits: fractionBits)
    }

    /// ``exp(_:fractionBits:)`` of four arguments (the reduced exponentials computed together).
    static func exp(_ xQ32: (Int64, Int64, Int64, Int64), fractionBits: Int) -> (UInt64, UInt64, UInt64, UInt64) {
        let (n0, r0) = reduced(xQ32.0), (n1, r1) = reduced(xQ32.1), (n2, r2) = reduced(xQ32.2), (n3, r3) = reduced(xQ32.3)
        let e = expReducedQ60(r0, r1, r2, r3)
        return (scaled(e.0, power: n0, fractionBits: fractionBits), scaled(e.1, power: n1, fractionBits: fractionBits),
                scaled(e.2, power: n2, fractionBits: fractionBits), scaled(e.3, power: n3, fractionBits: fractionBits))
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

    /// ``laplaceCDF(_:)`` at four points `t >= 0` (the exponentials computed together).
    static func laplaceCDF(nonNegative tQ32: (Int64, Int64, Int64, Int64)) -> (UInt64, UInt64, UInt64, UInt64) {
        let e = exp((-tQ32.0.magnitudeClamped, -tQ32.1.magnitudeClamped, -tQ32.2.magnitudeClamped, -tQ32.3.magnitudeClamped),
                    fractionBits: 47)
        return (oneQ48 - e.0, oneQ48 - e.1, oneQ48 - e.2, oneQ48 - e.3)
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
