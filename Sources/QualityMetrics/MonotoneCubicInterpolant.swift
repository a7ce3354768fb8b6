/// Piecewise cubic Hermite interpolant that preserves monotonicity (F. N. Fritsch and R. E. Carlson,
/// "Monotone piecewise cubic interpolation", SIAM J. Numer. Anal. 17, 1980). Interior slopes are the
/// weighted harmonic mean of the neighbouring secants (Fritsch & Butland 1984), zero at a local extremum;
/// end slopes use the shape-preserving three-point formula; with two points the interpolant is linear.
/// These are the choices of MATLAB's and SciPy's `pchip`.
struct MonotoneCubicInterpolant {
    private let x: [Double]
    private let y: [Double]
    private let slopes: [Double]

    /// `x` strictly increasing, at least 2 points.
    init(x: [Double], y: [Double]) {
        self.x = x
        self.y = y
        slopes = Self.derivatives(x: x, y: y)
    }

    /// Exact integral over [low, high] inside [x.first, x.last], summing each interval's cubic.
    func integral(from low: Double, to high: Double) -> Double {
        var total = 0.0
        for k in 0..<(x.count - 1) {
            let start = max(low, x[k]), end = min(high, x[k + 1])
            if end > start { total += segmentIntegral(k, from: start, to: end) }
        }
        return total
    }

    /// On [x_k, x_k+1] with s = x - x_k: p(s) = y_k + d_k s + c2 s^2 + c3 s^3.
    private func segmentIntegral(_ k: Int, from start: Double, to end: Double) -> Double {
        let h = x[k + 1] - x[k]
        let secant = (y[k + 1] - y[k]) / h
        let c2 = (3 * secant - 2 * slopes[k] - slopes[k + 1]) / h
        let c3 = (slopes[k] + slopes[k + 1] - 2 * secant) / (h * h)
        func antiderivative(_ s: Double) -> Double {
            y[k] * s + slopes[k] * s * s / 2 + c2 * s * s * s / 3 + c3 * s * s * s * s / 4
        }
        return antiderivative(end - x[k]) - antiderivative(start - x[k])
    }

    private static func derivatives(x: [Double], y: [Double]) -> [Double] {
        let n = x.count
        let h = (0..<(n - 1)).map { x[$0 + 1] - x[$0] }
        let secants = (0..<(n - 1)).map { (y[$0 + 1] - y[$0]) / h[$0] }
        if n == 2 { return [secants[0], secants[0]] }
        var d = [Double](repeating: 0, count: n)
        for k in 1..<(n - 1) {
            let (m0, m1) = (secants[k - 1], secants[k])
            guard m0 * m1 > 0 else { continue }
            let w1 = 2 * h[k] + h[k - 1], w2 = h[k] + 2 * h[k - 1]
            d[k] = (w1 + w2) / (w1 / m0 + w2 / m1)
        }
        d[0] = endSlope(h0: h[0], h1: h[1], m0: secants[0], m1: secants[1])
        d[n - 1] = endSlope(h0: h[n - 2], h1: h[n - 3], m0: secants[n - 2], m1: secants[n - 3])
        return d
    }

    /// Three-point end slope, set to 0 if its sign differs from the end secant's and limited to 3x the
    /// secant when the secants change sign.
    private static func endSlope(h0: Double, h1: Double, m0: Double, m1: Double) -> Double {
        let d = ((2 * h0 + h1) * m0 - h0 * m1) / (h0 + h1)
        if d * m0 <= 0 { return 0 }
        if sign(m0) != sign(m1) && abs(d) > abs(3 * m0) { return 3 * m0 }
        return d
    }

    private static func sign(_ value: Double) -> Int { value > 0 ? 1 : (value < 0 ? -1 : 0) }
}
